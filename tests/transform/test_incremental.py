"""Incremental article and fact models: a second day built incrementally equals a full refresh.

Day 1 loads the raw fixture and builds. Day 2 brings what a daily load brings:
a new article, an old article arriving late (its load timestamps older than
anything built), an article re-extracted by a new extractor version with one
fact fewer, an article re-extracted to no facts at all, day 1's batch
loaded again the way the loader re-runs it (nothing new), and an analyst's
correction, fact retraction and article retraction. The incremental
build of day 2 must give exactly the tables a ``--full-refresh`` build of
the same raw data gives, and building again must change nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.cli import build_parser
from ingestion.config import PROJECT_ROOT, Settings
from ingestion.corrections import correct_fact, retract_article, retract_fact
from ingestion.extract.models import FACT_CLASSES, FACT_TYPES, Evidence, Fact
from ingestion.load.facts import _replace_facts
from ingestion.mart_hashes import mart_hashes
from ingestion.transform.dbt_runner import (
    FULL_REFRESH_HINT,
    UNIT_TESTS,
    DbtError,
    DbtResult,
    build_models,
    run_dbt,
)
from ingestion.warehouse import connect, table_names
from tests.transform.raw_fixture import (
    LATE_FUNDS,
    LATE_PAIRINGS,
    LOADED_AT,
    load_fixture,
    raw_rows,
)

pytestmark = pytest.mark.slow

INCREMENTAL_MODELS = (
    "stg_articles", "stg_facts_pairing", "stg_facts_fund", "stg_facts_output", "stg_facts_exit",
)  # fmt: skip
BUILT_SCHEMAS = ("staging", "intermediate", "marts")
DAY_2 = LOADED_AT + timedelta(days=1)
# Loaded on day 2 with timestamps older than day 1's (restored from another
# machine's backup, or a clock behind): the key anti-join must still land it.
BACKDATED = LOADED_AT - timedelta(days=30)
REMOVED_FACT = "p5"  # a3's Zhejiang pairing: the new extractor no longer finds it.
EMPTIED_ARTICLE = "a4"  # re-extracted to no facts at all
CORRECTED_FUND = "f5"  # China Mobile's, its payer corrected to Jinniu District
RETRACTED_FACT = "e3"  # one of the two reports of Liangshan's county exits
RETRACTED_ARTICLE = "a6"
WHO = "Test Analyst"

Snapshot = dict[str, list[tuple[Any, ...]]]


def _article(article_id: str, published: date, loaded_at: datetime) -> tuple[Any, ...]:
    return (
        article_id, "demo", f"https://example.org/{article_id}", f"hash-{article_id}",
        f"Title {article_id}", published, "text", loaded_at, loaded_at, "p1",
    )  # fmt: skip


def _provenance(fact_id: str, extracted_at: datetime) -> tuple[Any, ...]:
    evidence = f"Evidence sentence of {fact_id}."
    return (evidence, 0, len(evidence), "test-1", 0.8, extracted_at)


def _insert(connection: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    # "on conflict do nothing", as the loader inserts: loading a row again changes nothing.
    placeholders = ", ".join("?" * len(rows[0]))
    connection.executemany(
        f"insert into raw.{table} values ({placeholders}) on conflict do nothing", rows
    )


def _facts_of(connection: duckdb.DuckDBPyConnection, article_id: str) -> list[Fact]:
    """The article's raw facts as extractor output, as a new extractor version would give them."""
    facts: list[Fact] = []
    for fact_type in FACT_TYPES:
        cursor = connection.execute(
            f"select * from raw.facts_{fact_type} where article_id = ?", [article_id]
        )
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            if row["fact_id"] == REMOVED_FACT:
                continue
            evidence = Evidence(row.pop("evidence"), row.pop("start_char"), row.pop("end_char"))
            for provenance in ("fact_id", "article_id", "extractor_version", "extracted_at"):
                row.pop(provenance)
            facts.append(
                FACT_CLASSES[fact_type](
                    doc=article_id, evidence=evidence, extractor_version="test-2", **row
                )
            )
    return facts


def _reextract(connection: duckdb.DuckDBPyConnection, article_id: str, facts: list[Fact]) -> None:
    # The loader's own replacement: all facts of the article in one transaction.
    connection.execute("begin transaction")
    _replace_facts(connection, article_id, facts)
    connection.execute("commit")


