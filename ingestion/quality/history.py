"""A value against its region's history: the columns the history suites check.

A 万/亿 slip makes a fund 10,000 times too large and still a plausible-looking
number on its own; next to what the same region reported before it is not. For
a suite with ``meta.history`` (``{"value": "amount_cny", "by": ["region_code"]}``)
each candidate row gets

* ``history_rows``: how many *other* rows of its group there are: the group's
  published rows (the last publication's Parquet file) and its rows in this
  candidate, a key counted once;
* ``history_median``: the median of their values (None without history);
* ``ratio_to_history``: the row's value divided by that median.

A row already published (its key is in the last publication) is not judged
again (no median): it passed when it was published, and judging it against a
new slipped figure would flag the right number as well as the wrong one. On
the first publish every row is judged against the candidate's other rows.

The suite's expectations (``expect_column_values_to_be_between`` on
``ratio_to_history``, the factor stated in the suite) then run on that frame
in GX like any other; a row without history is not judged. Only rows with a
positive value are history (zero or negative values fail their own range rule).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import duckdb
import pandas as pd

from ingestion.config import PostgresWarehouse
from ingestion.identifiers import checked_identifier
from ingestion.quality.change import read_manifest
from ingestion.quality.evidence import plain
from ingestion.quality.suites import HistoryRule, SuiteFile

HISTORY_ROWS = "history_rows"
HISTORY_MEDIAN = "history_median"
RATIO = "ratio_to_history"


def history_columns(suite: SuiteFile) -> tuple[str, ...]:
    """The columns of a mart its history is computed from: the group, the key, the value."""
    assert suite.history is not None and suite.key_column  # a history suite names both
    return (*suite.history.by, suite.key_column, suite.history.value)


def published_table(
    published_dir: Path | None,
    table: str,
    warehouse: Path | PostgresWarehouse | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame | None:
    """The last published rows of ``table`` (None before the first publish or without it):
    all columns, or those of ``columns`` it has.

    On PostgreSQL they are the warehouse's published schema, not ``published_dir``.
    """
    if isinstance(warehouse, PostgresWarehouse):
        from ingestion.quality.mart_reader import ReadPlan, read_marts
        from ingestion.quality.postgres_tables import PUBLISHED_SCHEMA

        plan = ReadPlan(frozenset(columns)) if columns is not None else None
        return read_marts(warehouse, PUBLISHED_SCHEMA, [table], plan).get(table)
    if published_dir is None:
        return None
    found = read_manifest(published_dir)
    if found is None:
        return None
    manifest, version_dir = found
    entry = (manifest.get("tables") or {}).get(table)
    if not entry or not entry.get("parquet"):
        return None
    path = str(version_dir / entry["parquet"])
    with duckdb.connect() as connection:
        if columns is None:
            return connection.execute("select * from read_parquet(?)", [path]).df()
        present = {
            str(row[0])
            for row in connection.execute("select name from parquet_schema(?)", [path]).fetchall()
        }
        listed = ", ".join(f'"{checked_identifier(c)}"' for c in columns if c in present)
        return connection.execute(f"select {listed or '*'} from read_parquet(?)", [path]).df()


def with_history(
    rule: HistoryRule,
    candidate: pd.DataFrame,
    published: pd.DataFrame | None,
    key_column: str,
) -> pd.DataFrame:
    """``candidate`` (same rows, same index) with the three history columns added."""
    columns = [*rule.by, key_column, rule.value]
    missing = [c for c in columns if c not in candidate.columns]
    if missing:
        # The suite's expectations then fail on the missing columns with GX's reason.
        return candidate.copy()
    groups = _reference_groups(rule, candidate[columns], published, key_column)
    published_keys = (
        {plain(k) for k in published[key_column]}
        if published is not None and key_column in published.columns
        else set()
    )
    sorted_groups = {group: _SortedGroup.of(pairs) for group, pairs in groups.items()}
    counts: list[int] = []
    medians: list[float | None] = []
    for record in candidate[columns].to_dict("records"):
        key = plain(record[key_column])
        found = sorted_groups.get(tuple(plain(record[c]) for c in rule.by))
        count, middle = found.others(key) if found else (0, None)
        counts.append(count)
        medians.append(middle if key not in published_keys else None)
    out = candidate.copy()
    out[HISTORY_ROWS] = counts
    out[HISTORY_MEDIAN] = pd.Series(medians, index=candidate.index, dtype="float64")
    value = pd.to_numeric(candidate[rule.value], errors="coerce").astype("float64")
    out[RATIO] = value / out[HISTORY_MEDIAN]
    return out


@dataclass(frozen=True)
class _SortedGroup:
    """A group's history values in order, so a row's median of the *others* is found by
    position (a bisect) instead of a sort of the group per row: a group of a region's
    thousands of reports would make that quadratic."""

    values: list[float]
    positions: dict[Any, float]  # key -> its value, when each key is in the group once
    pairs: list[tuple[Any, float]]

    @classmethod
    def of(cls, pairs: list[tuple[Any, float]]) -> _SortedGroup:
        return cls(sorted(value for _, value in pairs), dict(pairs), pairs)

    def others(self, key: Any) -> tuple[int, float | None]:
        """How many rows of the group have another key, and the median of their values."""
        if len(self.positions) < len(self.pairs):
            # A key twice (dbt's unique test forbids it): leave out every row of it.
            others = [value for other, value in self.pairs if other != key]
            return len(others), median(others) if others else None
        if key not in self.positions:
            return len(self.values), _median_leaving(self.values, None)
        own = bisect_left(self.values, self.positions[key])
        return len(self.values) - 1, _median_leaving(self.values, own)


def _median_leaving(values: list[float], left_out: int | None) -> float | None:
    """``statistics.median`` of sorted ``values`` without the one at ``left_out``."""
    size = len(values) - (left_out is not None)
    if size == 0:
        return None

    def at(i: int) -> float:
        return values[i if left_out is None or i < left_out else i + 1]

    middle = size // 2
    return at(middle) if size % 2 else (at(middle - 1) + at(middle)) / 2


def _reference_groups(
    rule: HistoryRule,
    current: pd.DataFrame,
    published: pd.DataFrame | None,
    key_column: str,
) -> dict[tuple[Any, ...], list[tuple[Any, float]]]:
    """Per group, the (key, value) of every row that may serve as another row's history."""
    frames = [current]
    if published is not None and set(current.columns) <= set(published.columns):
        # A key in both is one row: the candidate's reading of it counts.
        earlier = published.loc[~published[key_column].isin(current[key_column]), current.columns]
        frames.insert(0, earlier)
    groups: dict[tuple[Any, ...], list[tuple[Any, float]]] = {}
    for frame in frames:
        for record in frame.to_dict("records"):
            group = tuple(plain(record[c]) for c in rule.by)
            value = plain(record[rule.value])
            if any(part is None for part in group) or value is None or float(value) <= 0:
                continue
            groups.setdefault(group, []).append((plain(record[key_column]), float(value)))
    return groups
