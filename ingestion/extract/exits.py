"""Exits: counties, villages, households and people leaving poverty.

Within one clause (sentences are cut at semicolons), each exit phrase ("took
off their hats", "withdrew", "lifted out of poverty") takes the nearest count
phrase before it ("47 of the 50 counties", "3787 villages"); a negation between
them ("have not taken their hats off") makes the count a remainder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.extract.numbers import WORD_NUMBERS, parse_number

_NUM = (
    r"(?:\d{1,3}+(?:,\d{3})++(?:\.\d++)?(?![\d,])|\d++(?:\.\d++|,\d{1,2}+(?![\d,]))?)"
    r"(?:\s(?:million|thousand|10,000|ten\sthousand))?"
    r"|" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
)
LEVEL_NOUNS = {
    "county": "county",
    "counties": "county",
    "village": "village",
    "villages": "village",
    "household": "household",
    "households": "household",
    "families": "household",
    "family": "household",
    "people": "person",
    "persons": "person",
    "person": "person",
    "individuals": "person",
    "population": "person",
    "residents": "person",
    "farmers": "person",
}
_NOUN = "|".join(sorted(LEVEL_NOUNS, key=len, reverse=True))
COUNT_RE = re.compile(
    rf"\b(?:(?P<all>all)\s+(?:the\s+|of\s+the\s+)?)?(?:(?P<part>{_NUM})\s+(?:of|out\s+of)\s+"
    rf"(?:the\s+|all\s+|its\s+|their\s+)?)?(?P<n>{_NUM})\s+(?:of\s+[A-Z][A-Za-z]*'s\s+)?"
    rf"(?:[A-Za-z-]+\s+){{0,3}}?(?P<noun>{_NOUN})\b",
    re.I,
)
EXIT_RE = re.compile(
    r"\b(?:(?:take|takes|took|taken|taking)\s+(?:off\s+)?(?:their\s+|the\s+|its\s+)?"
    r"(?:poverty\s+|poor\s+)?(?:hats?|caps?)|hats?\s+off|"
    r"removed\s+from\s+the\s+(?:poverty\s+)?(?:list|ranks?)|on\s+the\s+(?:poverty\s+)?list|delisted|withdr[ae]w\w*|withdraw\w*|exit(?:s|ed|ing)?|"
    r"(?:lift|lifts|lifted|lifting)\s+(?:\w+\s+)?out\s+of\s+poverty|out\s+of\s+poverty|"
    r"(?:shak\w+|shook|shaken)\s+off\s+poverty|(?:got|get|gets|getting)\s+rid\s+of\s+poverty|"
    r"escap\w+\s+(?:from\s+)?poverty|emerg\w+\s+from\s+poverty|eliminat\w+\s+poverty|"
    r"reduced\s+poverty|bid\s+farewell\s+to\s+poverty|cast\s+off\s+poverty)",
    re.I,
)
PURPOSE_RE = re.compile(
    r"\b(?:to|will|would|shall|should|must|plans?\s+to|strive\s+to)\s+(?:\w+\s+)?$", re.I
)
ACHIEVED_RE = re.compile(r"\b(?:helped|enabled|assisted|supported|approved)\b", re.I)
# Counts joined to the one an exit verb takes share its verb:
# "1,100 poor villages and 804,000 people had been lifted out of poverty".
COORDINATION_RE = re.compile(
    r"^\s*(?:,|and|,\s*and|as\s+well\s+as|comprising|including|with)\s*$", re.I
)
# "Of the prefecture's eight county-level units, five had exited".
OF_TOTAL_RE = re.compile(
    rf"\bof\s+(?:the\s+)?(?:[A-Za-z'-]+\s+){{0,2}}?(?P<n>{_NUM})\s+(?:[A-Za-z'-]+\s+){{0,3}}?"
    rf"(?P<noun>{_NOUN})(?:-[a-z]+)?(?:\s+[a-z]+)?\s*,\s*(?P<part>{_NUM})\s+(?:have\s+|had\s+|has\s+)?(?:now\s+)?$",
    re.I,
)
NEGATION_RE = re.compile(r"\b(?:not|yet\s+to|never|failed\s+to|still|remain\w*)\b|n't\b", re.I)
RATE_RE = re.compile(
    r"(?:accounting\s+for|or|representing|(?:reduction|exit|withdrawal)\s+rate\s+(?:\w+\s+){0,2}?)"
    r"\s*(?P<num>\d++(?:\.\d++)?)\s?(?:%|percent)",
    re.I,
)
FROM_TO_RE = re.compile(
    rf"\b(?:population|poor\s+people|people|number)\b[^.;]{{0,90}}?"
    rf"\b(?:fell|dropped|decreased|declined|reduced|down|decline[sd]?|fallen)\s+"
    rf"(?:from\s+(?P<a>{_NUM})\s+(?:\w+\s+){{0,4}}?)?to\s+(?:about\s+|around\s+|some\s+)?"
    rf"(?P<b>{_NUM})",
    re.I,
)
# "No poor households remain", "zero poor villages are left": a remainder of 0.
ZERO_RE = re.compile(
    rf"\b(?:no|zero)\s+(?:more\s+)?(?:[a-z-]+\s+){{0,2}}?(?P<noun>{_NOUN})\s+"
    r"(?:remain\w*|(?:are|were|is|was)\s+(?:left|still\s+poor|on\s+the\s+(?:poverty\s+)?list))",
    re.I,
)
# "still 10 counties on the list": the count is what is left ("the remaining 9 counties
# were removed" is an exit: "remaining" there only says which ones).
STILL_BEFORE_RE = re.compile(r"\b(?:still|yet)\s+(?:\w+\s+)?$", re.I)
REMAINING_RE = re.compile(
    rf"\bremaining\s+(?P<n>{_NUM})\s+(?:[A-Za-z-]+\s+){{0,3}}?(?P<noun>{_NOUN})\b", re.I
)


@dataclass
class ExitHit:
    level: str
    exited: int | None = None
    total: int | None = None
    remaining: int | None = None
    rate_pct: float | None = None
    start: int = 0
    end: int = 0

    def counts(self) -> set[int]:
        return {v for v in (self.exited, self.total, self.remaining) if v is not None}


def count_value(token: str | None, level: str = "") -> int | None:
    if not token:
        return None
    token = " ".join(token.lower().split())
    if token in WORD_NUMBERS:
        return WORD_NUMBERS[token]
    num, _, scale = token.partition(" ")
    value = parse_number(num, scale or None)
    if value is None:
        return None
    # "1,250 million" people: a machine-translated 125万; no place has that many.
    if level == "person" and value > 2e8 and "," in num and scale:
        value /= 1000
    return round(value)


def find_exits(sentence: str) -> list[ExitHit]:
    out: list[ExitHit] = []
    pos = 0
    for clause in sentence.split(";"):
        out.extend(_clause_exits(clause, pos))
        pos += len(clause) + 1
    return out


_ANY_EXIT_RE = re.compile(
    r"hats?|caps?|poverty|withdr|delist|exit|remaining|list|poor|population", re.I
)


def _clause_exits(clause: str, offset: int) -> list[ExitHit]:
    hits: list[ExitHit] = []
    if not _ANY_EXIT_RE.search(clause):
        return hits
    verbs = list(EXIT_RE.finditer(clause))
    # COUNT_RE is the expensive pattern: run it only where an exit phrase is.
    counts = list(COUNT_RE.finditer(clause, 0, verbs[-1].start())) if verbs else []
    used: set[int] = set()
    for verb in verbs:
        if PURPOSE_RE.search(clause[max(0, verb.start() - 30) : verb.start()]) and not (
            ACHIEVED_RE.search(clause[max(0, verb.start() - 80) : verb.start()])
        ):
            continue  # "to get rid of poverty": a purpose, not a result
        of_total = OF_TOTAL_RE.search(clause, max(0, verb.start() - 160), verb.start())
        if of_total:
            hits.append(_of_total_hit(of_total, offset, verb.end()))
            continue
        before = [c for c in counts if c.end() <= verb.start() and c.start() not in used]
        if not before:
            continue
        for c in _coordinated(clause, before):
            used.add(c.start())
            if not _is_label_or_year(clause, c):
                hits.append(_count_hit(clause, c, verb, offset))
    if " to " in clause:
        hits.extend(_from_to(clause, offset))
    taken = [(h.start - offset, h.end - offset) for h in hits]
    for m in REMAINING_RE.finditer(clause) if "remaining" in clause.lower() else ():
        if any(a <= m.start() < b for a, b in taken):
            continue  # "the remaining eight counties were removed": they exited
        level = LEVEL_NOUNS[m.group("noun").lower()]
        hits.append(
            ExitHit(
                level,
                remaining=count_value(m.group("n"), level),
                start=offset + m.start(),
                end=offset + m.end(),
            )
        )
    for m in ZERO_RE.finditer(clause) if _has_zero_word(clause) else ():
        level = LEVEL_NOUNS[m.group("noun").lower()]
        hits.append(ExitHit(level, remaining=0, start=offset + m.start(), end=offset + m.end()))
    return [h for h in hits if h.counts()]


def _has_zero_word(clause: str) -> bool:
    lower = clause.lower()
    return "no " in lower or "zero" in lower


_YEAR_TOKEN_RE = re.compile(r"^(?:19[89]\d|20[0-4]\d)$")
_LABEL_BEFORE_RE = re.compile(r"\b(?:table|figure|fig|no|chart|annex)\.?\s*$", re.I)


def _is_label_or_year(clause: str, c: re.Match[str]) -> bool:
    """ "By the end of 2020 all four ..." and "Table 2 Village exits" are no counts."""
    if _YEAR_TOKEN_RE.match(c.group("n")):
        return True
    return bool(_LABEL_BEFORE_RE.search(clause[max(0, c.start("n") - 8) : c.start("n")]))


def _coordinated(clause: str, before: list[re.Match[str]]) -> list[re.Match[str]]:
    """The count nearest the verb and the counts coordinated with it."""
    out = [before[-1]]
    for c in reversed(before[:-1]):
        if not COORDINATION_RE.match(clause[c.end() : out[-1].start()]):
            break
        out.append(c)
    return out


def _count_hit(clause: str, c: re.Match[str], verb: re.Match[str], offset: int) -> ExitHit:
    level = LEVEL_NOUNS[c.group("noun").lower()]
    n = count_value(c.group("n"), level)
    part = count_value(c.group("part"), level)
    between = clause[c.end() : verb.start()] + clause[max(0, verb.start() - 12) : verb.start()]
    hit = ExitHit(level, start=offset + c.start(), end=offset + verb.end())
    still = STILL_BEFORE_RE.search(clause[max(0, c.start() - 20) : c.start()])
    if NEGATION_RE.search(between) or still or verb.group().lower().startswith("on "):
        hit.remaining = n
    elif part is not None:
        hit.exited, hit.total = part, n
    elif c.group("all"):
        hit.exited, hit.total = n, n
    else:
        hit.exited = n
    if hit.exited is not None and hit.total is not None and hit.remaining is None:
        hit.remaining = hit.total - hit.exited if hit.total >= hit.exited else None
    rate = RATE_RE.search(clause, verb.end())
    if rate and rate.start() - verb.end() < 40:
        hit.rate_pct = float(rate.group("num"))
    return hit


def _of_total_hit(m: re.Match[str], offset: int, end: int) -> ExitHit:
    level = LEVEL_NOUNS[m.group("noun").lower()]
    total, part = count_value(m.group("n"), level), count_value(m.group("part"), level)
    hit = ExitHit(level, exited=part, total=total, start=offset + m.start(), end=offset + end)
    if part is not None and total is not None and total >= part:
        hit.remaining = total - part
    return hit


def _from_to(clause: str, offset: int) -> list[ExitHit]:
    out = []
    for m in FROM_TO_RE.finditer(clause):
        scope = clause[max(0, m.start() - 40) : m.end()]
        if not re.search(r"poverty|poor|impoverished|archives|registered", scope, re.I):
            continue
        hit = ExitHit(
            "person",
            total=count_value(m.group("a"), "person") if m.group("a") else None,
            remaining=count_value(m.group("b"), "person"),
            start=offset + m.start(),
            end=offset + m.end(),
        )
        rate = RATE_RE.search(clause, m.end())
        if rate:
            hit.rate_pct = float(rate.group("num"))
        out.append(hit)
    return out
