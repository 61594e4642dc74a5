"""Statistical tables: schema checked row by row; a changed layout fails loudly."""

from __future__ import annotations

import pytest

from ingestion.landing import LandingStore, new_attempt
from ingestion.load.fetch_log import load_fetch_log
from ingestion.load.statistics import load_table
from ingestion.sources import ColumnSpec, CsvTableSource
from ingestion.statistics.validate import TableLayoutChanged, validate_table
from ingestion.warehouse import connect, ensure_raw_schema

SOURCE = CsvTableSource(
    id="exits",
    kind="csv_table",
    url="data/x.csv",
    table="stat_exits",
    key=("county_code",),
    columns=(
        ColumnSpec(name="county_code", type="varchar", pattern=r"\d{6}"),
        ColumnSpec(name="exit_year", type="integer"),
        ColumnSpec(name="population_10k", type="double", required=False),
    ),
)

GOOD_AND_BAD = (
    b"county_code,exit_year,population_10k\n"
    b"513431,2020,33.5\n"
    b"51343X,2019,\n"  # bad code
    b"513429,twenty,\n"  # bad year
    b"513436,2020,\n"
    b"513431,2020,1\n"  # duplicate key
    b"653221,,2\n"  # missing required
)


def test_rows_that_break_the_schema_are_rejected_with_their_reason():
    result = validate_table(GOOD_AND_BAD, SOURCE)
    assert [row["county_code"] for row in result.rows] == ["513431", "513436"]
    assert result.rows[0] == {"county_code": "513431", "exit_year": 2020, "population_10k": 33.5}
    reasons = {r.line_number: r.reason for r in result.rejected}
    assert "does not match" in reasons[3]
    assert "twenty" in reasons[4]
    assert "duplicate key" in reasons[6]
    assert "required" in reasons[7]


def test_a_renamed_column_fails_with_both_layouts_in_the_message():
    payload = b"code,exit_year,population_10k\n513431,2020,1\n"
    with pytest.raises(TableLayoutChanged) as caught:
        validate_table(payload, SOURCE)
    message = str(caught.value)
    assert "county_code" in message and "'code'" in message


def test_loading_quarantines_bad_rows_and_is_idempotent(tmp_path):
    landing = LandingStore(tmp_path / "landing")
    content_hash = landing.put_payload(GOOD_AND_BAD)
    landing.write_fetch_log(
        "exits", [new_attempt("exits", "file:///x.csv", "table", content_hash=content_hash)]
    )
    with connect(tmp_path / "w.duckdb") as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        assert load_table(connection, SOURCE, landing) == {"rows": 2, "rejected": 4}
        # The same file again: nothing to do, nothing duplicated.
        assert load_table(connection, SOURCE, landing) is None
        assert connection.execute("select count(*) from raw.stat_exits").fetchone()[0] == 2
        quarantined = connection.execute(
            "select reference, reason from raw.quarantine where stage = 'statistics' order by 1"
        ).fetchall()
    assert len(quarantined) == 4
    assert quarantined[0][0].endswith(":3")


@pytest.mark.services
def test_on_postgres_a_new_file_replaces_the_rows_and_a_new_layout_the_table(tmp_path):
    """dbt's views on a raw table stay bound to it on PostgreSQL: a reload empties the
    table in place; only a changed column list (sources.yml) recreates it."""
    from ingestion.warehouse_postgres import open_postgres
    from tests.postgres_service import fresh_database

    landing = LandingStore(tmp_path / "landing")

    def land(payload: bytes) -> None:
        content_hash = landing.put_payload(payload)
        attempt = new_attempt("exits", "file:///x.csv", "table", content_hash=content_hash)
        landing.write_fetch_log("exits", [attempt])

    with fresh_database("assist_stat") as pg, open_postgres(pg) as connection:
        ensure_raw_schema(connection, [SOURCE])
        connection.execute("create view public.exits_view as select * from raw.stat_exits")
        land(GOOD_AND_BAD)
        load_fetch_log(connection, landing)
        assert load_table(connection, SOURCE, landing) == {"rows": 2, "rejected": 4}
        assert load_table(connection, SOURCE, landing) is None
        land(b"county_code,exit_year,population_10k\n513431,2021,2.5\n")
        load_fetch_log(connection, landing)
        assert load_table(connection, SOURCE, landing) == {"rows": 1, "rejected": 0}
        assert connection.execute(
            "select county_code, exit_year, population_10k from public.exits_view"
        ).fetchall() == [("513431", 2021, 2.5)]
        wider = SOURCE.model_copy(
            update={"columns": (*SOURCE.columns, ColumnSpec(name="note", type="varchar"))}
        )
        land(b"county_code,exit_year,population_10k,note\n513431,2021,2.5,hi\n")
        load_fetch_log(connection, landing)
        assert load_table(connection, wider, landing) == {"rows": 1, "rejected": 0}
        assert connection.execute("select note from raw.stat_exits").fetchall() == [("hi",)]
        assert connection.execute("select count(*) from raw.stat_loads").fetchone()[0] == 1
