{#
    Building blocks of the int_*_deduplicated models, which all merge facts
    reported by several articles the same way: resolve each named side to an
    identity, build a dedup key from identities and values (in the model),
    pick one representative fact per key and count the articles behind it.
#}

{#
    The key int_region_mentions_resolved gives each distinct (name, code) a
    fact uses for a place or a payer; a model joins its facts to their
    resolved mentions on the same expression. Payers have no code: 'null'.
#}
{% macro region_mention_key(name_column, code_column="null") -%}
    {{ surrogate_key([name_column, code_column]) }}
{%- endmacro %}

{#
    What a side of a fact is for dedup: its division code when resolved,
    else its normalised name, else its raw name lower-cased, else `default`:
    an empty string, or none for pairings, whose sides are required (a side
    with no name then gives no dedup key, and the fact no row).
#}
{% macro mention_identity(mention_alias, raw_name_column, default="''") -%}
    coalesce(
        'code:' || {{ mention_alias }}.region_code,
        'name:' || {{ mention_alias }}.name_key,
        'raw:' || lower({{ raw_name_column }}){{ (", " ~ default) if default is not none }}
    )
{%- endmacro %}

{#
    1 for the representative fact of each partition: the most complete
    (fewest nulls among completeness_columns), then the most confident, then
    a stable tie-break on the fact's position, so reruns pick the same fact.
#}
{% macro representative_rank(partition_by, completeness_columns) -%}
    {%- set missing = [] -%}
    {%- for column in completeness_columns -%}
        {%- do missing.append("case when " ~ column ~ " is null then 1 else 0 end") -%}
    {%- endfor -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            {{ missing | join(" + ") }} asc,
            confidence desc,
            article_id asc,
            start_char asc,
            fact_id asc
    )
{%- endmacro %}

{#
    One row per dedup key of `relation`: how many facts and articles report
    it, which articles, and the first and last dates they were published
    (null when no reporting article carries a date), after any
    `extra_columns` (aggregates the model needs besides, e.g. the first and
    last year a pairing is reported).
#}
{% macro article_aggregation(relation, key, extra_columns=[]) -%}
    select
        {{ ([key] + extra_columns) | join(", ") }},
        count(*) as fact_count,
        count(distinct facts.article_id) as article_count,
        {{ list_agg_sorted("facts.article_id", distinct=true) }} as article_ids,
        min(reporting_articles.published_date) as first_reported_date,
        max(reporting_articles.published_date) as last_reported_date
    from {{ relation }} as facts
    left join {{ ref('stg_articles') }} as reporting_articles
        on facts.article_id = reporting_articles.article_id
    group by {{ key }}
{%- endmacro %}

{#
    Provenance of a merged row: the article counts of its group and the
    evidence of its representative fact, so the sentence supports the row.
#}
{% macro merged_provenance_columns(representative="ranked", aggregated="aggregated") -%}
    {{ aggregated }}.fact_count,
    {{ aggregated }}.article_count,
    {{ aggregated }}.article_ids,
    {{ aggregated }}.first_reported_date,
    {{ aggregated }}.last_reported_date,
    {{ representative }}.evidence,
    {{ representative }}.fact_id as evidence_fact_id,
    {{ representative }}.article_id as evidence_article_id
{%- endmacro %}

{#
    A fund's subject for conflicts: the same payer (an organisation under any
    of its spellings), recipient place, period and measure. Null when any is
    missing: two amounts of unnamed payers to one place are as likely two
    funds as one fund reported twice.
#}
{% macro fund_subject_key(funds) -%}
    case
        when
            {{ funds }}.region_identity <> ''
            and {{ funds }}.payer_identity <> ''
            and {{ funds }}.measure is not null
            and {{ funds }}.fact_year is not null
            then 'fund|' || {{ funds }}.region_identity
                || '|' || cast({{ funds }}.fact_year as varchar)
                || {{ period_key_suffix(funds ~ '.fact_year_from') }}
                || '|' || {{ funds }}.payer_identity
                || '|' || {{ funds }}.measure
    end
{%- endmacro %}

{# Every subject a fact of int_fact_conflicts names now (its post-hook keeps only these). #}
{% macro conflict_subject_keys() -%}
    select {{ fund_subject_key('funds') }} as subject_key
    from {{ ref('int_funds_keyed') }} as funds
    where funds.dedup_key is not null
    union all
    select subject_key from {{ ref('int_outputs_keyed') }} where dedup_key is not null
    union all
    select subject_key from {{ ref('int_exits_keyed') }} where dedup_key is not null
{%- endmacro %}
