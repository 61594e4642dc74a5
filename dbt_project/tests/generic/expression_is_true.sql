{# Rows where the expression does not hold fail; for rules spanning columns. #}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
