with

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

sichuan_39 as (

    select distinct region_code
    from {{ ref('stg_stat_sichuan_39_counties') }}
    where region_code is not null

),

-- A county appears once per source that lists it; the earliest year is when it exited.
poverty_exits as (

    select
        region_code,
        min(exit_year) as exit_year
    from {{ ref('stg_stat_county_poverty_exits') }}
    where region_code is not null
    group by region_code

),

final as (

    select
        cast(regions.region_code as varchar) as region_code,
        cast(regions.name_en as varchar) as name_en,
        cast(regions.name_zh as varchar) as name_zh,
        cast(regions.region_level as varchar) as level,
        cast(regions.parent_code as varchar) as parent_code,
        cast(regions.province_code as varchar) as province_code,
        cast(regions.prefecture_code as varchar) as prefecture_code,
        cast(regions.longitude as double precision) as longitude,
        cast(regions.latitude as double precision) as latitude,
        sichuan_39.region_code is not null as is_sichuan_underdeveloped,
        cast(poverty_exits.exit_year as integer) as poverty_exit_year
    from regions
    left join sichuan_39 on regions.region_code = sichuan_39.region_code
    left join poverty_exits on regions.region_code = poverty_exits.region_code

)

select * from final
