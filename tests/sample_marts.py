"""A small, known-good candidate of every mart, for the gate and publisher tests.

The DDL mirrors the contract of the dbt marts (schema ``marts``): the quality
gate and the publisher are tested against it without running dbt, and a test
can break one row at a time to prove that a check catches it. The raw tables
the gate also checks (``raw.articles``, ``raw.facts_*``) use the loader's real
DDL (``ingestion.warehouse.ensure_raw_schema``) with a few good rows.
"""

from __future__ import annotations

import re

import duckdb

from ingestion.warehouse import ensure_raw_schema

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

_DDL = """
create table {schema}.dim_region (
    region_code varchar, name_en varchar, name_zh varchar, level varchar,
    parent_code varchar, province_code varchar, prefecture_code varchar,
    longitude double, latitude double, is_sichuan_underdeveloped boolean,
    poverty_exit_year integer, latest_population bigint, latest_population_year integer,
    latest_rural_income_yuan double, latest_rural_income_year integer
);
create table {schema}.mart_pairings (
    pairing_key varchar, helper_name varchar, helper_kind varchar, helper_code varchar,
    helped_name varchar, helped_code varchar, mechanism varchar,
    first_year integer, last_year integer, article_count integer,
    article_ids varchar, first_reported_date date, last_reported_date date, evidence varchar
);
create table {schema}.mart_funds (
    fund_key varchar, payer_kind varchar, payer_code varchar, payer_name varchar,
    region_name varchar, region_code varchar, year integer, year_from integer,
    period_kind varchar, measure varchar,
    qualifier varchar, amount_cny double, article_count integer, article_ids varchar,
    first_reported_date date, last_reported_date date, evidence varchar
);
create table {schema}.mart_output_value (
    output_key varchar, region_name varchar, region_code varchar, product varchar,
    year integer, year_from integer, period_kind varchar, planting_area_mu double,
    planting_area_qualifier varchar,
    output_volume_tonnes double, output_volume_qualifier varchar, output_value_cny double,
    output_value_qualifier varchar, sales_cny double, sales_qualifier varchar,
    has_conflicting_values boolean, conflicting_measures varchar, article_count integer,
    article_ids varchar, first_reported_date date, last_reported_date date
);
create table {schema}.mart_poverty_exits (
    exit_key varchar, region_name varchar, region_code varchar, level varchar,
    year integer, year_from integer, period_kind varchar, exited integer, total integer,
    remaining integer, rate_pct double,
    article_count integer, article_ids varchar, first_reported_date date,
    last_reported_date date, evidence varchar
);
create table {schema}.dim_organisation (
    organisation_code varchar, name varchar, kind varchar, home_region_code varchar,
    first_year integer, last_year integer, article_count integer, spelling_count integer,
    pairing_fact_count integer, fund_fact_count integer
);
create table {schema}.mart_county_profile (
    region_code varchar, name_en varchar, name_zh varchar, prefecture_code varchar,
    prefecture_name varchar, province_code varchar, province_name varchar, helpers varchar,
    helper_count integer, single_year_funds_cny double, funds_by_year varchar,
    funds_over_periods varchar,
    output_value_cny double, output_value_year integer, planting_area_mu double,
    planting_area_year integer, poverty_exit_year integer, is_sichuan_underdeveloped boolean,
    conflict_count integer, source_article_count integer
);
create table {schema}.mart_fact_conflicts (
    conflict_key varchar, fact_type varchar, mart_name varchar, subject varchar,
    measure varchar, region_code varchar, region_name varchar, payer_name varchar,
    product varchar, level varchar, year integer, year_from integer, value_count integer,
    values_reported varchar, mart_keys varchar, fact_count integer, article_count integer,
    article_ids varchar, is_conflict boolean
);
create table {schema}.mart_fact_evidence (
    evidence_key varchar, mart_name varchar, mart_key varchar, measure varchar, fact_id varchar,
    article_id varchar, evidence varchar, start_char integer, end_char integer,
    is_representative boolean, extractor_version varchar, confidence double,
    url varchar, title varchar, published_date date
);
create table {schema}.mart_region_indicators (
    indicator_key varchar, region_code varchar, year integer, population bigint,
    rural_income_yuan double, source_id varchar
);
"""

