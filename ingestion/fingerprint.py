"""What a set of marts holds, as numbers two parties can compare.

The publisher writes these into every publication; the quality gate, its
verdict records and approvals name a candidate by the same fingerprint (the
``snapshot_id`` its publication would get). Neither imports the other: both
import this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from ingestion.identifiers import checked_identifier
from ingestion.transform.catalogue import published_tables
from ingestion.warehouse import connect, scalar, table_names


def row_count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(connection, f"select count(*) from {table}"))


def content_hash(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """sha256 of the sorted sha256 of each row's text: equal content, equal hash, any order."""
    return str(
        scalar(
            connection,
            "select sha256(coalesce(string_agg(h, '' order by h), '')) "
            f"from (select sha256(cast(t as varchar)) as h from {table} as t)",
        )
    )


def snapshot_id(built: Mapping[str, tuple[int, str]]) -> str:
    """One id for a whole publication's content (mart -> rows, hash): equal marts, equal id."""
    text = "\n".join(f"{name}\t{rows}\t{digest}" for name, (rows, digest) in sorted(built.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def candidate_fingerprint(
    warehouse_path: Path, schema: str = "marts", tables: Sequence[str] | None = None
) -> tuple[str, dict[str, int]]:
    """The candidate's fingerprint and row counts, over the published marts in ``schema``."""
    if tables is None:
        tables = published_tables()
    schema = checked_identifier(schema)
    if not warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}")
    built: dict[str, tuple[int, str]] = {}
    with connect(warehouse_path) as connection:
        existing = table_names(connection, schema)
        for name in tables:
            if name in existing:
                target = f'"{schema}"."{checked_identifier(name)}"'
                built[name] = (row_count(connection, target), content_hash(connection, target))
    return snapshot_id(built), {name: rows for name, (rows, _) in built.items()}
