"""Read candidate tables from the PostgreSQL warehouse into the gate's pandas DataFrames.

Why pandas and not Great Expectations' PostgreSQL SQL datasource: the gate must
give the same verdicts and the *same failure messages* on both warehouses. The
SQL datasource evaluates expectations as SQL (other regex and null semantics,
no ``condition_parser: pandas`` for the run-time region checks, no
``partial_unexpected_index_list``, which the gate uses to show each offending
row's key, evidence and article). Reading the tables into the same DataFrames
and running the same pandas validation keeps one path, one set of messages.
A suite's frame holds only the columns it checks (``ingestion.quality.mart_reader``),
fetched a batch of rows at a time.

The frames must be equal to what DuckDB's ``.df()`` gives for the same marts
(dtypes included: nullable ``Int32``, ``str``, ``datetime64``...), or a
type-sensitive expectation could pass on one warehouse and fail on the other.
So the rows fetched from PostgreSQL are handed to DuckDB as an Arrow table typed
from PostgreSQL's column types, and DuckDB's own conversion makes the frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from ingestion.config import PostgresWarehouse
from ingestion.identifiers import checked_identifier
from ingestion.quality.table_sql import lookup_sql, vectorisable, with_all_columns
from ingestion.warehouse_postgres import read_snapshot

# PostgreSQL type OIDs (pg_type.oid, stable across versions) -> the Arrow type whose
# DuckDB type is the one dbt-duckdb gives the same column.
_ARROW_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),  # numeric: DuckDB's DECIMAL becomes float64 in .df() as well
    25: pa.string(),
    1042: pa.string(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}

# (schema, table, existing tables, the table's (column, data type)s) -> the gate's query.
SelectSql = Callable[[str, str, set[str], Sequence[tuple[str, str]]], str]
# Rows fetched per round trip: the rows of a big mart never sit in Python tuples at once.
FETCH_ROWS = 50_000
# The schema BI reads (ingestion.publish.postgres_publisher makes it); here because the
# change policy reads it too and the publisher imports this module, not the reverse.
PUBLISHED_SCHEMA = "published"


def postgres_table_names(cursor: Any, schema: str) -> set[str]:
    """Tables and views of ``schema`` in the connected database."""
    cursor.execute(
        "select table_name from information_schema.tables where table_schema = %s", [schema]
    )
    return {str(row[0]) for row in cursor.fetchall()}


def read_postgres_tables(
    warehouse: PostgresWarehouse, schema: str, tables: Iterable[str], select_sql: SelectSql
) -> dict[str, pd.DataFrame]:
    """Each existing table as the DataFrame DuckDB would give; a missing one is absent.

    ``select_sql(schema, table, existing, columns)`` is the gate's own query for a
    table (portable SQL: the columns a suite reads of all rows, or of the raw facts
    still in force). Rows come through a server-side cursor, ``FETCH_ROWS`` at a
    time, each batch straight into Arrow.
    """
    schema = checked_identifier(schema)
    frames: dict[str, pd.DataFrame] = {}
    # One snapshot for the tables read together.
    with read_snapshot(warehouse) as cursor:
        existing = postgres_table_names(cursor, schema)
        for table in tables:
            if checked_identifier(table) not in existing:
                continue
            columns = _table_columns(cursor, schema, table)
            with cursor.connection.cursor(name=f"gate_{table}") as rows:
                rows.itersize = FETCH_ROWS
                rows.execute(select_sql(schema, table, existing, columns))
                frame = _as_duckdb_frame(rows)
            frames[table] = vectorisable(with_all_columns(frame, columns))
    return frames


def lookup_postgres_rows(
    warehouse: PostgresWarehouse,
    schema: str,
    table: str,
    where: Mapping[str, Sequence[Any]],
    columns: Sequence[str],
) -> pd.DataFrame | None:
    """``ingestion.quality.mart_reader.lookup_rows`` on PostgreSQL."""
    schema, table = checked_identifier(schema), checked_identifier(table)
    with read_snapshot(warehouse) as cursor:
        existing = {name for name, _ in _table_columns(cursor, schema, table)}
        sql, params = lookup_sql(schema, table, existing, where, columns, "%s")
        if sql is None:
            return None
        cursor.execute(sql, params)
        return _as_duckdb_frame(cursor)


def _table_columns(cursor: Any, schema: str, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        [schema, table],
    )
    return [(str(name), str(data_type)) for name, data_type in cursor.fetchall()]


def _as_duckdb_frame(cursor: Any) -> pd.DataFrame:
    """The rows of an executed query, batch by batch into Arrow typed from PostgreSQL's
    column types, then DuckDB's own conversion to pandas (as ``.df()`` on DuckDB)."""
    batches: list[pa.RecordBatch] = []
    while True:
        rows = cursor.fetchmany(FETCH_ROWS)
        # A server-side cursor describes its columns only once it has fetched.
        names = [column.name for column in cursor.description]
        types = [_ARROW_TYPES.get(column.type_code, pa.string()) for column in cursor.description]
        if rows or not batches:
            batches.append(
                pa.RecordBatch.from_arrays(
                    [
                        pa.array([_arrow_value(row[i], types[i]) for row in rows], type=types[i])
                        for i in range(len(names))
                    ],
                    names=names,
                )
            )
        if len(rows) < FETCH_ROWS:
            break
    table = pa.Table.from_batches(batches)
    with duckdb.connect() as connection:
        # DuckDB shows time zones in its session's zone; the warehouse's connect() uses
        # the default too, so both gates see the same timestamps.
        return connection.from_arrow(table).df()


