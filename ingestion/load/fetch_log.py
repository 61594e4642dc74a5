"""Load the landing fetch log into ``raw.fetch_log``: only log files not loaded before.

Fetch-log files are written whole and never appended to, so a file loaded once
is done: ``raw.fetch_log_files`` remembers each loaded file, and a load reads
only the new ones instead of re-offering the whole history. The attempts and
the file's bookkeeping row are written in one transaction (attempt ids keep a
redone file idempotent all the same).
"""

from __future__ import annotations

from dataclasses import astuple, fields
from datetime import UTC, datetime

from ingestion.landing import FetchAttempt, LandingStore
from ingestion.load.bulk import insert_rows
from ingestion.warehouse import Connection

_COLUMNS = [f.name for f in fields(FetchAttempt)]
# Attempts per statement: a few MB of Arrow at most.
_BATCH = 50_000


def _write(connection: Connection, files: list[tuple[str, int]], attempts: list[tuple]) -> int:
    now = datetime.now(UTC)
    connection.execute("begin transaction")
    try:
        new = insert_rows(connection, "raw.fetch_log", _COLUMNS, attempts, key=("attempt_id",))
        insert_rows(
            connection,
            "raw.fetch_log_files",
            ("file_name", "attempts", "loaded_at"),
            [(name, count, now) for name, count in files],
            key=("file_name",),
        )
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")
    return new


def load_fetch_log(connection: Connection, landing: LandingStore) -> int:
    """Insert the attempts of log files not loaded yet, set-based; return how many were new."""
    loaded = {
        row[0] for row in connection.execute("select file_name from raw.fetch_log_files").fetchall()
    }
    new = 0
    files: list[tuple[str, int]] = []
    attempts: list[tuple] = []
    for name in landing.fetch_log_files():
        if name in loaded:
            continue
        file_attempts = landing.read_fetch_log_file(name)
        files.append((name, len(file_attempts)))
        attempts.extend(astuple(attempt) for attempt in file_attempts)
        if len(attempts) >= _BATCH:
            new += _write(connection, files, attempts)
            files, attempts = [], []
    if files:
        new += _write(connection, files, attempts)
    return new
