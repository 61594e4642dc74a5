"""Write ``county_indicators.xlsx``, the sample XLSX statistical source, from the table below.

ILLUSTRATIVE SAMPLE FIGURES, not official statistics. Each county has a
plausible 2015 resident population and rural per-capita disposable income
(yuan), grown at a steady yearly rate to 2022; the rates are in the range
such counties reported (incomes of poverty counties grew about 8-12 % a year
in 2015-2020). Three deliberately bad rows at the end show the loader's
quarantine: a non-numeric income, a code that is not a county code, and a
formula instead of a value.

Run from the project root (the output is byte-for-byte reproducible):

    .venv/bin/python data/stats/make_county_indicators.py
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl

OUTPUT = Path(__file__).with_name("county_indicators.xlsx")
YEARS = range(2015, 2023)
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip member timestamps, for a reproducible file
FIXED_MODIFIED = "2024-01-01T00:00:00Z"

# code, English name, 2015 resident population, 2015 rural income (yuan),
# yearly population change (%), yearly income growth (%)
COUNTIES: list[tuple[str, str, int, int, float, float]] = [
    ("513422", "Muli County", 130_000, 8_300, 0.4, 10.0),
    ("513423", "Yanyuan County", 330_000, 9_500, 0.5, 9.5),
    ("513428", "Puge County", 150_000, 7_400, 0.6, 10.5),
    ("513429", "Butuo County", 170_000, 6_800, 0.9, 11.0),
    ("513430", "Jinyang County", 160_000, 6_900, 0.7, 11.0),
    ("513431", "Zhaojue County", 270_000, 7_200, 0.8, 10.8),
    ("513432", "Xide County", 170_000, 7_600, 0.6, 10.5),
    ("513434", "Yuexi County", 290_000, 7_700, 0.7, 10.2),
    ("513435", "Ganluo County", 200_000, 8_600, 0.3, 9.8),
    ("513436", "Meigu County", 230_000, 6_700, 0.9, 11.2),
    ("513437", "Leibo County", 220_000, 8_500, 0.2, 9.9),
    ("513328", "Ganzi County", 70_000, 7_400, 0.8, 10.4),
    ("513329", "Xinlong County", 50_000, 7_900, 0.5, 10.0),
    ("513330", "Dege County", 80_000, 7_000, 0.9, 10.6),
    ("513331", "Baiyu County", 55_000, 7_200, 0.6, 10.4),
    ("513332", "Shiqu County", 95_000, 6_800, 1.1, 11.0),
    ("513333", "Seda County", 60_000, 7_300, 0.9, 10.5),
    ("513334", "Litang County", 70_000, 7_600, 0.8, 10.8),
    ("513335", "Batang County", 50_000, 8_100, 0.5, 10.0),
    ("513326", "Daofu County", 60_000, 8_000, 0.4, 9.9),
    ("513231", "Aba County", 75_000, 8_600, 0.7, 9.6),
    ("513230", "Rangtang County", 40_000, 8_100, 0.6, 9.8),
    ("513233", "Hongyuan County", 45_000, 10_500, 0.5, 9.0),
    ("511923", "Pingchang County", 800_000, 9_300, -0.8, 9.4),
    ("511921", "Tongjiang County", 550_000, 9_000, -0.9, 9.5),
    ("510821", "Wangcang County", 350_000, 9_200, -0.6, 9.3),
    ("510824", "Cangxi County", 600_000, 9_700, -0.9, 9.2),
    ("510823", "Jiange County", 500_000, 9_400, -1.0, 9.3),
    ("511781", "Wanyuan City", 420_000, 9_600, -0.7, 9.4),
    ("510524", "Xuyong County", 580_000, 9_800, -0.5, 9.3),
    ("510525", "Gulin County", 620_000, 9_600, -0.6, 9.4),
    ("360881", "Jinggangshan City", 160_000, 8_000, 0.3, 10.2),
    ("410225", "Lankao County", 620_000, 9_400, 0.2, 9.0),
    ("653125", "Shache County", 850_000, 7_400, 1.3, 10.5),
    ("653222", "Moyu County", 570_000, 6_300, 1.4, 11.5),
    ("653221", "Hotan County", 340_000, 6_800, 1.2, 11.0),
    ("653223", "Pishan County", 300_000, 6_600, 1.3, 11.2),
    ("520526", "Weining County", 1_300_000, 7_500, 0.6, 10.5),
    ("522632", "Rongjiang County", 300_000, 6_900, 0.4, 10.8),
    ("622926", "Dongxiang County", 280_000, 4_700, 1.0, 11.8),
    ("621121", "Tongwei County", 350_000, 6_500, -0.5, 10.2),
    ("640422", "Xiji County", 370_000, 7_300, 0.3, 10.0),
    ("640522", "Haiyuan County", 400_000, 7_200, 0.4, 10.1),
]

HEADER = ["county_code", "county_name_en", "year", "resident_population", "rural_income_yuan"]

# Rows that break the declared schema on purpose (see the module docstring).
BAD_ROWS: list[list[object]] = [
    ["513429", "Butuo County", 2023, 176_000, "n/a"],
    ["5134-36", "Meigu County", 2023, 244_000, 19_800],
    ["513431", "Zhaojue County", 2023, "=D7*1.01", 19_500],
]


def indicator_rows() -> list[list[object]]:
    """One row per county and year, rounded as a statistics office would print them."""
    rows: list[list[object]] = []
    for code, name, population, income, population_change, income_growth in COUNTIES:
        for year in YEARS:
            elapsed = year - 2015
            rows.append(
                [
                    code,
                    name,
                    year,
                    int(round(population * (1 + population_change / 100) ** elapsed, -2)),
                    round(income * (1 + income_growth / 100) ** elapsed),
                ]
            )
    return rows


def workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "notes"
    notes.append(["Illustrative sample figures for the demo; not official statistics."])
    notes.append(["Made by data/stats/make_county_indicators.py."])
    sheet = book.create_sheet("indicators")
    # A title line above the header, as published tables have: the source says header_row 2.
    sheet.append(["County indicators (illustrative sample figures, not official statistics)"])
    sheet.append(HEADER)
    for row in indicator_rows() + BAD_ROWS:
        sheet.append(row)
    for cell in sheet["A"]:
        cell.number_format = "@"  # codes are text: 6 digits whose leading digits matter
    return book


def reproducible(payload: bytes) -> bytes:
    """The same archive with fixed timestamps, so re-running gives identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(payload))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_MODIFIED.encode(),
                    data,
                )
            target.writestr(
                zipfile.ZipInfo(member.filename, FIXED_TIME), data, zipfile.ZIP_DEFLATED
            )
    return output.getvalue()


def main() -> None:
    buffer = io.BytesIO()
    workbook().save(buffer)
    OUTPUT.write_bytes(reproducible(buffer.getvalue()))
    print(f"wrote {OUTPUT} ({len(indicator_rows())} rows + {len(BAD_ROWS)} bad rows)")


if __name__ == "__main__":
    main()
