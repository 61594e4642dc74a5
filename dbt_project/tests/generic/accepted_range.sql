{#
    Values outside [min_value, max_value] fail; nulls pass (optional fields
    are tested for presence separately where they are required).
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
    {#- Business rules (ranges, rules across columns) block publication in the
        Great Expectations gate, which names the rule, samples the offending rows
        and writes Data Docs. Here they only warn, so a data problem does not fail
        dbt_build and get retried as if it were transient. -#}
    {{ config(severity = 'warn') }}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            false
            {%- if min_value is not none %}
                or {{ column_name }} < {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
                or {{ column_name }} > {{ max_value }}
            {%- endif %}
        )
{% endtest %}
