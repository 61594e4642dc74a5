with

source as (

    select * from {{ source('raw', 'stat_county_indicators') }}

),

renamed as (

    select
        {{ normalise_region_code('county_code') }} as region_code,
        trim(county_name_en) as county_name_en,
        cast(year as integer) as year,
        cast(resident_population as bigint) as resident_population,
        cast(rural_income_yuan as double precision) as rural_income_yuan,
        _source_id as source_id,
        cast(_loaded_at as timestamp with time zone) as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
