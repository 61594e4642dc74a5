"""Run the dbt project against the warehouse, as a subprocess.

dbt runs in its own process rather than through ``dbtRunner``: DuckDB refuses
a second connection to the same file with a different configuration inside
one process, and an Airflow task (or ``airflow dags test``) may already hold
one. A subprocess opens the file, builds and closes it before we go on.

dbt's own summary says "ERROR=1"; the pipeline needs to know which node failed
and why, so a failed run raises ``DbtError`` naming them, read from
``run_results.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.config import PROJECT_ROOT, PostgresWarehouse, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# Statuses in run_results.json / sources.json that mean the node did not do
# its job. "warn" (a warn-severity test, a source past warn_after) is reported,
# not a failure.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})

# static_index.html (``--static``) is the whole site in one file, manifest and
# catalog inlined: it opens from file:// (index.html fetches the JSON files, which
# a browser refuses to do for file:// pages).
DOCS_FILES = ("index.html", "manifest.json", "catalog.json", "static_index.html")
STATIC_DOCS = "static_index.html"

# dbt's words when an incremental model's columns changed (on_schema_change: fail).
_SCHEMA_CHANGED = "schemas on this incremental model are out of sync"
FULL_REFRESH_HINT = (
    "an incremental model's columns changed: rebuild it from the raw tables with "
    "`python -m ingestion build --full-refresh`"
)


class DbtError(RuntimeError):
    """A dbt invocation failed; the message names the failed nodes and why."""

    def __init__(self, message: str, result: DbtResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str
    message: str | None
    execution_time: float


@dataclass(frozen=True)
class DbtResult:
    """What one dbt invocation did."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    elapsed_seconds: float
    target_dir: Path
    nodes: list[NodeResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.returncode == 0

    @property
    def failed_nodes(self) -> list[NodeResult]:
        return [node for node in self.nodes if node.status in FAILED_STATUSES]

    def count(self, status: str) -> int:
        return sum(1 for node in self.nodes if node.status == status)


def dbt_executable() -> Path:
    """The dbt of the running virtual environment (not whatever is on PATH)."""
    # Not resolved: the venv's python is a symlink to the base interpreter,
    # whose bin/ has no dbt.
    return Path(sys.executable).parent / "dbt"


# What the profile's postgres output reads (dbt_project/profiles.yml).
POSTGRES_TARGET = "postgres"
PASSWORD_ENV = "ASSIST_PG_PASSWORD"


def postgres_env(warehouse: PostgresWarehouse) -> dict[str, str]:
    """The profile's postgres output pointed at ``warehouse``: everything but the password.

    The password travels only in the environment of the dbt process itself
    (``run_dbt``, or the task's environment in Airflow), never on a command line.
    """
    return {
        "ASSIST_DBT_TARGET": POSTGRES_TARGET,
        "ASSIST_PG_HOST": warehouse.host,
        "ASSIST_PG_PORT": str(warehouse.port),
        "ASSIST_PG_USER": warehouse.user,
        "ASSIST_PG_DBNAME": warehouse.dbname,
    }


def dbt_settings_env(
    warehouse_path: Path, postgres: PostgresWarehouse | None = None
) -> dict[str, str]:
    """What every dbt invocation sets on top of the caller's environment: the
    warehouse the profile reads (the DuckDB file, or the PostgreSQL server of
    ``ASSIST_WAREHOUSE`` without its password), no telemetry, no colour codes in logs."""
    env = {
        "ASSIST_WAREHOUSE_PATH": str(warehouse_path.resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "DBT_USE_COLORS": "false",
    }
    if postgres is not None:
        env.update(postgres_env(postgres))
    return env


def _dbt_env(warehouse_path: Path, postgres: PostgresWarehouse | None) -> dict[str, str]:
    env = {**os.environ, **dbt_settings_env(warehouse_path, postgres)}
    if postgres is not None:
        # Always set, even empty: a password left in the caller's environment for
        # another server must not be sent to this one.
        env[PASSWORD_ENV] = postgres.password
    return env


def _node_message(item: dict[str, Any]) -> str | None:
    message = (item.get("message") or item.get("error") or "").strip() or None
    if message is None and "max_loaded_at" in item:
        # Source freshness results carry the timestamps, not a message.
        age_hours = float(item.get("max_loaded_at_time_ago_in_s") or 0.0) / 3600
        message = f"newest row loaded at {item['max_loaded_at']} ({age_hours:.0f} h ago)"
    return message


def read_node_results(target_dir: Path) -> list[NodeResult]:
    """Node results of the last invocation: run_results.json, or sources.json for freshness."""
    nodes: list[NodeResult] = []
    for name in ("run_results.json", "sources.json"):
        path = target_dir / name
        if not path.exists():
            continue
        payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        nodes += [
            NodeResult(
                unique_id=item.get("unique_id", "?"),
                status=str(item.get("status", "")),
                message=_node_message(item),
                execution_time=float(item.get("execution_time") or 0.0),
            )
            for item in payload.get("results", [])
        ]
    return nodes


def _failure_message(result: DbtResult) -> str:
    command = " ".join(result.args)
    failed = result.failed_nodes
    if failed:
        lines = [f"dbt {command} failed: {len(failed)} node(s)"]
        for node in failed:
            lines.append(f"  {node.unique_id} [{node.status}]: {node.message}")
        if any(_SCHEMA_CHANGED in (node.message or "") for node in failed):
            lines.append(f"  {FULL_REFRESH_HINT}")
        skipped = result.count("skipped")
        if skipped:
            lines.append(f"  ({skipped} downstream node(s) skipped)")
        return "\n".join(lines)
    # No node failed: dbt stopped before running any (bad YAML, missing
    # profile, compilation error). Its own output says why.
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
    return f"dbt {command} failed (exit code {result.returncode}):\n{tail}"


def run_dbt(
    args: list[str],
    warehouse_path: Path,
    target_dir: Path | None = None,
    target: str | None = None,
    postgres: PostgresWarehouse | None = None,
) -> DbtResult:
    """Run ``dbt <args>`` on the warehouse file; raise ``DbtError`` if it fails.

    ``target_dir`` holds dbt's artifacts (manifest, run_results.json) and its
    log; it defaults to ``dbt_project/target``. The pipeline passes one under
    ``var/`` and tests their own, so concurrent runs do not share artifacts.

    ``target`` picks the profile output (``--target``): ``duckdb`` or
    ``postgres``; by default ``ASSIST_DBT_TARGET``, else ``duckdb``. The
    PostgreSQL target reads its connection from ``ASSIST_PG_*`` (see
    ``dbt_project/profiles.yml``); ``warehouse_path`` only serves DuckDB.
    ``postgres`` (``Settings.postgres``) selects the postgres target and sets
    ``ASSIST_PG_*`` from it, the password in dbt's environment only.
    """
    if postgres is not None:
        target = POSTGRES_TARGET
    executable = dbt_executable()
    if not executable.exists():
        raise FileNotFoundError(f"dbt is not installed next to {sys.executable}: {executable}")
    artifacts = (target_dir or DBT_PROJECT_DIR / "target").resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    # A run that dies before writing results must not be judged by the last run's.
    for stale in ("run_results.json", "sources.json"):
        (artifacts / stale).unlink(missing_ok=True)

    command = [
        str(executable),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(artifacts),
        "--log-path",
        str(artifacts / "logs"),
        *(["--target", target] if target else []),
    ]
    started = time.monotonic()
    completed = subprocess.run(
        command,
        cwd=DBT_PROJECT_DIR,
        env=_dbt_env(warehouse_path, postgres),
        capture_output=True,
        text=True,
        check=False,
    )
    result = DbtResult(
        args=list(args),
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        elapsed_seconds=time.monotonic() - started,
        target_dir=artifacts,
        nodes=read_node_results(artifacts),
    )
    if not result.success:
        raise DbtError(_failure_message(result), result)
    return result


def pipeline_target_dir(var_dir: Path) -> Path:
    """Where the pipeline's dbt artifacts (run_results.json, manifest) are, under var/."""
    return var_dir / "dbt" / "target"


# dbt unit tests check the models' SQL on fixed inputs, not the day's data: they
# gate a change of the project (``make test``: tests/transform/test_dbt_build.py
# runs them), not every production build, where each costs a second or more.
# The CLI build and the DAG's tasks (cosmos_config) both leave them out.
UNIT_TESTS = "resource_type:unit_test"


def build_models(
    settings: Settings, target_dir: Path | None = None, *, full_refresh: bool = False
) -> DbtResult:
    """Seed, run and test every model in dependency order (``dbt build``).

    ``dbt build`` loads the seeds itself, before the models that use them,
    so no separate ``dbt seed`` is needed. The article and fact staging models
    are incremental; ``full_refresh`` rebuilds them from the raw tables (after
    a change to their columns, or to check nothing drifted: it gives the same
    tables). Unit tests are left out (``UNIT_TESTS``).
    """
    args = ["build", "--exclude", UNIT_TESTS, *(["--full-refresh"] if full_refresh else [])]
    _check_warehouse(settings, "the build")
    return run_dbt(
        args,
        settings.warehouse_path,
        target_dir or pipeline_target_dir(settings.var_dir),
        postgres=settings.postgres,
    )


def _check_warehouse(settings: Settings, doing: str) -> None:
    """On PostgreSQL, connect first: a fault is named by the setting, not buried in dbt's log."""
    if settings.postgres is not None:
        from ingestion.warehouse_postgres import check_reachable

        check_reachable(settings.postgres, doing)


def generate_docs(settings: Settings, out_dir: Path, target_dir: Path | None = None) -> Path:
    """Generate dbt docs and copy the site into ``out_dir`` (``static_index.html``:
    the single file that opens offline)."""
    _check_warehouse(settings, "dbt docs")
    result = run_dbt(
        ["docs", "generate", "--static"],
        settings.warehouse_path,
        target_dir or pipeline_target_dir(settings.var_dir),
        postgres=settings.postgres,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        shutil.copy2(result.target_dir / name, out_dir / name)
    return out_dir
