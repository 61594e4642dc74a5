"""docker/ describes the service set that the end-to-end test starts natively.

No Docker engine runs where the tests run, so the compose file is checked here
against the one definition both use (``ingestion.services.spec``): the same
services, the same commands, the same env file, and only the settings a
deployment is meant to change (where things are, the secrets) in ``environment``.
Fast: nothing is started.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from ingestion.config import PROJECT_ROOT
from ingestion.services.spec import (
    ENV_FILE,
    LOCATION_KEYS,
    PATH_KEYS,
    SECRET_KEYS,
    init_commands,
    read_env_file,
    service_set,
)

DOCKER = PROJECT_ROOT / "docker"
COMPOSE = DOCKER / "docker-compose.yaml"
SERVERS = {"postgres", "redis"}
INIT = "airflow-init"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def specs():
    # Inside the network the api-server listens on every interface, on 8080.
    return {spec.name: spec for spec in service_set(read_env_file(), "0.0.0.0", 8080)}


def _airflow_services(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if name not in SERVERS}


def test_compose_runs_the_natively_tested_services_and_nothing_else(compose, specs):
    assert set(compose["services"]) == SERVERS | {INIT} | set(specs)


def test_each_service_runs_the_same_airflow_command(compose, specs):
    for name, spec in specs.items():
        assert compose["services"][name]["command"] == list(spec.args), name


def test_every_airflow_service_reads_the_one_env_file(compose):
    for name, service in _airflow_services(compose).items():
        assert [(COMPOSE.parent / f).resolve() for f in service["env_file"]] == [ENV_FILE], name


def test_only_locations_secrets_and_a_workers_name_are_set_beside_the_env_file(compose, specs):
    for name, service in _airflow_services(compose).items():
        environment = service["environment"]
        own = dict(specs[name].env) if name in specs else {}
        assert set(environment) == set(LOCATION_KEYS) | set(SECRET_KEYS) | set(own), name
        assert {k: environment[k] for k in own} == own, name
        for key in SECRET_KEYS:
            # Interpolated from docker/.env, never written here.
            assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", environment[key]), (name, key)


def test_the_locations_name_the_compose_servers(compose):
    environment = compose["services"]["scheduler"]["environment"]
    assert "@postgres:5432/" in environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert environment["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    assert environment["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith(
        "http://api-server:8080/"
    )
    # The shared folder is the volume every Airflow service mounts.
    var = environment["ASSIST_VAR_DIR"]
    for name, service in _airflow_services(compose).items():
        assert any(v.endswith(f":{var}") for v in service["volumes"]), name


def test_the_init_job_runs_the_native_init_commands_and_the_bi_role(compose):
    [script] = compose["services"][INIT]["command"]
    steps = [step.strip() for step in script.split("&&")]
    for args, step in zip(init_commands(), steps, strict=False):
        assert shlex.split(step) == ["airflow", *args]
    assert "python -m ingestion bi-role" in steps[-1]
    for name in set(_airflow_services(compose)) - {INIT}:
        depends = compose["services"][name]["depends_on"]
        assert depends[INIT] == {"condition": "service_completed_successfully"}, name


def test_the_env_file_sets_celery_on_postgres_and_redis():
    settings = read_env_file()
    assert settings["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert settings["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert settings["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    assert settings["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert set(LOCATION_KEYS) <= set(settings)


def test_every_variable_compose_interpolates_is_in_env_example(compose):
    text = COMPOSE.read_text(encoding="utf-8")
    wanted = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))
    example = read_env_file(DOCKER / ".env.example")
    assert wanted <= set(example)
    secrets = wanted - {"ASSIST_WAREHOUSE"}
    assert all(example[name] == "" for name in secrets), "no secret value in the example"


def _dockerfile_env(path: Path) -> dict[str, str]:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(dict(re.findall(r"([A-Z_]+)=(\S+)", line)))
    return found


def test_the_image_installs_the_lock_and_sets_where_the_code_is():
    dockerfile = DOCKER / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "pip install --no-deps -r requirements.lock" in text
    environment = _dockerfile_env(dockerfile)
    assert set(PATH_KEYS) <= set(environment)
    # Airflow's home (and its task logs) are in the shared folder.
    compose_var = yaml.safe_load(COMPOSE.read_text())["services"]["scheduler"]["environment"][
        "ASSIST_VAR_DIR"
    ]
    assert environment["AIRFLOW_HOME"].startswith(compose_var + "/")
