"""The change policy: compare the candidate marts with the last published ones.

Rules (limits in ``expectations/change_policy.json``, the one place to tune them):

* a mart may not lose more than ``max_row_loss_share`` of its published rows;
* each ``sum_limits`` entry: the candidate's sum of ``table.column`` may not be
  more than ``max_ratio`` times the published sum (a doubled fund total is
  usually a 亿/万 scaling error or double counting).

The first publish (no ``manifest.json``) passes. A blocked candidate passes once
someone approved exactly it (``ingestion.quality.approval``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingestion.config import PostgresWarehouse
from ingestion.warehouse import connect, scalar

log = logging.getLogger("assistance_warehouse.quality")

POLICY_FILE = "change_policy.json"
SUITE_NAME = "change_against_published"
DEFAULT_POLICY: dict[str, Any] = {
    "max_row_loss_share": 0.2,
    "sum_limits": [{"table": "mart_funds", "column": "amount_cny", "max_ratio": 2.0}],
}


@dataclass(frozen=True)
class ChangeViolation:
    table: str
    rule: str  # row_loss or sum_increase
    published: float
    candidate: float
    limit: float
    column: str | None = None

    def message(self) -> str:
        if self.rule == "row_loss":
            lost = 1 - self.candidate / self.published
            return (
                f"{self.table} lost {lost:.0%} of its rows: {int(self.published)} published, "
                f"{int(self.candidate)} in the candidate (limit {self.limit:.0%})"
            )
        return (
            f"{self.table}.{self.column} total rose {self.candidate / self.published:.2f}x: "
            f"{self.published:,.0f} published, {self.candidate:,.0f} in the candidate "
            f"(limit {self.limit:g}x)"
        )


def load_policy(expectations_dir: Path) -> dict[str, Any]:
    path = expectations_dir / POLICY_FILE
    if not path.exists():
        return dict(DEFAULT_POLICY)
    return {**DEFAULT_POLICY, **json.loads(path.read_text(encoding="utf-8"))}


def read_manifest(published_dir: Path) -> tuple[dict[str, Any], Path] | None:
    """The last published manifest and its version folder, or None before the first publish."""
    path = published_dir / "manifest.json"
    if not path.exists():
        return None
    real = path.resolve()  # manifest.json -> current/manifest.json -> versions/<v>/...
    return json.loads(real.read_text(encoding="utf-8")), real.parent


def find_violations(
    published_dir: Path,
    warehouse_path: Path | PostgresWarehouse,
    schema: str,
    policy: Mapping[str, Any],
) -> list[ChangeViolation]:
    """Every rule the candidate breaks against the published marts (none on first publish).

    On PostgreSQL the published marts are the warehouse's published schema
    (``ingestion.publish.postgres_publisher``), not ``published_dir``.
    """
    if isinstance(warehouse_path, PostgresWarehouse):
        return _postgres_violations(warehouse_path, schema, policy)
    found = read_manifest(published_dir)
    if found is None:
        return []
    manifest, version_dir = found
    tables: Mapping[str, Any] = manifest.get("tables") or {}
    with connect(warehouse_path) as connection:
        existing = _columns(connection, schema)
        candidate = MartsSide(
            rows={
                name: int(_scalar(connection, f'select count(*) from "{schema}"."{name}"'))
                for name in tables
                if name in existing
            },
            columns=existing,
            sums={
                (limit["table"], limit["column"]): _scalar(
                    connection,
                    f'select coalesce(sum("{limit["column"]}"), 0) '
                    f'from "{schema}"."{limit["table"]}"',
                )
                for limit in policy.get("sum_limits") or ()
                if limit["column"] in existing.get(limit["table"], ())
            },
        )
    published = MartsSide(
        rows={name: int(entry.get("row_count") or 0) for name, entry in tables.items()},
        columns={name: set() for name in tables},
        sums=_LazySums(
            lambda name, column: _published_sum(version_dir / tables[name]["parquet"], column)
        ),
    )
    return _violations(published, candidate, policy)


def _postgres_violations(
    warehouse: PostgresWarehouse, schema: str, policy: Mapping[str, Any]
) -> list[ChangeViolation]:
    """The same rules against the warehouse's published schema (its ``_publish_manifest``)."""
    from ingestion.publish.publisher import INVARIANT_TABLE
    from ingestion.quality.postgres_tables import PUBLISHED_SCHEMA, marts_summary

    limits = [(limit["table"], limit["column"]) for limit in policy.get("sum_limits") or ()]
    published = marts_summary(warehouse, PUBLISHED_SCHEMA, limits, counts_table=INVARIANT_TABLE)
    if published is None:
        return []  # the first publish
    candidate = marts_summary(warehouse, schema, limits)
    assert candidate is not None  # counted from the tables themselves: always a summary
    return _violations(MartsSide(*published), MartsSide(*candidate), policy)


class _LazySums(dict[tuple[str, str], float]):
    """Published sums read only when a rule asks (a Parquet read per sum)."""

    def __init__(self, read: Callable[[str, str], float]) -> None:
        super().__init__()
        self._read = read

    def __missing__(self, key: tuple[str, str]) -> float:
        value = self[key] = self._read(*key)
        return value


@dataclass(frozen=True)
class MartsSide:
    """What the rules compare on one side: rows per mart, columns, sums of limited columns."""

    rows: Mapping[str, int]
    columns: Mapping[str, set[str]]
    sums: Mapping[tuple[str, str], float]


def _violations(
    published: MartsSide, candidate: MartsSide, policy: Mapping[str, Any]
) -> list[ChangeViolation]:
    """The rules themselves, the same whichever warehouse the two sides come from."""
    share = float(policy["max_row_loss_share"])
    violations: list[ChangeViolation] = []
    for name, published_rows in sorted(published.rows.items()):
        if name not in candidate.rows or published_rows == 0:
            continue  # a missing mart fails the gate's table_exists check already
        rows = candidate.rows[name]
        if rows < published_rows * (1 - share):
            violations.append(ChangeViolation(name, "row_loss", published_rows, rows, share))
    for limit in policy.get("sum_limits") or ():
        name, column, ratio = limit["table"], limit["column"], float(limit["max_ratio"])
        if column not in candidate.columns.get(name, ()) or name not in published.rows:
            continue
        published_sum = published.sums[(name, column)]
        candidate_sum = candidate.sums[(name, column)]
        if published_sum > 0 and candidate_sum > published_sum * ratio:
            violations.append(
                ChangeViolation(name, "sum_increase", published_sum, candidate_sum, ratio, column)
            )
    return violations


def _columns(connection: duckdb.DuckDBPyConnection, schema: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, column in connection.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = ? and table_catalog = current_database()",
        [schema],
    ).fetchall():
        found.setdefault(table, set()).add(column)
    return found


def _scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> float:
    return float(scalar(connection, sql))


def _published_sum(parquet: Path, column: str) -> float:
    """Sum of a column of a published mart, from that version's (immutable) Parquet file."""
    quoted = column.replace('"', '""')
    with duckdb.connect() as connection:
        total = scalar(
            connection, f'select coalesce(sum("{quoted}"), 0) from read_parquet(?)', [str(parquet)]
        )
    return float(total)
