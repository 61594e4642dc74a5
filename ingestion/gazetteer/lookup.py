"""Load the built gazetteer and resolve English place mentions to division codes.

Names are indexed by a folded key (lower case, no apostrophes, hyphens or
diacritics) of the proper name without its admin suffix: "Jian'ge County",
"Jiange" and "jian-ge" all key as ``jiange``. A mention's suffix word ("County",
"Prefecture") narrows the candidates; places mentioned nearby narrow them further.
A name that still has several candidates gets no code: a wrong code is worse
than none.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"
RENAMES_CSV = Path(__file__).resolve().parent / "data" / "renames.csv"

# English suffix word -> Chinese name endings it may stand for. Used strictly first,
# loosely (any county-level unit) second, because translators mix up County/District.
SUFFIX_ZH: dict[str, tuple[str, ...]] = {
    "county": ("县", "旗"),
    "district": ("区",),
    "city": ("市",),
    "prefecture": ("州", "地区", "盟", "市"),
    "region": ("地区", "自治区", "州", "盟"),
    "area": ("地区", "州", "新区", "区"),
    "league": ("盟",),
    "banner": ("旗",),
    "province": ("省", "自治区"),
    "municipality": ("市",),
}
SUFFIX_LEVEL: dict[str, tuple[str, ...]] = {
    "county": ("county",),
    "district": ("county",),
    "city": ("county", "prefecture", "province"),
    "prefecture": ("prefecture",),
    "region": ("prefecture", "province"),
    "area": ("prefecture", "county"),
    "league": ("prefecture",),
    "banner": ("county",),
    "province": ("province",),
    "municipality": ("province",),
}
LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}


_ASCII_DROP = str.maketrans("", "", "'’-.`")
_ASCII_NAME_RE = re.compile(r"[A-Za-z0-9 '’.`-]*")


@functools.lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """The lookup key of a name: lower case ASCII letters and single spaces."""
    if _ASCII_NAME_RE.fullmatch(name):  # the common case, without unicode work
        return " ".join(name.translate(_ASCII_DROP).lower().split())
    decomposed = unicodedata.normalize("NFKD", name)
    out: list[str] = []
    for ch in decomposed:
        if ch.isascii() and ch.isalnum():
            out.append(ch.lower())
        elif ch.isspace():
            out.append(" ")
        # apostrophes, hyphens, combining marks: dropped so variants key alike
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None
    province_code: str
    prefecture_code: str | None
    longitude: float | None
    latitude: float | None
    aliases: tuple[str, ...] = ()

    @property
    def base_en(self) -> str:
        """The English name without suffix or ethnic words ("Liangshan")."""
        return _BASE_CACHE.get(self.code, self.name_en)

    def ancestors(self) -> tuple[str, ...]:
        cached = _ANCESTORS_CACHE.get(self.code)
        if cached is None:
            # A prefecture's prefecture_code is its own code: not an ancestor.
            codes = (self.parent_code, self.prefecture_code, self.province_code)
            cached = tuple(dict.fromkeys(c for c in codes if c and c != self.code))
            _ANCESTORS_CACHE[self.code] = cached
        return cached

    def is_within(self, other_code: str) -> bool:
        return other_code != self.code and other_code in self.ancestors()


_BASE_CACHE: dict[str, str] = {}
# Codes are unique within the one gazetteer a process loads; hierarchy is hot in resolution.
_ANCESTORS_CACHE: dict[str, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Resolution:
    """What a mention resolves to: a code, or why not."""

    code: str | None
    candidates: tuple[Region, ...]

    @property
    def ambiguous(self) -> bool:
        return self.code is None and len(self.candidates) > 1


@dataclass
class Gazetteer:
    regions: dict[str, Region]
    by_key: dict[str, tuple[Region, ...]] = field(default_factory=dict)
    max_key_words: int = 1
    # Old code of a renamed or merged division -> today's code (data/renames.csv).
    renamed: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_regions(cls, regions: Iterable[Region], bases: dict[str, list[str]]) -> Gazetteer:
        index: dict[str, list[Region]] = defaultdict(list)
        by_code = {}
        for region in regions:
            by_code[region.code] = region
            for name in bases.get(region.code, []):
                key = fold(name)
                if key and region not in index[key]:
                    index[key].append(region)
        max_words = max((k.count(" ") + 1 for k in index), default=1)
        return cls(
            regions=by_code,
            by_key={k: tuple(v) for k, v in index.items()},
            max_key_words=max_words,
        )

    def get(self, code: str | None) -> Region | None:
        """The division of a code, today's for the old code of a renamed or merged one."""
        if not code:
            return None
        return self.regions.get(code) or self.regions.get(self.current_code(code))

    def current_code(self, code: str) -> str:
        """Today's code for ``code`` (itself unless the division was renamed or merged)."""
        seen = {code}
        while code in self.renamed and self.renamed[code] not in seen:
            code = self.renamed[code]  # renamed twice: follow to the last
            seen.add(code)
        return code

    def candidates(self, name: str, suffix: str | None = None) -> tuple[Region, ...]:
        """Divisions a bare name (and optional English suffix word) may denote."""
        found = self.by_key.get(fold(name), ())
        if not suffix:
            return found
        suffix = suffix.lower()
        strict = tuple(r for r in found if r.name_zh.endswith(SUFFIX_ZH.get(suffix, ("",))))
        if strict:
            return strict
        levels = SUFFIX_LEVEL.get(suffix, ())
        return tuple(r for r in found if r.level in levels)

    def resolve(
        self,
        name: str,
        suffix: str | None = None,
        context: Iterable[str] = (),
    ) -> Resolution:
        """Resolve a mention; ``context`` holds codes of places mentioned nearby."""
        return self.choose(self.candidates(name, suffix), context)

    def choose(self, found: tuple[Region, ...], context: Iterable[str] = ()) -> Resolution:
        if len(found) <= 1:
            return Resolution(found[0].code if found else None, found)
        ctx = [c for c in context if c]
        for code in ctx:  # nearest context first
            inside = tuple(r for r in found if r.is_within(code) or r.code == code)
            if len(inside) == 1:
                return Resolution(inside[0].code, found)
            if inside:
                found = inside
        top = _dominant(found)
        return Resolution(top.code if top else None, found)


