"""The dbt project built for real on a DuckDB file holding a small raw fixture.

One build per module (dbt on DuckDB takes seconds per invocation); the tests
read the marts it produced. The fixture (``raw_fixture``) includes the cases
the transformation exists for: one fund reported by two articles, one pairing
named differently across articles, ambiguous names (Hotan, Liangshan) and
6-digit codes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.transform.dbt_runner import (
    DbtError,
    DbtResult,
    build_models,
    generate_docs,
    run_dbt,
)
from ingestion.warehouse import connect
from tests.transform.raw_fixture import GAZETTEER, load_fixture

pytestmark = pytest.mark.slow

MART_COLUMNS = {
    "dim_region": [
        ("region_code", "VARCHAR"), ("name_en", "VARCHAR"), ("name_zh", "VARCHAR"),
        ("level", "VARCHAR"), ("parent_code", "VARCHAR"), ("province_code", "VARCHAR"),
        ("prefecture_code", "VARCHAR"), ("longitude", "DOUBLE"), ("latitude", "DOUBLE"),
        ("is_sichuan_underdeveloped", "BOOLEAN"), ("poverty_exit_year", "INTEGER"),
    ],
    "mart_pairings": [
        ("pairing_key", "VARCHAR"), ("helper_name", "VARCHAR"), ("helper_kind", "VARCHAR"),
        ("helper_code", "VARCHAR"), ("helped_name", "VARCHAR"), ("helped_code", "VARCHAR"),
        ("mechanism", "VARCHAR"), ("first_year", "INTEGER"), ("last_year", "INTEGER"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"), ("evidence", "VARCHAR"),
    ],
    "mart_funds": [
        ("fund_key", "VARCHAR"), ("payer_name", "VARCHAR"), ("region_name", "VARCHAR"),
        ("region_code", "VARCHAR"), ("year", "INTEGER"), ("measure", "VARCHAR"),
        ("qualifier", "VARCHAR"), ("amount_cny", "DOUBLE"), ("article_count", "INTEGER"),
        ("article_ids", "VARCHAR"), ("evidence", "VARCHAR"),
    ],
    "mart_output_value": [
        ("output_key", "VARCHAR"), ("region_name", "VARCHAR"), ("region_code", "VARCHAR"),
        ("product", "VARCHAR"), ("year", "INTEGER"), ("measure", "VARCHAR"),
        ("value", "DOUBLE"), ("unit", "VARCHAR"), ("qualifier", "VARCHAR"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"), ("evidence", "VARCHAR"),
    ],
    "mart_poverty_exits": [
        ("exit_key", "VARCHAR"), ("region_name", "VARCHAR"), ("region_code", "VARCHAR"),
        ("level", "VARCHAR"), ("year", "INTEGER"), ("exited", "INTEGER"),
        ("total", "INTEGER"), ("remaining", "INTEGER"), ("rate_pct", "DOUBLE"),
        ("article_count", "INTEGER"), ("article_ids", "VARCHAR"), ("evidence", "VARCHAR"),
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
    # Seeds, 10 staging + 6 intermediate + 5 mart models, and their tests.
    assert result.count("success") >= 2 + 10 + 6 + 5
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
    assert len(rows) == 5
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
    enterprise = by(rows, helped_code="513431000000")
    assert enterprise["helper_kind"] == "organisation"
    assert enterprise["helper_code"] is None
    assert enterprise["helper_name"] == "Sichuan Energy Investment Group Co., Ltd."

    zhejiang = by(rows, helper_code="330000000000")
    # "Ganzi" is the prefecture's and the county's alias; "Prefecture" decides.
    assert zhejiang["helped_code"] == "513300000000"
    assert zhejiang["helped_name"] == "Garze Tibetan Autonomous Prefecture"

    beijing = [r for r in rows if r["helper_code"] == "110000000000"]
    assert {r["helped_code"] for r in beijing} == {"653200000000", None}
    assert by(beijing, helped_code=None)["helped_name"] == "Hotan"


def test_fund_reported_by_two_articles_is_counted_once(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_funds")
    assert len(rows) == 3
    assert sum(r["amount_cny"] for r in rows) == 20_000_000 + 1_296_948_000 + 5_000_000
    shiqu = by(rows, amount_cny=20_000_000.0)
    assert shiqu["region_code"] == "513332000000"
    assert shiqu["region_name"] == "Shiqu County"
    assert shiqu["payer_name"] == "Jinniu District"
    assert shiqu["article_count"] == 2
    assert shiqu["article_ids"] == "a1,a2"
    # The most complete report wins over the more confident one.
    assert (shiqu["measure"], shiqu["qualifier"]) == ("assistance_funds", "exact")
    assert shiqu["evidence"] == "Evidence sentence of f1."

    liangshan = by(rows, amount_cny=1_296_948_000.0)
    assert liangshan["region_code"] == "513400000000"
    assert (liangshan["year"], liangshan["qualifier"]) == (2020, "about")


def test_outputs_carry_units_and_merge_spellings(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_output_value")
    assert len(rows) == 4
    barley = by(rows, measure="planting_area")
    assert (barley["value"], barley["unit"]) == (30_000.0, "mu")
    assert barley["region_code"] == "513332000000"
    walnut = by(rows, measure="output_value")
    assert (walnut["unit"], walnut["region_code"]) == ("yuan", "653221000000")
    tea = by(rows, measure="output_volume")
    assert (tea["unit"], tea["article_count"], tea["article_ids"]) == ("tonnes", 2, "a2,a3")
    sales = by(rows, measure="sales")
    assert (sales["unit"], sales["region_code"], sales["region_name"]) == ("yuan", None, None)


def test_exits_merge_and_keep_the_reported_rate(built: tuple[Path, DbtResult]) -> None:
    rows = read_mart(built[0], "mart_poverty_exits")
    assert len(rows) == 2
    counties = by(rows, level="county")
    assert counties["region_code"] == "513400000000"
    assert (counties["exited"], counties["total"], counties["remaining"]) == (7, 11, 4)
    assert counties["rate_pct"] == pytest.approx(63.6)
    assert (counties["article_count"], counties["article_ids"]) == (2, "a1,a3")
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


def test_rebuild_gives_identical_marts(
    built: tuple[Path, DbtResult], tmp_path_factory: pytest.TempPathFactory
) -> None:
    warehouse, _ = built
    before = {mart: read_mart(warehouse, mart) for mart in MART_COLUMNS}
    run_dbt(["build"], warehouse, target_dir=tmp_path_factory.mktemp("rebuild") / "target")
    after = {mart: read_mart(warehouse, mart) for mart in MART_COLUMNS}
    assert after == before


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
    ]
    catalog = (out_dir / "catalog.json").read_text(encoding="utf-8")
    assert "model.assistance_warehouse.mart_funds" in catalog
