{#
    Sorted, delimited aggregation of a text expression. string_agg with an
    ordered argument works on DuckDB and PostgreSQL; the dispatch lets an
    adapter without it (e.g. one that spells it listagg) supply its own.
    `order_by` sorts by another expression (e.g. amounts numerically rather
    than as text); it cannot be combined with `distinct` (PostgreSQL requires
    the order of a distinct aggregate to be its argument): deduplicate first.
#}
{% macro list_agg_sorted(expression, delimiter=",", distinct=false, order_by=none) -%}
    {%- set implementation = adapter.dispatch("list_agg_sorted", "assistance_warehouse") -%}
    {{ return(implementation(expression, delimiter, distinct, order_by)) }}
{%- endmacro %}

{% macro default__list_agg_sorted(expression, delimiter, distinct, order_by=none) -%}
    {%- if distinct and order_by is not none -%}
        {%- set message = "list_agg_sorted: order_by cannot be combined with distinct" -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- set modifier = "distinct " if distinct else "" -%}
    string_agg(
        {{ modifier }}{{ expression }}, '{{ delimiter }}'
        order by {{ order_by if order_by is not none else expression }}
    )
{%- endmacro %}
