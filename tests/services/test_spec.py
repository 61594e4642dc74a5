"""The service set's definition and environment, without starting anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.services import native
from ingestion.services.queues import (
    WAREHOUSE_QUEUE_SETTING,
    QueueSettingError,
    warehouse_queue,
)
from ingestion.services.spec import (
    LOCATION_KEYS,
    SECRET_KEYS,
    EnvFileError,
    read_env_file,
    service_set,
)


def test_the_workers_split_collection_and_warehouse_queues():
    specs = {s.name: s for s in service_set({WAREHOUSE_QUEUE_SETTING: "writes"})}
    assert set(specs) == {
        "api-server",
        "scheduler",
        "dag-processor",
        "triggerer",
        "worker",
        "warehouse-worker",
    }

    def option(name: str, flag: str) -> str:
        args = specs[name].args
        return args[args.index(flag) + 1]

    assert option("worker", "--queues") == "default,writes"
    assert (
        option("warehouse-worker", "--queues"),
        option("warehouse-worker", "--concurrency"),
    ) == (
        "writes",
        "1",
    )
    assert specs["worker"].scalable and not specs["warehouse-worker"].scalable


@pytest.mark.parametrize("value", ["default", "a,b", "", " "])
def test_a_warehouse_queue_that_is_not_a_queue_of_its_own_is_refused(value):
    if not value.strip():
        assert warehouse_queue({WAREHOUSE_QUEUE_SETTING: value}) == "warehouse"
        return
    with pytest.raises(QueueSettingError, match=WAREHOUSE_QUEUE_SETTING):
        warehouse_queue({WAREHOUSE_QUEUE_SETTING: value})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("NO_EQUALS", "expected KEY=value"),
        ("A=1\nA=2", "set twice"),
        ('A="quoted"', "no quotes"),
        ("A=${B}", "no quotes"),
        ("AIRFLOW__API_AUTH__JWT_SECRET=x", "secret"),
    ],
)
def test_a_bad_env_file_line_is_refused_naming_file_and_line(tmp_path: Path, line, message):
    path = tmp_path / "airflow.env"
    path.write_text(f"# comment\n\n{line}\n", encoding="utf-8")
    with pytest.raises(EnvFileError, match=message) as error:
        read_env_file(path)
    assert str(path) in str(error.value)


def test_the_native_environment_is_the_env_file_with_this_machines_locations(tmp_path: Path):
    options = native.NativeOptions(
        var_dir=tmp_path / "var",
        metadata_db="postgresql+psycopg2://postgres@127.0.0.1:5432/meta",
        api_port=18123,
        extra_env={"EXTRA": "1"},
    )
    secrets = native.generate_secrets()
    base = {
        "HOME": "/root",
        "AIRFLOW_HOME": "/somewhere/else",  # the demo's, exported by make
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CELERY__BROKER_URL": "redis://10.0.0.5:6379/1",  # a location: kept
    }
    env = native.environment(options, secrets, base)
    settings = read_env_file()
    assert env["AIRFLOW__CORE__EXECUTOR"] == settings["AIRFLOW__CORE__EXECUTOR"]
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == options.metadata_db
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + options.metadata_db
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://10.0.0.5:6379/1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18123/execution/"
    assert env["ASSIST_VAR_DIR"] == str((tmp_path / "var").resolve())
    assert env["AIRFLOW_HOME"] == str(native.airflow_home((tmp_path / "var").resolve()))
    assert {k: env[k] for k in SECRET_KEYS} == secrets
    assert (env["HOME"], env["EXTRA"]) == ("/root", "1")
    assert set(LOCATION_KEYS) <= set(env)


def test_a_metadata_database_from_the_callers_environment_takes_the_results_too(tmp_path):
    url = "postgresql+psycopg2://postgres@db.internal:5432/meta"
    options = native.NativeOptions(var_dir=tmp_path)
    env = native.environment(options, {}, {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url})
    assert (env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], env["AIRFLOW__CELERY__RESULT_BACKEND"]) == (
        url,
        "db+" + url,
    )


def test_a_metadata_database_that_is_not_postgresql_is_refused_naming_the_setting(tmp_path):
    options = native.NativeOptions(var_dir=tmp_path, metadata_db="sqlite:////tmp/airflow.db")
    with pytest.raises(native.ServiceSetError, match="AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        native.environment(options, {}, {})


def test_an_unreachable_metadata_database_names_the_setting_and_hides_the_password():
    url = "postgresql+psycopg2://someone:s3cret@127.0.0.1:1/nothing"
    with pytest.raises(native.ServiceSetError) as error:
        native.check_database(url)
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in str(error.value)
    assert "s3cret" not in str(error.value) and "someone:***@" in str(error.value)


def test_a_missing_metadata_database_says_how_to_create_it():
    url = "postgresql+psycopg2://postgres@127.0.0.1:5432/assist_no_such_database_x"
    with pytest.raises(native.ServiceSetError, match="--create-database"):
        native.check_database(url)
