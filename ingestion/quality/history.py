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

from collections.abc import Sequence
from pathlib import Path
from statistics import median
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    current = candidate[columns]
    reference = _reference_rows(rule, current, published, key_column)
    if _has_duplicates(current[key_column]) or _has_duplicates(reference[key_column]):
        # A key twice (dbt's unique test forbids it): every row of it is left out,
        # which only the row-by-row definition does.
        counts, medians = _others_row_by_row(rule, current, reference, key_column)
    else:
        counts, medians = _others_by_position(rule, current, reference, key_column)
    if published is not None and key_column in published.columns:
        # A row already published is not judged again (module doc).
        medians[_isin(current[key_column], published[key_column])] = np.nan
    out = candidate.copy()
    out[HISTORY_ROWS] = counts
    out[HISTORY_MEDIAN] = pd.Series(medians, index=candidate.index, dtype="float64")
    value = pd.to_numeric(candidate[rule.value], errors="coerce").astype("float64")
    out[RATIO] = value / out[HISTORY_MEDIAN]
    return out


_VALUE = "_history_value"


def _reference_rows(
    rule: HistoryRule, current: pd.DataFrame, published: pd.DataFrame | None, key_column: str
) -> pd.DataFrame:
    """Every row that may serve as another row's history: its group, key and value
    (a positive number, in a group without nulls)."""
    frames = [current]
    if published is not None and set(current.columns) <= set(published.columns):
        # A key in both is one row: the candidate's reading of it counts.
        earlier = published.loc[~_isin(published[key_column], current[key_column]), current.columns]
        frames.insert(0, earlier)
    rows = pd.concat(frames, ignore_index=True)
    value = pd.to_numeric(rows[rule.value], errors="coerce").astype("float64")
    usable = value.gt(0) & rows[list(rule.by)].notna().all(axis=1)
    return rows.loc[usable, [*rule.by, key_column]].assign(**{_VALUE: value[usable]})


# The keys are Arrow strings (DuckDB hands them over so); pandas' isin, duplicated and
# reindex on them convert them to Python objects first, 1.5-3.5 s of an audit at
# 100,000 articles. Arrow's own kernels hash them as they are (a null matches a null,
# as in pandas).


def _arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    return pa.array(values, from_pandas=True)


def _isin(values: pd.Series, among: pd.Series) -> np.ndarray:
    """``values.isin(among)``, as a numpy bool array."""
    found = pc.is_in(_arrow(values), value_set=_arrow(among).unique())
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _has_duplicates(values: pd.Series) -> bool:
    arrow = _arrow(values)
    return len(arrow.unique()) < len(arrow)


def _positions(values: pd.Series, among: pd.Series) -> np.ndarray:
    """For each value, its position in ``among`` (unique values); NaN where absent."""
    found = pc.index_in(_arrow(values), value_set=_arrow(among))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype="float64")


def _group_codes(
    rule: HistoryRule, reference: pd.DataFrame, current: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """One number per group for the reference rows and the candidate rows (-1: no group)."""
    both = pd.concat([reference[list(rule.by)], current[list(rule.by)]], ignore_index=True)
    codes = both.groupby(list(rule.by), dropna=True, sort=False).ngroup()
    codes = codes.fillna(-1).to_numpy(dtype="int64")
    return codes[: len(reference)], codes[len(reference) :]


def _others_by_position(
    rule: HistoryRule, current: pd.DataFrame, reference: pd.DataFrame, key_column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate row, how many other rows its group has and their median, read by
    position in the group's sorted values (one sort for all groups, not one per row:
    a region with thousands of reports made that quadratic)."""
    if reference.empty:  # no row is anyone's history
        return np.zeros(len(current), dtype="int64"), np.full(len(current), np.nan)
    ref_codes, codes = _group_codes(rule, reference, current)
    values = reference[_VALUE].to_numpy(dtype="float64")
    order = np.lexsort((values, ref_codes))
    ordered = values[order]
    sizes = np.bincount(
        ref_codes, minlength=int(max(ref_codes.max(initial=-1), codes.max(initial=-1)) + 1)
    )
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    # Where the candidate row itself sits among the sorted values (-1: not history).
    own = _positions(current[key_column], reference[key_column])
    inside = ~np.isnan(own)
    grouped = codes >= 0
    size = np.where(grouped, sizes[np.maximum(codes, 0)], 0)
    counts = size - inside
    start = np.where(grouped, starts[np.maximum(codes, 0)], 0)
    skip = np.where(inside, rank[np.where(inside, own, 0).astype("int64")] - start, len(values))

    def at(i: np.ndarray) -> np.ndarray:
        # The i-th of the others: one position further from the left-out row on.
        index = start + i + (i >= skip)
        return ordered[np.clip(index, 0, len(ordered) - 1)]

    middle = counts // 2
    odd = at(middle)
    even = (at(np.maximum(middle - 1, 0)) + at(middle)) / 2
    medians = np.where(counts % 2 == 1, odd, even)
    medians[counts == 0] = np.nan
    return counts, medians


def _others_row_by_row(
    rule: HistoryRule, current: pd.DataFrame, reference: pd.DataFrame, key_column: str
) -> tuple[np.ndarray, np.ndarray]:
    """The definition itself, for a reference holding a key twice."""
    groups: dict[tuple[Any, ...], list[tuple[Any, float]]] = {}
    for record in reference.to_dict("records"):
        group = tuple(plain(record[c]) for c in rule.by)
        groups.setdefault(group, []).append((plain(record[key_column]), record[_VALUE]))
    counts, medians = [], []
    for record in current.to_dict("records"):
        key = plain(record[key_column])
        group = tuple(plain(record[c]) for c in rule.by)
        others = [value for other, value in groups.get(group, ()) if other != key]
        counts.append(len(others))
        medians.append(median(others) if others else np.nan)
    return np.array(counts, dtype="int64"), np.array(medians, dtype="float64")
