"""Check a statistical table (CSV or XLSX) against its declared schema, row by row, streaming.

A row that breaks the schema is rejected with its reason (it goes to
quarantine); the rest load. A file whose layout changed (declared columns
missing, the declared sheet gone) is refused whole, with both layouts in the
message, because loading it would silently shift meaning. A file that cannot
be read at all (not UTF-8, not a workbook, too big once unpacked) is refused
whole with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from ingestion.sources import ColumnSpec, TableSource, XlsxTableSource
from ingestion.statistics.xlsx import XlsxCell, read_xlsx


class TableRefused(ValueError):
    """The whole file was refused before anything of it was written."""


class TableLayoutChanged(TableRefused):
    """The file's columns (or sheet) are not the declared ones."""


class TableUnreadable(TableRefused):
    """The file cannot be read as its kind says (encoding, archive, size)."""


@dataclass(frozen=True)
class RejectedRow:
    line_number: int
    reason: str
    raw: str


@dataclass
class ValidatedTable:
    rows: list[dict[str, Any]]
    rejected: list[RejectedRow]


@dataclass(frozen=True)
class _Record:
    """One data row as text per header name, or the reason it has no usable fields."""

    line_number: int
    fields: dict[str, str]
    raw: str
    problem: str | None = None


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
            if not re.fullmatch(r"-?\d+(\.0+)?", value):
                raise ValueError(f"{spec.name}: {value!r} is not an integer")
            return int(float(value))
        case "double":
            try:
                number = float(value.replace(",", ""))
            except ValueError:
                raise ValueError(f"{spec.name}: {value!r} is not a number") from None
            if not math.isfinite(number):  # float() accepts "nan" and "inf"; a table should not
                raise ValueError(f"{spec.name}: {value!r} is not a finite number")
            return number
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


def _check_layout(header: list[str], source: TableSource) -> None:
    declared = [c.name for c in source.columns]
    missing = [name for name in declared if name not in header]
    if missing:
        raise TableLayoutChanged(
            f"source {source.id}: columns {missing} are missing. "
            f"Declared layout: {declared}. File layout: {header}."
        )


def _too_many_rows(source: TableSource) -> TableUnreadable:
    return TableUnreadable(
        f"source {source.id}: more than {source.max_rows} data rows (max_rows); "
        "refused whole rather than loaded in part"
    )


def _csv_table(payload: bytes, source: TableSource) -> Iterator[_Record]:
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableUnreadable(
            f"source {source.id}: the file is not UTF-8 text ({error})"
        ) from error
    header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    _check_layout(header, source)

    def records() -> Iterator[_Record]:
        lines = text.splitlines(keepends=True)
        reader = csv.DictReader(io.StringIO(text))
        for count, record in enumerate(reader, start=1):
            if count > source.max_rows:
                raise _too_many_rows(source)
            line_number = reader.line_num
            raw = lines[line_number - 1].rstrip("\r\n") if line_number <= len(lines) else ""
            ragged = None in record or any(v is None for v in record.values())
            fields = {(k or "").strip(): v or "" for k, v in record.items() if k is not None}
            problem = "the row does not have as many fields as the header" if ragged else None
            yield _Record(line_number, fields, raw, problem)

    return records()


def _cell_text(cell: XlsxCell) -> str:
    """A cell's value as the text a CSV would hold; ValueError for what is not a value."""
    value = cell.value
    if cell.is_formula:
        # A formula's cached result may be stale or absent (files written by scripts
        # have none); guessing it would load a wrong number, so the row is refused.
        raise ValueError(f"{cell.column}: formula {value!r} (export the sheet as values)")
    if cell.is_error:
        raise ValueError(f"{cell.column}: the cell holds the spreadsheet error {value!r}")
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            return str(int(value)) if value.is_integer() else repr(value)
        case datetime():
            return value.date().isoformat() if value.time() == time() else value.isoformat()
        case date() | time():
            return value.isoformat()
    return str(value)


def _xlsx_table(payload: bytes, source: XlsxTableSource) -> Iterator[_Record]:
    try:
        sheet = read_xlsx(payload, sheet=source.sheet, header_row=source.header_row)
    except LookupError as error:  # the declared sheet is not in the workbook
        raise TableLayoutChanged(f"source {source.id}: {error}") from error
    except ValueError as error:
        raise TableUnreadable(f"source {source.id}: {error}") from error
    header = sheet.header
    try:
        _check_layout(header, source)
    except TableLayoutChanged:
        sheet.close()
        raise
    declared = {c.name for c in source.columns}

    def records() -> Iterator[_Record]:
        count = 0
        try:
            for line_number, cells in sheet.rows:
                count += 1
                if count > source.max_rows:
                    raise _too_many_rows(source)
                raw = json.dumps([c.value for c in cells], ensure_ascii=False, default=str)
                fields: dict[str, str] = {}
                problem = None
                for name, cell in zip(header, cells, strict=False):
                    if name not in declared:
                        continue  # an undeclared column (a formula total, notes) is not loaded
                    try:
                        fields.setdefault(name, _cell_text(cell))
                    except ValueError as error:
                        problem = str(error)
                        break
                yield _Record(line_number, fields, raw, problem)
        except TableRefused:
            raise
        except ValueError as error:  # the sheet's XML broke off mid-way
            raise TableUnreadable(f"source {source.id}: {error}") from error
        finally:
            sheet.close()

    return records()


def validate_table(payload: bytes, source: TableSource) -> ValidatedTable:
    """Typed rows that match the schema, and the rejected ones with their reasons.

    The reader of each format checks the layout first, then streams the rows.

    Raises TableRefused (TableLayoutChanged, TableUnreadable) when the file as a
    whole cannot be loaded; the message says why and, for a layout, shows both.
    """
    if isinstance(source, XlsxTableSource):
        records = _xlsx_table(payload, source)
    else:
        records = _csv_table(payload, source)
    result = ValidatedTable(rows=[], rejected=[])
    seen_keys: dict[tuple, int] = {}
    for record in records:
        try:
            if record.problem:
                raise ValueError(record.problem)
            row = {
                spec.name: _cast(spec, record.fields.get(spec.name, "")) for spec in source.columns
            }
            key = tuple(row[name] for name in source.key)
            if key in seen_keys:
                raise ValueError(f"duplicate key {key} (first on line {seen_keys[key]})")
        except (ValueError, TypeError) as error:
            result.rejected.append(RejectedRow(record.line_number, str(error), record.raw))
            continue
        seen_keys[key] = record.line_number
        result.rows.append(row)
    return result