def _arrow_value(value: Any, arrow_type: pa.DataType) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if pa.types.is_string(arrow_type) and not isinstance(value, str):
        return str(value)  # a type we do not map (json, arrays): its text, as DuckDB would cast
    if isinstance(value, dt.datetime) and pa.types.is_timestamp(arrow_type):
        if arrow_type.tz is None:
            return value.replace(tzinfo=None)
        return value.astimezone(dt.UTC)
    return value


def marts_summary(
    warehouse: PostgresWarehouse,
    schema: str,
    sum_limits: Iterable[tuple[str, str]],
    counts_table: str | None = None,
) -> tuple[dict[str, int], dict[str, set[str]], dict[tuple[str, str], float]] | None:
    """What the change policy compares: rows per table, columns, sums of (table, column).

    Row counts come from ``counts_table`` (the published ``_publish_manifest``) when
    given -- None if it does not exist, i.e. nothing published yet -- else from
    ``count(*)`` of every table of ``schema``.
    """
    schema = checked_identifier(schema)
    with read_snapshot(warehouse) as cursor:
        columns = _columns(cursor, schema)
        if counts_table is not None:
            if checked_identifier(counts_table) not in columns:
                return None
            cursor.execute(f'select table_name, row_count from "{schema}"."{counts_table}"')
            rows = {str(name): int(count) for name, count in cursor.fetchall()}
        else:
            rows = {}
            for name in columns:
                cursor.execute(f'select count(*) from "{schema}"."{checked_identifier(name)}"')
                rows[name] = int(cursor.fetchone()[0])
        sums: dict[tuple[str, str], float] = {}
        for table, column in sum_limits:
            if column in columns.get(table, ()):
                cursor.execute(
                    f'select coalesce(sum("{checked_identifier(column)}"), 0)'
                    f' from "{schema}"."{checked_identifier(table)}"'
                )
                sums[(table, column)] = float(cursor.fetchone()[0])
    return rows, columns, sums


def _columns(cursor: Any, schema: str) -> dict[str, set[str]]:
    cursor.execute(
        "select table_name, column_name from information_schema.columns where table_schema = %s",
        [schema],
    )
    found: dict[str, set[str]] = {}
    for table, column in cursor.fetchall():
        found.setdefault(str(table), set()).add(str(column))
    return found
