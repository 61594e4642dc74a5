"""Content hashes of marts that are equal across warehouses (DuckDB and PostgreSQL).

``ingestion.fingerprint.content_hash`` hashes DuckDB's own text of each row,
which PostgreSQL writes differently (``1.0`` vs ``1``, time zones, booleans).
Here each value is fetched into Python and written in one neutral form, so the
same marts give the same hash on either warehouse: the parity test compares
them, and a publish on PostgreSQL can record them.

A row's text is its values in column order, each normalised: numbers to 12
significant digits (sums over the same figures may differ in the last bit
with the order a server adds them), time stamps in UTC, dates in ISO form,
NULL as ``\\N``. The table's hash is sha256 of its column names and of the
sorted sha256 of every row: equal content, equal hash, in any row order.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ingestion.identifiers import checked_identifier
from ingestion.warehouse import Connection, table_names

NULL = "\\N"
_SEPARATOR = "\x1f"
# Enough for any amount in yuan to the fen, few enough to absorb float summation order.
_SIGNIFICANT_DIGITS = 12


def normalised(value: Any) -> str:
    """One value as the same text whichever warehouse and driver returned it."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        number = float(value) + 0.0  # + 0.0: -0.0 and 0.0 are one value
        return format(number, f".{_SIGNIFICANT_DIGITS}g")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return json.dumps([normalised(item) for item in value])
    return str(value)


def rows_hash(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(row count, content hash) of rows given in ``columns`` order."""
    digests = sorted(
        hashlib.sha256(_SEPARATOR.join(normalised(v) for v in row).encode("utf-8")).hexdigest()
        for row in rows
    )
    digest = hashlib.sha256(_SEPARATOR.join(columns).encode("utf-8") + b"\n")
    digest.update("\n".join(digests).encode("ascii"))
    return len(digests), digest.hexdigest()


@dataclass(frozen=True)
class MartHash:
    name: str
    rows: int
    content_hash: str


def table_hash(connection: Connection, schema: str, table: str) -> MartHash:
    """The portable hash of ``schema.table`` in either warehouse."""
    qualified = f"{checked_identifier(schema)}.{checked_identifier(table)}"
    cursor = connection.execute(f"select * from {qualified}")
    columns = [description[0] for description in cursor.description]
    rows, digest = rows_hash(columns, cursor.fetchall())
    return MartHash(table, rows, digest)


def mart_hashes(
    connection: Connection, schema: str = "marts", tables: Sequence[str] | None = None
) -> dict[str, MartHash]:
    """Portable hashes of the published marts (default: the catalogue's) found in ``schema``."""
    if tables is None:
        from ingestion.transform.catalogue import published_tables

        tables = published_tables()
    present = table_names(connection, schema)
    return {name: table_hash(connection, schema, name) for name in tables if name in present}
