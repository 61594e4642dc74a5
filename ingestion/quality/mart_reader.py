"""Reading the candidate marts (and the raw tables their suites check) into pandas.

GX 1.24 has no DuckDB datasource, so every table a suite checks is read from the
working warehouse into a DataFrame (through ``ingestion.warehouse.connect``, closed
before GX runs). The gate never writes the warehouse. These three functions are
the gate's only reading of the warehouse; keep them together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from ingestion.config import PostgresWarehouse
from ingestion.identifiers import checked_identifier
from ingestion.warehouse import connect, table_names


def read_marts(
    warehouse_path: Path | PostgresWarehouse, schema: str, tables: Iterable[str]
) -> dict[str, pd.DataFrame]:
    """Read each existing mart into memory; a missing mart is simply absent from the result."""
    if isinstance(warehouse_path, PostgresWarehouse):
        # The same frames, read from PostgreSQL (why pandas there too: postgres_tables).
        from ingestion.quality.postgres_tables import read_postgres_tables

        return read_postgres_tables(warehouse_path, schema, tables, _select_sql)
    if not warehouse_path.exists():
        # connect() would create an empty warehouse; a missing file is a pipeline error.
        raise FileNotFoundError(f"no warehouse at {warehouse_path}")
    schema = checked_identifier(schema)
    frames: dict[str, pd.DataFrame] = {}
    with connect(warehouse_path) as connection:
        existing = table_names(connection, schema)
        for table in tables:
            if checked_identifier(table) in existing:
                frames[table] = connection.execute(_select_sql(schema, table, existing)).df()
    return frames


def _table_reader(
    warehouse_path: Path | PostgresWarehouse,
) -> Callable[[str, str], pd.DataFrame | None]:
    """Reads one more table on demand (the evidence behind failed rows), None if absent."""

    def read(schema: str, table: str) -> pd.DataFrame | None:
        return read_marts(warehouse_path, schema, [table]).get(table)

    return read


def warehouse_exists(warehouse: Path | PostgresWarehouse) -> bool:
    """A DuckDB file that exists, or a PostgreSQL server (unreachable: the read says so)."""
    return isinstance(warehouse, PostgresWarehouse) or warehouse.exists()


def _select_sql(schema: str, table: str, existing: set[str]) -> str:
    """All rows, except the raw facts an analyst took out of the marts (retracted, or
    their figure corrected): the marts' suites check what replaced them, and blocking
    on them would make "retract the article and re-run" never publish."""
    from ingestion.corrections.store import CORRECTIONS_TABLE, raw_facts_in_force_sql

    if schema == "raw" and table.startswith("facts_") and CORRECTIONS_TABLE in existing:
        return raw_facts_in_force_sql(table)
    return f'select * from "{schema}"."{table}"'