def _dominant(found: tuple[Region, ...]) -> Region | None:
    """The one candidate every other candidate lies within, or the lone province.

    "Chengde" is both a prefecture and a county inside it: a bare name means the
    prefecture. "Hainan" is a province and a prefecture elsewhere: the province.
    """
    ranked = sorted(found, key=lambda r: LEVEL_RANK[r.level])
    top = ranked[0]
    if all(r is top or r.is_within(top.code) for r in ranked):
        return top
    provinces = [r for r in ranked if r.level == "province"]
    return provinces[0] if len(provinces) == 1 else None


def _base_names(row: dict[str, str]) -> list[str]:
    from ingestion.gazetteer.romanize import split_name

    name_en = row["name_en"]
    split = split_name(row["name_zh"])
    drop = " ".join([*split.ethnic_en, split.suffix_en]).strip()
    if row["level"] == "province" and name_en.endswith(" Municipality"):
        drop = "Municipality"
    base = name_en[: -len(drop)].strip() if drop and name_en.endswith(drop) else name_en
    if not split.base_zh and split.ethnic_en:
        base = split.ethnic_en[0]  # 东乡族自治县: the ethnic name is the proper name
    names = [base or name_en]
    names.extend(a for a in row["aliases"].split(";") if a)
    return names


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def read_gazetteer(path: Path = REGIONS_CSV) -> Gazetteer:
    regions: list[Region] = []
    bases: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            region = Region(
                code=row["region_code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                level=row["level"],
                parent_code=row["parent_code"] or None,
                province_code=row["province_code"],
                prefecture_code=row["prefecture_code"] or None,
                longitude=_float(row["longitude"]),
                latitude=_float(row["latitude"]),
                aliases=tuple(a for a in row["aliases"].split(";") if a),
            )
            regions.append(region)
            bases[region.code] = _base_names(row)
            _BASE_CACHE[region.code] = bases[region.code][0]
    gazetteer = Gazetteer.from_regions(regions, bases)
    gazetteer.renamed = read_renamed_codes()
    return gazetteer


def read_renamed_codes(path: Path = RENAMES_CSV) -> dict[str, str]:
    """Old code -> new code of each renamed or merged division."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["old_code"]: row["new_code"] for row in csv.DictReader(fh)}


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once per process."""
    return read_gazetteer()
