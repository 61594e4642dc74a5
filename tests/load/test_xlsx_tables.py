"""XLSX statistical tables: read in streaming mode, schema checked like CSV, hostile files refused.

Workbooks are written with openpyxl in each test; by-URL tests go through the
real fetch client against a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.fetch.collect import collect_source
from ingestion.landing import LandingStore
from ingestion.load.fetch_log import load_fetch_log
from ingestion.load.statistics import load_table
from ingestion.pipeline import TableLoadFailed, collect_all, load
from ingestion.sources import ColumnSpec, FetchPolicy, XlsxTableSource, get_source
from ingestion.statistics.validate import TableLayoutChanged, TableUnreadable, validate_table
from ingestion.warehouse import connect, ensure_raw_schema
from tests.http_server import serve

LOCAL = FetchPolicy(allow_private_addresses=True, backoff_seconds=0.01)
HEADER = ["county_code", "year", "rural_income_yuan", "surveyed_on"]


def source(**options: object) -> XlsxTableSource:
    defaults: dict[str, object] = {
        "id": "indicators",
        "kind": "xlsx_table",
        "url": "data/indicators.xlsx",
        "table": "stat_indicators",
        "key": ("county_code", "year"),
        "columns": (
            ColumnSpec(name="county_code", type="varchar", pattern=r"\d{6}"),
            ColumnSpec(name="year", type="integer"),
            ColumnSpec(name="rural_income_yuan", type="double", required=False),
            ColumnSpec(name="surveyed_on", type="date", required=False),
        ),
    }
    return XlsxTableSource(**{**defaults, **options})


def workbook(*rows: list[object], sheet: str = "data", before: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    if before:
        book.active.title = before
        book.active.append(["a sheet that is not the table"])
        worksheet = book.create_sheet(sheet)
    else:
        worksheet = book.active
        worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [
    HEADER,
    ["513431", 2021, 14900, date(2021, 12, 31)],
    [513429, 2021, 13650.5, None],  # a code typed as a number still matches \d{6}
    [None, None, None, None],  # blank rows are skipped, not rejected
    ["513436", 2022, None, "2022-12-31"],
]


def test_typed_cells_load_as_the_declared_types() -> None:
    result = validate_table(workbook(*GOOD), source())
    assert result.rejected == []
    assert result.rows == [
        {"county_code": "513431", "year": 2021, "rural_income_yuan": 14900.0,
         "surveyed_on": date(2021, 12, 31)},
        {"county_code": "513429", "year": 2021, "rural_income_yuan": 13650.5,
         "surveyed_on": None},
        {"county_code": "513436", "year": 2022, "rural_income_yuan": None,
         "surveyed_on": date(2022, 12, 31)},
    ]  # fmt: skip


def test_named_sheet_and_header_row_skip_title_lines() -> None:
    payload = workbook(["Illustrative figures"], *GOOD, sheet="indicators", before="notes")
    result = validate_table(payload, source(sheet="indicators", header_row=2))
    assert [row["county_code"] for row in result.rows] == ["513431", "513429", "513436"]


def test_bad_cells_are_quarantined_with_reasons_and_the_rest_loads() -> None:
    payload = workbook(
        HEADER,
        ["513431", 2021, 14900, None],
        ["513431", 2022, "n/a", None],  # non-numeric income
        ["5134-29", 2021, 13000, None],  # not a county code
        ["513436", "=2020+1", 12000, None],  # formula, not a value
        ["513437", datetime(2021, 1, 1), 12000, None],  # a date typed into the year column
        ["513432", 2021, "#DIV/0!", None],
        ["513431", 2021, 15000, None],  # duplicate key
    )
    result = validate_table(payload, source())
    assert [(r["county_code"], r["year"]) for r in result.rows] == [("513431", 2021)]
    reasons = {r.line_number: r.reason for r in result.rejected}
    assert reasons[3] == "rural_income_yuan: 'n/a' is not a number"
    assert reasons[4] == r"county_code: '5134-29' does not match \d{6}"
    assert "formula '=2020+1'" in reasons[5]
    assert reasons[6] == "year: '2021-01-01' is not an integer"
    assert "#DIV/0!" in reasons[7]
    assert "duplicate key ('513431', 2021) (first on line 2)" in reasons[8]
    # The quarantined payload shows the cells as they were, for whoever fixes the file.
    assert result.rejected[0].raw == '["513431", 2022, "n/a", null]'


def test_formulas_in_an_undeclared_column_do_not_reject_the_row() -> None:
    payload = workbook([*HEADER, "check"], ["513431", 2021, 14900, None, "=C2*2"])
    result = validate_table(payload, source())
    assert (len(result.rows), result.rejected) == (1, [])


def test_renamed_column_fails_with_both_layouts() -> None:
    payload = workbook(["code", "year", "rural_income_yuan", "surveyed_on"], ["513431", 2021])
    with pytest.raises(TableLayoutChanged) as caught:
        validate_table(payload, source())
    message = str(caught.value)
    assert "columns ['county_code'] are missing" in message
    assert f"Declared layout: {HEADER}" in message
    assert "File layout: ['code', 'year', 'rural_income_yuan', 'surveyed_on']" in message


def test_missing_sheet_names_the_sheets_there_are() -> None:
    with pytest.raises(TableLayoutChanged, match=r"'indicators' is not in .*\['data'\]"):
        validate_table(workbook(*GOOD), source(sheet="indicators"))


def test_merged_header_and_empty_sheet_are_layout_changes() -> None:
    book = openpyxl.Workbook()
    book.active.append(["Income", None, None, None])
    book.active.merge_cells("A1:D1")
    book.active.append(HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(TableLayoutChanged, match=r"File layout: \['Income'\]"):
        validate_table(buffer.getvalue(), source())
    with pytest.raises(TableLayoutChanged, match=r"File layout: \[\]"):
        validate_table(workbook(), source())


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"county_code,year\n513431,2021\n", "not a zip archive"),
        (_zip({"hello.txt": b"not a workbook"}), "not a readable .xlsx workbook"),
        # 40 MB of zeros packed into ~40 KB: refused before any XML is parsed.
        (_zip({"xl/worksheets/sheet1.xml": bytes(40_000_000)}), "likely zip bomb"),
    ],
    ids=["csv-bytes", "zip-not-xlsx", "zip-bomb"],
)
def test_hostile_files_are_refused_with_the_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(TableUnreadable, match=reason):
        validate_table(payload, source())


def test_a_runaway_sheet_is_refused_not_loaded_in_part() -> None:
    rows = [["513431", year, 10000, None] for year in range(1990, 2030)]
    with pytest.raises(TableUnreadable, match="more than 20 data rows"):
        validate_table(workbook(HEADER, *rows), source(max_rows=20))


def _load(landing: LandingStore, warehouse: Path, table: XlsxTableSource) -> dict | None:
    with connect(warehouse) as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        return load_table(connection, table, landing)


def test_sample_workbook_loads_and_quarantines_its_deliberate_bad_rows(tmp_path: Path) -> None:
    sample = get_source(PROJECT_ROOT / "sources.yml", "county_indicators")
    landing = LandingStore(tmp_path / "landing")
    assert collect_source(sample, PROJECT_ROOT, landing).landed == 1
    warehouse = tmp_path / "w.duckdb"
    assert _load(landing, warehouse, sample) == {"rows": 344, "rejected": 3}
    assert _load(landing, warehouse, sample) is None  # same file: nothing to do
    with connect(warehouse) as connection:
        loaded = connection.execute(
            "select count(*), count(distinct county_code), min(year), max(year) "
            "from raw.stat_county_indicators"
        ).fetchall()
        quarantined = connection.execute(
            "select reference, reason from raw.quarantine where source_id = ? order by 1",
            [sample.id],
        ).fetchall()
    assert loaded == [(344, 43, 2015, 2022)]
    assert [reason for _, reason in quarantined] == [
        "rural_income_yuan: 'n/a' is not a number",
        r"county_code: '5134-36' does not match \d{6}",
        "resident_population: formula '=D7*1.01' (export the sheet as values)",
    ]
    assert quarantined[0][0].endswith("county_indicators.xlsx:347")


def test_xlsx_by_url_goes_through_the_fetch_client(tmp_path: Path) -> None:
    served = tmp_path / "site"
    served.mkdir()
    (served / "indicators.xlsx").write_bytes(workbook(*GOOD))
    landing = LandingStore(tmp_path / "landing")
    with serve(served) as (base, hits):
        table = source(url=f"{base}/indicators.xlsx", fetch=LOCAL)
        summary = collect_source(table, tmp_path, landing)
        # The default policy refuses a private address: the URL goes through the policy.
        refused = collect_source(source(url=f"{base}/indicators.xlsx"), tmp_path, landing)
    assert (summary.landed, refused.landed) == (1, 0)
    assert hits["/indicators.xlsx"] == 1
    assert _load(landing, tmp_path / "w.duckdb", table) == {"rows": 3, "rejected": 0}


def test_a_hostile_workbook_fails_its_source_but_not_the_batch(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "good.xlsx").write_bytes(workbook(*GOOD))
    (tmp_path / "data" / "bad.xlsx").write_bytes(b"PK\x03\x04 truncated")
    columns = "[{name: county_code, type: varchar}, {name: year, type: integer}]"
    (tmp_path / "sources.yml").write_text(
        "sources:\n"
        f"  - {{id: good, kind: xlsx_table, url: data/good.xlsx, table: stat_good,"
        f" key: [county_code, year], columns: {columns}}}\n"
        f"  - {{id: bad, kind: xlsx_table, url: data/bad.xlsx, table: stat_bad,"
        f" key: [county_code, year], columns: {columns}}}\n",
        encoding="utf-8",
    )
    settings = Settings(
        project_root=tmp_path, var_dir=tmp_path / "var", sources_file=tmp_path / "sources.yml"
    )
    collect_all(settings)
    with pytest.raises(TableLoadFailed, match=r"source bad: not an \.xlsx workbook"):
        load(settings)
    with connect(settings.warehouse_path) as connection:
        assert connection.execute("select count(*) from raw.stat_good").fetchall() == [(3,)]
        # The schema set-up creates every declared table; nothing of the bad file is in it.
        assert connection.execute("select count(*) from raw.stat_bad").fetchall() == [(0,)]
