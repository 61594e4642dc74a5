"""The dbt project built for real on a DuckDB file holding a small raw fixture.

One build per module (dbt on DuckDB takes seconds per invocation); the tests
read the marts it produced. The fixture (``raw_fixture``) includes the cases
the transformation exists for: one fund reported by two articles, one pairing
named differently across articles, ambiguous names (Hotan, Liangshan) and
6-digit codes, organisations, a conflicting fund and a late-arriving article.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.examples import read_examples
from ingestion.transform.dbt_runner import (
    DbtError,
    DbtResult,
    build_models,
    generate_docs,
    run_dbt,
)
from ingestion.warehouse import connect
from tests.transform.raw_fixture import GAZETTEER, load_fixture, load_late_articles

pytestmark = pytest.mark.slow

MART_COLUMNS = {
    "dim_region": [
        ("region_code", "VARCHAR"), ("name_en", "VARCHAR"), ("name_zh", "VARCHAR"),
        ("level", "VARCHAR"), ("parent_code", "VARCHAR"), ("province_code", "VARCHAR"),
        ("prefecture_code", "VARCHAR"), ("longitude", "DOUBLE"), ("latitude", "DOUBLE"),
        ("is_sichuan_underdeveloped", "BOOLEAN"), ("poverty_exit_year", "INTEGER"),
        ("latest_population", "BIGINT"), ("latest_population_year", "INTEGER"),
        ("latest_rural_income_yuan", "DOUBLE"), ("latest_rural_income_year", "INTEGER"),
    ],
    "mart_pairings": [
        ("pairing_key", "VARCHAR"), ("helper_name", "VARCHAR"), ("helper_kind", "VARCHAR"),
        ("helper_code", "VARCHAR"), ("helped_name", "VARCHAR"), ("helped_code", "VARCHAR"),
        ("mechanism", "VARCHAR"), ("first_year", "INTEGER"), ("last_year", "INTEGER"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"),
        ("first_reported_date", "DATE"), ("last_reported_date", "DATE"),
        ("evidence", "VARCHAR"),
    ],
    "mart_funds": [
        ("fund_key", "VARCHAR"), ("payer_kind", "VARCHAR"), ("payer_code", "VARCHAR"),
        ("payer_name", "VARCHAR"), ("region_name", "VARCHAR"),
        ("region_code", "VARCHAR"), ("year", "INTEGER"), ("year_from", "INTEGER"),
        ("period_kind", "VARCHAR"), ("measure", "VARCHAR"),
        ("qualifier", "VARCHAR"), ("amount_cny", "DOUBLE"), ("article_count", "INTEGER"),
        ("article_ids", "VARCHAR"),
        ("first_reported_date", "DATE"), ("last_reported_date", "DATE"),
        ("evidence", "VARCHAR"),
    ],
    "mart_output_value": [
        ("output_key", "VARCHAR"), ("region_name", "VARCHAR"), ("region_code", "VARCHAR"),
        ("product", "VARCHAR"), ("year", "INTEGER"), ("year_from", "INTEGER"),
        ("period_kind", "VARCHAR"), ("planting_area_mu", "DOUBLE"),
        ("planting_area_qualifier", "VARCHAR"),
        ("output_volume_tonnes", "DOUBLE"), ("output_volume_qualifier", "VARCHAR"),
        ("output_value_cny", "DOUBLE"), ("output_value_qualifier", "VARCHAR"),
        ("sales_cny", "DOUBLE"), ("sales_qualifier", "VARCHAR"),
        ("has_conflicting_values", "BOOLEAN"), ("conflicting_measures", "VARCHAR"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"),
        ("first_reported_date", "DATE"), ("last_reported_date", "DATE"),
    ],
    "mart_poverty_exits": [
        ("exit_key", "VARCHAR"), ("region_name", "VARCHAR"), ("region_code", "VARCHAR"),
        ("level", "VARCHAR"), ("year", "INTEGER"), ("year_from", "INTEGER"),
        ("period_kind", "VARCHAR"), ("exited", "INTEGER"),
        ("total", "INTEGER"), ("remaining", "INTEGER"), ("rate_pct", "DOUBLE"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"),
        ("first_reported_date", "DATE"), ("last_reported_date", "DATE"),
        ("evidence", "VARCHAR"),
    ],
    "dim_organisation": [
        ("organisation_code", "VARCHAR"), ("name", "VARCHAR"), ("kind", "VARCHAR"),
        ("home_region_code", "VARCHAR"), ("first_year", "INTEGER"), ("last_year", "INTEGER"),
        ("article_count", "INTEGER"), ("spelling_count", "INTEGER"),
        ("pairing_fact_count", "INTEGER"), ("fund_fact_count", "INTEGER"),
    ],
    "mart_county_profile": [
        ("region_code", "VARCHAR"), ("name_en", "VARCHAR"), ("name_zh", "VARCHAR"),
        ("prefecture_code", "VARCHAR"), ("prefecture_name", "VARCHAR"),
        ("province_code", "VARCHAR"), ("province_name", "VARCHAR"), ("helpers", "VARCHAR"),
        ("helper_count", "INTEGER"), ("single_year_funds_cny", "DOUBLE"),
        ("funds_by_year", "VARCHAR"), ("funds_over_periods", "VARCHAR"),
        ("output_value_cny", "DOUBLE"), ("output_value_year", "INTEGER"),
        ("planting_area_mu", "DOUBLE"), ("planting_area_year", "INTEGER"),
        ("poverty_exit_year", "INTEGER"), ("is_sichuan_underdeveloped", "BOOLEAN"),
        ("conflict_count", "INTEGER"), ("source_article_count", "INTEGER"),
    ],
    "mart_fact_conflicts": [
        ("conflict_key", "VARCHAR"), ("fact_type", "VARCHAR"), ("mart_name", "VARCHAR"),
        ("subject", "VARCHAR"), ("measure", "VARCHAR"), ("region_code", "VARCHAR"),
        ("region_name", "VARCHAR"), ("payer_name", "VARCHAR"), ("product", "VARCHAR"),
        ("level", "VARCHAR"), ("year", "INTEGER"), ("year_from", "INTEGER"),
        ("value_count", "INTEGER"),
        ("values_reported", "VARCHAR"), ("mart_keys", "VARCHAR"), ("fact_count", "INTEGER"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"), ("is_conflict", "BOOLEAN"),
    ],
    "mart_fact_evidence": [
        ("evidence_key", "VARCHAR"), ("mart_name", "VARCHAR"), ("mart_key", "VARCHAR"),
        ("measure", "VARCHAR"), ("fact_id", "VARCHAR"), ("article_id", "VARCHAR"),
        ("evidence", "VARCHAR"), ("start_char", "INTEGER"), ("end_char", "INTEGER"),
        ("is_representative", "BOOLEAN"), ("extractor_version", "VARCHAR"),
        ("confidence", "DOUBLE"), ("url", "VARCHAR"), ("title", "VARCHAR"),
        ("published_date", "DATE"), ("is_corrected", "BOOLEAN"),
        ("corrected_fields", "VARCHAR"), ("correction_ids", "VARCHAR"),
    ],
    "mart_region_indicators": [
        ("indicator_key", "VARCHAR"), ("region_code", "VARCHAR"), ("year", "INTEGER"),
        ("population", "BIGINT"), ("rural_income_yuan", "DOUBLE"), ("source_id", "VARCHAR"),
    ],
}  # fmt: skip


def read_mart(warehouse: Path, mart: str) -> list[dict[str, Any]]:
    with connect(warehouse) as connection:
        cursor = connection.execute(f"select * from marts.{mart} order by 1")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def by(rows: list[dict[str, Any]], **criteria: Any) -> dict[str, Any]:
    matches = [r for r in rows if all(r[k] == v for k, v in criteria.items())]
    assert len(matches) == 1, f"{len(matches)} rows match {criteria}: {rows}"
    return matches[0]


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("dbt_build") / "var"
    return Settings(
        project_root=PROJECT_ROOT, var_dir=var_dir, sources_file=PROJECT_ROOT / "sources.yml"
    )


@pytest.fixture(scope="module")
def built(module_settings: Settings) -> tuple[Path, DbtResult]:
    warehouse = module_settings.warehouse_path
    with connect(warehouse) as connection:
        load_fixture(connection)
    result = build_models(module_settings, target_dir=module_settings.var_dir / "dbt_target")
    return warehouse, result


def test_build_runs_every_node_without_failure(built: tuple[Path, DbtResult]) -> None:
    _, result = built
    assert result.success
    assert not result.failed_nodes
    # Seeds, 11 staging + 12 intermediate + 10 mart models, and their tests.
    assert result.count("success") >= 3 + 11 + 12 + 10
    assert result.count("pass") > 50
    assert result.count("warn") == 0, [n for n in result.nodes if n.status == "warn"]


def test_marts_have_the_contract_columns(built: tuple[Path, DbtResult]) -> None:
    warehouse, _ = built
    with connect(warehouse) as connection:
        for mart, expected in MART_COLUMNS.items():
            actual = connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [mart],
            ).fetchall()
            assert actual == expected, mart
        schemas = {
            row[0]
            for row in connection.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
    assert {"raw", "staging", "intermediate", "marts"} <= schemas
    assert not any(s.startswith("main_") for s in schemas)


def test_pairing_reported_by_two_articles_is_one_row(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_pairings")
    assert len(rows) == 7
    jinniu = by(rows, helped_code="513332000000")
    assert jinniu["helper_name"] == "Jinniu District"
    assert jinniu["helper_kind"] == "region"
    assert jinniu["helper_code"] == "510106000000"
    assert jinniu["helped_name"] == "Shiqu County"
    assert jinniu["mechanism"] == "basic_assistance"
    assert (jinniu["first_year"], jinniu["last_year"]) == (2019, 2021)
    assert jinniu["article_count"] == 2
    assert jinniu["article_ids"] == "a1,a2"
    assert jinniu["evidence"] == "Evidence sentence of p1."
    assert len(jinniu["pairing_key"]) == 32


def test_pairing_helpers_and_places_are_resolved(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_pairings")
    enterprise = by(rows, helped_code="513431000000", first_year=2020)
    assert enterprise["helper_kind"] == "organisation"
    assert enterprise["helper_name"] == "Sichuan Energy Investment Group Co., Ltd."
    organisations = {r["organisation_code"]: r for r in read_mart(built[0], "dim_organisation")}
    assert organisations[enterprise["helper_code"]]["kind"] == "provincial_soe"
    # Every helper has a code that resolves in its dimension.
    regions = {r["region_code"] for r in read_mart(built[0], "dim_region")}
    for row in rows:
        dimension = regions if row["helper_kind"] == "region" else organisations
        assert row["helper_code"] in dimension, row
    # Two spellings of China Mobile as helper of Zhaojue are one pairing row.
    mobile = [r for r in rows if r["helper_name"] == "China Mobile"]
    assert [(r["helped_code"], r["article_count"]) for r in mobile] == [("513431000000", 2)]

    zhejiang = by(rows, helper_code="330000000000")
    # "Ganzi" is the prefecture's and the county's alias; "Prefecture" decides.
    assert zhejiang["helped_code"] == "513300000000"
    assert zhejiang["helped_name"] == "Garze Tibetan Autonomous Prefecture"

    beijing = [r for r in rows if r["helper_code"] == "110000000000"]
    assert {r["helped_code"] for r in beijing} == {"653200000000", None}
    assert by(beijing, helped_code=None)["helped_name"] == "Hotan"


def test_fund_reported_by_two_articles_is_counted_once(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_funds")
    # The two conflicting China Mobile amounts stay two rows (flagged in mart_fact_conflicts).
    assert len(rows) == 8
    assert sum(r["amount_cny"] for r in rows) == (
        20_000_000
        + 1_296_948_000
        + 5_000_000
        + 3_000_000
        + 3_500_000
        + 4_000_000
        + 50_000_000
        + 6_000_000
    )
    shiqu = by(rows, amount_cny=20_000_000.0)
    assert shiqu["region_code"] == "513332000000"
    assert shiqu["region_name"] == "Shiqu County"
    assert shiqu["payer_name"] == "Jinniu District"
    assert (shiqu["payer_kind"], shiqu["payer_code"]) == ("region", "510106000000")
    assert shiqu["article_count"] == 2
    assert shiqu["article_ids"] == "a1,a2"
    # The most complete report wins over the more confident one.
    assert (shiqu["measure"], shiqu["qualifier"]) == ("assistance_funds", "exact")
    assert shiqu["evidence"] == "Evidence sentence of f1."

    liangshan = by(rows, amount_cny=1_296_948_000.0)
    assert liangshan["region_code"] == "513400000000"
    assert (liangshan["year"], liangshan["qualifier"]) == (2020, "about")


def test_fund_figures_say_whether_they_cover_one_year_or_a_period(
    built: tuple[Path, DbtResult],
) -> None:
    rows = read_mart(built[0], "mart_funds")
    jinniu = {
        r["amount_cny"]: (r["year_from"], r["year"], r["period_kind"])
        for r in rows
        if r["region_code"] == "513332000000"
    }
    assert jinniu == {
        50_000_000.0: (2016, 2020, "period"),
        6_000_000.0: (None, 2019, "single_year"),
        20_000_000.0: (None, 2020, "single_year"),
    }
    assert by(rows, amount_cny=5_000_000.0)["period_kind"] == "unknown"
    # The figures a "by year" sum may add: single years only, never the 2016-2020 total.
    with connect(built[0]) as connection:
        by_year = connection.execute(
            "select year, sum(amount_cny) from marts.mart_funds "
            "where region_code = '513332000000' and period_kind = 'single_year' "
            "group by year order by year"
        ).fetchall()
    assert by_year == [(2019, 6_000_000.0), (2020, 20_000_000.0)]


def test_outputs_are_one_wide_row_per_place_product_and_year(
    built: tuple[Path, DbtResult],
) -> None:
    rows = read_mart(built[0], "mart_output_value")
    assert len(rows) == 5
    barley = by(rows, product="highland barley")
    assert (barley["planting_area_mu"], barley["region_code"], barley["year"]) == (
        30_000.0,
        "513332000000",
        2020,
    )
    assert barley["output_value_cny"] is None and barley["has_conflicting_values"] is False

    # Tea reported in three articles under three spellings: one row, two measures,
    # the area converted from hectares keyed to the hundredth.
    tea = by(rows, region_code="513431000000", period_kind="single_year")
    assert (tea["region_name"], tea["product"], tea["year"]) == ("Zhaojue County", "Tea", 2020)
    # The 2016-2020 output value is a row of its own, not the 2020 row's column.
    assert tea["output_value_cny"] is None
    cumulative = by(rows, region_code="513431000000", period_kind="period")
    assert (cumulative["year_from"], cumulative["year"]) == (2016, 2020)
    assert (cumulative["output_value_cny"], cumulative["has_conflicting_values"]) == (
        500_000_000.0,
        False,
    )
    assert (tea["output_volume_tonnes"], tea["output_volume_qualifier"]) == (1_500.5, None)
    assert tea["planting_area_mu"] == pytest.approx(30_000)
    assert tea["planting_area_qualifier"] == "about"
    assert (tea["article_count"], tea["article_ids"]) == (3, "a2,a3,a5")
    assert (tea["first_reported_date"], tea["last_reported_date"]) == (
        date(2021, 3, 1),
        date(2021, 9, 1),
    )

    # Two articles disagree on the walnut output value: not averaged; one
    # article each, so the later report (a6) is chosen, with its qualifier.
    walnut = by(rows, region_code="653221000000")
    assert (walnut["output_value_cny"], walnut["output_value_qualifier"]) == (
        100_000_000.0,
        "about",
    )
    assert walnut["has_conflicting_values"] is True
    assert walnut["conflicting_measures"] == "output_value"
    assert (walnut["article_count"], walnut["article_ids"]) == (2, "a4,a6")

    # No place: its own row, in yuan, with its qualifier.
    sales = by(rows, region_name=None)
    assert (sales["sales_cny"], sales["sales_qualifier"], sales["year"]) == (
        35_000_000.0,
        "about",
        2021,
    )
    assert {k: sales[k] for k in ("planting_area_mu", "output_volume_tonnes")} == {
        "planting_area_mu": None,
        "output_volume_tonnes": None,
    }


def test_evidence_bridge_links_each_measure_of_a_wide_output_row(
    built: tuple[Path, DbtResult],
) -> None:
    warehouse = built[0]
    tea = by(
        read_mart(warehouse, "mart_output_value"),
        region_code="513431000000",
        period_kind="single_year",
    )
    evidence = [
        (r["measure"], r["fact_id"], r["is_representative"])
        for r in read_mart(warehouse, "mart_fact_evidence")
        if (r["mart_name"], r["mart_key"]) == ("mart_output_value", tea["output_key"])
    ]
    assert sorted(evidence) == [
        ("output_volume", "o4", True),
        ("output_volume", "o5", False),
        ("planting_area", "o6", True),
    ]
    walnut = by(read_mart(warehouse, "mart_output_value"), region_code="653221000000")
    chosen = [
        r["fact_id"]
        for r in read_mart(warehouse, "mart_fact_evidence")
        if r["mart_key"] == walnut["output_key"] and r["is_representative"]
    ]
    assert chosen == ["o7"]  # the sentence of the value the column shows


def test_exits_merge_and_keep_the_reported_rate(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_poverty_exits")
    assert len(rows) == 3
    counties = by(rows, level="county")
    assert counties["region_code"] == "513400000000"
    assert (counties["exited"], counties["total"], counties["remaining"]) == (7, 11, 4)
    assert counties["rate_pct"] == pytest.approx(63.6)
    assert (counties["article_count"], counties["article_ids"]) == (2, "a1,a3")
    assert (counties["year"], counties["year_from"], counties["period_kind"]) == (
        2019,
        None,
        "single_year",
    )
    # "Since 2014": a cumulative figure ending in 2020, not 2020's exits.
    people = by(rows, level="person")
    assert (people["exited"], people["year_from"], people["year"], people["period_kind"]) == (
        1_000_000,
        2014,
        2020,
        "period",
    )
    villages = by(rows, level="village")
    assert (villages["region_code"], villages["exited"], villages["total"]) == (
        "653200000000",
        240,
        None,
    )


def test_dim_region_carries_programme_attributes(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "dim_region")
    assert len(rows) == len(GAZETTEER)
    shiqu = by(rows, region_code="513332000000")
    assert shiqu["is_sichuan_underdeveloped"] is True
    assert shiqu["poverty_exit_year"] == 2020
    assert shiqu["parent_code"] == "513300000000"
    assert by(rows, region_code="513431000000")["poverty_exit_year"] == 2020
    chengdu = by(rows, region_code="510100000000")
    assert chengdu["is_sichuan_underdeveloped"] is False
    assert chengdu["poverty_exit_year"] is None
    assert sum(r["is_sichuan_underdeveloped"] for r in rows) == 3


def test_dim_region_carries_each_indicators_latest_year(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "dim_region")
    shiqu = by(rows, region_code="513332000000")
    # Shiqu's 2022 income is not published: the latest income is 2021's, not a null.
    assert (shiqu["latest_population"], shiqu["latest_population_year"]) == (103_000, 2022)
    assert (shiqu["latest_rural_income_yuan"], shiqu["latest_rural_income_year"]) == (
        12_400.0,
        2021,
    )
    zhaojue = by(rows, region_code="513431000000")
    assert (zhaojue["latest_population"], zhaojue["latest_rural_income_yuan"]) == (
        283_000,
        16_100.0,
    )
    hotan = by(rows, region_code="653221000000")
    assert hotan["latest_population"] is None and hotan["latest_rural_income_year"] is None


def test_region_indicators_mart_is_one_row_per_region_and_year(
    built: tuple[Path, DbtResult],
) -> None:
    rows = read_mart(built[0], "mart_region_indicators")
    assert len(rows) == 5
    assert len({(r["region_code"], r["year"]) for r in rows}) == 5
    zhaojue_2021 = by(rows, indicator_key="513431000000:2021")
    assert zhaojue_2021 == {
        "indicator_key": "513431000000:2021",
        "region_code": "513431000000",
        "year": 2021,
        "population": 280_000,
        "rural_income_yuan": 14_900.0,
        "source_id": "county_indicators",
    }
    assert by(rows, indicator_key="513332000000:2022")["rural_income_yuan"] is None


def test_unit_tests_run_apart_from_the_pipeline_build(
    built: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    # The pipeline's build leaves them out; here they still gate every change.
    warehouse, build = built
    assert not [n for n in build.nodes if n.unique_id.startswith("unit_test.")]
    result = run_dbt(
        ["test", "--select", "test_type:unit"], warehouse, target_dir=tmp_path / "target"
    )
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unit_tests"]
    assert {n.unique_id for n in result.nodes} == set(manifest["unit_tests"])
    assert {n.status for n in result.nodes} == {"pass"}


def test_failed_test_raises_dbt_error_naming_the_node(
    built: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.duckdb"
    shutil.copy(built[0], broken)
    with connect(broken) as connection:
        connection.execute(
            "insert into raw.gazetteer_regions select * from raw.gazetteer_regions "
            "where region_code = '513332000000'"
        )
    with pytest.raises(DbtError) as caught:
        run_dbt(
            ["test", "--select", "source:raw.gazetteer_regions"],
            broken,
            target_dir=tmp_path / "target",
        )
    message = str(caught.value)
    assert "source_unique_raw_gazetteer_regions_region_code" in message
    assert "[fail]" in message
    assert caught.value.result.failed_nodes


def test_docs_are_generated_into_the_given_folder(
    built: tuple[Path, DbtResult], module_settings: Settings
) -> None:
    out_dir = generate_docs(
        module_settings,
        module_settings.docs_dir / "dbt",
        target_dir=module_settings.var_dir / "docs_target",
    )
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "catalog.json",
        "index.html",
        "manifest.json",
        "static_index.html",
    ]
    catalog = (out_dir / "catalog.json").read_text(encoding="utf-8")
    assert "model.assistance_warehouse.mart_funds" in catalog


def test_two_payer_spellings_of_one_fund_are_one_row(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_funds")
    gorges = [r for r in rows if r["payer_name"] == "China Three Gorges"]
    assert len(gorges) == 1
    assert (gorges[0]["article_count"], gorges[0]["article_ids"]) == (2, "a3,a4")
    assert gorges[0]["amount_cny"] == 4_000_000
    assert gorges[0]["payer_kind"] == "organisation"
    assert gorges[0]["payer_code"].startswith("org_")


def test_organisations_are_one_row_each_with_a_kind(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "dim_organisation")
    assert sorted((r["name"], r["kind"], r["home_region_code"]) for r in rows) == [
        ("China Mobile", "central_soe", None),
        ("China Three Gorges", "central_soe", None),
        ("Sichuan Energy Investment Group Co., Ltd.", "provincial_soe", "510000000000"),
        ("Sichuan Provincial Bureau of Economic Cooperation", "government_body", "510000000000"),
    ]
    # Four spellings in two articles (helper and payer) are one organisation.
    mobile = by(rows, name="China Mobile")
    assert (mobile["article_count"], mobile["first_year"], mobile["last_year"]) == (2, 2021, 2021)
    assert (mobile["pairing_fact_count"], mobile["fund_fact_count"]) == (2, 2)
    assert mobile["spelling_count"] == 3
    # The code depends on the canonical name only: the same in every build and warehouse.
    assert mobile["organisation_code"] == "org_" + hashlib.md5(b"china mobile").hexdigest()[:12]
    # Regions ("Jinniu District", "Beijing") and ambiguous place names are not organisations.
    assert not {"Jinniu District", "Beijing", "Hotan"} & {r["name"] for r in rows}


def test_county_profile_gathers_helpers_funds_and_outputs(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_county_profile")
    # Counties named by a mart or listed by the statistics; prefectures are not counties.
    assert {r["region_code"] for r in rows} == {
        "513332000000", "513431000000", "513328000000", "653221000000",
    }  # fmt: skip
    zhaojue = by(rows, region_code="513431000000")
    # Helpers under their canonical names (two China Mobile spellings are one helper).
    assert zhaojue["helpers"] == "China Mobile; Sichuan Energy Investment Group Co., Ltd."
    assert zhaojue["helper_count"] == 2
    # By year: single-year figures only; the figure without a year is listed apart.
    assert zhaojue["single_year_funds_cny"] == 3_000_000 + 3_500_000 + 4_000_000
    assert zhaojue["funds_by_year"] == "2021: 6500000; 2022: 4000000"
    assert zhaojue["funds_over_periods"] == "year unknown: 5000000"
    assert zhaojue["conflict_count"] == 1
    assert zhaojue["source_article_count"] == 5  # a2, a3, a4, a5, a6
    assert (zhaojue["prefecture_name"], zhaojue["province_name"]) == (
        "Liangshan Yi Autonomous Prefecture",
        "Sichuan Province",
    )
    assert (zhaojue["poverty_exit_year"], zhaojue["is_sichuan_underdeveloped"]) == (2020, True)

    shiqu = by(rows, region_code="513332000000")
    assert shiqu["helpers"] == "Jinniu District"
    # The 2016-2020 total never adds into 2019, 2020 or the single-year total.
    assert shiqu["single_year_funds_cny"] == 6_000_000 + 20_000_000
    assert shiqu["funds_by_year"] == "2019: 6000000; 2020: 20000000"
    assert shiqu["funds_over_periods"] == "2016-2020: 50000000"
    assert (shiqu["planting_area_mu"], shiqu["planting_area_year"]) == (30_000, 2020)
    assert (zhaojue["planting_area_mu"], zhaojue["planting_area_year"]) == (
        pytest.approx(30_000),
        2020,
    )
    hotan = by(rows, region_code="653221000000")
    # The chosen one of the two conflicting values, not their sum or average.
    assert (hotan["output_value_cny"], hotan["output_value_year"]) == (100_000_000, 2020)
    # Zhaojue's only output value is cumulative (2016-2020): no year's value.
    assert (zhaojue["output_value_cny"], zhaojue["output_value_year"]) == (None, None)
    assert hotan["conflict_count"] == 1
    assert (hotan["helpers"], hotan["helper_count"], hotan["single_year_funds_cny"]) == (
        None,
        0,
        None,
    )
    garze = by(rows, region_code="513328000000")
    assert garze["helpers"] == "Sichuan Provincial Bureau of Economic Cooperation"


def test_evidence_bridge_gives_the_sentences_behind_a_fund(built: tuple[Path, DbtResult]) -> None:
    warehouse = built[0]
    shiqu = by(read_mart(warehouse, "mart_funds"), amount_cny=20_000_000.0)
    evidence = [
        r
        for r in read_mart(warehouse, "mart_fact_evidence")
        if (r["mart_name"], r["mart_key"]) == ("mart_funds", shiqu["fund_key"])
    ]
    assert sorted((r["fact_id"], r["article_id"], r["evidence"]) for r in evidence) == [
        ("f1", "a1", "Evidence sentence of f1."),
        ("f2", "a2", "Evidence sentence of f2."),
    ]
    assert by(evidence, fact_id="f1")["is_representative"] is True
    assert by(evidence, fact_id="f2")["url"] == "https://example.org/a2"
    assert (evidence[0]["start_char"], evidence[0]["end_char"]) == (0, 24)
    # Every mart row is backed by at least one fact, and every fact lands in one row.
    with connect(warehouse) as connection:
        for mart, key in [
            ("mart_pairings", "pairing_key"),
            ("mart_funds", "fund_key"),
            ("mart_output_value", "output_key"),
            ("mart_poverty_exits", "exit_key"),
        ]:
            unbacked = connection.execute(
                f"select count(*) from marts.{mart} where {key} not in "
                "(select mart_key from marts.mart_fact_evidence where mart_name = ?)",
                [mart],
            ).fetchone()
            assert unbacked == (0,), mart
        counts = connection.execute(
            "select (select count(*) from raw.facts_fund), "
            "(select count(*) from marts.mart_fact_evidence where mart_name = 'mart_funds'), "
            "(select count(*) from raw.facts_output), "
            "(select count(*) from marts.mart_fact_evidence "
            "where mart_name = 'mart_output_value' and measure is not null)"
        ).fetchall()
    [(funds, bridged_funds, outputs, bridged_outputs)] = counts
    assert (funds, outputs) == (bridged_funds, bridged_outputs)


def test_conflicting_amounts_are_flagged_not_averaged(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_fact_conflicts")
    # Jinniu's 2016-2020 total and its 2020 amount to Shiqu are two subjects, no conflict.
    assert len(rows) == 2
    conflict = by(rows, fact_type="fund")
    assert conflict["year_from"] is None
    assert conflict["mart_name"] == "mart_funds"
    assert (conflict["region_code"], conflict["year"]) == ("513431000000", 2021)
    assert conflict["measure"] == "assistance_funds"
    assert conflict["values_reported"] == "3000000; 3500000"
    assert (conflict["value_count"], conflict["article_ids"]) == (2, "a5,a6")
    assert conflict["is_conflict"] is True
    funds = read_mart(built[0], "mart_funds")
    keys = {by(funds, amount_cny=a)["fund_key"] for a in (3_000_000.0, 3_500_000.0)}
    assert set(conflict["mart_keys"].split(",")) == keys

    # Both output values stay visible here; the wide row shows one and is flagged.
    output = by(rows, fact_type="output")
    assert (output["mart_name"], output["measure"], output["product"]) == (
        "mart_output_value",
        "output_value",
        "Walnut",  # as one article spells it
    )
    assert (output["region_code"], output["year"]) == ("653221000000", 2020)
    assert output["values_reported"] == "100000000.00; 120000000.00"
    assert (output["value_count"], output["article_ids"]) == (2, "a4,a6")
    walnut = by(read_mart(built[0], "mart_output_value"), region_code="653221000000")
    assert output["mart_keys"] == walnut["output_key"]
    assert walnut["has_conflicting_values"] is True


def test_late_arriving_article_updates_the_marts(
    built: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    late = tmp_path / "late.duckdb"
    shutil.copy(built[0], late)
    with connect(late) as connection:
        load_late_articles(connection)
    run_dbt(["run"], late, target_dir=tmp_path / "target")

    jinniu = by(read_mart(late, "mart_pairings"), helped_code="513332000000")
    assert (jinniu["first_year"], jinniu["last_year"]) == (2019, 2022)
    assert (jinniu["article_count"], jinniu["article_ids"]) == (3, "a1,a2,a7")
    shiqu = by(read_mart(late, "mart_county_profile"), region_code="513332000000")
    assert shiqu["single_year_funds_cny"] == 34_000_000
    assert shiqu["funds_by_year"] == "2019: 6000000; 2020: 20000000; 2022: 8000000"
    assert shiqu["funds_over_periods"] == "2016-2020: 50000000"
    assert shiqu["source_article_count"] == 3
    new_fund = by(read_mart(late, "mart_funds"), amount_cny=8_000_000.0)
    evidence = by(read_mart(late, "mart_fact_evidence"), mart_key=new_fund["fund_key"])
    assert (evidence["fact_id"], evidence["published_date"]) == ("f7", date(2022, 6, 1))
    assert len(read_mart(late, "mart_fact_conflicts")) == 2
    walnut = by(read_mart(late, "mart_output_value"), region_code="653221000000")
    assert (walnut["output_value_cny"], walnut["output_value_qualifier"]) == (
        120_000_000,
        "at_least",
    )
    assert (walnut["article_ids"], walnut["last_reported_date"]) == ("a4,a6,a7", date(2022, 6, 1))
    assert walnut["has_conflicting_values"] is True


def test_example_questions_sum_single_years_and_show_periods_apart(
    built: tuple[Path, DbtResult],
) -> None:
    """The shipped BI examples, run on the built marts: sums by year never take a
    cumulative figure, which shows up with its period in its own answer."""
    examples = {example.name: example for example in read_examples()}
    with connect(built[0]) as connection:
        connection.execute("set schema = 'marts'")

        def answer(name: str) -> list[dict[str, Any]]:
            cursor = connection.execute(examples[name].sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        by_year = answer("liangshan_funds_by_year_and_helper")
        over_periods = answer("funds_over_periods")
        exits_by_year = answer("poverty_exits_by_level_and_year")
        exits_over_periods = answer("poverty_exits_over_periods")
    # Liangshan's single-year funds by year; Sichuan Energy's 5 million has no year.
    assert [(r["year"], r["total_cny"]) for r in by_year] == [
        (2020, 1_296_948_000.0),
        (2021, 6_500_000.0),
        (2022, 4_000_000.0),
    ]
    assert [(r["period_kind"], r["year_from"], r["amount_cny"]) for r in over_periods] == [
        ("period", 2016, 50_000_000.0),
        ("unknown", None, 5_000_000.0),
    ]
    # "Since 2014, a million people": listed with its period, not as 2020's exits.
    assert [(r["level"], r["year"]) for r in exits_by_year] == [("county", 2019), ("village", 2019)]
    assert [(r["level"], r["year_from"], r["year"], r["exited"]) for r in exits_over_periods] == [
        ("person", 2014, 2020, 1_000_000)
    ]


def test_the_benchmarks_build_profile_reads_this_builds_nodes(
    built: tuple[Path, DbtResult],
) -> None:
    from ingestion.bench.build_profile import build_profile, format_profile

    _, result = built
    profile = build_profile(result.target_dir, slowest=3)
    assert profile is not None
    names = {n.unique_id.split(".")[2] for n in result.nodes}
    assert {name for name, _ in profile.slowest} <= names
    assert len(profile.slowest) == 3
    assert [s for _, s in profile.slowest] == sorted((s for _, s in profile.slowest), reverse=True)
    assert set(profile.node_seconds) >= {"model", "test", "seed"}
    assert profile.node_seconds["model"] == pytest.approx(
        sum(n.execution_time for n in result.nodes if n.unique_id.startswith("model."))
    )
    line = format_profile("cold", profile)
    assert line.startswith("build profile (cold): node seconds ")
    assert profile.slowest[0][0] in line
