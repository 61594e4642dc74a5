"""The incremental models on PostgreSQL: a day built incrementally equals a full refresh.

The key-by-key aggregates (dbt_project/macros/touched_keys.sql) hash their
member rows with md5 on PostgreSQL, not DuckDB's hash(); this runs that path.
Day 1 is the raw fixture; day 2 brings the late article, which adds a fund,
repeats a pairing already built and outvotes an output value, so it touches
existing keys as well as new ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingestion.config import PostgresWarehouse
from ingestion.transform.dbt_runner import run_dbt
from tests.publish.postgres_warehouse import execute_statements, postgres_database, query_rows
from tests.transform.raw_fixture import late_rows, load_fixture_postgres

pytestmark = [pytest.mark.slow, pytest.mark.services]

BUILT_SCHEMAS = ("staging", "intermediate", "marts")


def _run(warehouse: PostgresWarehouse, target_dir: Path, *extra: str) -> None:
    # Seeds and models: the tests of the models are not what this checks.
    args = ["build", "--exclude", "resource_type:test", "resource_type:unit_test", *extra]
    run_dbt(args, target_dir / "unused.duckdb", target_dir, postgres=warehouse)


def _snapshot(warehouse: PostgresWarehouse) -> dict[str, list[tuple[Any, ...]]]:
    relations = query_rows(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in {BUILT_SCHEMAS} order by 1, 2",
    )
    return {
        f"{schema}.{name}": sorted(
            query_rows(warehouse, f'select * from {schema}."{name}"'), key=repr
        )
        for schema, name in relations
    }


def _insert_late_article(warehouse: PostgresWarehouse) -> None:
    statements = []
    for table, rows in late_rows().items():
        for row in rows:
            values = ", ".join(_literal(value) for value in row)
            statements.append(f"insert into raw.{table} values ({values})")
    execute_statements(warehouse, *statements)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def test_an_incremental_day_on_postgres_equals_a_full_refresh(tmp_path: Path) -> None:
    with postgres_database("incremental") as warehouse:
        load_fixture_postgres(warehouse)
        _run(warehouse, tmp_path)
        day_one = _snapshot(warehouse)
        _insert_late_article(warehouse)
        _run(warehouse, tmp_path)
        incremental = _snapshot(warehouse)
        _run(warehouse, tmp_path, "--full-refresh")
        full = _snapshot(warehouse)
    assert incremental == full
    # The day brought something to every aggregate it touched.
    for model in ("int_funds_deduplicated", "int_pairings_deduplicated", "int_outputs_figures"):
        assert incremental[f"intermediate.{model}"] != day_one[f"intermediate.{model}"], model
