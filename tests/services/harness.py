"""Helpers of the service tests: a throwaway metadata database, the REST API, a worker's death.

Beside the tests, never in ``ingestion/``: the product offers ``ingestion.services.native``,
these only drive and inspect it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg2
from psycopg2 import sql

from ingestion.services.native import ServiceSet

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database of a unique name; its SQLAlchemy URL; dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            # WITH (FORCE): a connection a killed process left behind must not keep it.
            cursor.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
        admin.close()


def wait_for(probe: Callable[[], T | None], seconds: float, what: str, every: float = 3) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds:.0f}s")


@dataclass
class AirflowApi:
    """Airflow's REST API (v2) as a named user of the simple auth manager."""

    client: httpx.Client

    @classmethod
    def login(cls, base_url: str, user: str, password: str) -> AirflowApi:
        token = httpx.post(
            f"{base_url}/auth/token", json={"username": user, "password": password}, timeout=30
        ).json()["access_token"]
        client = httpx.Client(
            base_url=f"{base_url}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        return cls(client)

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def send(self, method: str, path: str, body: dict) -> Any:
        response = self.client.request(method, path, json=body)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)[
            "task_instances"
        ]

    def tries(self, dag_id: str, run_id: str, task_id: str) -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/tries"
        return self.get(path)["task_instances"]


def kill_service(running: ServiceSet, name: str) -> int:
    """SIGKILL a service's whole process group (the worker, its pool, its task processes):
    what a lost machine does to it. Its pid."""
    service = running.service(name)
    os.killpg(service.pid, signal.SIGKILL)
    return service.pid


def freeze_service(running: ServiceSet, name: str, frozen: bool) -> None:
    """SIGSTOP (or SIGCONT) a service's whole process group: nothing in it runs or
    reports until it is thawed or killed."""
    os.killpg(running.service(name).pid, signal.SIGSTOP if frozen else signal.SIGCONT)


def write_passwords(path: Path, users: dict[str, str]) -> Path:
    path.write_text(json.dumps(users), encoding="utf-8")
    return path
