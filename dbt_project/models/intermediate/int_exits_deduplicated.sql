-- One row per poverty-exit figure, however many articles report it: the same
-- level, place, year and counts (exited, total, remaining).
with

facts as (

    select * from {{ ref('stg_facts_exit') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

resolved as (

    select
        facts.*,
        region_mention.region_code as resolved_region_code,
        {{ mention_identity('region_mention', 'facts.region_name') }} as region_identity
    from facts
    left join mentions as region_mention
        on
            {{ region_mention_key('facts.region_name', 'facts.region_code') }}
            = region_mention.mention_key

),

keyed as (

    select
        *,
        'exit|' || exit_level
        || '|' || region_identity
        || '|' || coalesce(cast(fact_year as varchar), '')
        || '|' || coalesce(cast(exited as varchar), '')
        || '|' || coalesce(cast(total as varchar), '')
        || '|' || coalesce(cast(remaining as varchar), '') as dedup_key
    from resolved

),

ranked as (

    select
        *,
        {{ representative_rank('dedup_key', ['rate_pct']) }} as representative_rank
    from keyed

),

aggregated as (

    {{ article_aggregation('keyed', 'dedup_key') }}

),

final as (

    select
        {{ surrogate_key(['ranked.dedup_key']) }} as exit_key,
        ranked.dedup_key,
        coalesce(region.name_en, ranked.region_name) as region_name,
        ranked.resolved_region_code as region_code,
        ranked.exit_level,
        ranked.fact_year as year,
        ranked.exited,
        ranked.total,
        ranked.remaining,
        ranked.rate_pct,
        {{ merged_provenance_columns('ranked', 'aggregated') }}
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    left join regions as region on ranked.resolved_region_code = region.region_code
    where ranked.representative_rank = 1

)

select * from final
