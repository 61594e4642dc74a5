"""The raw schema set-up creates every raw table dbt reads, empty, on DuckDB and PostgreSQL.

Before, the statistical tables (and the gazetteer) appeared only at their
first load, so a build on a fresh warehouse after collecting one source failed
on a missing ``raw.stat_*`` table. Both warehouses now get the same tables from
one DDL (``ingestion.warehouse``), translated for PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingestion.config import PROJECT_ROOT
from ingestion.sources import TABLE_SOURCE_TYPES, load_sources
from ingestion.warehouse import Connection, connect, ensure_raw_schema
from ingestion.warehouse_postgres import open_postgres
from tests.postgres_service import fresh_database

SOURCES_YML = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "_sources.yml"


def _dbt_raw_tables() -> set[str]:
    """Every raw table a dbt model reads (the ``raw`` source's tables)."""
    document = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    [raw] = [source for source in document["sources"] if source["name"] == "raw"]
    return {table["name"] for table in raw["tables"]}


def _table_sources() -> list:
    return [
        s for s in load_sources(PROJECT_ROOT / "sources.yml") if isinstance(s, TABLE_SOURCE_TYPES)
    ]


def _columns(connection: Connection) -> dict[str, list[str]]:
    rows = connection.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def _empty_tables(connection: Connection, tables: set[str]) -> set[str]:
    return {
        table
        for table in tables
        if connection.execute(f"select count(*) from raw.{table}").fetchone()[0] == 0
    }


def test_a_fresh_duckdb_warehouse_has_every_raw_table_dbt_reads(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as connection:
        ensure_raw_schema(connection, _table_sources())
        ensure_raw_schema(connection, _table_sources())  # idempotent
        columns = _columns(connection)
        assert _dbt_raw_tables() <= set(columns)
        assert _empty_tables(connection, set(columns)) == set(columns)


@pytest.mark.services
def test_postgres_gets_the_same_raw_tables_and_columns_as_duckdb(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as duck:
        ensure_raw_schema(duck, _table_sources())
        duck_columns = _columns(duck)
    with fresh_database("assist_schema") as pg, open_postgres(pg) as connection:
        ensure_raw_schema(connection, _table_sources())
        ensure_raw_schema(connection, _table_sources())  # idempotent
        assert _columns(connection) == duck_columns
        assert _empty_tables(connection, set(duck_columns)) == set(duck_columns)
        types = dict(
            connection.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'raw' and table_name = 'facts_fund'"
            ).fetchall()
        )
        assert (types["amount_cny"], types["payer"]) == ("double precision", "text")
