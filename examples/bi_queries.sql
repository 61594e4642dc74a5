-- Example questions a BI user asks of the published marts, one query each.
-- Run them on var/published/marts.duckdb (read-only), e.g.
--   .venv/bin/python -m ingestion examples
-- Each query starts with a "-- name:" line and a "-- question:" line;
-- tests/e2e run every query on a real published snapshot. Every ORDER BY
-- ends on a unique column, so the same marts always give the same answer.

-- Periods: a figure covers one year (period_kind 'single_year') or a span
-- ('period': year_from to year, e.g. "from 2016 to 2020", "since 2012"). Only
-- single-year figures add up by year; a cumulative figure already holds its
-- years' money, so it is shown with its period, never added into a year.

-- name: liangshan_funds_by_year_and_helper
-- question: Assistance funds to Liangshan's counties by year and payer (single-year figures only).
select
    funds.year,
    funds.payer_name,
    funds.payer_kind,
    count(*) as funds,
    sum(funds.amount_cny) as total_cny
from mart_funds as funds
inner join dim_region as region on funds.region_code = region.region_code
where
    (region.prefecture_code = '513400000000' or region.region_code = '513400000000')
    and funds.period_kind = 'single_year'
group by funds.year, funds.payer_name, funds.payer_kind
order by funds.year, total_cny desc, funds.payer_name;

-- name: funds_over_periods
-- question: Which fund figures are cumulative or have no year (shown with their periods, never summed into a year)?
select
    period_kind,
    year_from,
    year,
    payer_name,
    region_name,
    amount_cny,
    evidence
from mart_funds
where period_kind <> 'single_year'
order by year_from nulls last, year nulls last, amount_cny desc, fund_key
limit 10;

-- name: helpers_of_most_counties
-- question: Which helpers are paired with the most places, and under which mechanisms?
select
    helper_name,
    helper_kind,
    count(distinct helped_code) as places_helped,
    string_agg(distinct mechanism, ', ' order by mechanism) as mechanisms,
    sum(article_count) as reports
from mart_pairings
group by helper_name, helper_kind
order by places_helped desc, reports desc, helper_name
limit 10;

-- name: output_by_county_and_product
-- question: Planting area, output and value of each county's products, latest year reported.
select
    region_name,
    product,
    year,
    planting_area_mu,
    output_volume_tonnes,
    output_value_cny,
    sales_cny,
    has_conflicting_values
from mart_output_value
where region_code is not null and period_kind = 'single_year'
qualify row_number() over (partition by region_code, product order by year desc) = 1
order by
    output_value_cny desc nulls last,
    planting_area_mu desc nulls last,
    sales_cny desc nulls last,
    region_name,
    product
limit 10;

-- name: poverty_exits_by_level_and_year
-- question: How many counties, villages, households and people left poverty each year (single-year figures)?
select
    level,
    year,
    count(*) as figures,
    sum(exited) as exited,
    max(rate_pct) as best_rate_pct
from mart_poverty_exits
where period_kind = 'single_year'
group by level, year
order by year, level;

-- name: poverty_exits_over_periods
-- question: Cumulative poverty exits ("since 2014 ..."), each with its period, never summed into a year.
select
    level,
    year_from,
    year,
    region_name,
    exited,
    total,
    remaining,
    evidence
from mart_poverty_exits
where period_kind = 'period'
order by year_from, year nulls last, level, region_name nulls last, exit_key;

