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

indicators as (

    select * from {{ ref('stg_stat_county_indicators') }}
    where region_code is not null

),

-- Each indicator's latest year is taken on its own: a year with only one of
-- them published must not hide the other's last known value.
latest_population as (

    select
        region_code,
        year,
        resident_population,
        row_number() over (partition by region_code order by year desc) as recency
    from indicators
    where resident_population is not null

),

latest_rural_income as (

    select
        region_code,
        year,
        rural_income_yuan,
        row_number() over (partition by region_code order by year desc) as recency
    from indicators
    where rural_income_yuan is not null

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
        cast(poverty_exits.exit_year as integer) as poverty_exit_year,
        cast(latest_population.resident_population as bigint) as latest_population,
        cast(latest_population.year as integer) as latest_population_year,
        cast(latest_rural_income.rural_income_yuan as double precision)
            as latest_rural_income_yuan,
        cast(latest_rural_income.year as integer) as latest_rural_income_year
    from regions
    left join sichuan_39 on regions.region_code = sichuan_39.region_code
    left join poverty_exits on regions.region_code = poverty_exits.region_code
    left join latest_population
        on
            regions.region_code = latest_population.region_code
            and latest_population.recency = 1
    left join latest_rural_income
        on
            regions.region_code = latest_rural_income.region_code
            and latest_rural_income.recency = 1

)

select * from final
