{#
    One row per region and year with the yearly indicators the statistical
    sources give. Only codes of dim_region are kept: a source row whose code
    is not a division stays visible in staging (warned there), not here,
    where every row must join to the dimension.
#}

with

indicators as (

    select * from {{ ref('stg_stat_county_indicators') }}

),

regions as (

    select region_code from {{ ref('dim_region') }}

),

final as (

    select
        cast(indicators.region_code || ':' || cast(indicators.year as varchar) as varchar)
            as indicator_key,
        cast(indicators.region_code as varchar) as region_code,
        cast(indicators.year as integer) as year,
        cast(indicators.resident_population as bigint) as population,
        cast(indicators.rural_income_yuan as double precision) as rural_income_yuan,
        cast(indicators.source_id as varchar) as source_id
    from indicators
    inner join regions on indicators.region_code = regions.region_code
    where indicators.year is not null

)

select * from final
