"""Check a statistical CSV against its declared schema, row by row, streaming.

A row that breaks the schema is rejected with its reason (it goes to
quarantine); the rest load. A file whose layout changed (declared columns
missing) is refused whole, with both layouts in the message, because loading
it would silently shift meaning.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingestion.sources import ColumnSpec, CsvTableSource


class TableLayoutChanged(ValueError):
    """The file's columns are not the declared ones."""


@dataclass(frozen=True)
class RejectedRow:
    line_number: int
    reason: str
    raw: str


@dataclass
class ValidatedTable:
    rows: list[dict[str, Any]]
    rejected: list[RejectedRow]


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _cast(spec: ColumnSpec, raw: str) -> Any:
    value = raw.strip()
    if value == "":
        if spec.required:
            raise ValueError(f"{spec.name} is required but empty")
        return None
    match spec.type:
        case "integer":
            return int(float(value)) if re.fullmatch(r"-?\d+(\.0+)?", value) else int(value)
        case "double":
            return float(value.replace(",", ""))
        case "boolean":
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise ValueError(f"{spec.name}: {value!r} is not a boolean")
        case "date":
            return date.fromisoformat(value)
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        raise ValueError(f"{spec.name}: {value!r} does not match {spec.pattern}")
    return value


def _check_layout(header: list[str], source: CsvTableSource) -> None:
    declared = [c.name for c in source.columns]
    missing = [name for name in declared if name not in header]
    if missing:
        raise TableLayoutChanged(
            f"source {source.id}: columns {missing} are missing. "
            f"Declared layout: {declared}. File layout: {header}."
        )


def _rows(text: str) -> Iterator[tuple[int, dict[str, str], str]]:
    lines = text.splitlines(keepends=True)
    reader = csv.DictReader(io.StringIO(text))
    for record in reader:
        line_number = reader.line_num
        raw = lines[line_number - 1].rstrip("\r\n") if line_number <= len(lines) else ""
        yield line_number, record, raw


def validate_table(payload: bytes, source: CsvTableSource) -> ValidatedTable:
    """Typed rows that match the schema, and the rejected ones with their reasons."""
    text = payload.decode("utf-8-sig")
    header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    _check_layout(header, source)
    result = ValidatedTable(rows=[], rejected=[])
    seen_keys: dict[tuple, int] = {}
    for line_number, record, raw in _rows(text):
        record = {(k or "").strip(): v for k, v in record.items()}
        try:
            if None in record or any(v is None for v in record.values()):
                raise ValueError("the row does not have as many fields as the header")
            row = {spec.name: _cast(spec, record[spec.name]) for spec in source.columns}
            key = tuple(row[name] for name in source.key)
            if key in seen_keys:
                raise ValueError(f"duplicate key {key} (first on line {seen_keys[key]})")
        except (ValueError, TypeError) as error:
            result.rejected.append(RejectedRow(line_number, str(error), raw))
            continue
        seen_keys[key] = line_number
        result.rows.append(row)
    return result