def load_day_two(connection: duckdb.DuckDBPyConnection) -> None:
    day_one = raw_rows()
    for table in ("articles", "facts_pairing", "facts_fund", "facts_output", "facts_exit"):
        _insert(connection, table, day_one[table])
    _insert(connection, "articles", [_article("a8", DAY_2.date(), DAY_2)])
    # A cumulative figure (2021-2024): its period must reach the marts incrementally too.
    _insert(connection, "facts_fund", [
        ("f20", "a8", 2_000_000.0, "exact", "donation", "Jinniu District", "Garze County",
         None, 2024, 2021, *_provenance("f20", DAY_2)),
    ])  # fmt: skip
    # a7 was published in 2022 and is loaded only now.
    _insert(connection, "articles", [_article("a7", date(2022, 6, 1), BACKDATED)])
    _insert(
        connection, "facts_pairing", [(*r, *_provenance(r[0], BACKDATED)) for r in LATE_PAIRINGS]
    )
    _insert(
        connection,
        "facts_fund",
        [(*r[:-1], None, *_provenance(r[0], BACKDATED)) for r in LATE_FUNDS],
    )
    _reextract(connection, "a3", _facts_of(connection, "a3"))
    _reextract(connection, EMPTIED_ARTICLE, [])
    # An analyst's day: a payer corrected (its fund moves to another key and payer),
    # an exit fact retracted (its merged row loses a report), an article retracted.
    correct_fact(connection, CORRECTED_FUND, "payer", "Jinniu District", by=WHO, reason="test")
    retract_fact(connection, RETRACTED_FACT, by=WHO, reason="test")
    retract_article(connection, RETRACTED_ARTICLE, by=WHO, reason="test")


def snapshot(warehouse: Path) -> Snapshot:
    """Every table and view dbt built, its rows sorted: equal snapshots hold equal data."""
    with connect(warehouse) as connection:
        relations = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {BUILT_SCHEMAS} order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": sorted(
                connection.execute(f'select * from {schema}."{name}"').fetchall(), key=repr
            )
            for schema, name in relations
        }


@dataclass(frozen=True)
class Days:
    incremental: Settings
    full: Settings
    day_two: DbtResult
    full_refresh: DbtResult
    after_day_two: Snapshot


def _settings(root: Path) -> Settings:
    return Settings(
        project_root=PROJECT_ROOT, var_dir=root / "var", sources_file=PROJECT_ROOT / "sources.yml"
    )


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> Days:
    incremental = _settings(tmp_path_factory.mktemp("incremental"))
    full = _settings(tmp_path_factory.mktemp("full_refresh"))
    with connect(incremental.warehouse_path) as connection:
        load_fixture(connection)
    build_models(incremental)
    with connect(incremental.warehouse_path) as connection:
        load_day_two(connection)
    # The same raw data, built once incrementally and once from scratch.
    full.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(incremental.warehouse_path, full.warehouse_path)

    day_two = build_models(incremental)
    full_refresh = build_models(full, full_refresh=True)
    return Days(incremental, full, day_two, full_refresh, snapshot(incremental.warehouse_path))


def test_incremental_day_equals_a_full_refresh(days: Days) -> None:
    full = snapshot(days.full.warehouse_path)
    assert set(days.after_day_two) == set(full)
    for model in INCREMENTAL_MODELS:
        assert days.after_day_two[f"staging.{model}"], model
    for relation, rows in full.items():
        assert days.after_day_two[relation] == rows, relation


def test_day_two_changes_reach_staging_and_marts(days: Days) -> None:
    tables = days.after_day_two
    articles = {row[0] for row in tables["staging.stg_articles"]}
    assert articles == {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}
    pairing_ids = {row[0] for row in tables["staging.stg_facts_pairing"]}
    assert REMOVED_FACT not in pairing_ids
    assert "p11" in pairing_ids  # the late article's
    # Nothing of the emptied article is left anywhere.
    for model in INCREMENTAL_MODELS[1:]:
        assert EMPTIED_ARTICLE not in {row[1] for row in tables[f"staging.{model}"]}, model
    # a3's facts are the new extractor's, none twice.
    a3_versions = {
        row[-3] for model in INCREMENTAL_MODELS[1:]
        for row in tables[f"staging.{model}"] if row[1] == "a3"
    }  # fmt: skip
    assert a3_versions == {"test-2"}
    with connect(days.incremental.warehouse_path) as connection:
        evidence = connection.execute(
            "select fact_id, article_id from marts.mart_fact_evidence"
        ).fetchall()
        funds = connection.execute("select amount_cny from marts.mart_funds").fetchall()
        period = connection.execute(
            "select year_from, year, period_kind from marts.mart_funds where amount_cny = 2000000"
        ).fetchall()
    assert REMOVED_FACT not in {fact for fact, _ in evidence}
    assert EMPTIED_ARTICLE not in {article for _, article in evidence}
    assert {("f7", "a7"), ("f20", "a8")} <= set(evidence)
    assert {(8_000_000.0,), (2_000_000.0,)} <= set(funds)
    assert period == [(2021, 2024, "period")]


