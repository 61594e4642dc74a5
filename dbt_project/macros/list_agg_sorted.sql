{#
    Sorted, delimited aggregation of a text expression. string_agg with an
    ordered argument works on DuckDB and PostgreSQL; the dispatch lets an
    adapter without it (e.g. one that spells it listagg) supply its own.
#}
{% macro list_agg_sorted(expression, delimiter=",", distinct=false) -%}
    {%- set implementation = adapter.dispatch("list_agg_sorted", "assistance_warehouse") -%}
    {{ return(implementation(expression, delimiter, distinct)) }}
{%- endmacro %}

{% macro default__list_agg_sorted(expression, delimiter, distinct) -%}
    {%- set modifier = "distinct " if distinct else "" -%}
    string_agg({{ modifier }}{{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}
