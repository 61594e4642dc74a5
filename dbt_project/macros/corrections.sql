{#
    Analysts' corrections applied to the facts (models/intermediate/int_facts_*).
    The fields a correction can name, as the command takes them; each
    int_facts_* model says which column of its facts each field corrects.
#}
{% macro correctable_fields() -%}
    {{ return(["payer", "region", "year", "year_from", "amount", "product", "level"]) }}
{%- endmacro %}

{#
    The fact's column, or the value of the live correction of `field` cast
    to `data_type` (a correction may clear a field: its value is then null).
#}
{% macro corrected_value(field, column, data_type) -%}
    case
        when corrections.{{ field }}_is_corrected
            then cast(corrections.{{ field }}_value as {{ data_type }})
        else facts.{{ column }}
    end
{%- endmacro %}

{#
    A place or party the analyst renamed is resolved from the new name: the
    extractor's code was for the old one.
#}
{% macro corrected_code(field, code_column) -%}
    case when corrections.{{ field }}_is_corrected then null else facts.{{ code_column }} end
{%- endmacro %}

{#
    The joins every int_facts_* model makes: each fact's live corrections,
    and the retractions of its article.
#}
{% macro correction_joins() -%}
    left join corrections on facts.fact_id = corrections.fact_id
    left join retracted_articles on facts.article_id = retracted_articles.article_id
{%- endmacro %}

{# Facts neither retracted themselves nor in a retracted article. #}
{% macro not_retracted() -%}
    retracted_articles.article_id is null
    and coalesce(corrections.is_retracted, false) = false
{%- endmacro %}

{# What the evidence mart shows of a fact's corrections. #}
{% macro correction_columns() -%}
    coalesce(corrections.is_corrected, false) as is_corrected,
    corrections.corrected_fields,
    corrections.correction_ids
{%- endmacro %}
