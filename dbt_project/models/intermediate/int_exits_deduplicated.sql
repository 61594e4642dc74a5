-- One row per poverty-exit figure, however many articles report it: the same
-- level, place, period and counts (exited, total, remaining).
with

keyed as (

    select * from {{ ref('int_exits_keyed') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

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
        ranked.fact_year_from as year_from,
        ranked.period_kind,
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
