-- One row per output figure, however many articles report it: the same
-- measure and value (to two decimals) for the same place, product and year.
with

keyed as (

    select * from {{ ref('int_outputs_keyed') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

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
