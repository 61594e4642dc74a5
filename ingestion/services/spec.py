"""The Airflow service set, defined once: its services, their commands and settings.

The native runner (``ingestion.services.native``) starts exactly these on one
machine, and ``docker/docker-compose.yaml`` must describe the same set
(``tests/services/test_compose.py`` parses it and compares): no Docker engine
runs where the tests run, so this definition is what keeps the compose file honest.

Settings come from one env file (``docker/airflow.env``). A deployment changes
only where things are (``LOCATION_KEYS``) and brings its secrets
(``SECRET_KEYS``); where the code and Airflow's home are (``PATH_KEYS``) is the
checkout's or the image's.

Workers: ``worker`` takes collection (queue ``default``) and warehouse tasks;
``warehouse-worker`` serves only the warehouse queue with one slot, so a writer
always finds a free slot however many sources are being collected. Writes stay
one at a time across both through the pool ``warehouse_writer`` (1 slot), which
the scheduler enforces whichever worker runs the task: a single dedicated
writer worker would give the same guarantee only while it lives, and a task on
a killed worker could not be retried until it came back (the end-to-end test
kills one and the other takes the retry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.config import PROJECT_ROOT
from ingestion.services.hostname import WORKER_NAME_SETTING
from ingestion.services.queues import (
    DEFAULT_QUEUE,
    WAREHOUSE_POOL,
    WAREHOUSE_POOL_DESCRIPTION,
    warehouse_queue,
)

ENV_FILE = PROJECT_ROOT / "docker" / "airflow.env"

# Where the servers, the shared folder and the warehouse are: the env file holds a
# development machine's values; a deployment replaces these (and only these): compose's
# `environment`, or natively the caller's environment and `services up`'s options.
LOCATION_KEYS = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "ASSIST_VAR_DIR",
    "ASSIST_WAREHOUSE",
)
# Shared by every service of one set, never in a file of the repository: the api-server
# signs the workers' task tokens (JWT) and log requests (secret key) with them.
SECRET_KEYS = (
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__FERNET_KEY",
)
# Where the code and Airflow's home are: the checkout's (native) or the image's (Dockerfile).
PATH_KEYS = (
    "AIRFLOW_HOME",
    "AIRFLOW__CORE__DAGS_FOLDER",
    "AIRFLOW__COSMOS__CACHE_DIR",
    "PYTHONPATH",
)

# Celery worker slots (processes) of the general worker; the warehouse worker has one.
WORKER_CONCURRENCY = 2


class EnvFileError(ValueError):
    """The env file has a line that is not ``KEY=value`` (the message names file and line)."""


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def read_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """``KEY=value`` lines, ``#`` comments and blank lines; values as written (no quotes).

    Docker Compose's ``env_file`` reads the same file; quotes and ``${...}`` are
    refused because the two readers would not agree on them.
    """
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        where = f"{path}:{number}"
        if not sep or not _KEY.fullmatch(key):
            raise EnvFileError(f"{where}: expected KEY=value, got {raw!r}")
        if value[:1] in ("'", '"') or "${" in value:
            raise EnvFileError(f"{where}: {key}: no quotes or ${{...}} (Compose reads this too)")
        if key in values:
            raise EnvFileError(f"{where}: {key} is set twice")
        if key in SECRET_KEYS:
            raise EnvFileError(f"{where}: {key} is a secret: it never goes in this file")
        values[key] = value
    return values


@dataclass(frozen=True)
class ServiceSpec:
    """One long-running service: ``airflow <args>`` with a few settings of its own."""

    name: str
    args: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    # Run as many copies as needed (compose: docker compose up --scale <name>=N).
    scalable: bool = False


def _worker(name: str, queues: list[str], concurrency: int, scalable: bool) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        args=(
            "celery",
            "worker",
            "--queues",
            ",".join(queues),
            "--concurrency",
            str(concurrency),
            # Celery's node name (%h: the host): two workers on one host stay distinct.
            "--celery-hostname",
            f"{name}@%h",
            # Task logs go to the shared folder, where the api-server reads them; a
            # log server per worker would also need a port each on one machine.
            "--skip-serve-logs",
        ),
        env={WORKER_NAME_SETTING: name},
        scalable=scalable,
    )


def service_set(
    settings: Mapping[str, str], api_host: str = "127.0.0.1", api_port: int = 8080
) -> tuple[ServiceSpec, ...]:
    """The services, in start order, for the settings of the env file."""
    queue = warehouse_queue(settings)
    return (
        ServiceSpec("api-server", ("api-server", "--host", api_host, "--port", str(api_port))),
        ServiceSpec("scheduler", ("scheduler",)),
        ServiceSpec("dag-processor", ("dag-processor",)),
        # Deferred tasks' logs go to the shared folder too (no log server, no port).
        ServiceSpec("triggerer", ("triggerer", "--skip-serve-logs")),
        _worker("worker", [DEFAULT_QUEUE, queue], WORKER_CONCURRENCY, scalable=True),
        _worker("warehouse-worker", [queue], 1, scalable=False),
    )


def init_commands() -> tuple[tuple[str, ...], ...]:
    """What runs once before the services: migrations and the writer pool (``airflow ...``)."""
    return (
        ("db", "migrate"),
        ("pools", "set", WAREHOUSE_POOL, "1", WAREHOUSE_POOL_DESCRIPTION),
    )
