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

-- The same key int_region_mentions_resolved gives each (name, code) it resolved.
facts_with_mention_keys as (

    select
        *,
        {{ surrogate_key(['region_name', 'region_code']) }} as region_mention_key
    from facts

),

resolved as (

    select
        facts.*,
        region_mention.region_code as resolved_region_code,
        coalesce(
            'code:' || region_mention.region_code,
            'name:' || region_mention.name_key,
            'raw:' || lower(facts.region_name),
            ''
        ) as region_identity
    from facts_with_mention_keys as facts
    left join mentions as region_mention
        on facts.region_mention_key = region_mention.mention_key

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
        row_number() over (
            partition by dedup_key
            order by
                case when rate_pct is null then 1 else 0 end asc,
                confidence desc,
                article_id asc,
                start_char asc,
                fact_id asc
        ) as representative_rank
    from keyed

),

aggregated as (

    select
        dedup_key,
        count(*) as fact_count,
        count(distinct article_id) as article_count,
        {{ list_agg_sorted('article_id', distinct=true) }} as article_ids
    from keyed
    group by dedup_key

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
        aggregated.fact_count,
        aggregated.article_count,
        aggregated.article_ids,
        ranked.evidence,
        ranked.fact_id as evidence_fact_id,
        ranked.article_id as evidence_article_id
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    left join regions as region on ranked.resolved_region_code = region.region_code
    where ranked.representative_rank = 1

)

select * from final
