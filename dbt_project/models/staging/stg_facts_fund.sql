with

source as (

    select * from {{ source('raw', 'facts_fund') }}

),

renamed as (

    select
        fact_id,
        article_id,
        cast(amount_cny as double precision) as amount_cny,
        nullif(lower(trim(qualifier)), '') as qualifier,
        nullif(lower(trim(measure)), '') as measure,
        nullif(trim(payer), '') as payer_name,
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
