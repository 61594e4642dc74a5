{#
    Years and periods (extraction contract, "Years and periods"): a figure
    covering several years has `year` = the period's last year and
    `year_from` = its first; a single-year figure has `year` alone. A
    warehouse may sum single-year figures by year, never a cumulative one:
    its amount belongs to no single year.
#}

{#
    The staged first year of a period. A period that starts in its own last
    year is that one year, so year_from = year becomes null: the figure then
    sums by year like any other single-year figure.
#}
{% macro staged_year_from(year_from_column, year_column) -%}
    case
        when {{ year_column }} is null or {{ year_from_column }} <> {{ year_column }}
            then cast({{ year_from_column }} as integer)
    end
{%- endmacro %}

{#
    single_year (a year, no period), period (a first year; the last may be
    unknown) or unknown (no year at all). Only single_year rows add up by year.
#}
{% macro period_kind(year_column, year_from_column) -%}
    case
        when {{ year_from_column }} is not null then 'period'
        when {{ year_column }} is not null then 'single_year'
        else 'unknown'
    end
{%- endmacro %}

{#
    The part of a dedup or subject key that tells periods apart. Empty for a
    single-year figure, so its key (and the md5 mart key made from it) stays
    what it was before periods were carried: published keys do not move.
#}
{% macro period_key_suffix(year_from_column) -%}
    coalesce('|from:' || cast({{ year_from_column }} as varchar), '')
{%- endmacro %}

{#
    A period in words for compact text columns: "2016-2020", "2016-?" when
    the statement's year is unknown, the year alone for a single year.
#}
{% macro period_label(year_column, year_from_column) -%}
    case
        when {{ year_from_column }} is not null
            then cast({{ year_from_column }} as varchar)
                || '-' || coalesce(cast({{ year_column }} as varchar), '?')
        when {{ year_column }} is not null then cast({{ year_column }} as varchar)
        else 'year unknown'
    end
{%- endmacro %}
