-- One row per (helper, helped) relationship, however many articles report it.
-- Sides are identified by division code when resolved, else by normalised
-- name, so "Jinniu District" and "Jinniu" are one helper. The attributes shown
-- (mechanism, evidence) come from one representative fact, so the evidence
-- sentence supports what the row says.
with

facts as (

    select * from {{ ref('stg_facts_pairing') }}

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
        {{ surrogate_key(['helper_name', 'helper_code']) }} as helper_mention_key,
        {{ surrogate_key(['helped_name', 'helped_code']) }} as helped_mention_key
    from facts

),

resolved as (

    select
        facts.*,
        helper_mention.region_code as helper_region_code,
        helped_mention.region_code as helped_region_code,
        coalesce(
            'code:' || helper_mention.region_code,
            'name:' || helper_mention.name_key,
            'raw:' || lower(facts.helper_name)
        ) as helper_identity,
        coalesce(
            'code:' || helped_mention.region_code,
            'name:' || helped_mention.name_key,
            'raw:' || lower(facts.helped_name)
        ) as helped_identity
    from facts_with_mention_keys as facts
    left join mentions as helper_mention
        on facts.helper_mention_key = helper_mention.mention_key
    left join mentions as helped_mention
        on facts.helped_mention_key = helped_mention.mention_key

),

keyed as (

    select
        *,
        'pairing|' || helper_identity || '|' || helped_identity as dedup_key
    from resolved

),

ranked as (

    select
        *,
        row_number() over (
            partition by dedup_key
            order by
                case when mechanism is null then 1 else 0 end asc,
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
        min(fact_year) as first_year,
        max(fact_year) as last_year,
        count(*) as fact_count,
        count(distinct article_id) as article_count,
        {{ list_agg_sorted('article_id', distinct=true) }} as article_ids
    from keyed
    group by dedup_key

),

final as (

    select
        {{ surrogate_key(['ranked.dedup_key']) }} as pairing_key,
        ranked.dedup_key,
        coalesce(helper_region.name_en, ranked.helper_name) as helper_name,
        case
            when ranked.helper_region_code is not null then 'region' else 'organisation'
        end as helper_kind,
        ranked.helper_region_code as helper_code,
        coalesce(helped_region.name_en, ranked.helped_name) as helped_name,
        ranked.helped_region_code as helped_code,
        ranked.mechanism,
        aggregated.first_year,
        aggregated.last_year,
        aggregated.fact_count,
        aggregated.article_count,
        aggregated.article_ids,
        ranked.evidence,
        ranked.fact_id as evidence_fact_id,
        ranked.article_id as evidence_article_id
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    left join regions as helper_region on ranked.helper_region_code = helper_region.region_code
    left join regions as helped_region on ranked.helped_region_code = helped_region.region_code
    where ranked.representative_rank = 1

)

select * from final
