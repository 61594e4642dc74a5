{#
    A code of its stated form: `prefix`, then `length` characters of `alphabet`
    (division codes: 12 digits; organisation codes: org_ and 12 hex digits).
    Structure, so it fails the build like a key test; nulls pass. Written with
    substr/translate, which DuckDB and PostgreSQL both have (their regex
    functions differ).
#}
{% test code_format(model, column_name, length=12, alphabet='0123456789', prefix='') %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and not (
            substr({{ column_name }}, 1, {{ prefix | length }}) = '{{ prefix }}'
            and length({{ column_name }}) = {{ (prefix | length) + length }}
            and translate(
                substr({{ column_name }}, {{ (prefix | length) + 1 }}), '{{ alphabet }}', ''
            ) = ''
        )
{% endtest %}
