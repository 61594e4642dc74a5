"""Read one sheet of an .xlsx workbook as a header and streamed rows of cells.

openpyxl's read-only mode parses the sheet's XML as it is iterated, so memory
stays flat however long the sheet is. Before openpyxl sees the bytes, the zip
archive is checked: an .xlsx is a zip, and a small download can unpack to
gigabytes. openpyxl parses the XML through defusedxml when it is installed
(it is: the feed reader uses it), so entity expansion is refused too.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# An honest statistical workbook of a few thousand rows unpacks to a few MB.
MAX_UNPACKED_BYTES = 200_000_000
# Sheet XML compresses well (about 10-30x); a member packed hundreds of times
# smaller than its declared size is padding or a bomb.
MAX_COMPRESSION_RATIO = 200
_RATIO_APPLIES_ABOVE = 1_000_000  # tiny members (styles, empty sheets) compress freely
MAX_HEADER_COLUMNS = 512


@dataclass(frozen=True)
class XlsxCell:
    column: str  # the header name the cell sits under
    value: Any
    is_formula: bool
    is_error: bool


@dataclass
class XlsxSheet:
    header: list[str]
    rows: Iterator[tuple[int, list[XlsxCell]]]  # (Excel row number, cells under the header)
    workbook: Any

    def close(self) -> None:
        self.workbook.close()


def check_archive(payload: bytes) -> None:
    """ValueError unless ``payload`` is a zip archive of a sane unpacked size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile as error:
        raise ValueError(f"not an .xlsx workbook (not a zip archive: {error})") from error
    with archive:
        members = archive.infolist()
        # zipfile never unpacks a member past its declared file_size, so the
        # declared sizes bound what openpyxl can be made to read.
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise ValueError(
                f"the workbook unpacks to {unpacked:,} bytes, over the limit of "
                f"{MAX_UNPACKED_BYTES:,}"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_APPLIES_ABOVE and ratio > MAX_COMPRESSION_RATIO:
                raise ValueError(
                    f"{member.filename} is packed {ratio:.0f} times (limit "
                    f"{MAX_COMPRESSION_RATIO}): refused as a likely zip bomb"
                )


def _open_workbook(payload: bytes) -> Any:
    import openpyxl  # imported here: only XLSX sources need it

    check_archive(payload)
    try:
        # data_only=False: formula cells keep their formula, so they can be refused
        # instead of loading a cached result that may be stale or missing.
        return openpyxl.load_workbook(io.BytesIO(payload), read_only=True, data_only=False)
    except Exception as error:
        # openpyxl reports a broken package through many types (KeyError for a
        # missing part, InvalidFileException, XML parse errors...); all mean the same.
        raise ValueError(
            f"not a readable .xlsx workbook ({type(error).__name__}: {error})"
        ) from error


def _header(worksheet: Any, header_row: int) -> list[str]:
    rows = worksheet.iter_rows(
        min_row=header_row, max_row=header_row, max_col=MAX_HEADER_COLUMNS, values_only=True
    )
    values = next(rows, ())
    names = ["" if v is None else str(v).strip() for v in values]
    while names and names[-1] == "":  # formatted but empty columns at the right
        names.pop()
    return names


def _cells(row: tuple[Any, ...], header: list[str]) -> list[XlsxCell]:
    return [
        XlsxCell(
            column=name,
            value=getattr(cell, "value", None),
            is_formula=getattr(cell, "data_type", None) == "f",
            is_error=getattr(cell, "data_type", None) == "e",
        )
        for name, cell in zip(header, row, strict=False)
    ]


def _rows(
    worksheet: Any, header: list[str], header_row: int
) -> Iterator[tuple[int, list[XlsxCell]]]:
    # Only the header's columns are read: notes in the margin are not data.
    rows = worksheet.iter_rows(min_row=header_row + 1, max_col=max(len(header), 1))
    number = header_row
    while True:
        try:
            row = next(rows, None)
        except Exception as error:  # a sheet whose XML breaks off mid-way (see _open_workbook)
            raise ValueError(
                f"the sheet cannot be read after row {number} ({type(error).__name__}: {error})"
            ) from error
        if row is None:
            return
        number += 1
        cells = _cells(row, header)
        if all(
            c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells
        ):
            continue  # blank rows (often formatting left below the table) carry nothing
        yield getattr(row[0], "row", None) or number, cells


def read_xlsx(payload: bytes, *, sheet: str | None, header_row: int) -> XlsxSheet:
    """The sheet's header and a stream of its rows; close() the result when done.

    ValueError when the bytes are not a readable workbook; LookupError when the
    named sheet is not in it (the message lists the sheets there are).
    """
    workbook = _open_workbook(payload)
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise LookupError(
                f"declared sheet {sheet!r} is not in the workbook; "
                f"its sheets: {workbook.sheetnames}"
            )
        header = _header(worksheet, header_row)
    except LookupError:
        workbook.close()
        raise
    except Exception as error:
        workbook.close()
        raise ValueError(f"cannot read the sheet ({type(error).__name__}: {error})") from error
    return XlsxSheet(header, _rows(worksheet, header, header_row), workbook)
