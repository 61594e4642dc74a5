with

source as (

    select * from {{ source('raw', 'stat_sichuan_39_counties') }}

),

renamed as (

    select
        {{ normalise_region_code('county_code') }} as region_code,
        trim(county_name_en) as county_name_en,
        trim(county_name_zh) as county_name_zh,
        trim(prefecture_name_en) as prefecture_name_en,
        nullif(trim(assisting_bodies), '') as assisting_bodies,
        _source_id as source_id,
        cast(_loaded_at as timestamp with time zone) as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