_ROWS = """
insert into {schema}.dim_region values
    ('510000000000', 'Sichuan', '四川省', 'province', null, '510000000000', null,
     104.07, 30.67, false, null, null, null, null, null),
    ('513300000000', 'Garze', '甘孜藏族自治州', 'prefecture', '510000000000',
     '510000000000', '513300000000', 101.96, 30.05, false, null, null, null, null, null),
    ('513322000000', 'Luding', '泸定县', 'county', '513300000000', '510000000000',
     '513300000000', 102.23, 29.91, true, 2019, 86000, 2022, 16800.0, 2022),
    ('330000000000', 'Zhejiang', '浙江省', 'province', null, '330000000000', null,
     120.15, 30.27, false, null, null, null, null, null);
insert into {schema}.mart_pairings values
    ('p1', 'Zhejiang', 'region', '330000000000', 'Luding', '513322000000',
     'east_west_cooperation', 2018, 2020, 2, 'a1,a2', '2019-03-02', '2020-11-30',
     'Zhejiang paired with Luding County under east-west cooperation.'),
    ('p2', 'China Three Gorges Corporation', 'organisation', 'org_0123456789ab', 'Luding',
     '513322000000', null, 2019, null, 1, 'a3', null, null,
     'China Three Gorges Corporation assisted Luding.');
insert into {schema}.mart_funds values
    ('f1', 'region', '330000000000', 'Zhejiang', 'Luding', '513322000000', 2019, null,
     'single_year', 'assistance_funds', 'exact', 120000000.0, 1, 'a1', '2019-06-01', '2019-06-01',
     'Zhejiang provided 120 million yuan of assistance funds.'),
    ('f2', null, null, null, 'Garze', null, null, null, 'unknown', null, null, 5000000.0, 2,
     'a2,a3',
     '2020-05-01', '2021-01-10',
     'More than 5 million yuan was donated.');
insert into {schema}.mart_output_value values
    ('o1', 'Luding', '513322000000', 'tea', 2020, null, 'single_year', 8000.0, 'at_least',
     900.0, null,
     35000000.0, 'about', null, null, true, 'output_value', 2, 'a2,a4',
     '2020-05-01', '2021-01-10'),
    ('o2', 'Luding', '513322000000', 'red pepper', 2020, null, 'single_year', 12000.0, null,
     null, null,
     null, null, 4000000.0, 'exact', false, null, 1, 'a2', '2020-05-01', '2020-05-01');
insert into {schema}.mart_poverty_exits values
    ('e1', 'Luding', '513322000000', 'village', 2019, null, 'single_year', 45, 45, 0, 100.0, 1,
     'a1',
     '2019-06-01', '2019-06-01',
     'All 45 poor villages exited poverty.'),
    ('e2', 'Garze', '513300000000', 'person', 2020, null, 'single_year', 9400, 10000, 600, 94.0,
     1, 'a3', null, null,
     '9,400 of 10,000 poor people exited poverty.'),
    ('e3', 'Luding', null, 'county', 2019, null, 'single_year', 1, null, null, null, 1, 'a1',
     '2019-06-01', '2019-06-01',
     'Luding County exited poverty.');
insert into {schema}.dim_organisation values
    ('org_0123456789ab', 'China Three Gorges Corporation', 'central_soe', null,
     2019, 2019, 1, 1, 1, 0);
insert into {schema}.mart_county_profile values
    ('513322000000', 'Luding', '泸定县', '513300000000', 'Garze', '510000000000', 'Sichuan',
     'China Three Gorges Corporation; Zhejiang', 2, 120000000.0, '2019: 120000000', null,
     35000000.0, 2020, 12000.0, 2020, 2019, true, 1, 3);
insert into {schema}.mart_fact_conflicts values
    ('c1', 'fund', 'mart_funds', 'fund|code:513322000000|2019|Zhejiang', 'assistance_funds',
     '513322000000', 'Luding', 'Zhejiang', null, null, 2019, null, 2,
     '100000000; 120000000', 'f1,f3', 2, 2, 'a1,a4', true);
insert into {schema}.mart_fact_evidence values
    ('v1', 'mart_funds', 'f1', null, 'fact-1', 'a1',
     'Zhejiang provided 120 million yuan of assistance funds.', 120, 175, true,
     'patterns-0.2.0', 0.9, 'https://example.org/a1', 'Zhejiang aid', '2020-03-01');
insert into {schema}.mart_region_indicators values
    ('513322000000:2021', '513322000000', 2021, 85500, 15600.0, 'county_indicators'),
    ('513322000000:2022', '513322000000', 2022, 86000, 16800.0, 'county_indicators');
"""


