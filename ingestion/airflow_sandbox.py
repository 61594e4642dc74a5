"""An Airflow home of its own for running the project's DAGs with ``airflow dags test``.

Used by the end-to-end tests and by ``bench airflow-build``: a metadata database
(SQLite), the writer pool, the project's DAGs and this checkout's package, all
under one folder, so a run never touches ``var/airflow`` or another run's state.
Settings are the Makefile's (``AIRFLOW_HOME``, ``DAGS_FOLDER``, the cosmos cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.config import PROJECT_ROOT

AIRFLOW = Path(sys.executable).parent / "airflow"
WRITER_POOL = ("warehouse_writer", "1", "one DuckDB writer")


@dataclass(frozen=True)
class AirflowSandbox:
    """An Airflow home (``<root>/airflow``) and a pipeline var/ folder (``<root>/var``)."""

    root: Path
    # More Airflow settings (auth users for an api-server, a lineage transport); none by default.
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

    def command(self, *args: str) -> list[str]:
        return [str(AIRFLOW), *args]

    def airflow(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env(),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def init(self) -> None:
        """The metadata database and the one-slot writer pool (``make airflow-init``)."""
        for args in (("db", "migrate"), ("pools", "set", *WRITER_POOL)):
            result = self.airflow(*args)
            if result.returncode != 0:
                output = result.stdout[-2000:] + result.stderr[-2000:]
                raise RuntimeError(f"airflow {' '.join(args)} failed:\n{output}")

    def dags_test(
        self, dag_id: str, logical_date: str, conf: dict | None = None
    ) -> subprocess.CompletedProcess[str]:
        extra = ("--conf", json.dumps(conf)) if conf else ()
        # A whole build run is minutes on a busy two-core machine (about 50 dbt tasks
        # with ASSIST_DBT_TASKS=node).
        return self.airflow("dags", "test", dag_id, logical_date, *extra, timeout=1800)

    def _json(self, *args: str) -> list[dict]:
        result = self.airflow(*args, "-o", "json")
        if result.returncode != 0:
            raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
        # Airflow's own warnings come first on stdout; the JSON is the last line.
        rows: list[dict] = json.loads(result.stdout.strip().splitlines()[-1])
        return rows

    def task_instances(self, dag_id: str) -> list[dict]:
        """The task instances of the DAG's latest run (task_id, state, start_date, end_date)."""
        runs = self._json("dags", "list-runs", dag_id)
        run_id = max(runs, key=lambda run: run["run_after"])["run_id"]
        return self._json("tasks", "states-for-dag-run", dag_id, run_id)

    def task_states(self, dag_id: str) -> dict[str, str]:
        """Task id -> state in the DAG's latest run."""
        return {row["task_id"]: row["state"] for row in self.task_instances(dag_id)}