-- name: counties_that_left_poverty_in_2020
-- question: Which counties left poverty in 2020, by the news and by the statistical source, and do they agree?
-- A county counts from the news when a county-level exit figure names the county
-- itself (a prefecture's "the last 8 counties" names none); check_against_statistics
-- compares its year with dim_region.poverty_exit_year: same, differs, news only
-- (no statistic for the county) or statistics only (no news figure).
with news as (
    select
        exits.region_code,
        min(exits.year) as news_exit_year,
        string_agg(distinct exits.article_ids, ',') as article_ids
    from mart_poverty_exits as exits
    inner join dim_region as region on exits.region_code = region.region_code
    where
        exits.level = 'county'
        and region.level = 'county'
        and exits.period_kind = 'single_year'
        and (exits.exited > 0 or exits.remaining = 0)
    group by exits.region_code
),

statistics as (
    select region_code, poverty_exit_year
    from dim_region
    where level = 'county' and poverty_exit_year is not null
),

both_sources as (
    select
        coalesce(news.region_code, statistics.region_code) as region_code,
        news.news_exit_year,
        statistics.poverty_exit_year as statistical_exit_year,
        news.article_ids
    from news
    full outer join statistics on news.region_code = statistics.region_code
)

select
    region.name_en as county,
    province.name_en as province,
    both_sources.region_code,
    both_sources.news_exit_year,
    both_sources.statistical_exit_year,
    case
        when both_sources.news_exit_year is null then 'statistics only'
        when both_sources.statistical_exit_year is null then 'news only'
        when both_sources.news_exit_year = both_sources.statistical_exit_year then 'same'
        else 'differs'
    end as check_against_statistics,
    both_sources.article_ids
from both_sources
inner join dim_region as region on both_sources.region_code = region.region_code
left join dim_region as province on region.province_code = province.region_code
where 2020 in (both_sources.news_exit_year, both_sources.statistical_exit_year)
order by province.name_en nulls last, region.name_en, both_sources.region_code;

-- name: county_dashboard
-- question: The assisted counties with the most reported funds: helpers, outputs, exit year.
select
    name_en,
    province_name,
    helper_count,
    single_year_funds_cny,
    funds_by_year,
    funds_over_periods,
    output_value_cny,
    poverty_exit_year,
    source_article_count
from mart_county_profile
where source_article_count > 0
order by single_year_funds_cny desc nulls last, helper_count desc, name_en
limit 10;

-- name: sichuan_39_exit_years
-- question: When did Sichuan's 39 underdeveloped counties leave the national poverty list?
select
    coalesce(cast(poverty_exit_year as varchar), 'not a poverty county') as exit_year,
    count(*) as counties,
    string_agg(name_en, ', ' order by name_en) as examples
from dim_region
where is_sichuan_underdeveloped
group by exit_year
order by exit_year;

-- name: organisations_that_help
-- question: Which organisations help or pay, of which kind, reported how often?
select
    name,
    kind,
    organisation_code,
    home_region_code,
    article_count,
    pairing_fact_count,
    fund_fact_count
from dim_organisation
order by article_count desc, name;

-- name: liangshan_rural_income_growth
-- question: How much did rural income grow in Liangshan's counties from 2015 to 2022?
select
    region.name_en,
    region.poverty_exit_year,
    max(case when indicators.year = 2015 then indicators.rural_income_yuan end) as income_2015,
    max(case when indicators.year = 2022 then indicators.rural_income_yuan end) as income_2022,
    round(
        100 * (
            max(case when indicators.year = 2022 then indicators.rural_income_yuan end)
            / max(case when indicators.year = 2015 then indicators.rural_income_yuan end) - 1
        ),
        1
    ) as growth_pct
from mart_region_indicators as indicators
inner join dim_region as region on indicators.region_code = region.region_code
where region.prefecture_code = '513400000000'
group by region.name_en, region.poverty_exit_year
order by growth_pct desc nulls last, region.name_en
limit 10;

-- name: figures_sources_disagree_on
-- question: Which figures do two sources report differently (kept side by side, never averaged)?
select
    fact_type,
    region_name,
    coalesce(payer_name, product, level) as about,
    year_from,
    year,
    measure,
    values_reported,
    article_count
from mart_fact_conflicts
where is_conflict
order by fact_type, region_name, year, values_reported;

-- name: where_the_largest_fund_comes_from
-- question: Where does the largest fund figure come from (sentence, article, date)?
select
    funds.amount_cny,
    funds.payer_name,
    funds.region_name,
    evidence.evidence,
    evidence.title,
    evidence.published_date
from mart_funds as funds
inner join mart_fact_evidence as evidence
    on evidence.mart_name = 'mart_funds' and evidence.mart_key = funds.fund_key
order by funds.amount_cny desc, evidence.published_date, evidence.evidence
limit 3;