def test_every_mart_hashes_the_same_incrementally_and_from_scratch(days: Days) -> None:
    # The portable per-mart content hashes a publish records (ingestion/mart_hashes.py).
    with connect(days.incremental.warehouse_path) as connection:
        marts = sorted(table_names(connection, "marts"))
        incremental = mart_hashes(connection, tables=marts)
    with connect(days.full.warehouse_path) as connection:
        full = mart_hashes(connection, tables=marts)
    assert len(marts) >= 10
    assert incremental == full


def test_day_two_corrections_reach_the_marts_incrementally(days: Days) -> None:
    with connect(days.incremental.warehouse_path) as connection:
        evidence = connection.execute(
            "select fact_id, article_id, mart_key, is_corrected from marts.mart_fact_evidence"
        ).fetchall()
        corrected_payer = connection.execute(
            "select funds.payer_name from marts.mart_funds as funds "
            "inner join marts.mart_fact_evidence as evidence on funds.fund_key = evidence.mart_key "
            "where evidence.fact_id = ?",
            [CORRECTED_FUND],
        ).fetchall()
    assert RETRACTED_ARTICLE not in {article for _, article, _, _ in evidence}
    assert RETRACTED_FACT not in {fact for fact, _, _, _ in evidence}
    assert {fact: corrected for fact, _, _, corrected in evidence}[CORRECTED_FUND] is True
    assert corrected_payer == [("Jinniu District",)]


def test_building_again_changes_nothing(days: Days, tmp_path: Path) -> None:
    build_models(days.incremental, target_dir=tmp_path / "target")
    assert snapshot(days.incremental.warehouse_path) == days.after_day_two


def test_the_models_are_incremental_and_full_refresh_says_so(days: Days) -> None:
    manifest = json.loads((days.day_two.target_dir / "manifest.json").read_text("utf-8"))
    for model in INCREMENTAL_MODELS:
        config = manifest["nodes"][f"model.assistance_warehouse.{model}"]["config"]
        assert config["materialized"] == "incremental", model
        assert (config["incremental_strategy"], config["unique_key"]) == (
            "delete+insert",
            "article_id",
        )
        assert config["on_schema_change"] == "fail"
    assert days.day_two.args == ["build", "--exclude", UNIT_TESTS]
    assert days.full_refresh.args == ["build", "--exclude", UNIT_TESTS, "--full-refresh"]
    args = build_parser().parse_args(["build", "--full-refresh"])
    assert args.full_refresh is True
    assert build_parser().parse_args(["build"]).full_refresh is False


def test_an_incremental_run_reads_only_the_new_batch(days: Days, tmp_path: Path) -> None:
    # Mark every staged row, load a third day, build: a row dbt read again
    # loses its mark. Only the new article and the rows at the newest load
    # time already built (the watermark is inclusive) may be read again.
    probe = tmp_path / "probe.duckdb"
    shutil.copy(days.incremental.warehouse_path, probe)
    now = datetime.now(UTC)
    with connect(probe) as connection:
        connection.execute("update staging.stg_articles set title = 'mark'")
        connection.execute("update staging.stg_facts_pairing set evidence = 'mark'")
        _insert(connection, "articles", [_article("a9", now.date(), now)])
        _insert(connection, "facts_pairing", [
            ("p12", "a9", "Jinniu District", "Garze County", None, 2024, None, None,
             *_provenance("p12", now)),
        ])  # fmt: skip
    run_dbt(
        ["run", "--select", "stg_articles", "stg_facts_pairing"],
        probe,
        target_dir=tmp_path / "target",
    )
    with connect(probe) as connection:
        unmarked_articles = connection.execute(
            "select article_id from staging.stg_articles where title <> 'mark'"
        ).fetchall()
        unmarked_facts = connection.execute(
            "select article_id, fact_id from staging.stg_facts_pairing where evidence <> 'mark'"
        ).fetchall()
        counts = connection.execute(
            "select (select count(*) from staging.stg_articles), "
            "(select count(*) from staging.stg_facts_pairing)"
        ).fetchall()
    # a8 was the newest article built (day 2), a3's the newest facts (re-extracted).
    assert sorted(unmarked_articles) == [("a8",), ("a9",)]
    assert sorted(article for article, _ in unmarked_facts) == ["a3", "a9"]
    staged = days.after_day_two
    assert counts == [(len(staged["staging.stg_articles"]) + 1,
                       len(staged["staging.stg_facts_pairing"]) + 1)]  # fmt: skip


