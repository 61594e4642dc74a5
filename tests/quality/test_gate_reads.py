"""The gate reads only what each suite checks, one table at a time, and says the same.

A suite's frame keeps every row and every column name, but only the checked
columns' values (``ingestion.quality.mart_reader``); the offending rows' sentences
and articles are looked up by key. The verdict and the message must be exactly
those of the whole tables, on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from ingestion.config import PostgresWarehouse
from ingestion.publish.publisher import publish_marts
from ingestion.quality import gate, mart_reader, postgres_tables
from ingestion.quality.gate import GateReport, run_quality_gate
from ingestion.quality.mart_reader import ReadPlan, lookup_rows, plan_for, read_table
from ingestion.quality.suites import load_suite
from ingestion.quality.table_sql import WHOLE_NUMBER_COLUMNS
from ingestion.warehouse import connect
from tests.quality.test_quality_gate import EXPECTATIONS_DIR, break_candidate
from tests.sample_marts import create_sample_marts

# Breakages across the kinds of check: a range, a pair, a row condition, a history
# slip, and nulls in text columns the gate reads only as null or not (text, evidence).
BREAKS = (
    "update marts.mart_funds set amount_cny = -5 where fund_key = 'f1'",
    "update marts.mart_poverty_exits set exited = 50 where exit_key = 'e1'",
    "update marts.mart_pairings set first_year = 2021 where pairing_key = 'p1'",
    "update marts.mart_output_value set planting_area_mu = null where output_key = 'o1'",
    "insert into marts.mart_poverty_exits select * replace ('e9' as exit_key, 2020 as year,"
    " 450000 as exited, null as total, null as remaining, null as rate_pct)"
    " from marts.mart_poverty_exits where exit_key = 'e1'",
    "alter table raw.articles alter column text drop not null",
    "update raw.articles set text = null where article_id = 'fedcba9876543210'",
    "alter table raw.facts_fund alter column evidence drop not null",
    "update raw.facts_fund set evidence = null, confidence = 2 where fact_id = 'ff1'",
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "var" / "warehouse.duckdb"
    with connect(path) as connection:
        create_sample_marts(connection)
    return path


def _outcome(report: GateReport) -> tuple[list[Any], list[str]]:
    """The verdict per suite with every failure's data, and the message without paths."""
    suites = report.as_dict()["suites"]  # no run time, no Data Docs path
    message = [
        line.split(" in Data Docs:")[0]
        for line in report.summary().splitlines()
        if not line.startswith("Data Docs:")
    ]
    return suites, message


