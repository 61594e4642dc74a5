"""The year, or the period, a figure belongs to (the contract's "Years and periods").

A single-year figure has ``year`` alone. A figure that covers several years
("from 2016 to 2019", "since 2012", "over the past five years", "during the
13th Five-Year Plan") has ``year`` = the last year and ``year_from`` = the first:
a warehouse sums single-year figures by year, so a cumulative figure dated by
the first year of its period is a wrong number in a chart.

Relative years ("this year", "since 2017", "over the past three years") end in
the year of the statement. Only a date printed in the text itself dates it (a
dateline, "Updated: 2020-05-23", "December 24, 2011"): the contract does not let
a year seen only in the URL or the feed decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.extract.memo import text_cache
from ingestion.extract.text import folded, led_by
from ingestion.extract.years import find_years

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_YEAR = r"(19[5-9]\d|20[0-4]\d)"


# A full date: the statement's date when it is the first one the text prints.
_DATE_RES = (
    re.compile(
        rf"(?<!\d){_YEAR}\s?[-/.年]\s?(?:0?[1-9]|1[0-2])\s?[-/.月]\s?(?:[0-2]?\d|3[01])(?!\d)"
    ),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?,?\s*{_YEAR}\b", re.I),
    re.compile(rf"\b(?:[0-2]?\d|3[01])\s+(?:{_MONTHS})\.?,?\s+{_YEAR}\b", re.I),
)
# Words without which a sentence states no time: most figures' sentences skip the rest.
# The look-ahead (each alternative's first letter) lets the engine skip most positions
# before it tries the case-insensitive alternation: about twice as fast, same matches.
_ANY_TIME_RE = re.compile(
    rf"(?=[12ypndfcjmaso])(?:(?:19|20)\d\d|year|plan|now|date|far|present|current|{_MONTHS})",
    re.I,
)
# Words without which a sentence states no period with a first year.
_START_HINT_RE = re.compile(r"(?:19|20)\d\d|plan|years", re.I)
_ANY_YEAR_RE = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
# How far into the text a dateline may stand (site chrome, a headline, a byline first).
_DATELINE_WINDOW = 1500

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_COUNT = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"

_RANGE_RES = (
    led_by(
        "f",
        rf"\bfrom\s+(?:the\s+end\s+of\s+|early\s+|late\s+)?{_YEAR}"
        rf"\s+(?:to|through|until|till)\s+{_YEAR}\b",
        re.I,
    ),
    led_by("b", rf"\bbetween\s+{_YEAR}\s+and\s+{_YEAR}\b", re.I),
    led_by("12", rf"(?<![\d.,]){_YEAR}\s?(?:-|–|—|~|to)\s?{_YEAR}(?![\d,])", re.I),
)  # fmt: skip
# "since 2012", "since the end of 2016", "since the pairing began in 2010", "starting from 2018".
_SINCE_RE = led_by(
    "sbe",
    rf"\b(?:since|starting\s+(?:from|in)|beginning\s+in|ever\s+since)\b[^.;:]{{0,90}}?\b{_YEAR}\b(?!\s?(?:-|–|to)\s?\d)",
    re.I,
)
_PAST_YEARS_RE = led_by(
    "oidfw",
    rf"\b(?:over|in|during|for|within)\s+the\s+(?:past|last|previous)\s+{_COUNT}\s+years\b"
    rf"|\b(?:over|in|during|for|within)\s+(?:a|the)\s+{_COUNT}[-\s–]years?\s+period\b"
    rf"|\bin\s+{_COUNT}\s+years\b",
    re.I,
)
_PLAN_RE = led_by("1", r"\b(1[0-5])th\s+five[-\s]year\s+plan", re.I)
_RELATIVE_RE = led_by(
    "tln", r"\b(this|last|next|the\s+previous|the\s+past|the\s+current)\s+year\b(?!s)", re.I
)
# A day or month without a year ("on September 14", "this June") is in the dateline's year.
_DAY_RE = led_by(
    "oitsbufda",
    rf"\b(?:on|in|this|since|by|until|from|of|during|before|after)\s+(?:the\s+)?"
    rf"(?:early\s+|late\s+|mid-?|end\s+of\s+)?(?:{_MONTHS})\b"
    rf"(?!\.?\s*(?:[0-3]?\d,?\s*)?(?:19|20)\d\d)",
    re.I,
)
# "The past year" is the twelve months to the statement: the statement's year, as for
# "so far"; "last year" is the calendar year before it.
# "so far", "to date", "now": a total as of the statement, in the statement's year.
_NOW_RE = led_by(
    "stubnca",
    r"\b(?:so\s+far|to\s+date|up\s+to\s+now|until\s+now|by\s+now|now|currently|at\s+present)\b",
    re.I,
)
_RELATIVE_OFFSET = {
    "this": 0, "the current": 0, "the past": 0, "last": -1, "the previous": -1, "next": 1,
}  # fmt: skip
# How far into a sentence a time phrase still opens it, and the words before one that do.
_OPENING_CHARS = 48
_OPENER_RE = re.compile(
    r"^\s*(?:in|by|as\s+of|since|from|during|over|at|until|till)\b[^,;]{0,40}?,", re.I
)
# The figure's own words: its number, scale and unit ("4.5 million yuan", "300 mu").
_FIGURE_RE = re.compile(
    r"[\d.,\s]*(?:hundred|thousand|million|billion|trillion|wan|yi)?\s*"
    r"(?:yuan|rmb|dollars|tonnes|tons|mu|hectares|people|persons|households|villages|counties)?\s*",
    re.I,
)
# Wording that makes a figure a running total ("a total of", "cumulatively", "has been
# invested"): without a time of its own it covers the period its passage set up.
_CUMULATIVE_RE = re.compile(
    r"\b(?:a\s+total\s+of|in\s+total|totall?ing|cumulative(?:ly)?|accumulated|altogether"
    r"|(?:has|have|had)\s+(?:also\s+|already\s+)?(?:been\s+)?[a-z]+(?:ed|en|t)\b)",
    re.I,
)
# "by the end of 2016", "as of 2019": where a running total stops.
_BY_END_RE = re.compile(
    rf"\b(?:by|as\s+of|up\s+to|until|till)\s+(?:the\s+end\s+of\s+)?{_YEAR}\b", re.I
)
_RELATIVE_CLAUSE_RE = re.compile(r",\s*(?:which|who)\b[^,;]*(?:,|$)", re.I)
# Clause breaks a period should not reach across.
_BREAK_RE = re.compile(r";|\.\s|,\s*(?:which|who|while|when|and\s+the|but|of\s+which)\b")


@dataclass(frozen=True)
class Period:
    """A figure's year (the last year of a period) and, for a period, its first year."""

    year: int | None = None
    year_from: int | None = None


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    period: Period
    explicit_single: bool = False  # a plain year ("in 2019"), weaker than a stated period


