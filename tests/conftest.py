"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from ingestion.config import PROJECT_ROOT, Settings

SHARED_DIR = PROJECT_ROOT.parent / "shared"
DEV_SET_DIR = SHARED_DIR / "eval" / "dev"

# Quiet, offline, deterministic: no telemetry from dbt or Great Expectations.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")

# Airflow imported in-process (DAG integrity tests) gets a home of its own, never ~/airflow,
# and finds the project's DAGs (and their shared module) the way a deployment does.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="assist-airflow-home-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(PROJECT_ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__COSMOS__CACHE_DIR"] = tempfile.mkdtemp(prefix="assist-cosmos-cache-")


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dbt_project/target/manifest.json, parsed once per session as `make dbt-manifest` does.

    The build DAG renders its dbt tasks from it; `dbt parse` opens no database.
    """
    from ingestion.transform.catalogue import manifest_lock
    from ingestion.transform.cosmos_config import (
        MANIFEST_PATH,
        ManifestError,
        checked_manifest_path,
        write_manifest,
    )

    # pytest-xdist workers share dbt_project/target: one parses, the others
    # wait and then take its manifest (a DAG being parsed must never see a
    # manifest half rewritten).
    with manifest_lock(MANIFEST_PATH):
        try:
            return checked_manifest_path()
        except ManifestError:
            var_dir = tmp_path_factory.mktemp("manifest-var")
            return write_manifest(Settings(PROJECT_ROOT, var_dir, PROJECT_ROOT / "sources.yml"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings writing under a temporary var/ and reading the project's sources.yml."""
    return Settings(
        project_root=PROJECT_ROOT,
        var_dir=tmp_path / "var",
        sources_file=PROJECT_ROOT / "sources.yml",
    )


@pytest.fixture
def dev_set() -> Path:
    """The shared development set; tests using it skip where ../shared is absent."""
    if not (DEV_SET_DIR / "gold.jsonl").exists():
        pytest.skip("../shared/eval/dev is not present beside the checkout")
    return DEV_SET_DIR
