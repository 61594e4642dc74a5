{#
    Name normalisation of the extraction contract: lower-case, keep the part
    before the first comma, drop apostrophes and hyphens (Jian'ge = Jiange),
    turn other punctuation into spaces and drop administrative and company
    words, so "Jinniu District" and "jinniu" meet.

    Word removal has to work without \b, which PostgreSQL reads as a
    backspace: tokens are padded with two spaces so each stop word can be
    matched with a space on either side, then spaces are collapsed.
    Apostrophes include the mojibake pair "¡¯" of machine-translated pages.
#}
{% macro _contract_stop_words() -%}
{{ return([
    "county", "district", "city", "prefecture", "province", "autonomous",
    "region", "municipality", "municipal", "town", "township", "village",
    "the", "of", "group", "co", "company", "corporation", "ltd", "limited",
]) }}
{%- endmacro %}

{#
    Ethnic designations of autonomous divisions ("Liangshan Yi Autonomous
    Prefecture") that news text usually leaves out ("Liangshan Prefecture").
    Only used for matching names to the gazetteer, never for display.
#}
{% macro _ethnic_words() -%}
{{ return([
    "tibetan", "qiang", "yi", "hui", "uygur", "uyghur", "uighur", "mongolian",
    "mongol", "kazak", "kazakh", "kirgiz", "kyrgyz", "zhuang", "miao", "tujia",
    "hani", "lisu", "naxi", "buyei", "bouyei", "ethnic", "nationality",
    "nationalities", "and",
]) }}
{%- endmacro %}

{% macro _strip_words(padded_expression, words) -%}
    regexp_replace({{ padded_expression }}, ' ({{ words | join("|") }}) ', ' ', 'g')
{%- endmacro %}

{% macro _padded_tokens(expression) -%}
    ' ' || regexp_replace(
        regexp_replace(
            lower(split_part({{ expression }}, ',', 1)),
            '[''’‘`´¡¯-]', '', 'g'
        ),
        '[^a-z0-9]+', '  ', 'g'
    ) || ' '
{%- endmacro %}

{% macro _collapse(expression) -%}
    nullif(trim(regexp_replace({{ expression }}, ' +', ' ', 'g')), '')
{%- endmacro %}

{% macro normalise_name(expression) -%}
    {{ _collapse(_strip_words(_padded_tokens(expression), _contract_stop_words())) }}
{%- endmacro %}

{#
    Key for matching a name to the gazetteer: the contract normalisation
    without ethnic designations, falling back to the plain normalised name
    when nothing else is left ("Yi County" stays "yi").
#}
{% macro region_match_key(expression) -%}
    coalesce(
        {{ _collapse(_strip_words(_strip_words(_padded_tokens(expression), _contract_stop_words()), _ethnic_words())) }},
        {{ normalise_name(expression) }}
    )
{%- endmacro %}
