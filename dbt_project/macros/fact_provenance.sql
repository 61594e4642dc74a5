{#
    Columns every raw.facts_* table carries after its own fields: where the
    fact was read (evidence sentence and offsets), by which extractor, how
    sure it was and when. Typed the same way in every stg_facts_* model.
#}
{% macro fact_provenance_columns() -%}
    evidence,
    cast(start_char as integer) as start_char,
    cast(end_char as integer) as end_char,
    extractor_version,
    cast(confidence as double precision) as confidence,
    cast(extracted_at as timestamp with time zone) as extracted_at
{%- endmacro %}
