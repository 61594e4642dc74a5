with

source as (

    select * from {{ source('raw', 'gazetteer_regions') }}

),

renamed as (

    select
        {{ normalise_region_code('region_code') }} as region_code,
        trim(name_zh) as name_zh,
        trim(name_en) as name_en,
        lower(trim(level)) as region_level,
        {{ normalise_region_code('parent_code') }} as parent_code,
        {{ normalise_region_code('province_code') }} as province_code,
        {{ normalise_region_code('prefecture_code') }} as prefecture_code,
        cast(longitude as double precision) as longitude,
        cast(latitude as double precision) as latitude,
        nullif(trim(aliases), '') as aliases
    from source

),

final as (

    select * from renamed

)

select * from final
