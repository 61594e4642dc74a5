"""Quarantine: what the pipeline could not use, with the reason, so nothing is lost silently."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb

MAX_PAYLOAD_CHARS = 2000


def quarantine(
    connection: duckdb.DuckDBPyConnection,
    *,
    stage: str,
    source_id: str,
    reference: str,
    reason: str,
    payload: str | None = None,
) -> None:
    """Record one unusable input; recording the same one again is a no-op."""
    key = "\x1f".join((stage, source_id, reference, reason))
    quarantine_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    connection.execute(
        """
        insert into raw.quarantine
            (quarantine_id, stage, source_id, reference, reason, payload, recorded_at)
        values (?, ?, ?, ?, ?, ?, ?)
        on conflict do nothing
        """,
        [
            quarantine_id,
            stage,
            source_id,
            reference,
            reason[:MAX_PAYLOAD_CHARS],
            payload[:MAX_PAYLOAD_CHARS] if payload else None,
            datetime.now(UTC),
        ],
    )
