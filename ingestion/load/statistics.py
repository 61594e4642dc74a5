"""Load statistical tables into ``raw.stat_<table>``, one table per source.

A table is reloaded only when its landed file changed. Rows that break the
declared schema go to quarantine; the rest replace the table's previous
content in one transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ingestion.identifiers import checked_identifier
from ingestion.landing import LandingStore
from ingestion.load.bulk import insert_rows
from ingestion.load.quarantine import QuarantineRecord, quarantine_many
from ingestion.sources import TableSource
from ingestion.statistics.validate import (
    TableLayoutChanged,
    TableRefused,
    TableUnreadable,
    ValidatedTable,
    validate_table,
)
from ingestion.warehouse import Connection, dialect_of, stat_table_ddl

log = logging.getLogger(__name__)

_LATEST_PAYLOAD_SQL = """
select content_hash, url from raw.fetch_log
where source_id = ? and payload_kind = 'table' and content_hash is not null
order by fetched_at desc, attempt_id desc
limit 1
"""


def _replace_table(connection: Connection, source: TableSource) -> None:
    """An empty ``raw.stat_*`` table of the declared columns, inside the caller's transaction."""
    if dialect_of(connection) == "duckdb":
        connection.execute(stat_table_ddl(source, "duckdb", replace=True))
        return
    # PostgreSQL keeps dbt's staging views bound to the table: empty it in place when
    # its columns are still the declared ones; drop it (and those views, which the
    # next build recreates) only when sources.yml changed them.
    table = checked_identifier(source.table)
    existing = [
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    ]
    if existing == [*(c.name for c in source.columns), "_source_id", "_loaded_at"]:
        connection.execute(f"delete from raw.{table}")
        return
    log.warning(
        "raw.%s: sources.yml declares other columns than the table has; it is recreated "
        "(and dbt's views on it, until the next build)",
        table,
    )
    connection.execute(f"drop table if exists raw.{table} cascade")
    connection.execute(stat_table_ddl(source, "postgres"))


def load_table(
    connection: Connection, source: TableSource, landing: LandingStore
) -> dict[str, int] | None:
    """Load the source's newest landed file if it is new; None when nothing changed.

    The raw schema (``ensure_raw_schema``) must be there.
    """
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
    connection.execute("begin transaction")
    try:
        _write_table(connection, source, validated, content_hash, url, now)
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")
    return {"rows": len(validated.rows), "rejected": len(validated.rejected)}


def _write_table(
    connection: Connection,
    source: TableSource,
    validated: ValidatedTable,
    content_hash: str,
    url: str,
    now: datetime,
) -> None:
    names = [checked_identifier(c.name) for c in source.columns]
    _replace_table(connection, source)
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
    insert_rows(
        connection,
        "raw.stat_loads",
        ("source_id", "content_hash", "rows_loaded", "rows_rejected", "loaded_at"),
        [(source.id, content_hash, len(validated.rows), len(validated.rejected), now)],
        key=("source_id",),
        on_conflict="replace",
    )


__all__ = ["TableLayoutChanged", "TableRefused", "TableUnreadable", "load_table"]
