"""``python -m tools reader <published_dir> <stop_file> [--max-seconds N]``.

A BI-like reader: in a loop, open ``published/marts.duckdb`` read-only, check
the invariant across marts within that one connection -- every mart's
``count(*)`` equals its row in ``_publish_manifest`` and all rows share one
``snapshot_id`` -- and close. Stops when ``stop_file`` exists; prints one JSON
line: reads, errors, violations, distinct snapshots seen, first problems.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

INVARIANT_TABLE = "_publish_manifest"


def check_once(database: Path) -> tuple[str | None, str | None]:
    """(snapshot id, violation) of one read; raises on a read error."""
    connection = duckdb.connect(str(database), read_only=True)
    try:
        rows = connection.execute(
            f"select table_name, row_count, snapshot_id from {INVARIANT_TABLE} order by table_name"
        ).fetchall()
        if not rows:
            return None, "empty _publish_manifest"
        snapshots = {row[2] for row in rows}
        if len(snapshots) != 1:
            return None, f"mixed snapshots {sorted(snapshots)}"
        # One statement for every mart: they are read at one point in time.
        counts = " union all ".join(
            f"select '{name}', count(*) from main.\"{name}\"" for name, _, _ in rows
        )
        actual = dict(connection.execute(counts).fetchall())
        for name, expected, _ in rows:
            if actual.get(name) != expected:
                return None, f"{name}: {actual.get(name)} rows, manifest says {expected}"
        return snapshots.pop(), None
    finally:
        connection.close()


def read_loop(published_dir: Path, stop_file: Path, max_seconds: float = 600.0) -> dict:
    database = published_dir / "marts.duckdb"
    return check_loop(lambda: check_once(database), stop_file, max_seconds)


def check_loop(
    check: Callable[[], tuple[str | None, str | None]], stop_file: Path, max_seconds: float
) -> dict:
    """Run ``check`` until ``stop_file`` exists; count reads, errors, violations, snapshots."""
    reads = errors = violations = 0
    snapshots: set[str] = set()
    problems: list[str] = []
    deadline = time.monotonic() + max_seconds
    while not stop_file.exists() and time.monotonic() < deadline:
        try:
            snapshot, violation = check()
        except Exception as error:  # every error counts: a reader must never see one
            errors += 1
            problems.append(f"{type(error).__name__}: {error}"[:300])
        else:
            if violation:
                violations += 1
                problems.append(violation)
            elif snapshot:
                snapshots.add(snapshot)
        reads += 1
    return {
        "reads": reads,
        "errors": errors,
        "violations": violations,
        "snapshots": len(snapshots),
        "problems": problems[:5],
    }


def _run(args: argparse.Namespace) -> int:
    print(json.dumps(read_loop(args.published_dir, args.stop_file, args.max_seconds)), flush=True)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    reader = subparsers.add_parser(
        "reader", help="read the published marts in a loop, checking the invariant"
    )
    reader.add_argument("published_dir", type=Path)
    reader.add_argument("stop_file", type=Path, help="stop once this file exists")
    reader.add_argument("--max-seconds", type=float, default=600.0)
    reader.set_defaults(func=_run)
