"""The DuckDB file stays open through a dbt invocation and is closed after each dbt task.

dbt-duckdb re-opens (and checkpoints) the file whenever no node is running unless the
profile keeps it open; kept open, only the process's exit closes it, so the Airflow
tasks, which run dbt inside the task's process, close it in cosmos's after-dbt callback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.transform import cosmos_config

HARNESS = Path(__file__).with_name("dbt_in_process.py")


def test_dbt_in_a_task_process_keeps_the_file_open_until_the_callback(tmp_path) -> None:
    completed = subprocess.run(
        [sys.executable, str(HARNESS), str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["dbt_succeeded"], completed.stdout[-3000:]
    # Still open when dbt returns (kept open for the whole invocation, not re-opened
    # per node), and closed by the callback, so the gate can open it in this process.
    assert report == {
        "dbt_succeeded": True,
        "opens_after_dbt": False,
        "opens_after_callback": True,
    }


def test_every_in_process_dbt_task_closes_the_file_after_dbt(tmp_path) -> None:
    settings = Settings(PROJECT_ROOT, tmp_path, PROJECT_ROOT / "sources.yml")
    for args in (
        cosmos_config._operator_args("pool", None),
        cosmos_config._standalone_args(settings, "pool", None),
    ):
        assert cosmos_config.close_duckdb_warehouse in args["callback"]


def test_closing_without_an_open_file_does_nothing(monkeypatch) -> None:
    # A PostgreSQL task, or a task whose dbt never opened the warehouse.
    cosmos_config.close_duckdb_warehouse(str(PROJECT_ROOT / "dbt_project"))
    cosmos_config.close_duckdb_warehouse(str(PROJECT_ROOT / "dbt_project"))
    # A worker without the DuckDB adapter (only dbt-postgres installed).
    monkeypatch.setitem(sys.modules, "dbt.adapters.duckdb.connections", None)
    cosmos_config.close_duckdb_warehouse(str(PROJECT_ROOT / "dbt_project"))