def document_year(text: str) -> int | None:
    """The year of the first full date the text prints near its start (its dateline)."""
    head = text[:_DATELINE_WINDOW]
    # Only the few places where a year is written can hold a date: look around those.
    for year in _ANY_YEAR_RE.finditer(head):
        around = head[max(0, year.start() - 20) : year.end() + 8]
        if any(pattern.search(around) for pattern in _DATE_RES):
            return int(year.group())
    return None


def _plan_period(number: int) -> Period:
    # The 13th plan is 2016-2020; plans are five years each.
    first = 2016 + 5 * (number - 13)
    return Period(first + 4, first)


# Words each pattern needs (see ``text.folded``): a sentence without them is not searched.
# A pattern with a year needs "19" or "20"; a month is one of these twelve beginnings.
_MONTH_HEADS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NOW_WORDS = ("now", "far", "date", "current", "present")


@text_cache(maxsize=512)
def _spans(text: str, doc_year: int | None) -> tuple[_Span, ...]:
    spans: list[_Span] = []
    taken: list[tuple[int, int]] = []
    low = folded(text)
    has_year = "19" in text or "20" in text

    def add(start: int, end: int, period: Period, single: bool = False) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        spans.append(_Span(start, end, period, single))

    # Each pattern runs only where its words are (and the ones that date by the
    # statement only with a statement year): the spans found are the same.
    ranges = (has_year and "from" in low, has_year and "between" in low, has_year)
    for pattern, wanted in zip(_RANGE_RES, ranges, strict=True):
        for m in pattern.finditer(text) if wanted else ():
            first, last = int(m.group(1)), int(m.group(2))
            if first < last <= first + 30:
                add(m.start(), m.end(), Period(last, first))
    for m in _PLAN_RE.finditer(text) if "plan" in low else ():
        add(m.start(), m.end(), _plan_period(int(m.group(1))))
    since = has_year and ("since" in low or "starting" in low or "beginning" in low)
    for m in _SINCE_RE.finditer(text) if since else ():
        first = int(m.group(1))
        since_last = doc_year if doc_year and doc_year > first else None
        add(m.start(), m.end(), Period(since_last, first))
    if doc_year and "year" in low:
        for m in _PAST_YEARS_RE.finditer(text):
            word = next(g for g in m.groups() if g).lower()
            n = _NUMBER_WORDS.get(word) or int(word)
            add(m.start(), m.end(), Period(doc_year, doc_year - n + 1))
        for m in _RELATIVE_RE.finditer(text):
            offset = _RELATIVE_OFFSET.get(" ".join(m.group(1).lower().split()))
            if offset is not None:
                add(m.start(), m.end(), Period(doc_year + offset))
    if doc_year and any(w in low for w in _NOW_WORDS):
        for m in _NOW_RE.finditer(text):
            add(m.start(), m.end(), Period(doc_year), single=True)
    if doc_year and any(w in low for w in _MONTH_HEADS):
        for m in _DAY_RE.finditer(text):
            add(m.start(), m.end(), Period(doc_year), single=True)
    for y in find_years(text) if has_year else ():
        add(y.start, y.start + 4, Period(y.value), single=True)
    return tuple(spans)


