-- One row per assisted county: who helps it, how much money went there, what
-- it produces and when it left poverty. A county is assisted when a mart names
-- it (helped place, fund recipient, producing place, exit scope) or the
-- statistics list it (Sichuan's 39 underdeveloped counties, poor counties
-- with an exit year). Sums are over mart rows, i.e. deduplicated facts;
-- by year only over single-year figures (a cumulative 2016-2020 total already
-- holds 2019's money: it is listed with its period, never added into a year);
-- conflicting fund reports stay separate rows there and are counted here,
-- an output row holds the one value chosen among conflicting reports.
with

regions as (

    select * from {{ ref('dim_region') }}

),

pairings as (

    select * from {{ ref('mart_pairings') }}

),

funds as (

    select * from {{ ref('mart_funds') }}

),

outputs as (

    select * from {{ ref('mart_output_value') }}

),

exits as (

    select * from {{ ref('mart_poverty_exits') }}

),

evidence as (

    select * from {{ ref('mart_fact_evidence') }}

),

conflicts as (

    select * from {{ ref('mart_fact_conflicts') }}

),

-- Every mart row that names a place, keyed as the evidence bridge keys it.
mart_places as (

    select
        'mart_pairings' as mart_name,
        pairing_key as mart_key,
        helped_code as region_code
    from pairings
    union all
    select
        'mart_funds' as mart_name,
        fund_key as mart_key,
        region_code
    from funds
    union all
    select
        'mart_output_value' as mart_name,
        output_key as mart_key,
        region_code
    from outputs
    union all
    select
        'mart_poverty_exits' as mart_name,
        exit_key as mart_key,
        region_code
    from exits

),

counties as (

    select *
    from regions
    where
        level = 'county'
        and (
            is_sichuan_underdeveloped
            or poverty_exit_year is not null
            or region_code in (
                select mart_places.region_code
                from mart_places
                where mart_places.region_code is not null
            )
        )

),

helpers as (

    select
        helped_code as region_code,
        {{ list_agg_sorted('helper_name', '; ', distinct=true) }} as helpers,
        count(distinct helper_name) as helper_count
    from pairings
    where helped_code is not null
    group by helped_code

),

fund_years as (

    select
        region_code,
        year,
        sum(amount_cny) as amount_cny
    from funds
    where region_code is not null and period_kind = 'single_year'
    group by region_code, year

),

fund_totals as (

    select
        region_code,
        sum(amount_cny) as single_year_funds_cny,
        {{ list_agg_sorted(
            "cast(year as varchar) || ': '"
            ~ " || cast(cast(round(amount_cny) as bigint) as varchar)",
            '; ',
        ) }} as funds_by_year
    from fund_years
    group by region_code

),

-- Cumulative figures and figures without a year, summed per period only:
-- figures of one period add up, figures of different periods may overlap.
fund_periods as (

    select
        region_code,
        year_from,
        year,
        sum(amount_cny) as amount_cny
    from funds
    where region_code is not null and period_kind <> 'single_year'
    group by region_code, year_from, year

),

fund_period_lists as (

    select
        region_code,
        {{ list_agg_sorted(
            period_label('year', 'year_from')
            ~ " || ': ' || cast(cast(round(amount_cny) as bigint) as varchar)",
            '; ',
            order_by='coalesce(year_from, year, 9999), coalesce(year, 9999)',
        ) }} as funds_over_periods
    from fund_periods
    group by region_code

),

-- Single-year figures of several products in one year add up (sum ignores
-- the products that state only another measure); a cumulative row is no year's.
output_years as (

    select
        region_code,
        year,
        sum(output_value_cny) as output_value_cny,
        sum(planting_area_mu) as planting_area_mu
    from outputs
    where region_code is not null and period_kind = 'single_year'
    group by region_code, year

),

-- The latest year with a figure, per measure.
output_value_years as (

    select
        region_code,
        year,
        output_value_cny,
        row_number() over (partition by region_code order by year desc) as year_rank
    from output_years
    where output_value_cny is not null

),

planting_area_years as (

    select
        region_code,
        year,
        planting_area_mu,
        row_number() over (partition by region_code order by year desc) as year_rank
    from output_years
    where planting_area_mu is not null

),

articles as (

    select
        mart_places.region_code,
        count(distinct evidence.article_id) as source_article_count
    from mart_places
    inner join evidence
        on
            mart_places.mart_name = evidence.mart_name
            and mart_places.mart_key = evidence.mart_key
    where mart_places.region_code is not null
    group by mart_places.region_code

),

conflict_counts as (

    select
        region_code,
        count(*) as conflict_count
    from conflicts
    where region_code is not null
    group by region_code

),

final as (

    select
        cast(counties.region_code as varchar) as region_code,
        cast(counties.name_en as varchar) as name_en,
        cast(counties.name_zh as varchar) as name_zh,
        cast(counties.prefecture_code as varchar) as prefecture_code,
        cast(prefecture.name_en as varchar) as prefecture_name,
        cast(counties.province_code as varchar) as province_code,
        cast(province.name_en as varchar) as province_name,
        cast(helpers.helpers as varchar) as helpers,
        cast(coalesce(helpers.helper_count, 0) as integer) as helper_count,
        cast(fund_totals.single_year_funds_cny as double precision) as single_year_funds_cny,
        cast(fund_totals.funds_by_year as varchar) as funds_by_year,
        cast(fund_period_lists.funds_over_periods as varchar) as funds_over_periods,
        cast(output_value.output_value_cny as double precision) as output_value_cny,
        cast(output_value.year as integer) as output_value_year,
        cast(planting_area.planting_area_mu as double precision) as planting_area_mu,
        cast(planting_area.year as integer) as planting_area_year,
        cast(counties.poverty_exit_year as integer) as poverty_exit_year,
        cast(counties.is_sichuan_underdeveloped as boolean) as is_sichuan_underdeveloped,
        cast(coalesce(conflict_counts.conflict_count, 0) as integer) as conflict_count,
        cast(coalesce(articles.source_article_count, 0) as integer) as source_article_count
    from counties
    left join regions as prefecture on counties.prefecture_code = prefecture.region_code
    left join regions as province on counties.province_code = province.region_code
    left join helpers on counties.region_code = helpers.region_code
    left join fund_totals on counties.region_code = fund_totals.region_code
    left join fund_period_lists on counties.region_code = fund_period_lists.region_code
    left join output_value_years as output_value
        on
            counties.region_code = output_value.region_code
            and output_value.year_rank = 1
    left join planting_area_years as planting_area
        on
            counties.region_code = planting_area.region_code
            and planting_area.year_rank = 1
    left join conflict_counts on counties.region_code = conflict_counts.region_code
    left join articles on counties.region_code = articles.region_code

)

select * from final
