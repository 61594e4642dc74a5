with

source as (

    select * from {{ source('raw', 'facts_output') }}

),

renamed as (

    select
        fact_id,
        article_id,
        lower(trim(measure)) as measure,
        cast(value as double precision) as value,
        nullif(lower(trim(qualifier)), '') as qualifier,
        nullif(trim(product), '') as product,
        nullif(trim(region), '') as region_name,
        {{ normalise_region_code('region_code') }} as region_code,
        cast(year as integer) as fact_year,
        {{ fact_provenance_columns() }}
    from source

),

final as (

    select * from renamed

)

select * from final
