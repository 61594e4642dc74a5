"""Build ``data/regions.csv`` from the divisions that ship with ``cpca``.

Run ``python -m ingestion.gazetteer.build``. The output is sorted by code and
written with fixed formatting, so the same inputs always give the same bytes.

Hierarchy comes from the 12-digit code: digits 1-2 are the province, 3-4 the
prefecture, 5-6 the county. Two irregular cases:
- municipalities (Beijing, Tianjin, Shanghai, Chongqing) have placeholder
  prefecture rows ("市辖区", "县"); their districts hang directly under the
  municipality, which also serves as their prefecture;
- "province-administered county-level units" (xx90xx: Jiyuan, Xiantao, the
  Xinjiang corps cities) hang under the province, which serves as prefecture.

cpca's list predates some changes. ``data/renames.csv`` lists divisions renamed
(Pi County became Pidu District in 2016, with a new code) or merged into
another (Chongwen District into Dongcheng, 2010): the built file has only
today's division, under today's code and name, with the old English name kept
as an alias, so news of either decade resolves to one code
(``ingestion.gazetteer.lookup`` also maps the old codes).
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.gazetteer.romanize import english_name, pinyin_word, split_name

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_CSV = DATA_DIR / "regions.csv"
OVERRIDES_CSV = DATA_DIR / "overrides.csv"
RENAMES_CSV = DATA_DIR / "renames.csv"
COLUMNS = (
    "region_code",
    "name_zh",
    "name_en",
    "level",
    "parent_code",
    "province_code",
    "prefecture_code",
    "longitude",
    "latitude",
    "aliases",
)
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Rows that are grouping placeholders, not divisions.
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class Override:
    name_zh: str
    region_code: str
    base_en: str
    aliases: tuple[str, ...]

    def applies_to(self, code: str, province: str, prefecture: str) -> bool:
        return not self.region_code or self.region_code in (code, province, prefecture)


@dataclass(frozen=True)
class Rename:
    """A division renamed (new code and name) or merged into another, and when."""

    old_code: str
    old_name_zh: str
    old_name_en: str
    new_code: str
    new_name_zh: str
    year: int
    change: str  # renamed or merged


def read_renames(path: Path = RENAMES_CSV) -> list[Rename]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Rename(
                old_code=row["old_code"].strip(),
                old_name_zh=row["old_name_zh"].strip(),
                old_name_en=row["old_name_en"].strip(),
                new_code=row["new_code"].strip(),
                new_name_zh=row["new_name_zh"].strip(),
                year=int(row["year"]),
                change=row["change"].strip(),
            )
            for row in csv.DictReader(fh)
            if row.get("old_code")
        ]


def apply_renames(
    cpca_rows: Iterable[tuple[str, str, str, str]], renames: Iterable[Rename]
) -> tuple[list[tuple[str, str, str, str]], dict[str, list[str]]]:
    """cpca's rows as they are today, and the old English names to keep per new code.

    A renamed division keeps its coordinates under its new code and name (unless
    cpca already lists the new one); a merged one disappears into its target.
    """
    rows = {code: (code, name, lon, lat) for code, name, lon, lat in cpca_rows}
    old_names: dict[str, list[str]] = {}
    for rename in renames:
        old = rows.pop(rename.old_code, None)
        if rename.change == "renamed" and old is not None and rename.new_code not in rows:
            rows[rename.new_code] = (rename.new_code, rename.new_name_zh, old[2], old[3])
        old_names.setdefault(rename.new_code, []).append(rename.old_name_en)
    return sorted(rows.values()), old_names


def read_cpca_rows() -> Iterator[tuple[str, str, str, str]]:
    """(code, name, longitude, latitude) rows of cpca's adcodes.csv."""
    text = importlib.resources.files("cpca").joinpath("resources/adcodes.csv").read_text("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for row in reader:
        if len(row) >= 4 and row[0].isdigit() and len(row[0]) == 12:
            yield row[0], row[1].strip(), row[2].strip(), row[3].strip()


def read_overrides(path: Path = OVERRIDES_CSV) -> list[Override]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Override(
                name_zh=row["name_zh"].strip(),
                region_code=(row.get("region_code") or "").strip(),
                base_en=row["base_en"].strip(),
                aliases=tuple(
                    a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()
                ),
            )
            for row in csv.DictReader(fh)
            if row.get("name_zh")
        ]


def hierarchy(code: str) -> tuple[str, str, str | None, str]:
    """(level, parent_code, prefecture_code, province_code) derived from the digits."""
    province = code[:2] + "0" * 10
    if code[2:] == "0" * 10:
        return "province", "", None, province
    if code[4:] == "0" * 8:
        # A prefecture is its own prefecture: rolling data up by prefecture must
        # keep Chengdu apart from the rest of Sichuan.
        return "prefecture", province, code, province
    prefecture = code[:4] + "0" * 8
    if code[:2] in MUNICIPALITIES or code[2:4] == "90":
        return "county", province, province, province
    return "county", prefecture, prefecture, province


def _is_division(code: str, name: str) -> bool:
    if name in PLACEHOLDER_NAMES or code[6:] != "000000":
        return False
    # Island groups under Sansha are listed as counties but are not divisions anyone pairs.
    return not name.endswith(("群岛", "海域"))


def build_rows(
    cpca_rows: Iterable[tuple[str, str, str, str]],
    overrides: list[Override],
    renames: Iterable[Rename] = (),
) -> list[dict[str, str]]:
    current, old_names = apply_renames(cpca_rows, renames)
    rows: list[dict[str, str]] = []
    for code, name_zh, lon, lat in current:
        if not _is_division(code, name_zh):
            continue
        level, parent, prefecture, province = hierarchy(code)
        split = split_name(name_zh)
        if level == "province" and code[:2] in MUNICIPALITIES:
            split = type(split)(split.base_zh, (), "Municipality")
        base_en = pinyin_word(split.base_zh) if split.base_zh else ""
        aliases: list[str] = []
        for ov in overrides:
            if ov.name_zh == split.base_zh and ov.applies_to(code, province, prefecture or ""):
                base_en, aliases = ov.base_en, list(ov.aliases)
        if "ü" in base_en:
            aliases.extend([base_en.replace("ü", "u"), base_en.replace("ü", "v")])
        # The name it had before a rename or merger, bare ("Pi" of Pi County) as
        # every base name is: the mention's suffix word is matched separately.
        for old_name in old_names.get(code, ()):
            old_base = _bare(old_name)
            if old_base and old_base != base_en:
                aliases.append(old_base)
        rows.append(
            {
                "region_code": code,
                "name_zh": name_zh,
                "name_en": english_name(base_en, split),
                "level": level,
                "parent_code": parent,
                "province_code": province,
                "prefecture_code": prefecture or "",
                "longitude": lon,
                "latitude": lat,
                "aliases": ";".join(dict.fromkeys(aliases)),
            }
        )
    return rows


# English suffix words of a division's name ("Pi County" -> "Pi").
_SUFFIX_WORDS = ("County", "District", "City", "Prefecture", "Banner")


def _bare(name_en: str) -> str:
    words = name_en.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in _SUFFIX_WORDS else name_en


def write_rows(rows: list[dict[str, str]], path: Path = REGIONS_CSV) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rows = build_rows(read_cpca_rows(), read_overrides(), read_renames())
    write_rows(rows)
    print(f"wrote {len(rows)} divisions to {REGIONS_CSV}")


if __name__ == "__main__":
    main()