# The aggregates rebuilt key by key (macros/touched_keys.sql), each with a text
# column a rebuilt row would overwrite.
TOUCHED_KEY_MODELS = {
    "int_pairings_deduplicated": "article_ids",
    "int_funds_deduplicated": "article_ids",
    "int_exits_deduplicated": "article_ids",
    "int_outputs_figures": "evidence_fact_id",
    "int_outputs_deduplicated": "article_ids",
    "int_fact_conflicts": "article_ids",
}
VANISHING_FUND = "f11"  # Jinniu's 2019 amount to Shiqu: its only report


def _new_fund_and_retracted_fund(connection: duckdb.DuckDBPyConnection) -> None:
    """A new article with a fund of a new payer (f21), and VANISHING_FUND retracted."""
    now = datetime.now(UTC)
    _insert(connection, "articles", [_article("a9", now.date(), now)])
    _insert(connection, "facts_fund", [
        ("f21", "a9", 3_000_000.0, "exact", "donation", "Hangzhou", "Garze County",
         None, 2024, None, *_provenance("f21", now)),
    ])  # fmt: skip
    retract_fact(connection, VANISHING_FUND, by=WHO, reason="test")


def _mark_aggregates(connection: duckdb.DuckDBPyConnection) -> None:
    for model, column in TOUCHED_KEY_MODELS.items():
        connection.execute(f"update intermediate.{model} set {column} = 'mark'")


