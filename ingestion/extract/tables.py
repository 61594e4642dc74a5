"""Facts laid out as text tables and bullet lists rather than prose.

A table is a run of lines split into the same cells by pipes, tabs or runs of
spaces; its first line names the columns ("County | Paired city | Aid funds
(10,000 yuan)"). Each column gets a role from its header; each row then gives
a pairing, a fund, an exit. A unit written in the header, the title or a
"Unit: 10,000 yuan" line above scales the bare numbers below it.

A bullet line ("- Xicheng District -> Zhangbei County: 62.5 million yuan
(2020)", "* Fengtai District (Kangbao County): 48 million yuan") gives the pair
and the amount of its line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingestion.extract.exits import LEVEL_NOUNS
from ingestion.extract.numbers import find_money, parse_number, scaled
from ingestion.extract.regions import Mention, find_mentions
from ingestion.extract.years import find_years

_CELL_SPLIT_RE = re.compile(r"\s*\|\s*|\t+\s*|\s{2,}")
# Scales a table declares for its bare numbers: "(10,000 yuan)", "Unit: million yuan".
_UNIT_RE = re.compile(
    r"(?P<scale>10,000|ten\s+thousand|wan|million|100\s+million|hundred\s+million|billion|"
    r"thousand)?\s*(?:yuan|rmb)\b",
    re.I,
)
_SCALE_VALUES = {
    "10,000": 1e4,
    "ten thousand": 1e4,
    "wan": 1e4,
    "thousand": 1e3,
    "million": 1e6,
    "100 million": 1e8,
    "hundred million": 1e8,
    "billion": 1e9,
}
_CELL_NUMBER_RE = re.compile(r"^[~≈]?\s*(\d[\d,]*(?:\.\d+)?)\s*$")
_TOTAL_RE = re.compile(r"^(?:total|sum|all|overall|subtotal)\b", re.I)
_BULLET_RE = re.compile(r"^\s*(?:[-•*·▪◦‣–]|\d{1,2}[.)])\s+")
_ARROW_RE = re.compile(r"\s*(?:→|->|=>|⇒|➜|–>|—>)\s*")
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(r"^(?:year|years|period)$", re.I)),
    ("remaining", re.compile(r"\b(?:still\s+poor|remaining|not\s+(?:yet\s+)?exited)\b", re.I)),
    ("exited", re.compile(r"\b(?:exited|lifted|removed|delisted|out\s+of\s+poverty)\b", re.I)),
    ("output_value", re.compile(r"\boutput\s+value\b", re.I)),
    ("sales", re.compile(r"\b(?:sales|purchases?|consumption\s+assistance)\b", re.I)),
    (
        "fund",
        re.compile(
            r"\b(?:funds?|funding|investment|invested|donations?|donated|aid|assistance|budget|"
            r"allocat\w*|amount|money)\b|yuan",
            re.I,
        ),
    ),
    (
        "helper",
        re.compile(r"\b(?:assisting|helper|helping|paired|partner|supporting|donor)\b", re.I),
    ),
    (
        "helped",
        re.compile(
            r"\b(?:count(?:y|ies)|recipient|assisted|helped|target|city|district|prefecture|"
            r"village|region|banner|place|province|municipality)\b",
            re.I,
        ),
    ),
)
_FUND_MEASURES = (
    ("donation", re.compile(r"donat", re.I)),
    ("investment", re.compile(r"invest", re.I)),
    ("fiscal_funds", re.compile(r"fiscal|budget", re.I)),
)


@dataclass(frozen=True)
class Line:
    text: str
    start: int  # offset in the normalised text


@dataclass(frozen=True)
class TablePairing:
    line: Line
    helper: Mention
    helped: Mention
    year: int | None


@dataclass(frozen=True)
class TableFund:
    line: Line
    amount: float
    measure: str
    payer: str | None
    region: str | None
    year: int | None


@dataclass(frozen=True)
class TableOutput:
    line: Line
    measure: str
    value: float
    region: str | None
    year: int | None


@dataclass(frozen=True)
class TableExit:
    line: Line
    level: str
    exited: int | None
    remaining: int | None
    year: int | None


@dataclass
class TableFacts:
    pairings: list[TablePairing]
    funds: list[TableFund]
    outputs: list[TableOutput]
    exits: list[TableExit]


def may_have_tables(text: str) -> bool:
    """Cheap pre-check: pipes, tabs, aligned spaces, arrows or bullets."""
    return any(
        k in text for k in ("|", "\t", "   ", "→", "->", "\n-", "\n•", "\n*", "\n·", "\n1.", "\n1)")
    )


def find_table_facts(text: str) -> TableFacts:
    out = TableFacts([], [], [], [])
    if not may_have_tables(text):
        return out
    lines = list(_lines(text))
    # Substring tests first: prose lines are most lines, and regex splits cost more.
    celled = [_may_split(line.text) for line in lines]
    if any(a and b for a, b in itertools.pairwise(celled)):
        for block_start, block in _blocks(lines):
            _read_table(lines, block_start, block, out)
    for k, line in enumerate(lines):
        if line.text.lstrip()[:1] in _BULLET_STARTS and _BULLET_RE.match(line.text):
            _read_bullet(lines, k, out)
    return out


_BULLET_STARTS = frozenset("-•*·▪◦‣–0123456789")


def _may_split(line: str) -> bool:
    return "|" in line or "\t" in line or "  " in line.strip()


def _lines(text: str) -> Iterator[Line]:
    pos = 0
    for raw in text.split("\n"):
        yield Line(raw, pos)
        pos += len(raw) + 1


def cells(line: str) -> list[str]:
    stripped = line.strip().strip("|").strip()
    if "|" not in stripped and "\t" not in stripped and "  " not in stripped:
        return [stripped] if stripped else []  # prose: one cell, no regex needed
    return [c for c in _CELL_SPLIT_RE.split(stripped) if c] if stripped else []


def _blocks(lines: list[Line]) -> Iterator[tuple[int, list[list[str]]]]:
    """Runs of two or more lines of two or more cells each."""
    rows = [cells(line.text) for line in lines]
    k = 0
    while k < len(lines):
        if len(rows[k]) < 2 or _BULLET_RE.match(lines[k].text):
            k += 1
            continue
        start, block = k, []
        while k < len(lines) and len(rows[k]) >= 2:
            block.append(rows[k])
            k += 1
        if len(block) >= 2:
            yield start, block


def _roles(header: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for cell in header:
        role = next((name for name, pattern in _ROLES if pattern.search(cell)), None)
        out.append(role)
    return out


def _scale_in(text: str) -> float | None:
    m = _UNIT_RE.search(text)
    if not m:
        return None
    scale = " ".join((m.group("scale") or "").lower().split())
    return _SCALE_VALUES.get(scale, 1.0)


def _context(lines: list[Line], start: int, back: int = 2) -> str:
    """The non-blank lines just above a table or list: its title and unit line."""
    above = [line.text for line in lines[max(0, start - 8) : start] if line.text.strip()]
    return " ".join(above[-back:])


def _number(cell: str) -> float | None:
    m = _CELL_NUMBER_RE.match(cell)
    return parse_number(m.group(1)) if m else None


def _name(cell: str) -> Mention | None:
    found = [m for m in find_mentions(cell) if m.kind in ("region", "org", "village", "team")]
    return found[0] if found else None


def _read_table(lines: list[Line], start: int, block: list[list[str]], out: TableFacts) -> None:
    # "Table 1  Funds, 2020" above the header splits into cells too: the header is
    # the first line as wide as the table, what comes before it is the title.
    width = max(len(row) for row in block)
    first = next(k for k, row in enumerate(block) if len(row) == width)
    title_rows = [" ".join(row) for row in block[:first]]
    start, block = start + first, block[first:]
    header = block[0]
    if len(block) < 2 or any(_number(c) is not None for c in header):
        return  # no header row: nothing says what the columns are
    roles = _roles(header)
    above = " ".join([_context(lines, start - len(title_rows)), *title_rows])
    block_scale = _scale_in(above) or 1.0
    years = find_years(above + " " + " ".join(header))
    table_year = years[0].value if years else None
    title = [m for m in find_mentions(above) if m.is_place] if "Total" in str(block) else []
    for offset, row in enumerate(block[1:], start=1):
        line = lines[start + offset]
        _read_row(row, header, roles, block_scale, table_year, line, title, out)


def _read_row(
    row: list[str],
    header: list[str],
    roles: list[str | None],
    block_scale: float,
    table_year: int | None,
    line: Line,
    title: list[Mention],
    out: TableFacts,
) -> None:
    values: dict[str, tuple[str, str]] = {}
    # A "Total" row leaves its name cells empty: align its numbers from the right.
    shift = len(roles) - len(row) if _TOTAL_RE.match(row[0]) else 0
    for k, cell in enumerate(row):
        col = k + shift if k else 0
        role = roles[col] if col < len(roles) else None
        if role and role not in values:
            values[role] = (cell, header[col])
    year = table_year
    if "year" in values:
        year_value = _number(values["year"][0])
        year = int(year_value) if year_value and 1980 <= year_value <= 2049 else year
    if _TOTAL_RE.match(row[0]):
        if "fund" in values:
            payer = title[0].label if title else None
            region = title[1].label if len(title) > 1 else None
            _add_fund(values["fund"], block_scale, line, payer, region, year, out)
        return
    helper = _name(values["helper"][0]) if "helper" in values else None
    helped = _name(values["helped"][0]) if "helped" in values else None
    if helper and helped and _backwards(helper, helped):
        # "Province | Paired prefecture": the header's words did not say which side
        # gives; the gazetteer does (the programmes run from east to west).
        helper, helped = helped, helper
    if helper and helped:
        out.pairings.append(TablePairing(line, helper, helped, year))
    if "fund" in values:
        payer = helper.label if helper else None
        region = helped.label if helped else None
        _add_fund(values["fund"], block_scale, line, payer, region, year, out)
    for measure in ("output_value", "sales"):
        if measure in values:
            amount = _number(values[measure][0])
            scale = _scale_in(values[measure][1]) or block_scale
            if amount:
                label = helped.label if helped else None
                out.outputs.append(TableOutput(line, measure, amount * scale, label, year))
    _add_exit(values, line, year, out)


def _backwards(helper: Mention, helped: Mention) -> bool:
    from ingestion.extract.pairings import HELPER_PROVINCES, RECEIVING_PROVINCES

    givers = {r.province_code[:2] for r in helper.candidates}
    takers = {r.province_code[:2] for r in helped.candidates}
    return (
        bool(givers)
        and givers <= RECEIVING_PROVINCES
        and bool(takers)
        and takers <= HELPER_PROVINCES
    )


def _add_fund(
    value: tuple[str, str],
    block_scale: float,
    line: Line,
    payer: str | None,
    region: str | None,
    year: int | None,
    out: TableFacts,
) -> None:
    cell, header = value
    amount = _number(cell)
    if not amount:
        return
    scale = _scale_in(header) or block_scale
    measure = next((m for m, p in _FUND_MEASURES if p.search(header)), "assistance_funds")
    out.funds.append(TableFund(line, amount * scale, measure, payer, region, year))


def _add_exit(
    values: dict[str, tuple[str, str]], line: Line, year: int | None, out: TableFacts
) -> None:
    exited = values.get("exited")
    remaining = values.get("remaining")
    header = (exited or remaining or ("", ""))[1]
    level = next((LEVEL_NOUNS[w] for w in header.lower().split() if w in LEVEL_NOUNS), None)
    if level is None:
        return
    n_exited = _number(exited[0]) if exited else None
    n_remaining = _number(remaining[0]) if remaining else None
    if n_exited is None and n_remaining is None:
        return
    out.exits.append(
        TableExit(
            line,
            level,
            int(n_exited) if n_exited is not None else None,
            int(n_remaining) if n_remaining is not None else None,
            year,
        )
    )


_PAIR_HEADING_RE = re.compile(
    r"\b(?:pair\w*|partner\w*|counterpart|east[\s-]+west|twinn\w*|assist\w*|aid)\b", re.I
)


def _read_bullet(lines: list[Line], k: int, out: TableFacts) -> None:
    line = lines[k]
    body = _BULLET_RE.sub("", line.text, count=1)
    skip = len(line.text) - len(body)
    mentions = [m for m in find_mentions(body) if m.kind in ("region", "org", "village", "team")]
    if len(mentions) < 2:
        return
    a, b = mentions[0], mentions[1]
    gap = body[a.end : b.start]
    above = _context(lines, k, back=4)
    # Under a heading about pairs, "- Qingdao: Anshun" and "1. Dalian and Liupanshui"
    # are pairs too.
    paired_list = gap.strip() in (":", "and", "-", "–") and _PAIR_HEADING_RE.search(above)
    if not (_ARROW_RE.fullmatch(gap) or gap.strip() == "(" or paired_list):
        return
    # A bullet without its own year takes the year of the list's heading.
    years = find_years(body) or find_years(above)
    year = years[0].value if years else None
    anchored = Line(body, line.start + skip)
    out.pairings.append(TablePairing(anchored, a, b, year))
    money = find_money(body)
    if money:
        q = money[0]
        out.funds.append(TableFund(anchored, q.value, "assistance_funds", a.label, b.label, year))
        return
    scale = _scale_in(above)
    tail = body[b.end :]
    m = re.search(r":\s*(\d[\d,]*(?:\.\d+)?)\b", tail)
    if scale and m:
        value = parse_number(m.group(1))
        if value:
            fund = TableFund(
                anchored, scaled(value, scale), "assistance_funds", a.label, b.label, year
            )
            out.funds.append(fund)
