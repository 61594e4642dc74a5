"""The SQL and frame shaping both readers of the gate share (DuckDB and PostgreSQL).

Its own module so that ``mart_reader`` (which picks the reader) and
``postgres_tables`` (the PostgreSQL reader) both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from ingestion.identifiers import checked_identifier


def lookup_sql(
    schema: str,
    table: str,
    existing: set[str],
    where: Mapping[str, Sequence[Any]],
    columns: Sequence[str],
    placeholder: str,
) -> tuple[str | None, list[Any]]:
    """The query ``lookup_rows`` runs (``placeholder``: ``?`` or ``%s``), or None."""
    wanted = [checked_identifier(c) for c in columns if c in existing]
    if not wanted or not set(where) <= existing:
        return None, []
    clauses, params = [], []
    for column, values in where.items():
        values = list(values) or [None]  # "in (null)" matches nothing
        marks = ", ".join(placeholder for _ in values)
        clauses.append(f'"{checked_identifier(column)}" in ({marks})')
        params += values
    listed = ", ".join(f'"{c}"' for c in wanted)
    return (
        f'select {listed} from "{schema}"."{table}" where {" and ".join(clauses)}',
        params,
    )


def with_all_columns(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``frame`` with the table's columns it lacks added as nulls of no size, in table order."""
    missing = [name for name, _ in columns if name not in frame.columns]
    if not missing:
        return frame
    nulls = pa.nulls(len(frame))
    added = pd.DataFrame(
        {name: pd.arrays.ArrowExtensionArray(nulls) for name in missing}, index=frame.index
    )
    return pd.concat([frame, added], axis=1)[[name for name, _ in columns]]
