-- One row per fund, however many articles report it: the same amount (to the
-- yuan) for the same place, payer and period (a year, or first and last
-- year of a cumulative figure). Measure and qualifier are not part
-- of the key, because articles describe one fund in different words; they
-- come, with the evidence, from the most complete representative fact.
-- Incremental: a build recomputes only the keys whose facts changed
-- (macros/touched_keys.sql).
{{
    config(
        materialized='incremental',
        unique_key='dedup_key',
        post_hook="{{ delete_vanished_keys('dedup_key', 'select dedup_key from ' ~ ref('int_funds_keyed')) }}",
    )
}}

with

-- Read twice, never held whole (see touched_members in macros/touched_keys.sql).
all_keyed as not materialized (

    select * from {{ ref('int_funds_keyed') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

fingerprints as (

    {{ key_fingerprints(
        'all_keyed', 'dedup_key', [ref('stg_gazetteer_regions')], article_dates=true
    ) }}

),

keyed as (

    {{ touched_members('all_keyed', 'dedup_key') }}

),

ranked as (

    select
        *,
        {{ representative_rank('dedup_key', ['measure', 'qualifier']) }} as representative_rank
    from keyed

),

aggregated as (

    {{ article_aggregation('keyed', 'dedup_key') }}

),

final as (

    select
        {{ surrogate_key(['ranked.dedup_key']) }} as fund_key,
        ranked.dedup_key,
        coalesce(ranked.payer_party_name, ranked.payer_name) as payer_name,
        ranked.payer_kind,
        ranked.payer_party_code as payer_code,
        coalesce(region.name_en, ranked.region_name) as region_name,
        ranked.resolved_region_code as region_code,
        ranked.fact_year as year,
        ranked.fact_year_from as year_from,
        ranked.period_kind,
        ranked.measure,
        ranked.qualifier,
        ranked.amount_cny,
        {{ merged_provenance_columns('ranked', 'aggregated') }},
        fingerprints.member_fingerprint
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    inner join fingerprints on ranked.dedup_key = fingerprints.dedup_key
    left join regions as region on ranked.resolved_region_code = region.region_code
    where ranked.representative_rank = 1

)

select * from final
