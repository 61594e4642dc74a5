"""Reading the candidate marts (and the raw tables their suites check) into pandas.

GX 1.24 has no DuckDB datasource, so a table a suite checks is read from the
working warehouse into a DataFrame (through ``ingestion.warehouse.connect``, or
one PostgreSQL snapshot; closed before GX runs). The gate never writes the
warehouse. These functions are the gate's only reading of the warehouse; keep
them together.

A suite's frame holds only what its expectations look at (``ReadPlan``), so the
gate's memory follows the checked columns of one table, not whole marts:

* every row, always (counts and row indexes are the table's);
* the columns an expectation checks or its row condition reads, and the key,
  with their values;
* a text column that is only checked for nulls (``raw.articles.text``,
  ``evidence``) as its nullness: ``''`` where it has a value;
* every other column by name only (all null, no memory): table-level checks of
  the column set still see the table's columns.

The sentence, URL and article of an offending row are looked up by its key
afterwards (``lookup_rows``), for the few rows the message shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ingestion.config import PostgresWarehouse
from ingestion.identifiers import checked_identifier
from ingestion.quality.passed_rows import (
    PassedRows,
    row_by_row,
    suite_digest,
    unseen_rows_sql,
    write_pending,
)
from ingestion.quality.table_sql import lookup_sql, vectorisable, with_all_columns
from ingestion.warehouse import connect, table_names

if TYPE_CHECKING:
    from ingestion.quality.suites import SuiteFile

# Keyword arguments that name the columns an expectation checks (GX 1.x core names).
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
# Text types on either warehouse (information_schema.columns.data_type, lower case).
_TEXT_TYPES = frozenset({"varchar", "text", "character varying", "character"})
_NOT_NULL = "expect_column_values_to_not_be_null"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class ReadPlan:
    """Which columns of its table a suite reads with their values, and which only as
    null or not (a text column no other check reads). Every other column is a name."""

    values: frozenset[str]
    nullness: frozenset[str] = frozenset()
    everything: bool = False  # whole table, every value (the published history, a test)

    @classmethod
    def whole(cls) -> ReadPlan:
        return cls(frozenset(), everything=True)


def plan_for(suite: SuiteFile) -> ReadPlan:
    """The columns ``suite``'s expectations, key and history rule read."""
    values: set[str] = {suite.key_column} if suite.key_column else set()
    if suite.history is not None:
        values |= {suite.history.value, *suite.history.by}
    only_null: set[str] = set()
    for expectation in suite.config.get("expectations") or ():
        kwargs = expectation.get("kwargs") or {}
        checked = checked_columns(kwargs)
        values |= set(condition_names(kwargs))
        if expectation.get("type") == _NOT_NULL and list(checked) == [kwargs.get("column")]:
            only_null |= set(checked)
        else:
            values |= set(checked)
    return ReadPlan(frozenset(values), frozenset(only_null - values))


def checked_columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns an expectation's keyword arguments name, in order."""
    found: list[str] = []
    for name in COLUMN_KWARGS:
        value = kwargs.get(name)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(str(v) for v in value)
    return tuple(found)


def condition_names(kwargs: Mapping[str, Any]) -> list[str]:
    """Every name in an expectation's row condition (columns among them, and words such
    as ``notnull`` that match no column)."""
    condition = kwargs.get("row_condition")
    # GX 1.24 hands back a pandas condition as {"pass_through_filter": "...", ...}.
    texts = condition.values() if isinstance(condition, Mapping) else [condition]
    return [name for text in texts if isinstance(text, str) for name in _NAME.findall(text)]


def read_table(
    warehouse_path: Path | PostgresWarehouse, schema: str, table: str, plan: ReadPlan
) -> pd.DataFrame | None:
    """The frame of ``schema.table`` a suite validates (see the module doc); None if absent."""
    return read_marts(warehouse_path, schema, [table], plan).get(table)


def read_marts(
    warehouse_path: Path | PostgresWarehouse,
    schema: str,
    tables: Iterable[str],
    plan: ReadPlan | None = None,
) -> dict[str, pd.DataFrame]:
    """Read each existing table (whole, or as ``plan`` says); a missing one is absent."""
    plan = plan or ReadPlan.whole()
    if isinstance(warehouse_path, PostgresWarehouse):
        # The same frames, read from PostgreSQL (why pandas there too: postgres_tables).
        from ingestion.quality.postgres_tables import read_postgres_tables

        return read_postgres_tables(
            warehouse_path, schema, tables, lambda s, t, e, c: _select_sql(s, t, e, c, plan)
        )
    if not warehouse_path.exists():
        # connect() would create an empty warehouse; a missing file is a pipeline error.
        raise FileNotFoundError(f"no warehouse at {warehouse_path}")
    schema = checked_identifier(schema)
    frames: dict[str, pd.DataFrame] = {}
    with connect(warehouse_path) as connection:
        existing = table_names(connection, schema)
        for table in tables:
            if checked_identifier(table) not in existing:
                continue
            columns = _columns(connection, schema, table)
            sql = _select_sql(schema, table, existing, columns, plan)
            frames[table] = vectorisable(with_all_columns(connection.execute(sql).df(), columns))
    return frames


