"""The set-based writer: idempotent batches, a failed batch redone whole, old and new mixed.

Every test runs on DuckDB and on PostgreSQL (COPY), on a fresh database of the
loopback service: the same batches give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import pytest

from ingestion.extract import EXTRACTOR_VERSION
from ingestion.extract.models import Evidence, FundFact, PairingFact
from ingestion.load.bulk import insert_rows
from ingestion.load.facts import ExtractedArticle, extract_one, write_extracted
from ingestion.load.quarantine import QuarantineRecord, quarantine_many
from ingestion.warehouse import Connection, connect, ensure_raw_schema
from ingestion.warehouse_postgres import open_postgres
from tests.postgres_service import fresh_database

STORY = "Jinniu District paired up to help Shiqu County in 2021. It gave 20 million yuan."


def _pairing(article_id: str, helped: str) -> PairingFact:
    sentence = f"Jinniu District paired up to help {helped}."
    return PairingFact(
        doc=article_id,
        evidence=Evidence(sentence, 0, len(sentence)),
        extractor_version=EXTRACTOR_VERSION,
        confidence=0.9,
        helper="Jinniu District",
        helped=helped,
    )


def _fund(article_id: str, amount: float, evidence: str | None = "It gave money.") -> FundFact:
    return FundFact(
        doc=article_id,
        evidence=Evidence(evidence, 0, 10),  # type: ignore[arg-type]
        extractor_version=EXTRACTOR_VERSION,
        confidence=0.8,
        amount_cny=amount,
    )


def _snapshot(connection: Connection) -> dict[str, list[tuple]]:
    tables = ("facts_pairing", "facts_fund", "extraction_runs", "quarantine")
    snapshot = {}
    for table in tables:
        columns = [
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if row[0] not in ("extracted_at", "recorded_at")
        ]
        order = ", ".join(str(i + 1) for i in range(len(columns)))
        snapshot[table] = connection.execute(
            f"select {', '.join(columns)} from raw.{table} order by {order}"
        ).fetchall()
    return snapshot


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.services)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connection]:
    if request.param == "duckdb":
        with connect(tmp_path / "w.duckdb") as connection:
            ensure_raw_schema(connection)
            yield connection
        return
    with fresh_database("assist_bulk") as pg, open_postgres(pg) as pg_connection:
        ensure_raw_schema(pg_connection)
        yield pg_connection


def test_a_batch_written_twice_gives_the_same_rows(warehouse):
    batch = [
        extract_one("a1", "site", STORY),
        ExtractedArticle("a2", "site", facts=[_pairing("a2", "Garze County")]),
        ExtractedArticle("a3", "site", reason="ValueError: too long", excerpt="x" * 50),
    ]
    assert batch[0].reason is None and batch[0].facts
    write_extracted(warehouse, batch)
    first = _snapshot(warehouse)
    write_extracted(warehouse, batch)
    assert _snapshot(warehouse) == first
    pairings = 1 + sum(1 for fact in batch[0].facts if fact.type == "pairing")
    assert len(first["facts_pairing"]) == pairings and len(first["extraction_runs"]) == 2
    [(stage, reference, reason)] = warehouse.execute(
        "select stage, reference, reason from raw.quarantine"
    ).fetchall()
    assert (stage, reference, reason) == ("extract", "a3", "ValueError: too long")


def test_a_batch_that_fails_part_way_leaves_nothing_and_is_redone_whole(warehouse):
    write_extracted(warehouse, [ExtractedArticle("a1", "s", facts=[_fund("a1", 5.0)])])
    before = _snapshot(warehouse)
    # A real constraint failure after the batch's deletes: evidence is NOT NULL.
    broken = [
        ExtractedArticle("a1", "s", facts=[_fund("a1", 7.0)]),
        ExtractedArticle("a2", "s", facts=[_fund("a2", 9.0, evidence=None)]),
    ]
    with pytest.raises((duckdb.ConstraintException, psycopg2.IntegrityError)):
        write_extracted(warehouse, broken)
    assert _snapshot(warehouse) == before  # a1's old fact is still there, a2 has nothing
    fixed = [broken[0], ExtractedArticle("a2", "s", facts=[_fund("a2", 9.0)])]
    write_extracted(warehouse, fixed)
    amounts = warehouse.execute(
        "select article_id, amount_cny from raw.facts_fund order by article_id"
    ).fetchall()
    assert amounts == [("a1", 7.0), ("a2", 9.0)]


def test_old_and_new_articles_in_one_batch_replace_and_add(warehouse):
    write_extracted(
        warehouse,
        [ExtractedArticle("old", "s", facts=[_pairing("old", "Garze County")])],
    )
    write_extracted(
        warehouse,
        [
            ExtractedArticle("old", "s", facts=[_pairing("old", "Shiqu County")]),
            ExtractedArticle("new", "s", facts=[_pairing("new", "Zhaojue County")]),
        ],
    )
    rows = warehouse.execute(
        "select article_id, helped from raw.facts_pairing order by article_id"
    ).fetchall()
    assert rows == [("new", "Zhaojue County"), ("old", "Shiqu County")]
    assert warehouse.execute("select count(*) from raw.extraction_runs").fetchone() == (2,)


def test_a_key_repeated_in_a_batch_keeps_the_first_row_like_row_by_row(warehouse):
    columns = ("content_hash", "article_id", "parsed_at")
    rows = [("h1", "first", "2026-01-01T00:00:00+00:00"), ("h1", "second", "2026-01-02")]
    assert insert_rows(warehouse, "raw.parsed_payloads", columns, rows, key=("content_hash",)) == 1
    again = [("h1", "third", "2026-01-03"), ("h2", None, "2026-01-03")]
    assert insert_rows(warehouse, "raw.parsed_payloads", columns, again, key=("content_hash",)) == 1
    assert warehouse.execute(
        "select content_hash, article_id from raw.parsed_payloads order by 1"
    ).fetchall() == [("h1", "first"), ("h2", None)]


def test_quarantine_records_are_written_once_with_their_reasons(warehouse):
    records = [
        QuarantineRecord("parse", "site", f"http://x/{i}", f"reason {i % 3}") for i in range(30)
    ]
    assert quarantine_many(warehouse, records) == 30
    assert quarantine_many(warehouse, records + records) == 0
    reasons = warehouse.execute(
        "select reason, count(*) from raw.quarantine group by reason order by reason"
    ).fetchall()
    assert reasons == [("reason 0", 10), ("reason 1", 10), ("reason 2", 10)]


def test_values_survive_the_trip_as_they_are(warehouse):
    """Null and empty text apart, quotes, commas, new lines, non-Latin text, exact floats."""
    texts = [None, "", 'a "quoted", comma', "line one\nline two", "四川 Sichuan ✓", "\\N"]
    rows = [
        (f"f{i}", "a1", 0.1 * (i + 1), text, f"evidence {i}", 0, 10, "v1", 0.9, "2026-11-30")
        for i, text in enumerate(texts)
    ]
    columns = (
        "fact_id", "article_id", "amount_cny", "payer", "evidence", "start_char", "end_char",
        "extractor_version", "confidence", "extracted_at",
    )  # fmt: skip
    assert insert_rows(warehouse, "raw.facts_fund", columns, rows, key=("fact_id",)) == len(rows)
    stored = warehouse.execute(
        "select payer, amount_cny from raw.facts_fund order by fact_id"
    ).fetchall()
    assert stored == [(text, 0.1 * (i + 1)) for i, text in enumerate(texts)]


def test_a_key_repeated_in_a_replacing_batch_keeps_the_last_row(warehouse):
    columns = ("article_id", "extractor_version", "fact_count", "extracted_at")
    rows = [("a1", "v1", 1, "2026-01-01"), ("a1", "v1", 2, "2026-01-02")]
    key = ("article_id", "extractor_version")
    insert_rows(warehouse, "raw.extraction_runs", columns, rows, key=key, on_conflict="replace")
    insert_rows(
        warehouse,
        "raw.extraction_runs",
        columns,
        [("a1", "v1", 3, "2026-01-03"), ("a2", "v1", 4, "2026-01-03")],
        key=key,
        on_conflict="replace",
    )
    assert warehouse.execute(
        "select article_id, fact_count from raw.extraction_runs order by 1"
    ).fetchall() == [("a1", 3), ("a2", 4)]
