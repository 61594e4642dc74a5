"""A small raw-layer fixture for building the dbt project, on DuckDB or PostgreSQL.

It mirrors the shipped gazetteer rows and includes the cases the
transformation exists for: one fund reported by two articles, one pairing
named differently across articles, ambiguous names (Hotan, Liangshan) and
6-digit codes, organisations as helpers and payers (central SOEs under
several spellings, one fund reported under two payer spellings, a provincial
bureau), one fund subject and one output measure reported with two different
values (conflicts), cumulative figures beside annual ones for the same
subject (``YEAR_FROM``: a 2016-2020 fund next to a 2019 and a 2020 one), and ``LATE_*`` rows for an article that
arrives after a first build. ``raw_rows()`` gives every table's rows in column order, so
each target's loader inserts the same values with its own driver.
"""

# Fixture tables read best one row per line.
# ruff: noqa: E501

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import duckdb

from ingestion.warehouse import ensure_raw_schema, in_dialect, raw_schema_ddl

LOADED_AT = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)

# The statistical tables of the fixture's sources (the loader creates them from
# sources.yml); their columns are the dbt sources' contract. The gazetteer table is
# in the raw schema itself (ingestion.warehouse).
REFERENCE_DDL = """
create table raw.stat_sichuan_39_counties (
    county_code varchar, county_name_en varchar, county_name_zh varchar,
    prefecture_name_en varchar, assisting_bodies varchar,
    _source_id varchar not null, _loaded_at timestamptz not null
);
create table raw.stat_county_poverty_exits (
    county_code varchar, county_name_en varchar, province_name_en varchar,
    exit_year integer, population_10k double,
    _source_id varchar not null, _loaded_at timestamptz not null
);
create table raw.stat_county_indicators (
    county_code varchar, county_name_en varchar, year integer,
    resident_population integer, rural_income_yuan double,
    _source_id varchar not null, _loaded_at timestamptz not null
);
"""

# Rows as in ingestion/gazetteer/data/regions.csv.
GAZETTEER = [
    ("110000000000", "北京市", "Beijing Municipality", "province", None, "110000000000", None, 116.407394, 39.904211, "Peking"),
    ("330000000000", "浙江省", "Zhejiang Province", "province", None, "330000000000", None, 120.152585, 30.266597, None),
    ("370000000000", "山东省", "Shandong Province", "province", None, "370000000000", None, 117.019915, 36.671156, None),
    ("370800000000", "济宁市", "Jining City", "prefecture", "370000000000", "370000000000", "370000000000", 116.587282, 35.414982, None),
    ("370832000000", "梁山县", "Liangshan County", "county", "370800000000", "370000000000", "370800000000", 116.096044, 35.802306, None),
    ("510000000000", "四川省", "Sichuan Province", "province", None, "510000000000", None, 104.075809, 30.651239, None),
    ("510100000000", "成都市", "Chengdu City", "prefecture", "510000000000", "510000000000", "510000000000", 104.066794, 30.572893, None),
    ("510106000000", "金牛区", "Jinniu District", "county", "510100000000", "510000000000", "510100000000", 104.052236, 30.691359, None),
    ("513300000000", "甘孜藏族自治州", "Garze Tibetan Autonomous Prefecture", "prefecture", "510000000000", "510000000000", "510000000000", 101.96231, 30.04952, "Ganzi;Kardze"),
    ("513328000000", "甘孜县", "Garze County", "county", "513300000000", "510000000000", "513300000000", 99.99267, 31.622933, "Ganzi;Kardze"),
    ("513332000000", "石渠县", "Shiqu County", "county", "513300000000", "510000000000", "513300000000", 98.102914, 32.97896, "Serxu"),
    ("513400000000", "凉山彝族自治州", "Liangshan Yi Autonomous Prefecture", "prefecture", "510000000000", "510000000000", "510000000000", 102.267712, 27.88157, None),
    ("513431000000", "昭觉县", "Zhaojue County", "county", "513400000000", "510000000000", "513400000000", 102.840264, 28.015333, None),
    ("650000000000", "新疆维吾尔自治区", "Xinjiang Uygur Autonomous Region", "province", None, "650000000000", None, 87.627704, 43.793026, "Sinkiang"),
    ("653200000000", "和田地区", "Hotan Prefecture", "prefecture", "650000000000", "650000000000", "650000000000", 79.922211, 37.114157, "Hetian;Khotan"),
    ("653201000000", "和田市", "Hotan City", "county", "653200000000", "650000000000", "653200000000", 79.913534, 37.112148, "Hetian;Khotan"),
    ("653221000000", "和田县", "Hotan County", "county", "653200000000", "650000000000", "653200000000", 79.81907, 37.120031, "Hetian;Khotan"),
]  # fmt: skip

