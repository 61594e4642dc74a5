"""raw.corrections on both warehouses: appended through the shared bulk writer, read back whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingestion.corrections.store import (
    CorrectionError,
    correct_fact,
    list_corrections,
    retract_fact,
    undo_correction,
)
from ingestion.load.facts import extract_one, write_extracted
from ingestion.warehouse import Connection, connect, ensure_raw_schema
from ingestion.warehouse_postgres import open_postgres
from tests.postgres_service import fresh_database

STORY = "Jinniu District paired up to help Shiqu County in 2021. It gave 20 million yuan."


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.services)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connection]:
    if request.param == "duckdb":
        with connect(tmp_path / "w.duckdb") as connection:
            ensure_raw_schema(connection)
            yield connection
        return
    with fresh_database("assist_corrections") as pg, open_postgres(pg) as pg_connection:
        ensure_raw_schema(pg_connection)
        yield pg_connection


def test_corrections_are_appended_and_listed_in_order(warehouse: Connection) -> None:
    article = extract_one("a1", "site", STORY)
    write_extracted(warehouse, [article])
    [fact_id] = warehouse.execute("select fact_id from raw.facts_pairing").fetchone()
    first = correct_fact(warehouse, fact_id, "year", "2020", by="Ana", reason="misread")
    with pytest.raises(CorrectionError, match="nothing to change"):
        correct_fact(warehouse, fact_id, "year", "2020", by="Ana", reason="again")
    undo = undo_correction(warehouse, first.correction_id, by="Ana", reason="was right")
    retract_fact(warehouse, fact_id, by="Bo", reason="duplicate story")
    statuses = list_corrections(warehouse)
    assert [(s.correction.correction_id, s.correction.action) for s in statuses] == [
        ("c0001", "correct"),
        ("c0002", "undo"),
        ("c0003", "retract_fact"),
    ]
    assert statuses[0].undone_by == undo.correction_id == "c0002"
    assert (statuses[0].correction.value_before, statuses[0].correction.value_after) == (
        "2021",
        "2020",
    )
