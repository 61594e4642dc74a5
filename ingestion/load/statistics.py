"""Load statistical tables into ``raw.stat_<table>``, one table per source.

A table is reloaded only when its landed file changed. Rows that break the
declared schema go to quarantine; the rest replace the table's previous
content in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from ingestion.identifiers import checked_identifier
from ingestion.landing import LandingStore
from ingestion.load.bulk import insert_rows
from ingestion.load.quarantine import QuarantineRecord, quarantine_many
from ingestion.sources import TableSource
from ingestion.statistics.validate import (
    TableLayoutChanged,
    TableRefused,
    TableUnreadable,
    validate_table,
)

_DUCKDB_TYPES = {
    "varchar": "varchar",
    "integer": "integer",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
}

_LATEST_PAYLOAD_SQL = """
select content_hash, url from raw.fetch_log
where source_id = ? and payload_kind = 'table' and content_hash is not null
order by fetched_at desc, attempt_id desc
limit 1
"""


def _ensure_load_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(
        """
        create table if not exists raw.stat_loads (
            source_id varchar primary key,
            content_hash varchar not null,
            rows_loaded integer not null,
            rows_rejected integer not null,
            loaded_at timestamptz not null
        )
        """
    )


def _create_table(connection: duckdb.DuckDBPyConnection, source: TableSource) -> None:
    # Identifiers come from sources.yml and were validated against IDENTIFIER there (and
    # again here); the types come from our own mapping of the declared Literal types.
    columns = ", ".join(
        f"{checked_identifier(c.name)} {_DUCKDB_TYPES[c.type]}" for c in source.columns
    )
    connection.execute(
        f"create or replace table raw.{checked_identifier(source.table)} "
        f"({columns}, _source_id varchar not null, _loaded_at timestamptz not null)"
    )


def load_table(
    connection: duckdb.DuckDBPyConnection, source: TableSource, landing: LandingStore
) -> dict[str, int] | None:
    """Load the source's newest landed file if it is new; None when nothing changed."""
    _ensure_load_table(connection)
    latest = connection.execute(_LATEST_PAYLOAD_SQL, [source.id]).fetchone()
    if latest is None:
        return None
    content_hash, url = latest
    loaded = connection.execute(
        "select content_hash from raw.stat_loads where source_id = ?", [source.id]
    ).fetchone()
    if loaded and loaded[0] == content_hash:
        return None
    validated = validate_table(landing.read_payload(content_hash), source)  # may raise
    now = datetime.now(UTC)
    names = [checked_identifier(c.name) for c in source.columns]
    connection.execute("begin transaction")
    _create_table(connection, source)
    insert_rows(
        connection,
        f"raw.{checked_identifier(source.table)}",
        [*names, "_source_id", "_loaded_at"],
        [[row[n] for n in names] + [source.id, now] for row in validated.rows],
        on_conflict="error",  # a table just created: nothing to conflict with
    )
    quarantine_many(
        connection,
        (
            QuarantineRecord(
                stage="statistics",
                source_id=source.id,
                reference=f"{url}:{rejected.line_number}",
                reason=rejected.reason,
                payload=rejected.raw,
            )
            for rejected in validated.rejected
        ),
    )
    connection.execute(
        "insert or replace into raw.stat_loads values (?, ?, ?, ?, ?)",
        [source.id, content_hash, len(validated.rows), len(validated.rejected), now],
    )
    connection.execute("commit")
    return {"rows": len(validated.rows), "rejected": len(validated.rejected)}


__all__ = ["TableLayoutChanged", "TableRefused", "TableUnreadable", "load_table"]