SICHUAN_39 = [
    ("513332", "Shiqu County", "石渠县", "Garze", "Jinniu District;Sichuan Energy Investment"),
    ("513431", "Zhaojue County", "昭觉县", "Liangshan", "Sichuan Energy Investment"),
    ("513328", "Garze County", "甘孜县", "Garze", None),
]

# Zhaojue twice (two sources): the dimension keeps the earliest year.
POVERTY_EXITS = [
    ("513332", "Shiqu County", "Sichuan", 2020, 10.2),
    ("513431", "Zhaojue County", "Sichuan", 2020, None),
    ("513431", "Zhaojue County", "Sichuan", 2021, None),
    ("653221", "Hotan County", "Xinjiang", 2020, 33.0),
]

ARTICLES = ["a1", "a2", "a3", "a4", "a5", "a6"]
ARTICLE_DATES = {"a5": date(2021, 9, 1), "a6": date(2021, 10, 1), "a7": date(2022, 6, 1)}
DEFAULT_ARTICLE_DATE = date(2021, 3, 1)

# (fact_id, article, helper, helped, mechanism, year, helper_code, helped_code)
PAIRINGS = [
    ("p1", "a1", "Jinniu District", "Shiqu County", "basic_assistance", 2019, "510106000000", None),
    # Same relationship, other spellings, no codes, no mechanism: merges with p1.
    ("p2", "a2", "Jinniu", "Shiqu", None, 2021, None, None),
    ("p3", "a2", "Jinniu District", "Shiqu County", None, None, None, None),
    ("p4", "a3", "Sichuan Energy Investment Group Co., Ltd.", "Zhaojue County", "enterprise_assistance", 2020, None, None),
    ("p5", "a3", "Zhejiang Province", "Ganzi Tibetan Autonomous Prefecture", "east_west_cooperation", 2018, None, None),
    ("p6", "a4", "Beijing", "Hotan Prefecture", "counterpart_support", 2017, None, None),
    # "Hotan" is a prefecture, a city and a county: left unresolved, not guessed.
    ("p7", "a4", "Beijing", "Hotan", "counterpart_support", 2017, None, None),
    # A central SOE as helper, reported by two articles (suffixes differ): one row.
    ("p8", "a5", "China Mobile Communications Group Co., Ltd.", "Zhaojue County", "enterprise_assistance", 2021, None, None),
    ("p9", "a6", "China Mobile Communications Group", "Zhaojue", None, 2021, None, None),
    # A government body as helper.
    ("p10", "a5", "Sichuan Provincial Bureau of Economic Cooperation", "Garze County", "basic_assistance", 2021, None, None),
]  # fmt: skip

# (fact_id, article, amount, qualifier, measure, payer, region, region_code, year, confidence)
FUNDS = [
    ("f1", "a1", 20_000_000.0, "exact", "assistance_funds", "Jinniu District", "Shiqu County", None, 2020, 0.8),
    # The same fund in another article: a 6-digit code, fewer attributes, higher confidence.
    ("f2", "a2", 20_000_000.0, None, None, "Jinniu", "Shiqu", "513332", 2020, 0.9),
    # "Liangshan" is also a county in Shandong; "Prefecture" decides.
    ("f3", "a3", 1_296_948_000.0, "about", "fiscal_funds", None, "Liangshan Prefecture", None, 2020, 0.7),
    ("f4", "a3", 5_000_000.0, "at_least", "donation", "Sichuan Energy Investment", "Zhaojue", None, None, 0.7),
    # A conflict: two articles, the same payer (two spellings of one central
    # SOE), place, year and measure, different amounts. Both stay, flagged.
    ("f5", "a5", 3_000_000.0, "exact", "assistance_funds", "China Mobile Communications Group Co., Ltd.", "Zhaojue County", None, 2021, 0.8),
    ("f6", "a6", 3_500_000.0, "about", "assistance_funds", "China Mobile", "Zhaojue", None, 2021, 0.8),
    # One fund, two spellings of its payer (a central SOE's name and a curated
    # alias): one row counting both articles, the amount once.
    ("f8", "a3", 4_000_000.0, "exact", "donation", "China Three Gorges Corp.", "Zhaojue County", None, 2022, 0.8),
    ("f9", "a4", 4_000_000.0, None, "donation", "the Three Gorges Group", "Zhaojue", None, 2022, 0.8),
    # Periods: Jinniu's cumulative 2016-2020 total to Shiqu (YEAR_FROM) and its
    # 2019 amount. Neither adds into a year's sum with the other or with f1
    # (2020), and the cumulative total is no conflict with f1's 2020 amount.
    ("f10", "a2", 50_000_000.0, "exact", "assistance_funds", "Jinniu District", "Shiqu County", None, 2020, 0.8),
    ("f11", "a2", 6_000_000.0, "exact", "assistance_funds", "Jinniu District", "Shiqu County", None, 2019, 0.8),
]  # fmt: skip

