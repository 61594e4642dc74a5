with

source as (

    select * from {{ source('raw', 'facts_pairing') }}

),

renamed as (

    select
        fact_id,
        article_id,
        nullif(trim(helper), '') as helper_name,
        nullif(trim(helped), '') as helped_name,
        nullif(lower(trim(mechanism)), '') as mechanism,
        cast(year as integer) as fact_year,
        {{ normalise_region_code('helper_code') }} as helper_code,
        {{ normalise_region_code('helped_code') }} as helped_code,
        {{ fact_provenance_columns() }}
    from source

),

final as (

    select * from renamed

)

select * from final
