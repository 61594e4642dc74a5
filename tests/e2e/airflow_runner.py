"""Run the project's DAGs for real with ``airflow dags test`` in an isolated Airflow home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.config import PROJECT_ROOT

AIRFLOW = Path(sys.executable).parent / "airflow"


@dataclass(frozen=True)
class AirflowSandbox:
    """An Airflow home and a pipeline var/ folder of their own, under a temp folder."""

    root: Path
    # More Airflow settings (auth users for an api-server, say); none by default.
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            AIRFLOW_HOME=str(self.root / "airflow"),
            AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT="120",
            AIRFLOW__COSMOS__CACHE_DIR=str(self.root / "cosmos"),
            # This checkout's package, wherever the venv's editable install points.
            PYTHONPATH=str(PROJECT_ROOT),
            ASSIST_VAR_DIR=str(self.var_dir),
            ASSIST_TASK_RETRIES="0",
            GX_ANALYTICS_ENABLED="False",
            DO_NOT_TRACK="1",
        )
        env.update(self.extra_env)
        return env

    def airflow(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AIRFLOW), *args],
            env=self.env(),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def init(self) -> None:
        for args in (
            ("db", "migrate"),
            ("pools", "set", "warehouse_writer", "1", "one DuckDB writer"),
        ):
            result = self.airflow(*args)
            assert result.returncode == 0, result.stdout + result.stderr

    def dags_test(
        self, dag_id: str, logical_date: str, conf: dict | None = None
    ) -> subprocess.CompletedProcess[str]:
        extra = ("--conf", json.dumps(conf)) if conf else ()
        # A whole build run is ~75 tasks (one per dbt node and per test of two models):
        # minutes on a busy two-core machine.
        return self.airflow("dags", "test", dag_id, logical_date, *extra, timeout=1800)

    def _json(self, *args: str) -> list[dict]:
        result = self.airflow(*args, "-o", "json")
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        # Airflow's own warnings come first on stdout; the JSON is the last line.
        return json.loads(result.stdout.strip().splitlines()[-1])

    def task_states(self, dag_id: str) -> dict[str, str]:
        """Task id -> state in the DAG's latest run."""
        runs = self._json("dags", "list-runs", dag_id)
        run_id = max(runs, key=lambda run: run["run_after"])["run_id"]
        rows = self._json("tasks", "states-for-dag-run", dag_id, run_id)
        return {row["task_id"]: row["state"] for row in rows}