# (fact_id, article, measure, value, qualifier, product, region, year)
OUTPUTS = [
    ("o1", "a1", "planting_area", 30_000.0, None, "highland barley", "Shiqu County", 2020),
    ("o2", "a4", "output_value", 120_000_000.0, "at_least", "walnut", "Hotan County", 2020),
    ("o3", "a4", "sales", 35_000_000.0, "about", None, None, 2021),
    ("o4", "a2", "output_volume", 1_500.5, None, "Tea", "Zhaojue County", 2020),
    ("o5", "a3", "output_volume", 1_500.5, None, "tea", "Zhaojue", 2020),
    # Another measure of the same tea row (2,000 hectares as the extractor converts them).
    ("o6", "a5", "planting_area", 30_000.000000000004, "about", "tea", "Zhaojue County", 2020),
    # A conflict: a later article gives Hotan's walnut another output value.
    ("o7", "a6", "output_value", 100_000_000.0, "about", "Walnut", "Hotan County", 2020),
    # Zhaojue's tea output value over 2016-2020 (YEAR_FROM): a row of its own,
    # not the output value column of the 2020 tea row.
    ("o9", "a5", "output_value", 500_000_000.0, None, "tea", "Zhaojue County", 2020),
]  # fmt: skip

# (fact_id, article, level, exited, total, remaining, rate_pct, region, region_code, year)
EXITS = [
    ("e1", "a3", "county", 7, 11, 4, None, "Liangshan Yi Autonomous Prefecture", None, 2019),
    ("e2", "a4", "village", 240, None, None, None, "Hotan Prefecture", None, 2019),
    # Bare "Liangshan" is ambiguous by name; the extractor's code resolves it.
    ("e3", "a1", "county", 7, 11, 4, 63.6, "Liangshan", "513400", 2019),
    # "Since 2014, a million people ..." (YEAR_FROM): cumulative, not 2020's exits.
    ("e4", "a3", "person", 1_000_000, None, None, None, "Liangshan Prefecture", None, 2020),
]  # fmt: skip

# The first year of the period of each cumulative figure above (facts not listed: null).
YEAR_FROM = {"f10": 2016, "o9": 2016, "e4": 2014}

# An article that arrives after a first build: Jinniu helps Shiqu again in 2022 with new money.
LATE_ARTICLES = ["a7"]
LATE_PAIRINGS = [
    ("p11", "a7", "Jinniu District", "Shiqu County", "basic_assistance", 2022, None, None),
]  # fmt: skip
LATE_FUNDS = [
    ("f7", "a7", 8_000_000.0, "exact", "assistance_funds", "Jinniu District", "Shiqu County", None, 2022, 0.8),
]  # fmt: skip
# It repeats Hotan's 120 million walnut output value: two articles now outvote the one for 100 million.
LATE_OUTPUTS = [
    ("o8", "a7", "output_value", 120_000_000.0, None, "walnut", "Hotan County", 2020),
]  # fmt: skip

MARTS = (
    "dim_region", "mart_pairings", "mart_funds", "mart_output_value", "mart_poverty_exits",
    "dim_organisation", "mart_county_profile", "mart_fact_conflicts", "mart_fact_evidence",
    "mart_region_indicators",
)  # fmt: skip


