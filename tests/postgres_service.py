"""The loopback PostgreSQL service of every machine of this project, for tests.

127.0.0.1:5432, trust authentication, superuser ``postgres`` (see issue 12 and
``.ci/run``). Tests never assume a database is empty: each makes its own with a
unique name (``fresh_database``) or its own role (``fresh_role``), and drops it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from ingestion.config import PostgresWarehouse

SERVICE = PostgresWarehouse(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def admin_execute(sql: str, dbname: str = "postgres") -> list[tuple]:
    """Run one statement as the superuser, outside a transaction (CREATE DATABASE needs it)."""
    connection = psycopg2.connect(**{**SERVICE.connect_kwargs(), "dbname": dbname})
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def url(warehouse: PostgresWarehouse, password: str = "") -> str:
    """The ASSIST_WAREHOUSE value for ``warehouse`` (a password trust auth ignores, if given)."""
    secret = f":{password}" if password else ""
    return (
        f"postgresql://{warehouse.user}{secret}@{warehouse.host}:{warehouse.port}"
        f"/{warehouse.dbname}"
    )


@contextmanager
def fresh_database(prefix: str = "assist_test") -> Iterator[PostgresWarehouse]:
    """A new empty database on the service, dropped afterwards (connections and all)."""
    name = unique_name(prefix)
    admin_execute(f"create database {name}")
    try:
        yield PostgresWarehouse(SERVICE.host, SERVICE.port, SERVICE.user, name)
    finally:
        # Also when a test left it refusing connections: FORCE ends any session first.
        admin_execute(f"alter database {name} allow_connections true")
        admin_execute(f"drop database if exists {name} with (force)")


def terminate_backend(pid: int) -> None:
    """End one server process from another connection: a connection lost for real."""
    admin_execute(f"select pg_terminate_backend({int(pid)})")
