{#
    One row per element of a delimited string, as a select-list expression.
    string_to_array + unnest is shared by DuckDB and PostgreSQL; dispatch
    keeps the door open for adapters that need a lateral split instead.
#}
{% macro split_to_rows(expression, delimiter=";") -%}
    {{ return(adapter.dispatch("split_to_rows", "assistance_warehouse")(expression, delimiter)) }}
{%- endmacro %}

{% macro default__split_to_rows(expression, delimiter) -%}
    unnest(string_to_array({{ expression }}, '{{ delimiter }}'))
{%- endmacro %}
