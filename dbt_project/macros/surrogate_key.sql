{#
    md5 over the fields joined with a separator; nulls become a marker so that
    (null, 'a') and ('', 'a') give different keys. md5() exists on DuckDB and
    PostgreSQL alike, so keys are identical on both targets.
#}
{% macro surrogate_key(fields) -%}
    {%- set parts = [] -%}
    {%- for field in fields -%}
        {%- do parts.append("coalesce(cast(" ~ field ~ " as varchar), '_null_')") -%}
    {%- endfor -%}
    md5({{ parts | join(" || '|' || ") }})
{%- endmacro %}
