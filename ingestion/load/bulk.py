"""Set-based writes into the raw tables: one Arrow batch, one ``INSERT ... SELECT``.

On PostgreSQL the same Arrow batch travels by ``COPY`` (as CSV, psycopg2's
``copy_expert``) into a temporary table shaped like the target, and one
``INSERT ... SELECT ... ON CONFLICT`` moves it in: the same rows, the same
first/last-wins rule and the same idempotence as on DuckDB, never a statement
per row.

Row-by-row ``executemany`` costs DuckDB about 10 ms per row (it plans each
statement again); the same rows as one Arrow table registered on the
connection load in one statement. This is the batch format the loaders share:
a list of column names and rows (tuples in that order), turned into an Arrow
table whose columns are cast to the target table's types in SQL.

Idempotence is the table's own: a primary key and ``on conflict do nothing``
(the first row of a key wins, as with ``executemany``) or ``insert or replace``
(the last row of a key wins). Rows repeating a key inside one batch are
reduced first, in batch order, because DuckDB refuses a key twice in one
statement.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from collections.abc import Sequence
from typing import Any, Literal

import duckdb
import psycopg2
import pyarrow as pa
import pyarrow.csv as pa_csv

from ingestion.warehouse import Connection
from ingestion.warehouse_postgres import PostgresConnection

OnConflict = Literal["nothing", "replace", "error"]

_ORDINAL = "_bulk_ordinal"
_names = itertools.count()
# Our own column names (including the "_source_id" bookkeeping columns) and names
# validated in sources.yml; anything else is refused before it reaches SQL text.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_identifier(name: str) -> str:
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a valid identifier ({_IDENTIFIER.pattern})")
    return name


def _column_types(connection: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    schema, name = table.split(".", 1)
    rows = connection.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? and table_catalog = current_database()",
        [schema, name],
    ).fetchall()
    return {column: data_type for column, data_type in rows}


def _arrow_column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed Python types in one column (an int among strings): let SQL cast the text.
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _unregister(connection: duckdb.DuckDBPyConnection, view: str) -> None:
    # A failed statement aborted the transaction: the caller rolls back and the
    # uniquely named view goes with the connection; the real error propagates.
    with contextlib.suppress(duckdb.TransactionException):
        connection.unregister(view)


def to_arrow(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> pa.Table:
    """The batch as an Arrow table, with each row's position (for first/last wins)."""
    arrays = [_arrow_column([row[i] for row in rows]) for i in range(len(columns))]
    arrays.append(pa.array(range(len(rows)), type=pa.int64()))
    return pa.Table.from_arrays(arrays, names=[*columns, _ORDINAL])


def insert_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: Sequence[str] = (),
    on_conflict: OnConflict = "nothing",
) -> int:
    """Write ``rows`` into ``table`` (``schema.name``) in one statement; return rows written.

    ``key`` names the primary key, so that a key repeated inside the batch is
    reduced to its first row (``nothing``) or its last (``replace``).
    """
    if not rows:
        return 0
    schema, name = (checked_identifier(part) for part in table.split(".", 1))
    qualified = f"{schema}.{name}"
    checked = [checked_identifier(column) for column in columns]
    key = [checked_identifier(k) for k in key]
    if isinstance(connection, PostgresConnection):
        return _copy_rows(connection, qualified, checked, rows, key, on_conflict)
    types = _column_types(connection, qualified)
    view = f"_bulk_batch_{next(_names)}"
    # Identifiers are our own constants or validated names (checked above); types come
    # from the catalogue; every value travels in the Arrow table, never in the text.
    casts = ", ".join(f"cast({c} as {types[c]}) as {c}" for c in checked)
    select = f"select {casts} from {view}"
    if key:
        order = "desc" if on_conflict == "replace" else "asc"
        partition = ", ".join(checked_identifier(k) for k in key)
        select += (
            f" qualify row_number() over (partition by {partition} order by {_ORDINAL} {order}) = 1"
        )
    verb = "insert or replace into" if on_conflict == "replace" else "insert into"
    suffix = " on conflict do nothing" if on_conflict == "nothing" else ""
    connection.register(view, to_arrow(checked, rows))
    try:
        result = connection.execute(
            f"{verb} {qualified} ({', '.join(checked)}) {select}{suffix}"
        ).fetchone()
    finally:
        _unregister(connection, view)
    return int(result[0]) if result else 0


def csv_buffer(batch: pa.Table) -> io.BytesIO:
    """The Arrow batch as PostgreSQL ``COPY ... (format csv)`` reads it.

    Arrow quotes every string and leaves a null empty and unquoted: COPY reads
    ``""`` as an empty string and an empty field as NULL, so the two stay apart.
    """
    buffer = io.BytesIO()
    pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False))
    buffer.seek(0)
    return buffer


def _copy_rows(
    connection: PostgresConnection,
    qualified: str,
    checked: list[str],
    rows: Sequence[Sequence[Any]],
    key: list[str],
    on_conflict: OnConflict,
) -> int:
    temp = f"_bulk_batch_{next(_names)}"
    names = ", ".join(checked)
    cursor = connection.cursor()
    # Shaped like the target, so COPY parses each value as the column's own type
    # (what DuckDB's cast does), plus the ordinal that decides first/last wins.
    cursor.execute(f"create temporary table {temp} as select {names} from {qualified} with no data")
    try:
        cursor.execute(f"alter table {temp} add column {_ORDINAL} bigint")
        cursor.copy_expert(
            f"copy {temp} ({names}, {_ORDINAL}) from stdin with (format csv)",
            csv_buffer(to_arrow(checked, rows)),
        )
        select = f"select {names} from {temp}"
        if key:
            order = "desc" if on_conflict == "replace" else "asc"
            select = (
                f"select {names} from (select *, row_number() over (partition by "
                f"{', '.join(key)} order by {_ORDINAL} {order}) as _bulk_rank from {temp})"
                " as ranked where _bulk_rank = 1"
            )
        cursor.execute(
            f"insert into {qualified} ({names}) {select}{_pg_conflict(checked, key, on_conflict)}"
        )
        return int(cursor.rowcount)
    finally:
        # In a failed transaction the drop fails too; the rollback takes the table
        # with it. A lost connection takes it as well. The real error propagates.
        with contextlib.suppress(psycopg2.Error):
            cursor.execute(f"drop table if exists {temp}")


def _pg_conflict(checked: list[str], key: list[str], on_conflict: OnConflict) -> str:
    if on_conflict == "nothing":
        return " on conflict do nothing"
    if on_conflict == "error":
        return ""
    if not key:
        raise ValueError("on_conflict='replace' needs the key it replaces on")
    updates = [f"{c} = excluded.{c}" for c in checked if c not in key]
    action = f"do update set {', '.join(updates)}" if updates else "do nothing"
    return f" on conflict ({', '.join(key)}) {action}"


def delete_where_in(connection: Connection, table: str, column: str, values: Sequence[Any]) -> None:
    """Delete the rows of ``table`` whose ``column`` is one of ``values``, in one statement."""
    if not values:
        return
    schema, name = (checked_identifier(part) for part in table.split(".", 1))
    checked = checked_identifier(column)
    if isinstance(connection, PostgresConnection):
        connection.execute(f"delete from {schema}.{name} where {checked} = any(?)", [list(values)])
        return
    view = f"_bulk_keys_{next(_names)}"
    connection.register(view, pa.table({checked: pa.array(list(values))}))
    try:
        connection.execute(
            f"delete from {schema}.{name} where {checked} in (select {checked} from {view})"
        )
    finally:
        _unregister(connection, view)
