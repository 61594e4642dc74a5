"""Load the landing fetch log into ``raw.fetch_log`` (attempt ids make it idempotent)."""

from __future__ import annotations

from dataclasses import astuple, fields

import duckdb

from ingestion.identifiers import checked_identifier
from ingestion.landing import FetchAttempt, LandingStore
from ingestion.warehouse import scalar

# Column names are the fields of our own dataclass (checked); values are ? parameters.
_COLUMNS = [checked_identifier(f.name) for f in fields(FetchAttempt)]
_BATCH = 1000


def load_fetch_log(connection: duckdb.DuckDBPyConnection, landing: LandingStore) -> int:
    """Insert attempts not loaded yet; return how many were new."""
    before = scalar(connection, "select count(*) from raw.fetch_log")
    statement = (
        f"insert into raw.fetch_log ({', '.join(_COLUMNS)}) "
        f"values ({', '.join('?' for _ in _COLUMNS)}) on conflict do nothing"
    )
    batch: list[tuple] = []
    for attempt in landing.iter_fetch_log():
        batch.append(astuple(attempt))
        if len(batch) >= _BATCH:
            connection.executemany(statement, batch)
            batch.clear()
    if batch:
        connection.executemany(statement, batch)
    return int(scalar(connection, "select count(*) from raw.fetch_log")) - before
