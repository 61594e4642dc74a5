with

outputs as (

    select * from {{ ref('int_outputs_deduplicated') }}

),

measures as (

    select * from {{ ref('output_measures') }}

),

final as (

    select
        cast(outputs.output_key as varchar) as output_key,
        cast(outputs.region_name as varchar) as region_name,
        cast(outputs.region_code as varchar) as region_code,
        cast(outputs.product as varchar) as product,
        cast(outputs.year as integer) as year,
        cast(outputs.measure as varchar) as measure,
        cast(outputs.value as double precision) as value,
        cast(measures.unit as varchar) as unit,
        cast(outputs.qualifier as varchar) as qualifier,
        cast(outputs.article_count as integer) as article_count,
        cast(outputs.article_ids as varchar) as article_ids,
        cast(outputs.evidence as varchar) as evidence
    from outputs
    left join measures on outputs.measure = measures.measure

)

select * from final