# Yearly indicators (the XLSX source). Shiqu's 2022 income is not published, so
# its latest income is 2021's while its latest population is 2022's.
COUNTY_INDICATORS = [
    ("513332", "Shiqu County", 2020, 101_000, 11_200.0),
    ("513332", "Shiqu County", 2021, 102_000, 12_400.0),
    ("513332", "Shiqu County", 2022, 103_000, None),
    ("513431", "Zhaojue County", 2021, 280_000, 14_900.0),
    ("513431", "Zhaojue County", 2022, 283_000, 16_100.0),
]


def _provenance(fact_id: str, confidence: float = 0.8) -> tuple[Any, ...]:
    evidence = f"Evidence sentence of {fact_id}."
    return (evidence, 0, len(evidence), "test-1", confidence, LOADED_AT)


def _article_rows(articles: list[str]) -> list[tuple[Any, ...]]:
    return [
        (
            a,
            "demo",
            f"https://example.org/{a}",
            f"hash-{a}",
            f"Title {a}",
            ARTICLE_DATES.get(a, DEFAULT_ARTICLE_DATE),
            "text",
            LOADED_AT,
            LOADED_AT,
            "p1",
        )
        for a in articles
    ]


def raw_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every fixture row, keyed by raw table, each row in the table's column order."""
    return {
        "gazetteer_regions": list(GAZETTEER),
        "stat_sichuan_39_counties": [(*row, "sichuan_39", LOADED_AT) for row in SICHUAN_39],
        "stat_county_poverty_exits": [(*row, "exits", LOADED_AT) for row in POVERTY_EXITS],
        "stat_county_indicators": [
            (*row, "county_indicators", LOADED_AT) for row in COUNTY_INDICATORS
        ],
        "articles": _article_rows(ARTICLES),
        "facts_pairing": [(*row, *_provenance(row[0])) for row in PAIRINGS],
        # year_from follows year in the fund, output and exit tables.
        "facts_fund": [
            (*row[:-1], YEAR_FROM.get(row[0]), *_provenance(row[0], row[-1])) for row in FUNDS
        ],
        # The fixture leaves facts_output.region_code (after region) empty.
        "facts_output": [
            (*row[:7], None, row[7], YEAR_FROM.get(row[0]), *_provenance(row[0])) for row in OUTPUTS
        ],
        "facts_exit": [(*row, YEAR_FROM.get(row[0]), *_provenance(row[0])) for row in EXITS],
    }


def late_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Rows of the late-arriving article, keyed by raw table."""
    return {
        "articles": _article_rows(LATE_ARTICLES),
        "facts_pairing": [(*row, *_provenance(row[0])) for row in LATE_PAIRINGS],
        "facts_fund": [(*row[:-1], None, *_provenance(row[0], row[-1])) for row in LATE_FUNDS],
        "facts_output": [
            (*row[:7], None, row[7], None, *_provenance(row[0])) for row in LATE_OUTPUTS
        ],
    }


def load_late_articles(connection: duckdb.DuckDBPyConnection) -> None:
    """Insert the late-arriving article and its facts into a loaded DuckDB warehouse."""
    for table, rows in late_rows().items():
        placeholders = ", ".join("?" * len(rows[0]))
        connection.executemany(f"insert into raw.{table} values ({placeholders})", rows)


def load_fixture(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema in a DuckDB warehouse and insert the fixture."""
    ensure_raw_schema(connection)
    connection.execute(REFERENCE_DDL)
    for table, rows in raw_rows().items():
        placeholders = ", ".join("?" * len(rows[0]))
        connection.executemany(f"insert into raw.{table} values ({placeholders})", rows)


def postgres_raw_ddl() -> str:
    """The raw schema (loader's and reference tables) in PostgreSQL, as the product makes it."""
    return raw_schema_ddl("postgres") + in_dialect(REFERENCE_DDL, "postgres")


def load_fixture_postgres(warehouse: Any) -> None:
    """The same raw rows into a PostgreSQL warehouse (a ``PostgresWarehouse``)."""
    import psycopg2

    connection = psycopg2.connect(**warehouse.connect_kwargs())
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(postgres_raw_ddl())
            for table, rows in raw_rows().items():
                placeholders = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"insert into raw.{table} values ({placeholders})", rows)
    finally:
        connection.close()
