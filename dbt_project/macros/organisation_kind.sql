{#
    Classifying organisations by the shape of their name. `padded_words` is
    the lower-cased name with every run of non-alphanumerics turned into one
    space and a space on either end (see organisation_padded_words), so a word
    or phrase matches with LIKE '% word %' on every target (no \b in regexes).
#}
{% macro organisation_padded_words(expression) -%}
    ' ' || trim(regexp_replace(lower({{ expression }}), '[^a-z0-9]+', ' ', 'g')) || ' '
{%- endmacro %}

{% macro has_any_word(padded_words, words) -%}
    (
    {%- for word in words %}
        {{ "or " if not loop.first }}{{ padded_words }} like '% {{ word }} %'
    {%- endfor %}
    )
{%- endmacro %}

{% macro government_words() -%}
{{ return([
    "bureau", "office", "commission", "ministry", "department", "government",
    "committee", "administration", "people s congress", "cppcc",
]) }}
{%- endmacro %}

{# A place's delegation to the place it helps (checked before government words). #}
{% macro task_force_words() -%}
{{ return([
    "task force", "work team", "working team", "working group", "headquarters",
]) }}
{%- endmacro %}

{% macro university_words() -%}
{{ return([
    "university", "college", "institute", "academy",
]) }}
{%- endmacro %}

{# Words a provincial state-owned group carries after its home region's name. #}
{% macro provincial_soe_words() -%}
{{ return([
    "group", "investment", "corporation", "holdings",
]) }}
{%- endmacro %}

{% macro company_words() -%}
{{ return([
    "group", "co", "company", "ltd", "limited", "corporation", "corp", "inc",
    "holdings", "enterprise", "enterprises",
]) }}
{%- endmacro %}
