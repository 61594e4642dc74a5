-- One row per output figure, however many articles report it: the same
-- measure and value (to two decimals) for the same place, product and year.
with

facts as (

    select * from {{ ref('stg_facts_output') }}

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
        {{ mention_identity('region_mention', 'facts.region_name') }} as region_identity,
        -- Product names are free text: compare them case- and spacing-insensitively.
        coalesce(
            trim(regexp_replace(lower(facts.product), '[^a-z0-9]+', ' ', 'g')), ''
        ) as product_key
    from facts
    left join mentions as region_mention
        on
            {{ region_mention_key('facts.region_name', 'facts.region_code') }}
            = region_mention.mention_key

),

keyed as (

    select
        *,
        'output|' || measure
        || '|' || cast(cast(round(value * 100) as bigint) as varchar)
        || '|' || region_identity
        || '|' || product_key
        || '|' || coalesce(cast(fact_year as varchar), '') as dedup_key
    from resolved

),

ranked as (

    select
        *,
        {{ representative_rank('dedup_key', ['qualifier']) }} as representative_rank
    from keyed

),

aggregated as (

    {{ article_aggregation('keyed', 'dedup_key') }}

),

final as (

    select
        {{ surrogate_key(['ranked.dedup_key']) }} as output_key,
        ranked.dedup_key,
        coalesce(region.name_en, ranked.region_name) as region_name,
        ranked.resolved_region_code as region_code,
        ranked.product,
        ranked.fact_year as year,
        ranked.measure,
        ranked.value,
        ranked.qualifier,
        {{ merged_provenance_columns('ranked', 'aggregated') }}
    from ranked
    inner join aggregated on ranked.dedup_key = aggregated.dedup_key
    left join regions as region on ranked.resolved_region_code = region.region_code
    where ranked.representative_rank = 1

)

select * from final
