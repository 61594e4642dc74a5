"""Harness of ``test_duckdb_warehouse_file.py``: dbt in this process, as a cosmos task runs it.

Runs ``dbt seed`` through ``dbtRunner`` with the Airflow tasks' environment on a
new warehouse under the given folder, then cosmos's after-dbt callback, and prints
one JSON object: whether dbt succeeded, and whether the file could be opened with
another DuckDB configuration (read-only) after dbt returned and after the
callback. A script of its own, so dbt's process-wide state (its adapter, the
DuckDB environment) stays out of the test session.

    python tests/transform/dbt_in_process.py <var_dir>
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.transform import cosmos_config
from ingestion.transform.dbt_runner import DBT_PROJECT_DIR


def opens_read_only(path: Path) -> bool:
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error:
        return False
    return True


def main(var_dir: Path) -> dict[str, bool]:
    settings = Settings(PROJECT_ROOT, var_dir, PROJECT_ROOT / "sources.yml")
    os.environ.update(cosmos_config.dbt_env(settings))
    target = var_dir / "target"
    args = ["seed", "--select", "mechanisms", "--target", "duckdb"]
    args += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    args += ["--target-path", str(target), "--log-path", str(target / "logs")]
    result = dbtRunner().invoke(args)
    report = {
        "dbt_succeeded": bool(result.success),
        "opens_after_dbt": opens_read_only(settings.warehouse_path),
    }
    cosmos_config.close_duckdb_warehouse(str(DBT_PROJECT_DIR))
    report["opens_after_callback"] = opens_read_only(settings.warehouse_path)
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
