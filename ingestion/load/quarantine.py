"""Quarantine: what the pipeline could not use, with the reason, so nothing is lost silently."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ingestion.load.bulk import insert_rows
from ingestion.warehouse import Connection

MAX_PAYLOAD_CHARS = 2000

_COLUMNS = ("quarantine_id", "stage", "source_id", "reference", "reason", "payload", "recorded_at")


@dataclass(frozen=True)
class QuarantineRecord:
    """One unusable input and why (a row of ``raw.quarantine``)."""

    stage: str
    source_id: str
    reference: str
    reason: str
    payload: str | None = None

    @property
    def quarantine_id(self) -> str:
        # The same input refused for the same reason is one row, however often it is seen.
        key = "\x1f".join((self.stage, self.source_id, self.reference, self.reason))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]

    def row(self, recorded_at: datetime) -> tuple:
        return (
            self.quarantine_id,
            self.stage,
            self.source_id,
            self.reference,
            self.reason[:MAX_PAYLOAD_CHARS],
            self.payload[:MAX_PAYLOAD_CHARS] if self.payload else None,
            recorded_at,
        )


def quarantine_many(connection: Connection, records: Iterable[QuarantineRecord]) -> int:
    """Record unusable inputs in one statement; one recorded before is a no-op."""
    now = datetime.now(UTC)
    rows = [record.row(now) for record in records]
    return insert_rows(connection, "raw.quarantine", _COLUMNS, rows, key=("quarantine_id",))


def quarantine(
    connection: Connection,
    *,
    stage: str,
    source_id: str,
    reference: str,
    reason: str,
    payload: str | None = None,
) -> None:
    """Record one unusable input; recording the same one again is a no-op."""
    quarantine_many(connection, [QuarantineRecord(stage, source_id, reference, reason, payload)])
