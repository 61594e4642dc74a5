-- One wide row per (place, product, period): the chosen figure of each measure
-- in its own column with its qualifier, and the articles behind every fact
-- of the row. A fact with no place or no year is a row of its own figure
-- (see int_outputs_keyed).
{%- set measures = output_measure_columns() %}
-- Incremental: a build recomputes only the output rows whose
-- facts changed (macros/touched_keys.sql).
{{
    config(
        materialized='incremental',
        unique_key='dedup_key',
        post_hook="{{ delete_vanished_keys('dedup_key', 'select dedup_key from ' ~ ref('int_outputs_keyed')) }}",
    )
}}

with

-- Read twice, never held whole (see touched_members in macros/touched_keys.sql).
all_keyed as not materialized (

    select * from {{ ref('int_outputs_keyed') }}

),

fingerprints as (

    {{ key_fingerprints(
        'all_keyed', 'dedup_key', [ref('stg_gazetteer_regions')], article_dates=true
    ) }}

),

keyed as (

    {{ touched_members('all_keyed', 'dedup_key') }}

),

all_figures as (

    select * from {{ ref('int_outputs_figures') }}

),

-- The figures of the keys rebuilt: int_outputs_figures has just rebuilt them.
figures as (

    {{ touched_members('all_figures', 'dedup_key') }}

),

articles as (

    select * from {{ ref('stg_articles') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

-- The row's place, product and year as its most complete fact gives them.
ranked as (

    select
        *,
        {{ representative_rank('dedup_key', ['product', 'region_name']) }}
            as representative_rank
    from keyed

),

aggregated as (

    select
        keyed.dedup_key,
        count(*) as fact_count,
        count(distinct keyed.article_id) as article_count,
        {{ list_agg_sorted('keyed.article_id', distinct=true) }} as article_ids,
        min(articles.published_date) as first_reported_date,
        max(articles.published_date) as last_reported_date
    from keyed
    left join articles on keyed.article_id = articles.article_id
    group by keyed.dedup_key

),

pivoted as (

    select
        dedup_key,
        {%- for m in measures %}
            max(case when measure = '{{ m.measure }}' and is_chosen then value end)
                as {{ m.column }},
            max(case when measure = '{{ m.measure }}' and is_chosen then qualifier end)
                as {{ m.measure }}_qualifier,
        {%- endfor %}
        max(value_count) > 1 as has_conflicting_values,
        {{ list_agg_sorted(
            "case when value_count > 1 and is_chosen then measure end", ","
        ) }} as conflicting_measures
    from figures
    group by dedup_key

),

final as (

    select
        {{ surrogate_key(['ranked.dedup_key']) }} as output_key,
        ranked.dedup_key,
        coalesce(region.name_en, ranked.region_name) as region_name,
        ranked.resolved_region_code as region_code,
        ranked.product,
        ranked.fact_year as year,
        ranked.fact_year_from as year_from,
        ranked.period_kind,
        {%- for m in measures %}
            pivoted.{{ m.column }},
            pivoted.{{ m.measure }}_qualifier,
        {%- endfor %}
        pivoted.has_conflicting_values,
        pivoted.conflicting_measures,
        aggregated.fact_count,
        aggregated.article_count,
        aggregated.article_ids,
        aggregated.first_reported_date,
        aggregated.last_reported_date,
        fingerprints.member_fingerprint
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    inner join fingerprints on ranked.dedup_key = fingerprints.dedup_key
    inner join pivoted on ranked.dedup_key = pivoted.dedup_key
    left join regions as region on ranked.resolved_region_code = region.region_code
    where ranked.representative_rank = 1

)

select * from final