@pytest.mark.slow
def test_checked_columns_give_the_verdict_and_message_of_whole_tables(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "var" / "published"
    publish_marts(warehouse, published)  # the history suites judge against it
    break_candidate(warehouse, *BREAKS)

    pruned = run_quality_gate(
        warehouse, EXPECTATIONS_DIR, tmp_path / "docs_pruned", published_dir=published
    )
    monkeypatch.setattr(mart_reader, "plan_for", lambda suite: ReadPlan.whole())
    whole = run_quality_gate(
        warehouse, EXPECTATIONS_DIR, tmp_path / "docs_whole", published_dir=published
    )

    assert not pruned.success
    assert _outcome(pruned) == _outcome(whole)
    failed = {(f.suite, f.columns) for f in pruned.failures}
    assert {
        ("raw_articles", ("text",)),
        ("raw_facts_fund", ("evidence",)),
        ("history_mart_poverty_exits", ("ratio_to_history",)),
        ("mart_output_value", ("planting_area_qualifier",)),
    } <= failed
    message = pruned.summary()
    # A null read as null: the row, its (looked up) sentence and article are all there.
    assert "article_id 'fedcba9876543210': text = None" in message
    assert "fact_id 'ff1': evidence = None" in message


def test_a_suite_frame_holds_every_row_and_column_but_only_checked_values(
    warehouse: Path,
) -> None:
    suite = load_suite(EXPECTATIONS_DIR / "suites" / "raw_articles.json")
    plan = plan_for(suite)
    # text, url and source_id are only checked for nulls; title nowhere.
    assert {"text", "url", "source_id"} <= plan.nullness
    assert {"article_id", "published_date"} <= plan.values
    assert "title" not in plan.values | plan.nullness

    frame = read_table(warehouse, "raw", "articles", plan)
    whole = read_table(warehouse, "raw", "articles", ReadPlan.whole())
    assert frame is not None and whole is not None
    assert list(frame.columns) == list(whole.columns)
    assert len(frame) == len(whole) > 0
    pd.testing.assert_series_equal(frame["article_id"], whole["article_id"])
    assert (frame["text"].isna() == whole["text"].isna()).all()
    assert set(frame["text"].dropna()) == {""}
    assert frame["title"].isna().all()
    assert read_table(warehouse, "raw", "no_such_table", plan) is None


def test_lookup_reads_only_the_rows_and_columns_asked_for(warehouse: Path) -> None:
    found = lookup_rows(
        warehouse,
        "marts",
        "mart_funds",
        {"fund_key": ["f2", "f1", "nope"]},
        ["fund_key", "evidence", "no_such_column"],
    )
    assert found is not None
    assert list(found.columns) == ["fund_key", "evidence"]
    assert sorted(found["fund_key"]) == ["f1", "f2"]
    assert lookup_rows(warehouse, "marts", "nope", {"fund_key": ["f1"]}, ["fund_key"]) is None


# --- PostgreSQL: the same frames, a batch of rows at a time ----------------------------

_TABLE = """
create table {schema}.sample (
    sample_key varchar, amount double precision, year integer, day date,
    flag boolean, note varchar, body text
)
"""
_ROWS = [
    ("k1", 1.5, 2020, "2020-01-02", True, "a", "long text one"),
    ("k2", None, 2021, None, None, None, None),
    ("k3", -2.0, None, "2021-03-04", False, "c", "long text three"),
    ("k4", 4.0, 2022, "2022-05-06", True, None, "long text four"),
    ("k5", 5.0, 2023, "2023-07-08", None, "e", None),
]


@pytest.fixture
def both(tmp_path: Path) -> Iterator[tuple[Path, PostgresWarehouse]]:
    from tests.publish.postgres_warehouse import postgres_database, psycopg2

    duckdb_file = tmp_path / "warehouse.duckdb"
    with connect(duckdb_file) as connection:
        connection.execute("create schema marts")
        connection.execute(_TABLE.format(schema="marts"))
        connection.executemany("insert into marts.sample values (?, ?, ?, ?, ?, ?, ?)", _ROWS)
    with postgres_database("assist_gatereads") as warehouse:
        pg = psycopg2.connect(
            host=warehouse.host, port=warehouse.port, user=warehouse.user, dbname=warehouse.dbname
        )
        try:
            with pg, pg.cursor() as cursor:
                cursor.execute("create schema marts")
                cursor.execute(_TABLE.format(schema="marts"))
                cursor.executemany(
                    "insert into marts.sample values (%s, %s, %s, %s, %s, %s, %s)", _ROWS
                )
        finally:
            pg.close()
        yield duckdb_file, warehouse


@pytest.mark.services
def test_postgres_frames_equal_duckdb_across_fetch_batches(
    both: tuple[Path, PostgresWarehouse], monkeypatch: pytest.MonkeyPatch
) -> None:
    duckdb_file, warehouse = both
    monkeypatch.setattr(postgres_tables, "FETCH_ROWS", 2)  # 5 rows: three batches
    plans = (
        ReadPlan.whole(),
        ReadPlan(frozenset({"sample_key", "amount", "day"}), frozenset({"body", "year"})),
    )
    for plan in plans:
        on_duckdb = read_table(duckdb_file, "marts", "sample", plan)
        on_postgres = read_table(warehouse, "marts", "sample", plan)
        assert on_duckdb is not None and on_postgres is not None
        pd.testing.assert_frame_equal(on_postgres, on_duckdb)
    where = {"sample_key": ["k4", "k2"]}
    columns = ["sample_key", "note", "flag"]
    pd.testing.assert_frame_equal(
        lookup_rows(warehouse, "marts", "sample", where, columns),
        lookup_rows(duckdb_file, "marts", "sample", where, columns),
    )


def test_suite_frames_hold_the_dtypes_gx_checks_column_wise(warehouse: Path) -> None:
    """GX's pandas range check compares a whole column only for int64, float64 and
    datetime64[ns]; any other dtype (DuckDB's INTEGER, a nullable one, TIMESTAMP in µs)
    costs a Python call per value. Every frame the gate validates has those dtypes."""
    break_candidate(  # a null in an integer column: read as float64, shown as an integer
        warehouse, "update marts.mart_poverty_exits set total = null where exit_key = 'e1'"
    )
    seen_kinds = set()
    for path in sorted((EXPECTATIONS_DIR / "suites").glob("*.json")):
        suite = load_suite(path)
        frame = read_table(warehouse, suite.schema or "marts", suite.table, plan_for(suite))
        assert frame is not None, suite.name
        for name, dtype in frame.dtypes.items():
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
                assert str(dtype) in {"int64", "float64"}, (suite.name, name, dtype)
                seen_kinds.add(str(dtype))
            elif pd.api.types.is_datetime64_any_dtype(dtype):
                assert str(dtype) == "datetime64[ns]", (suite.name, name, dtype)
                seen_kinds.add(str(dtype))
    assert seen_kinds == {"int64", "float64", "datetime64[ns]"}
    exits = read_table(warehouse, "marts", "mart_poverty_exits", ReadPlan.whole())
    assert exits is not None
    assert "total" in exits.attrs[WHOLE_NUMBER_COLUMNS]
    assert exits["exited"].dtype == "int64" and exits["total"].dtype == "float64"


def test_gx_is_not_asked_to_fingerprint_the_frames(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX hashes every cell of a small-enough DataFrame for a batch marker nothing reads
    (12 s of a 45 s audit at 100,000 articles); the gate has its own fingerprint."""
    hashed: list[int] = []
    real_hash = pd.util.hash_pandas_object

    def counted(obj: Any, *args: Any, **kwargs: Any) -> Any:
        hashed.append(len(obj))
        return real_hash(obj, *args, **kwargs)

    monkeypatch.setattr(pd.util, "hash_pandas_object", counted)
    report = run_quality_gate(warehouse, EXPECTATIONS_DIR, tmp_path / "docs")
    assert report.success and len(report.suites) > 10
    assert hashed == []


def test_suites_come_in_order_while_two_reads_run_side_by_side() -> None:
    """The gate's read-ahead: a history suite's read is slow and its validation quick, so
    two reads must be in flight together (both threads of the gate's pool), and the
    suites still come out in their order, each with its own rows."""
    suites: list[Any] = [SimpleNamespace(name=f"suite_{i}") for i in range(5)]
    both_reading = threading.Barrier(2, timeout=5)
    order: list[str] = []

    def read(suite: Any) -> Any:
        order.append(suite.name)
        if suite.name in ("suite_0", "suite_1"):
            both_reading.wait()  # raises BrokenBarrierError unless both reads run at once
        return SimpleNamespace(frame=suite.name, passed=None)

    seen = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for suite, rows in gate._read_ahead(pool, suites, read):
            assert rows is not None
            seen.append((suite.name, rows.frame))

    assert seen == [(f"suite_{i}", f"suite_{i}") for i in range(5)]
    assert sorted(order) == [s.name for s in suites]  # each suite read once
