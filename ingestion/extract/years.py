"""The year a sentence ties a fact to.

A sentence often names several years ("X, which has helped Y since 1997, will
invest Z in 2023"): the fact's year is the one nearest the fact's own words,
preferring one in the same clause. Years that are part of a name or a period
("the 14th Five-Year Plan (2021-2025)", "the 2016-2020 period") are no fact's
year, and relative years ("last year") are left unresolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A year is not followed by more digits ("20221") nor a thousands group ("2,022,000"),
# but a comma or full stop after it ends a phrase ("In 2022, the county ...").
# "(?<![\d.,])(?:19[89]\d|20[0-4]\d)" with the look-behind moved past the first digit
# (and widened by it), so that the pattern opens with a literal and the engine skips to
# the 1s and 2s instead of trying every position (2.5x, same matches).
YEAR_RE = re.compile(r"(?:1(?<![\d.,]1)9[89]|2(?<![\d.,]2)0[0-4])\d(?!\d|[,.]\d)")
# A year range or a plan's span names a period, not one fact's year.
_RANGE_AFTER_RE = re.compile(r"^\s?(?:-|–|—|to|/)\s?(?:19|20)?\d\d\b")
_RANGE_BEFORE_RE = re.compile(r"(?:19|20)\d\d\s?(?:-|–|—|/)\s?$")
_PLAN_BEFORE_RE = re.compile(r"(?:plan|period|programme|program)\s*\(?\s*$", re.I)
_SINCE_RE = re.compile(r"\b(?:since|from|starting\s+in|beginning\s+in)\s+(?:the\s+)?$", re.I)
# Clause breaks a year should not reach across.
_BREAK_RE = re.compile(r";|,\s*(?:which|who|while|when|and\s+the|but)\b")


@dataclass(frozen=True)
class YearMention:
    start: int
    value: int
    since: bool  # "since 2013": the start of a relationship, not a single year's figure


def find_years(text: str) -> list[YearMention]:
    """Years in a sentence that can be a fact's year, in order."""
    out: list[YearMention] = []
    for m in YEAR_RE.finditer(text):
        before = text[max(0, m.start() - 24) : m.start()]
        if _RANGE_AFTER_RE.match(text[m.end() : m.end() + 8]) or _RANGE_BEFORE_RE.search(before):
            continue
        if _PLAN_BEFORE_RE.search(before):
            continue
        out.append(YearMention(m.start(), int(m.group()), bool(_SINCE_RE.search(before))))
    return out


def find_year(text: str) -> int | None:
    """The first plausible year written in the text."""
    years = find_years(text)
    return years[0].value if years else None


def year_near(text: str, at: int, years: list[YearMention] | None = None) -> int | None:
    """The year nearest position ``at``, preferring its own clause and not a "since" year."""
    years = find_years(text) if years is None else years
    if not years:
        return None
    return min(years, key=lambda y: _distance(text, y, at)).value


def _distance(text: str, y: YearMention, at: int) -> float:
    lo, hi = sorted((y.start, at))
    cost = float(hi - lo)
    if _BREAK_RE.search(text, lo, hi):
        cost += 400
    if y.since:
        cost += 200
    return cost


def pairing_year(text: str, years: list[YearMention] | None = None) -> int | None:
    """A relationship's year: its start ("since 2013") or else the first year named."""
    years = find_years(text) if years is None else years
    for y in years:
        if y.since:
            return y.value
    return years[0].value if years else None