@dataclass(frozen=True)
class SuiteRows:
    """A suite's frame: every row of its table, or (``passed`` set) only the rows it has
    not passed before (``ingestion.quality.passed_rows``); ``row_count`` is the table's."""

    frame: pd.DataFrame
    row_count: int
    passed: PassedRows | None = None


def read_suite_rows(
    warehouse_path: Path | PostgresWarehouse,
    schema: str,
    suite: SuiteFile,
    passed_rows_dir: Path | None,
) -> SuiteRows | None:
    """The rows ``suite`` must validate (None if its table is absent).

    With ``passed_rows_dir``, on DuckDB, for a suite that judges rows one by one: the
    rows not passed before, and this table's row hashes kept as pending for the verdict.
    """
    plan = plan_for(suite)
    incremental = (
        passed_rows_dir is not None
        and not isinstance(warehouse_path, PostgresWarehouse)
        and row_by_row(suite)
    )
    if not incremental:
        frame = read_table(warehouse_path, schema, suite.table, plan)
        return None if frame is None else SuiteRows(frame, len(frame))
    assert isinstance(warehouse_path, Path) and passed_rows_dir is not None
    if not warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}")
    schema, table = checked_identifier(schema), checked_identifier(suite.table)
    with connect(warehouse_path) as connection:
        existing = table_names(connection, schema)
        if table not in existing:
            return None
        columns = _columns(connection, schema, table)
        checked_sql = _select_sql(schema, table, existing, columns, plan)
        passed = PassedRows.for_suite(passed_rows_dir, suite.name, suite_digest(suite, columns))
        # Hashes first, rows second, on one connection holding the file: every hash
        # kept is of a row this audit judges (directly, or passed before).
        total = write_pending(connection, checked_sql, passed)
        sql = unseen_rows_sql(checked_sql, passed.kept) if passed.kept.exists() else checked_sql
        frame = vectorisable(with_all_columns(connection.execute(sql).df(), columns))
    return SuiteRows(frame, total, passed)


def lookup_rows(
    warehouse_path: Path | PostgresWarehouse,
    schema: str,
    table: str,
    where: Mapping[str, Sequence[Any]],
    columns: Sequence[str],
) -> pd.DataFrame | None:
    """Those of ``columns`` the table has, of its rows whose ``where`` columns hold one of
    the values given, in the table's order; None if the table or a ``where`` column is absent.
    """
    if isinstance(warehouse_path, PostgresWarehouse):
        from ingestion.quality.postgres_tables import lookup_postgres_rows

        return lookup_postgres_rows(warehouse_path, schema, table, where, columns)
    if not warehouse_path.exists():
        return None
    schema, table = checked_identifier(schema), checked_identifier(table)
    with connect(warehouse_path) as connection:
        existing = {
            str(name)
            for (name,) in connection.execute(
                "select column_name from information_schema.columns where table_schema = ?"
                " and table_name = ? and table_catalog = current_database()",
                [schema, table],
            ).fetchall()
        }
        sql, params = lookup_sql(schema, table, existing, where, columns, "?")
        if sql is None:
            return None
        return connection.execute(sql, params).df()


def _columns(connection: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """The table's (column name, data type), in table order."""
    return [
        (str(name), str(data_type))
        for name, data_type in connection.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ?"
            " and table_catalog = current_database() order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def warehouse_exists(warehouse: Path | PostgresWarehouse) -> bool:
    """A DuckDB file that exists, or a PostgreSQL server (unreachable: the read says so)."""
    return isinstance(warehouse, PostgresWarehouse) or warehouse.exists()


def _select_sql(
    schema: str, table: str, existing: set[str], columns: Sequence[tuple[str, str]], plan: ReadPlan
) -> str:
    """The plan's columns of all rows, except the raw facts an analyst took out of the
    marts (retracted, or their figure corrected): the marts' suites check what replaced
    them, and blocking on them would make "retract the article and re-run" never publish."""
    from ingestion.corrections.store import CORRECTIONS_TABLE, raw_facts_in_force_sql

    source = f'"{schema}"."{table}"'
    if schema == "raw" and table.startswith("facts_") and CORRECTIONS_TABLE in existing:
        source = f"({raw_facts_in_force_sql(table)}) as in_force"
    return f"select {_select_list(columns, plan)} from {source}"


def _select_list(columns: Sequence[tuple[str, str]], plan: ReadPlan) -> str:
    if plan.everything:
        return "*"
    listed = []
    for name, data_type in columns:
        quoted = f'"{checked_identifier(name)}"'
        if name in plan.values:
            listed.append(quoted)
        elif name in plan.nullness and data_type.lower() in _TEXT_TYPES:
            listed.append(f"case when {quoted} is null then null else '' end as {quoted}")
        elif name in plan.nullness:
            listed.append(quoted)  # a number or date costs no more than its null mask
    # A suite of table-level checks only still needs the rows: the first column gives them.
    return ", ".join(listed) or f'"{checked_identifier(columns[0][0])}"'
