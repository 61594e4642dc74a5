-- Every English name a division is known by (its name and its aliases), keyed
-- for matching: the gazetteer side of region resolution.
with

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

alias_rows as (

    select
        region_code,
        {{ split_to_rows('aliases', ';') }} as alias_name
    from regions
    where aliases is not null

),

names as (

    select
        region_code,
        name_en as region_name,
        'name_en' as name_source
    from regions

    union all

    select
        region_code,
        trim(alias_name) as region_name,
        'alias' as name_source
    from alias_rows
    where trim(alias_name) <> ''

),

final as (

    select distinct
        names.region_code,
        regions.region_level,
        names.region_name,
        names.name_source,
        lower(trim(names.region_name)) as exact_key,
        {{ region_match_key('names.region_name') }} as match_key
    from names
    inner join regions on names.region_code = regions.region_code

)

select * from final
where match_key is not null
