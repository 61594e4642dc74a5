"""After an incremental build: does ``build --full-refresh`` give the very same tables?

The incremental models (article and fact staging; the aggregates rebuilt key by
key, ``dbt_project/macros/touched_keys.sql``) must give what a build from scratch
gives. The dbt tests prove it on a small fixture; this proves it on a warehouse
of any size: a copy of it is rebuilt with ``--full-refresh`` in a child process
(the CLI, as a user runs it) and every table dbt built in either is compared by
row count and content hash (``ingestion.fingerprint``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from ingestion.config import PROJECT_ROOT
from ingestion.fingerprint import content_hash, row_count

BUILT_SCHEMAS = ("staging", "intermediate", "marts")
ASSIST_VAR_DIR = "ASSIST_VAR_DIR"
WAREHOUSE_FILE = "warehouse.duckdb"  # Settings.warehouse_path under the var folder


def built_tables(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Every table dbt built (schema.name) -> (row count, content hash)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {BUILT_SCHEMAS} and table_type = 'BASE TABLE' "
            "order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": (
                row_count(connection, f'{schema}."{name}"'),
                content_hash(connection, f'{schema}."{name}"'),
            )
            for schema, name in names
        }


def differing_tables(
    incremental: dict[str, tuple[int, str]], full: dict[str, tuple[int, str]]
) -> list[str]:
    """The tables missing from either side or whose rows differ, sorted."""
    return sorted(name for name in incremental.keys() | full.keys()
                  if incremental.get(name) != full.get(name))  # fmt: skip


def check_full_refresh(var_dir: Path, env: dict[str, str], work_dir: Path, log_path: Path) -> str:
    """Rebuild a copy of ``var_dir``'s warehouse from scratch; one report line."""
    copy_var = work_dir / "var"
    if work_dir.exists():
        shutil.rmtree(work_dir)
    copy_var.mkdir(parents=True)
    shutil.copy(var_dir / WAREHOUSE_FILE, copy_var / WAREHOUSE_FILE)
    with log_path.open("ab") as log:
        completed = subprocess.run(
            [sys.executable, "-m", "ingestion", "build", "--full-refresh"],
            cwd=PROJECT_ROOT,
            env=env | {ASSIST_VAR_DIR: str(copy_var)},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0:
        exit_code = completed.returncode
        return f"full-refresh check: FAILED (the build exited {exit_code}; see {log_path})"
    incremental = built_tables(var_dir / WAREHOUSE_FILE)
    differing = differing_tables(incremental, built_tables(copy_var / WAREHOUSE_FILE))
    shutil.rmtree(work_dir)
    if differing:
        return (
            f"full-refresh check: FAILED, {len(differing)} of {len(incremental)} tables "
            f"differ from a build from scratch: {', '.join(differing)}"
        )
    return f"full-refresh check: all {len(incremental)} tables equal to a build from scratch"
