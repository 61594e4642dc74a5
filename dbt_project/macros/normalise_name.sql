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
    "hani", "lisu", "naxi", "buyei", "bouyei", "dai", "jingpo", "bai", "dong",
    "korean", "ethnic", "nationality", "nationalities", "and",
]) }}
{%- endmacro %}

{#
    The designation of a special administrative region ("Hong Kong SAR",
    "Macao Special Administrative Region"), which news text usually leaves
    out ("Hong Kong"). Only used for matching names to the gazetteer.
#}
{% macro _designation_words() -%}
{{ return(["sar", "special", "administrative"]) }}
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
    Words that make a place's government out of the place ("Jiangsu
    provincial government", "the People's Government of Jiangsu Province"):
    a helper or payer so named is the region itself. A name that keeps other
    words ("Jiangsu Provincial Department of Commerce") still matches no
    division and stays an organisation.
#}
{% macro _government_words() -%}
{{ return([
    "government", "governments", "govt", "peoples", "provincial", "prefectural",
]) }}
{%- endmacro %}

{#
    Key for matching a name to the gazetteer: the contract normalisation
    without ethnic designations, SAR designations and government words,
    falling back to the plain normalised name when nothing else is left ("Yi
    County" stays "yi"). "Xishuangbanna Dai Autonomous Prefecture",
    "Xishuangbanna Prefecture" and "Xishuangbanna" meet, as do "Hong Kong
    SAR" and "Hong Kong": a region named without its designation is still
    that region, never an organisation.
#}
{% macro region_match_key(expression) -%}
    {%- set padded = _padded_tokens(expression) -%}
    {%- set without_admin = _strip_words(_strip_words(padded, _contract_stop_words()), _designation_words()) -%}
    coalesce(
        {{ _collapse(_strip_words(_strip_words(without_admin, _ethnic_words()), _government_words())) }},
        {{ normalise_name(expression) }}
    )
{%- endmacro %}

{#
    Company-form words beyond the contract's (which already drops group, co,
    company, corporation, ltd, limited and a leading "the"): abbreviations and
    other legal forms, so "China Three Gorges Corp." and "China Three Gorges
    Corporation" are one organisation.
#}
{% macro _company_form_words() -%}
{{ return([
    "corp", "inc", "incorporated", "llc", "plc",
]) }}
{%- endmacro %}

{#
    The one normalisation of an organisation's name for identity: the
    contract normalisation (case, punctuation, the part before the first
    comma, leading "the", Co., Ltd., Group, Company, Corporation) without the
    other company-form words. Curated aliases (the central_soes and
    organisation_aliases seeds) cover what a rule cannot know.
#}
{% macro organisation_name_key(expression) -%}
    {%- set without_stop_words = _strip_words(_padded_tokens(expression), _contract_stop_words()) -%}
    {{ _collapse(_strip_words(without_stop_words, _company_form_words())) }}
{%- endmacro %}

{#
    The stable code of an organisation: 'org_' and the first 12 hex digits of
    the md5 of its name key. md5 is the same on DuckDB and PostgreSQL, and the
    key depends only on the canonical name, so the code survives rebuilds,
    new spellings and a change of warehouse.
#}
{% macro organisation_code(name_key_expression) -%}
    'org_' || left(md5({{ name_key_expression }}), 12)
{%- endmacro %}
