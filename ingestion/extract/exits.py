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
    r"(?:\d{1,3}+(?:,\d{3})++(?:\.\d++)?|\d++(?:\.\d++)?)(?:\s(?:million|thousand|10,000|ten\sthousand))?"
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
    rf"(?:the\s+|all\s+)?)?(?P<n>{_NUM})\s+(?:[A-Za-z-]+\s+){{0,3}}?(?P<noun>{_NOUN})\b",
    re.I,
)
EXIT_RE = re.compile(
    r"\b(?:(?:take|takes|took|taken|taking)\s+(?:off\s+)?(?:their\s+|the\s+|its\s+)?"
    r"(?:poverty\s+|poor\s+)?(?:hats?|caps?)|hats?\s+off|"
    r"removed\s+from\s+the\s+(?:list|ranks?)|delisted|withdr[ae]w\w*|withdraw\w*|exit(?:s|ed|ing)?|"
    r"(?:lift|lifts|lifted|lifting)\s+(?:\w+\s+)?out\s+of\s+poverty|out\s+of\s+poverty|"
    r"(?:shak\w+|shook|shaken)\s+off\s+poverty|(?:got|get|gets|getting)\s+rid\s+of\s+poverty|"
    r"escap\w+\s+(?:from\s+)?poverty|emerg\w+\s+from\s+poverty|eliminat\w+\s+poverty|"
    r"reduced\s+poverty|bid\s+farewell\s+to\s+poverty|cast\s+off\s+poverty)",
    re.I,
)
PURPOSE_RE = re.compile(
    r"\b(?:to|will|would|shall|should|must|plans?\s+to|strive\s+to)\s+(?:\w+\s+)?$", re.I
)
ACHIEVED_RE = re.compile(r"\b(?:helped|enabled|assisted|supported)\b", re.I)
NEGATION_RE = re.compile(r"\b(?:not|yet\s+to|never|failed\s+to|still|remain\w*)\b|n't\b", re.I)
RATE_RE = re.compile(
    r"(?:accounting\s+for|or|representing|(?:reduction|exit|withdrawal)\s+rate\s+(?:\w+\s+){0,2}?)"
    r"\s*(?P<num>\d++(?:\.\d++)?)\s?(?:%|percent)",
    re.I,
)
FROM_TO_RE = re.compile(
    rf"\b(?:population|poor\s+people|people|number)\b[^.;]{{0,90}}?"
    rf"\b(?:fell|dropped|decreased|declined|reduced|down|decline[sd]?|fallen)\s+from\s+"
    rf"(?P<a>{_NUM})\s+(?:\w+\s+)?to\s+(?P<b>{_NUM})",
    re.I,
)
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
        before = [c for c in counts if c.end() <= verb.start() and c.start() not in used]
        if not before:
            continue
        c = before[-1]
        used.add(c.start())
        level = LEVEL_NOUNS[c.group("noun").lower()]
        n = count_value(c.group("n"), level)
        part = count_value(c.group("part"), level)
        between = clause[c.end() : verb.start()] + clause[max(0, verb.start() - 12) : verb.start()]
        hit = ExitHit(level, start=offset + c.start(), end=offset + verb.end())
        if NEGATION_RE.search(between):
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
        hits.append(hit)
    if "from" in clause:
        hits.extend(_from_to(clause, offset))
    for m in REMAINING_RE.finditer(clause) if "remaining" in clause.lower() else ():
        level = LEVEL_NOUNS[m.group("noun").lower()]
        hits.append(
            ExitHit(
                level,
                remaining=count_value(m.group("n"), level),
                start=offset + m.start(),
                end=offset + m.end(),
            )
        )
    return [h for h in hits if h.counts()]


def _from_to(clause: str, offset: int) -> list[ExitHit]:
    out = []
    for m in FROM_TO_RE.finditer(clause):
        scope = clause[max(0, m.start() - 40) : m.end()]
        if not re.search(r"poverty|poor|impoverished|archives|registered", scope, re.I):
            continue
        hit = ExitHit(
            "person",
            total=count_value(m.group("a"), "person"),
            remaining=count_value(m.group("b"), "person"),
            start=offset + m.start(),
            end=offset + m.end(),
        )
        rate = RATE_RE.search(clause, m.end())
        if rate:
            hit.rate_pct = float(rate.group("num"))
        out.append(hit)
    return out
