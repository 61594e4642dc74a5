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

# frame.attrs key: the integer columns ``vectorisable`` turned into float64.
WHOLE_NUMBER_COLUMNS = "whole_number_columns"


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


def vectorisable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its numbers as int64/float64 and its time stamps in nanoseconds.

    GX's pandas ``column_values.between`` (63 of the suites' checks) compares whole
    columns only when a column's dtype is exactly int64, float64 or datetime64[ns];
    for any other (DuckDB's INTEGER is int32, a nullable one Int32, its TIMESTAMP
    datetime64[us]) it calls a Python function per value: 2.8 s of a 10k-article
    audit, growing with the marts. Nullable integers with nulls become float64 (NaN
    is GX's null there too) and are named in ``frame.attrs[WHOLE_NUMBER_COLUMNS]``,
    so a report shows their values as integers; time stamps outside the nanosecond
    range stay as read.
    """
    converted: dict[str, Any] = {}
    whole_numbers: list[str] = []
    for name, dtype in frame.dtypes.items():
        column = frame[name]
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            if pd.api.types.is_integer_dtype(dtype):
                has_nulls = bool(column.isna().any())
                converted[str(name)] = column.astype("float64" if has_nulls else "int64")
                if has_nulls:
                    whole_numbers.append(str(name))
            continue
        if pd.api.types.is_integer_dtype(dtype) and dtype != "int64" and dtype != "uint64":
            converted[str(name)] = column.astype("int64")
        elif pd.api.types.is_float_dtype(dtype) and dtype != "float64":
            converted[str(name)] = column.astype("float64")
        elif pd.api.types.is_datetime64_dtype(dtype) and dtype != "datetime64[ns]":
            try:
                converted[str(name)] = column.astype("datetime64[ns]")
            except (OverflowError, ValueError):
                continue
    if not converted:
        return frame
    frame = frame.assign(**converted)
    frame.attrs[WHOLE_NUMBER_COLUMNS] = tuple(whole_numbers)
    return frame
