"""``python -m tools pg-reader <dbname> <stop_file> [--host H --port P --user U --max-seconds N]``.

A BI-like reader of the PostgreSQL warehouse's ``published`` schema: in a loop,
one transaction (one connection, kept open as a BI tool keeps its pool) reads
``published._publish_manifest``, then every listed mart's ``count(*)`` in one
statement, and checks the invariant across marts: each count equals its
manifest row, and all rows share one ``snapshot_id``. Stops when ``stop_file``
exists; prints one JSON line: reads, errors, violations, distinct snapshots
seen, first problems (as ``tools reader`` does for the DuckDB file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tools.reliability.reader import check_loop

SCHEMA = "published"
INVARIANT_TABLE = "_publish_manifest"


def check_once(connection: Any) -> tuple[str | None, str | None]:
    """(snapshot id, violation) of one read transaction; raises on a read error."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"select table_name, row_count, snapshot_id from {SCHEMA}.{INVARIANT_TABLE}"
                " order by table_name"
            )
            rows = cursor.fetchall()
            if not rows:
                return None, "empty _publish_manifest"
            snapshots = {row[2] for row in rows}
            if len(snapshots) != 1:
                return None, f"mixed snapshots {sorted(snapshots)}"
            counts = " union all ".join(
                f"select '{name}', count(*) from {SCHEMA}.\"{name}\"" for name, _, _ in rows
            )
            cursor.execute(counts)
            actual = dict(cursor.fetchall())
        for name, expected, _ in rows:
            if actual.get(name) != expected:
                return None, f"{name}: {actual.get(name)} rows, manifest says {expected}"
        return snapshots.pop(), None
    finally:
        connection.rollback()  # end the read transaction (its locks) before the next one


def read_loop(dsn: dict[str, Any], stop_file: Path, max_seconds: float = 600.0) -> dict:
    import psycopg2

    connection = psycopg2.connect(**dsn)
    try:
        return check_loop(lambda: check_once(connection), stop_file, max_seconds)
    finally:
        connection.close()


def _run(args: argparse.Namespace) -> int:
    dsn = {"host": args.host, "port": args.port, "user": args.user, "dbname": args.dbname}
    print(json.dumps(read_loop(dsn, args.stop_file, args.max_seconds)), flush=True)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    reader = subparsers.add_parser(
        "pg-reader", help="read the published schema of a PostgreSQL warehouse in a loop"
    )
    reader.add_argument("dbname")
    reader.add_argument("stop_file", type=Path, help="stop once this file exists")
    reader.add_argument("--host", default="127.0.0.1")
    reader.add_argument("--port", type=int, default=5432)
    reader.add_argument("--user", default="postgres")
    reader.add_argument("--max-seconds", type=float, default=600.0)
    reader.set_defaults(func=_run)
