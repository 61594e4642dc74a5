-- One row per (helper, helped) relationship, however many articles report it.
-- Sides are identified by division code when resolved, else by normalised
-- name, so "Jinniu District" and "Jinniu" are one helper; an organisation by
-- its organisation_code, so its spellings are one helper too. The attributes shown
-- (mechanism, evidence) come from one representative fact, so the evidence
-- sentence supports what the row says.
-- Incremental: a build recomputes only the keys whose facts changed
-- (macros/touched_keys.sql).
{{
    config(
        materialized='incremental',
        unique_key='dedup_key',
        post_hook="{{ delete_vanished_keys('dedup_key', 'select dedup_key from ' ~ ref('int_pairings_keyed')) }}",
    )
}}

with

-- Read twice, never held whole (see touched_members in macros/touched_keys.sql).
all_keyed as not materialized (

    select * from {{ ref('int_pairings_keyed') }}

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
        {{ representative_rank('dedup_key', ['mechanism']) }} as representative_rank
    from keyed

),

aggregated as (

    {{ article_aggregation(
        'keyed',
        'dedup_key',
        extra_columns=['min(fact_year) as first_year', 'max(fact_year) as last_year'],
    ) }}

),

final as (

    select
        {{ surrogate_key(['ranked.dedup_key']) }} as pairing_key,
        ranked.dedup_key,
        coalesce(ranked.helper_party_name, ranked.helper_name) as helper_name,
        coalesce(ranked.helper_kind, 'region') as helper_kind,
        ranked.helper_party_code as helper_code,
        coalesce(helped_region.name_en, ranked.helped_name) as helped_name,
        ranked.helped_region_code as helped_code,
        ranked.mechanism,
        aggregated.first_year,
        aggregated.last_year,
        {{ merged_provenance_columns('ranked', 'aggregated') }},
        fingerprints.member_fingerprint
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    inner join fingerprints on ranked.dedup_key = fingerprints.dedup_key
    left join regions as helped_region on ranked.helped_region_code = helped_region.region_code
    where ranked.representative_rank = 1

)

select * from final