def _cost(text: str, span: _Span, at: int, after: int, clauses: list[tuple[int, int]]) -> float:
    """``after``: where the figure's own words end; ``clauses``: the relative clauses'
    spans (the same for every span of the sentence, so found once by the caller)."""
    # A period after the figure is as near as the words that follow the figure's unit.
    lo, hi = (span.end, at) if span.end <= at else (after, span.start)
    cost = float(max(hi - lo, 0))
    if _BREAK_RE.search(text, min(lo, hi), max(lo, hi)):
        cost += 400
    # "X, which has helped Y since 2010, will ...": the clause dates the relationship.
    for start, end in clauses:
        if start <= span.start < end and not start <= at < end:
            cost += 300
    return cost


# Pure in its arguments and Periods are frozen: a repeated sentence is dated once.
@text_cache(maxsize=4096)
def figure_period(text: str, at: int, doc_year: int | None) -> Period:
    """The period the sentence ties the figure at ``at`` to (empty when none).

    The nearest period expression in the figure's own clause wins; a stated
    period ("since 2017") beats a plain year at the same distance.
    """
    if not _ANY_TIME_RE.search(text):
        return Period()
    spans = _spans(text, doc_year)
    if not spans:
        return Period()
    after = at + len(_FIGURE_RE.match(text, at).group())  # type: ignore[union-attr]
    clauses = [c.span() for c in _RELATIVE_CLAUSE_RE.finditer(text)]
    best = min(
        spans,
        key=lambda s: _cost(text, s, at, after, clauses) + (8 if s.explicit_single else 0),
    )
    return best.period


