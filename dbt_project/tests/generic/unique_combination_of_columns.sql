{# A grain of several columns: each combination at most once (a key, so it fails the build). #}
{% test unique_combination_of_columns(model, combination) %}
    select
        {{ combination | join(", ") }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination | join(", ") }}
    having count(*) > 1
{% endtest %}
