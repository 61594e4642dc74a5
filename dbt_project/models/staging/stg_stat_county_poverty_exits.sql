with

source as (

    select * from {{ source('raw', 'stat_county_poverty_exits') }}

),

renamed as (

    select
        {{ normalise_region_code('county_code') }} as region_code,
        trim(county_name_en) as county_name_en,
        trim(province_name_en) as province_name_en,
        cast(exit_year as integer) as exit_year,
        cast(population_10k as double precision) as population_10k,
        _source_id as source_id,
        cast(_loaded_at as timestamp with time zone) as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
