{#
    Sorted, delimited aggregation of a text expression. string_agg with an
    ordered argument works on DuckDB and PostgreSQL; the dispatch lets an
    adapter without it (e.g. one that spells it listagg) supply its own.
#}
{% macro list_agg_sorted(expression, delimiter=",", distinct=false) -%}
    {{ return(adapter.dispatch("list_agg_sorted", "assistance_warehouse")(expression, delimiter, distinct)) }}
{%- endmacro %}

{% macro default__list_agg_sorted(expression, delimiter, distinct) -%}
    string_agg(
        {%- if distinct %}distinct {% endif %}{{ expression }}, '{{ delimiter }}' order by {{ expression }}
    )
{%- endmacro %}
