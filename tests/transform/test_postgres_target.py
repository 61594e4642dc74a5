"""The same dbt project built for real on PostgreSQL, compared with DuckDB.

The raw fixture of ``raw_fixture`` is loaded into a fresh database of the
loopback PostgreSQL service (127.0.0.1:5432, created for the module and
dropped after it) and into a DuckDB file; ``dbt build`` runs on both targets
(the postgres one from ``Settings.postgres``, as the pipeline does), and every
mart must hold the same rows on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from ingestion.config import PostgresWarehouse
from ingestion.transform.dbt_runner import DbtResult, run_dbt
from ingestion.warehouse import connect
from tests.postgres_service import fresh_database
from tests.transform.raw_fixture import MARTS, load_fixture, load_fixture_postgres

pytestmark = [pytest.mark.slow, pytest.mark.services]


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresWarehouse]:
    with fresh_database("assist_dbt_target") as warehouse:
        yield warehouse


@dataclass(frozen=True)
class Builds:
    duckdb_file: Path
    server: PostgresWarehouse
    duckdb_result: DbtResult
    postgres_result: DbtResult


@pytest.fixture(scope="module")
def builds(
    postgres_server: PostgresWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Builds]:
    work = tmp_path_factory.mktemp("postgres_target")
    duckdb_file = work / "warehouse.duckdb"
    with connect(duckdb_file) as connection:
        load_fixture(connection)
    duckdb_result = run_dbt(
        ["build"], duckdb_file, target_dir=work / "duckdb_target", target="duckdb"
    )

    load_fixture_postgres(postgres_server)
    postgres_result = run_dbt(
        ["build"],
        # Not opened: the postgres target reads its connection from ASSIST_PG_*.
        work / "unused.duckdb",
        target_dir=work / "postgres_target",
        postgres=postgres_server,
    )
    yield Builds(duckdb_file, postgres_server, duckdb_result, postgres_result)


def _normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows comparable across targets: floats rounded, sorted whatever the scan order."""
    cleaned = [
        tuple(round(value, 6) if isinstance(value, float) else value for value in row)
        for row in rows
    ]
    return sorted(cleaned, key=repr)


def _duckdb_mart(path: Path, mart: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connect(path) as connection:
        cursor = connection.execute(f"select * from marts.{mart}")
        return [d[0] for d in cursor.description], cursor.fetchall()


def _postgres_mart(server: PostgresWarehouse, mart: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = psycopg2.connect(**server.connect_kwargs())
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select * from marts.{mart}")
            return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        connection.close()


def test_build_succeeds_on_postgres(builds: Builds) -> None:
    result = builds.postgres_result
    assert result.success
    assert not result.failed_nodes
    assert result.count("warn") == 0, [n for n in result.nodes if n.status == "warn"]
    # The same nodes ran (seeds, models, unit and data tests) on both targets.
    assert sorted(n.unique_id for n in result.nodes) == sorted(
        n.unique_id for n in builds.duckdb_result.nodes
    )


@pytest.mark.parametrize("mart", MARTS)
def test_mart_is_the_same_on_postgres_and_duckdb(builds: Builds, mart: str) -> None:
    duck_columns, duck_rows = _duckdb_mart(builds.duckdb_file, mart)
    pg_columns, pg_rows = _postgres_mart(builds.server, mart)
    assert pg_columns == duck_columns
    assert duck_rows, f"{mart} is empty: the comparison would prove nothing"
    assert _normalised(pg_rows) == _normalised(duck_rows)
