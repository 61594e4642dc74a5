"""``bench pipeline --check-full-refresh``: a table that drifted from a build from scratch is named.

The raw fixture is built once; one aggregate row is then altered the way drift
would leave it (its fingerprint unchanged, so no incremental build touches it
again). The check rebuilds a copy with ``--full-refresh`` through the CLI and must
name that table, and only that one, among all the tables dbt built.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingestion.bench.refresh_check import WAREHOUSE_FILE, check_full_refresh
from ingestion.config import PROJECT_ROOT, Settings
from ingestion.transform.dbt_runner import build_models
from ingestion.warehouse import connect
from tests.transform.raw_fixture import load_fixture

pytestmark = pytest.mark.slow


def test_the_check_names_the_one_table_that_differs_from_a_full_refresh(tmp_path: Path) -> None:
    sources = PROJECT_ROOT / "sources.yml"
    settings = Settings(project_root=PROJECT_ROOT, var_dir=tmp_path / "var", sources_file=sources)
    with connect(settings.warehouse_path) as connection:
        load_fixture(connection)
    build_models(settings)
    assert settings.warehouse_path == settings.var_dir / WAREHOUSE_FILE
    with connect(settings.warehouse_path) as connection:
        connection.execute(
            "update intermediate.int_funds_deduplicated set article_ids = 'drifted' "
            "where dedup_key = (select min(dedup_key) from intermediate.int_funds_deduplicated)"
        )
    env = os.environ | {"ASSIST_SOURCES_FILE": str(sources), "PYTHONPATH": str(PROJECT_ROOT)}

    line = check_full_refresh(
        settings.var_dir, env, tmp_path / "full-refresh", tmp_path / "check.log"
    )

    assert line.startswith("full-refresh check: FAILED, 1 of "), line
    assert line.endswith("differ from a build from scratch: intermediate.int_funds_deduplicated")
    assert not (tmp_path / "full-refresh").exists()  # the copy is not left behind
