{#
    Schemas are named exactly as configured (staging, intermediate, marts)
    rather than dbt's default <target_schema>_<custom>: the publish step and
    BI tools address the marts by a fixed name, whatever the target.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
