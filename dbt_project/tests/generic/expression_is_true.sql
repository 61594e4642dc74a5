{# Rows where the expression does not hold fail; for rules spanning columns. #}
{% test expression_is_true(model, expression) %}
    {#- Business rules (ranges, rules across columns) block publication in the
        Great Expectations gate, which names the rule, samples the offending rows
        and writes Data Docs. Here they only warn, so a data problem does not fail
        dbt_build and get retried as if it were transient. -#}
    {{ config(severity = 'warn') }}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
