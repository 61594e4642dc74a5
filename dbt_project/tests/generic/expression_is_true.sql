{#
    Rows where the expression does not hold fail. On the marts it states how a
    model derives a column (period_kind from the years, first and last report
    dates, the conflict flag): structure, so it fails the build. Rules on the
    reported figures themselves (ranges, exited <= total) are the quality gate's
    (expectations/README.md, "Which rule lives where"); a staging test that only
    reports a data problem says `severity: warn` beside it.
#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