_RAW_ROWS = """
insert into raw.articles values
    ('0123456789abcdef', 'gov_news', 'https://example.org/a1', 'h1', 'Zhejiang aid',
     '2020-03-01', 'Zhejiang provided 120 million yuan of assistance funds to Luding.',
     '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', 'parse-1'),
    ('fedcba9876543210', 'gov_news', 'https://example.org/a2', 'h2', null, null,
     'All 45 poor villages exited poverty; 9,400 of 10,000 poor people exited.',
     '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', 'parse-1');
insert into raw.facts_pairing values
    ('fp1', '0123456789abcdef', 'Zhejiang', 'Luding', 'east_west_cooperation', 2019,
     '330000000000', '513322000000', 'Zhejiang provided ... Luding.', 0, 66,
     'patterns-0.2.0', 0.8, '2026-01-01 00:00:00+00'),
    ('fp2', '0123456789abcdef', 'A company', 'Luding', null, null, null, null,
     'A company helped Luding.', 0, 20, 'patterns-0.2.0', 0.5, '2026-01-01 00:00:00+00');
insert into raw.facts_fund values
    ('ff1', '0123456789abcdef', 120000000.0, 'exact', 'assistance_funds', 'Zhejiang',
     'Luding', '513322000000', 2019, null, 'Zhejiang provided 120 million yuan.', 0, 66,
     'patterns-0.2.0', 0.9, '2026-01-01 00:00:00+00'),
    ('ff2', '0123456789abcdef', 5000000.0, null, null, null, null, null, null, null,
     'More than 5 million yuan.', 10, 30, 'patterns-0.2.0', 0.6, '2026-01-01 00:00:00+00');
insert into raw.facts_output values
    ('fo1', '0123456789abcdef', 'output_value', 35000000.0, 'about', 'tea', 'Luding',
     '513322000000', 2020, null, 'Tea output reached about 35 million yuan.', 5, 50,
     'patterns-0.2.0', 0.7, '2026-01-01 00:00:00+00');
insert into raw.facts_exit values
    ('fe1', 'fedcba9876543210', 'village', 45, 45, 0, 100.0, 'Luding', '513322000000', 2019, null,
     'All 45 poor villages exited poverty', 0, 35, 'patterns-0.2.0', 0.9,
     '2026-01-01 00:00:00+00'),
    ('fe2', 'fedcba9876543210', 'person', 9400, 10000, 600, 94.0, 'Garze', null, 2020, null,
     '9,400 of 10,000 poor people exited.', 37, 72, 'patterns-0.2.0', 0.9,
     '2026-01-01 00:00:00+00'),
    ('fe3', 'fedcba9876543210', 'county', 1, null, null, null, 'Luding', null, null, null,
     'Luding County exited poverty.', 0, 29, 'patterns-0.2.0', 0.5,
     '2026-01-01 00:00:00+00');
"""


def create_sample_marts(
    connection: duckdb.DuckDBPyConnection, schema: str = "marts", with_raw: bool = True
) -> None:
    """Create every mart in ``schema`` with a few rows that pass every expectation.

    ``with_raw`` also fills the raw tables the gate checks (once per warehouse).
    """
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"not a plain SQL identifier: {schema!r}")
    connection.execute(f"create schema if not exists {schema}")
    connection.execute(_DDL.format(schema=schema))
    connection.execute(_ROWS.format(schema=schema))
    if with_raw:
        create_sample_raw(connection)


def create_sample_raw(connection: duckdb.DuckDBPyConnection) -> None:
    """The raw tables with a few rows that pass the raw suites (no-op if already filled)."""
    ensure_raw_schema(connection)
    if connection.execute("select count(*) from raw.articles").fetchone()[0] == 0:
        connection.execute(_RAW_ROWS)
