"""dbt follows ASSIST_WAREHOUSE: the postgres target and ASSIST_PG_* from Settings.postgres.

The password reaches dbt only through the environment of its own process (the
pipeline's subprocess, or the Airflow task's process at run time), never a
command line, the DAG's rendered arguments or a log.
"""

from __future__ import annotations

import gc
import os

import pytest

from ingestion.config import PROJECT_ROOT, Settings, parse_warehouse_setting
from ingestion.transform import cosmos_config
from ingestion.transform.dbt_runner import _dbt_env, dbt_settings_env

SECRET = "s3cret-not-in-any-log"
URL = f"postgresql://loader:{SECRET}@db.internal:6543/assist"


def _settings(tmp_path, url: str = URL) -> Settings:
    return Settings(
        project_root=PROJECT_ROOT,
        var_dir=tmp_path,
        sources_file=PROJECT_ROOT / "sources.yml",
        postgres=parse_warehouse_setting(url),
    )


def test_the_postgres_setting_selects_the_target_and_its_connection(tmp_path) -> None:
    settings = _settings(tmp_path)
    env = dbt_settings_env(settings.warehouse_path, settings.postgres)
    assert {k: env[k] for k in env if k.startswith("ASSIST_PG") or k == "ASSIST_DBT_TARGET"} == {
        "ASSIST_DBT_TARGET": "postgres",
        "ASSIST_PG_HOST": "db.internal",
        "ASSIST_PG_PORT": "6543",
        "ASSIST_PG_USER": "loader",
        "ASSIST_PG_DBNAME": "assist",
    }
    assert SECRET not in repr(env)
    # Only the dbt subprocess's own environment carries it.
    assert _dbt_env(settings.warehouse_path, settings.postgres)["ASSIST_PG_PASSWORD"] == SECRET


def test_a_stray_password_in_the_environment_is_not_sent_to_another_server(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSIST_PG_PASSWORD", "someone-elses")
    settings = _settings(tmp_path, "postgresql://loader@db.internal/assist")
    assert _dbt_env(settings.warehouse_path, settings.postgres)["ASSIST_PG_PASSWORD"] == ""


def test_duckdb_stays_the_default_target(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSIST_DBT_TARGET", raising=False)
    settings = _settings(tmp_path, "duckdb")
    assert cosmos_config.dbt_target(settings) == "duckdb"
    assert "ASSIST_DBT_TARGET" not in dbt_settings_env(settings.warehouse_path, settings.postgres)


def test_the_dag_renders_no_password_and_sets_it_when_the_task_runs(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    assert cosmos_config.dbt_target(settings) == "postgres"
    rendered = cosmos_config.dbt_env(settings)
    assert rendered["ASSIST_PG_HOST"] == "db.internal" and SECRET not in repr(rendered)
    # Every dbt task gets the callback that sets it in the task's process at run time.
    callbacks = cosmos_config._operator_args("pool", None)["on_execute_callback"]
    monkeypatch.setenv("ASSIST_WAREHOUSE", URL)
    monkeypatch.delenv("ASSIST_PG_PASSWORD", raising=False)
    assert cosmos_config.export_warehouse_password in callbacks
    cosmos_config.export_warehouse_password({})
    assert os.environ["ASSIST_PG_PASSWORD"] == SECRET


def test_each_dbt_task_freezes_the_heap_before_dbt_runs(tmp_path) -> None:
    # Cosmos's full collection after each dbt invocation then walks only what dbt
    # made, not the whole of Airflow and dbt (half a second per task).
    for args in (
        cosmos_config._operator_args("pool", None),
        cosmos_config._standalone_args(_settings(tmp_path, "duckdb"), "pool", None),
    ):
        assert cosmos_config.freeze_task_heap in args["on_execute_callback"]
    gc.unfreeze()
    try:
        cosmos_config.freeze_task_heap({})
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