def _rebuilt_rows(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Per aggregate, the marked column of each row a build wrote since it was marked."""
    with connect(warehouse) as connection:
        return {
            model: connection.execute(
                f"select {column} from intermediate.{model} where {column} is distinct from 'mark'"
            ).fetchall()
            for model, column in TOUCHED_KEY_MODELS.items()
        }


def _row_counts(warehouse: Path) -> dict[str, int]:
    with connect(warehouse) as connection:
        return {
            model: connection.execute(f"select count(*) from intermediate.{model}").fetchone()[0]
            for model in TOUCHED_KEY_MODELS
        }


def test_an_incremental_build_recomputes_only_the_keys_that_changed(
    days: Days, tmp_path: Path
) -> None:
    # Mark every row of the aggregates, then bring a new fund of a new payer
    # and retract the only report of another: the build must recompute those
    # two keys (one new, one gone) and leave every other row as it was.
    probe = tmp_path / "probe.duckdb"
    shutil.copy(days.incremental.warehouse_path, probe)
    before = _row_counts(probe)
    with connect(probe) as connection:
        _mark_aggregates(connection)
        _new_fund_and_retracted_fund(connection)
    run_dbt(["run"], probe, target_dir=tmp_path / "target")
    rebuilt = _rebuilt_rows(probe)
    after = _row_counts(probe)
    with connect(probe) as connection:
        vanished = connection.execute(
            "select count(*) from intermediate.int_funds_deduplicated "
            "where year = 2019 and amount_cny = 6000000"
        ).fetchone()
    assert rebuilt["int_funds_deduplicated"] == [("a9",)]
    assert rebuilt["int_fact_conflicts"] == [("a9",)]
    for model in ("int_pairings_deduplicated", "int_exits_deduplicated", "int_outputs_figures",
                  "int_outputs_deduplicated"):  # fmt: skip
        assert rebuilt[model] == [], model
    assert vanished == (0,)
    # One fund row and one subject in, one of each out.
    assert after["int_funds_deduplicated"] == before["int_funds_deduplicated"]
    assert after["int_fact_conflicts"] == before["int_fact_conflicts"]


def test_the_evidence_mart_writes_only_the_rows_whose_content_changed(
    days: Days, tmp_path: Path
) -> None:
    # A new fund of a new payer and the retraction of another's only report: of the
    # evidence mart, an incremental build must write the new fact's row alone and
    # delete the retracted one's, leaving every other row as stored.
    probe = tmp_path / "probe.duckdb"
    shutil.copy(days.incremental.warehouse_path, probe)
    with connect(probe) as connection:
        _new_fund_and_retracted_fund(connection)
        stored = connection.execute("select count(*) from marts.mart_fact_evidence").fetchone()
    target = tmp_path / "target"
    run_dbt(["run", "--exclude", "mart_fact_evidence"], probe, target_dir=target)
    # What the build inserts is the model's compiled (incremental) select.
    run_dbt(["compile", "--select", "mart_fact_evidence"], probe, target_dir=target)
    compiled = next((target / "compiled").rglob("mart_fact_evidence.sql")).read_text("utf-8")
    with connect(probe) as connection:
        written = connection.execute(f"select mart_name, fact_id from ({compiled})").fetchall()
    assert written == [("mart_funds", "f21")]

    run_dbt(["run", "--select", "mart_fact_evidence"], probe, target_dir=target)
    with connect(probe) as connection:
        facts = connection.execute("select mart_name, fact_id from marts.mart_fact_evidence")
        held = set(facts.fetchall())
    assert ("mart_funds", "f21") in held
    assert ("mart_funds", VANISHING_FUND) not in held
    assert stored is not None and len(held) == stored[0]  # one row in, one out


def test_changed_columns_fail_with_the_full_refresh_hint(days: Days, tmp_path: Path) -> None:
    # A staged table whose columns no longer match the model (as after a model
    # change) must stop the build, not leave old rows half-filled, and say how to fix it.
    changed = tmp_path / "changed.duckdb"
    shutil.copy(days.incremental.warehouse_path, changed)
    with connect(changed) as connection:
        connection.execute("alter table staging.stg_articles add column retired_column varchar")
    with pytest.raises(DbtError) as caught:
        run_dbt(["run", "--select", "stg_articles"], changed, target_dir=tmp_path / "target")
    assert "model.assistance_warehouse.stg_articles [error]" in str(caught.value)
    assert FULL_REFRESH_HINT in str(caught.value)
    run_dbt(
        ["run", "--select", "stg_articles", "--full-refresh"],
        changed,
        target_dir=tmp_path / "target",
    )
    with connect(changed) as connection:
        columns = connection.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'staging' and table_name = 'stg_articles'"
        ).fetchall()
    assert ("retired_column",) not in columns


def test_a_changed_gazetteer_recomputes_every_key(days: Days, tmp_path: Path) -> None:
    # The aggregates name places from the gazetteer: a new edition of it (here
    # one region's Chinese name) must reach every row, not only new facts'.
    probe = tmp_path / "probe.duckdb"
    shutil.copy(days.incremental.warehouse_path, probe)
    with connect(probe) as connection:
        _mark_aggregates(connection)
        connection.execute(
            "update raw.gazetteer_regions set name_zh = name_zh || '县' "
            "where region_code = (select min(region_code) from raw.gazetteer_regions)"
        )
    run_dbt(["run"], probe, target_dir=tmp_path / "target")
    rebuilt = _rebuilt_rows(probe)
    counts = _row_counts(probe)
    # int_outputs_figures names no place: its rows stay as they were.
    assert rebuilt.pop("int_outputs_figures") == []
    assert {model: len(rows) for model, rows in rebuilt.items()} == {
        model: counts[model] for model in rebuilt
    }


def test_an_aggregate_built_without_fingerprints_asks_for_a_full_refresh(
    days: Days, tmp_path: Path
) -> None:
    # A warehouse built before the aggregates stored fingerprints (an upgrade):
    # the build stops with the hint instead of failing on a missing column.
    older = tmp_path / "older.duckdb"
    shutil.copy(days.incremental.warehouse_path, older)
    with connect(older) as connection:
        connection.execute(
            "alter table intermediate.int_funds_deduplicated drop column member_fingerprint"
        )
    with pytest.raises(DbtError) as caught:
        run_dbt(["run", "--select", "int_funds_deduplicated"], older, tmp_path / "target")
    assert FULL_REFRESH_HINT in str(caught.value)


def test_aggregates_read_their_members_twice_rather_than_hold_them() -> None:
    """A model that rebuilds only touched keys reads its member rows twice (their
    fingerprints, then the touched keys' rows). Materialised, that CTE held every fact
    of the warehouse in DuckDB's buffer pool to rebuild a few percent of the keys, and
    two such models side by side spilled: each must declare it ``as not materialized``."""
    checked = {}
    for path in sorted((PROJECT_ROOT / "dbt_project" / "models").rglob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        fingerprinted = set(re.findall(r"key_fingerprints\(\s*'(\w+)'", sql))
        touched = set(re.findall(r"touched_members\(\s*'(\w+)'", sql))
        for cte in sorted(fingerprinted & touched):
            checked[path.stem] = cte
            assert re.search(rf"\b{cte} as not materialized \(", sql), (
                f"{path.name}: declare `{cte} as not materialized (`"
            )
    assert len(checked) >= 6, checked  # every incremental aggregate was found and checked
