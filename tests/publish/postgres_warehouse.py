"""A throwaway PostgreSQL warehouse on the 127.0.0.1 service, with candidate marts built by dbt.

Test harness only (beside the tests, not in ``ingestion/``): a database with a
unique name is created, ``raw`` is filled from ``tests/transform/raw_fixture``
(until the PostgreSQL raw loaders are merged, the fixture is the quickest way
to real candidate marts), ``dbt build`` runs once on it with ``ASSIST_PG_*``
in the environment, and the database -- and every role a test made for it --
is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ingestion.config import PostgresWarehouse
from ingestion.transform.dbt_runner import DbtResult, run_dbt
from tests.transform.raw_fixture import load_fixture_postgres

psycopg2 = pytest.importorskip("psycopg2")

HOST = os.environ.get("ASSIST_TEST_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("ASSIST_TEST_PG_PORT", "5432"))
SUPERUSER = os.environ.get("ASSIST_TEST_PG_USER", "postgres")


def admin_connection(dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    """An autocommit superuser connection to the service (skips the test if it is down)."""
    try:
        connection = psycopg2.connect(
            host=HOST, port=PORT, user=SUPERUSER, dbname=dbname, connect_timeout=5
        )
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL at {HOST}:{PORT} is not reachable: {error}")
    connection.autocommit = True
    return connection


def execute_statements(warehouse: PostgresWarehouse, *statements: str) -> None:
    """Run statements as the warehouse's owner, in one transaction."""
    connection = psycopg2.connect(**warehouse.connect_kwargs())
    try:
        with connection, connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def query_rows(warehouse: PostgresWarehouse, sql: str, **connect: str) -> list[tuple[Any, ...]]:
    """The rows of one query (``connect`` overrides the owner's connection arguments)."""
    connection = psycopg2.connect(**{**warehouse.connect_kwargs(), **connect})
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        connection.close()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# The raw fixture's rows in PostgreSQL (tests/transform/raw_fixture.py).
load_raw_fixture = load_fixture_postgres


def build_candidate(warehouse: PostgresWarehouse, target_dir: Path) -> DbtResult:
    """``dbt build`` on the PostgreSQL target (from the warehouse, as the pipeline does):
    the candidate marts in schema ``marts``."""
    # Not opened: the postgres target reads its connection from the warehouse setting.
    return run_dbt(
        ["build"], target_dir / "unused.duckdb", target_dir=target_dir, postgres=warehouse
    )


def drop_roles_of(dbname: str) -> None:
    """Drop every role whose name starts with the database's name (the tests' own roles)."""
    connection = admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("select rolname from pg_roles where rolname like %s", [dbname + "\\_%"])
            for (role,) in cursor.fetchall():
                cursor.execute(f'drop role if exists "{role}"')
    finally:
        connection.close()


@contextmanager
def postgres_database(prefix: str) -> Iterator[PostgresWarehouse]:
    """A fresh empty database (dropped afterwards, with the roles named after it)."""
    dbname = unique_name(prefix)
    connection = admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{dbname}"')
    finally:
        connection.close()
    try:
        yield PostgresWarehouse(host=HOST, port=PORT, user=SUPERUSER, dbname=dbname)
    finally:
        connection = admin_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'drop database if exists "{dbname}" with (force)')
        finally:
            connection.close()
        drop_roles_of(dbname)