@text_cache(maxsize=4096)
def opening_period(text: str, doc_year: int | None) -> Period:
    """The period a sentence opens with ("In 2019, ...", "By the end of last year, ..."),
    which the sentences after it in a paragraph go on reporting."""
    head = text[:_OPENING_CHARS]
    spans = [
        s
        for s in _spans(head, doc_year)
        if not head[: s.start].strip(" ,") or _OPENER_RE.match(head)
    ]
    opening = [s for s in spans if s.start < _OPENING_CHARS // 2]
    return min(opening, key=lambda s: s.start).period if opening else Period()


# Pure in its arguments: every figure asks it of the sentences before its own.
@text_cache(maxsize=4096)
def stated_start(text: str, doc_year: int | None) -> Period:
    """The last period with a first year that a sentence states ("since 2010", "from 2016
    to 2019"): what a running total in the sentences after it goes on counting."""
    if not _START_HINT_RE.search(text):
        return Period()
    spans = [s for s in _spans(text, doc_year) if s.period.year_from is not None]
    return max(spans, key=lambda s: s.start).period if spans else Period()


# Pure in its arguments (the figure's position included): a repeated sentence is read once.
@text_cache(maxsize=4096)
def past_years(text: str, at: int | None = None) -> int | None:
    """N of the "over the past N years" nearest the figure at ``at`` in its clause (any one
    of the sentence when ``at`` is None)."""
    found = [
        m
        for m in _PAST_YEARS_RE.finditer(text)
        if at is None or not _BREAK_RE.search(text, *_between(m, at))
    ]
    if not found:
        return None
    m = min(found, key=lambda m: abs(m.start() - at) if at is not None else m.start())
    word = next(g for g in m.groups() if g).lower()
    return _NUMBER_WORDS.get(word) or int(word)


def _between(m: re.Match[str], at: int) -> tuple[int, int]:
    return (m.end(), at) if m.end() <= at else (at, m.start())


def statement_year(sentences: list[str]) -> int | None:
    """The year of the statement when no dateline prints it, from "since 1996 ... in the past
    21 years": the start year the text gave first, plus the years it says have passed."""
    # Most texts say no "past N years": look no further for them.
    last = max((i for i, text in enumerate(sentences) if past_years(text) is not None), default=-1)
    start: int | None = None
    for text in sentences[: last + 1]:
        if start is not None:
            for m in _PAST_YEARS_RE.finditer(text):
                word = next(g for g in m.groups() if g).lower()
                return start + (_NUMBER_WORDS.get(word) or int(word))
        found = stated_start(text, None).year_from
        start = found if found is not None else start
    return None


def carried_period(
    text: str, at: int, own: Period, start: Period, doc_year: int | None
) -> Period | None:
    """The figure's period once the passage before it is known, or None to keep ``own``.

    ``start`` is the period an earlier sentence set up ("Since 2010, Ningbo has helped
    Kuqa."). "In the past three years" after it counts from that start; a running total
    ("a total of", "has been invested") with no time of its own covers it, and one that
    stops "by the end of 2016" covers it up to that year.
    """
    first = start.year_from
    if first is None or (own.year_from is not None and past_years(text, at) is None):
        return None
    n = past_years(text, at)
    if n is not None:
        end = doc_year if doc_year is not None else first + n
        # The start counts only when the years add up: "since 2012 ... the past 9 years" in 2021.
        if abs(first + n - end) <= 1:
            return Period(end, first)
        return None
    if not _CUMULATIVE_RE.search(text):
        return None
    if own.year is None:
        return Period(start.year or (doc_year if doc_year and doc_year > first else None), first)
    by_end = _BY_END_RE.search(text)
    if by_end is not None and int(by_end.group(1)) == own.year and first < own.year:
        return Period(own.year, first)
    return None
