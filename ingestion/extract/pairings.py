"""Pairings: who assists whom.

Phrasings handled, each as a small rule over the sentence's mentions:
- active:   "A paired up to help B", "A's counterpart support for B", "A helps B and C";
- passive:  "B, supported by A", "B ... with technical support by A";
- adjacent: "A-B east-west cooperation", "Shandong Chongqing collaboration";
- team:     "the A Pairing Assistance Task Force ... B";
- enterprise: "X Group ... in B and C ... poverty alleviation".
An enumeration after a trigger gives one pairing per member.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from ingestion.extract.regions import Mention
from ingestion.gazetteer import Region

ACTIVE_RE = re.compile(
    r"\b(?:help(?:s|ed|ing)?|assist(?:s|ed|ing)?|support(?:s|ed|ing)?|aid(?:s|ed|ing)?|"
    r"pair(?:s|ed|ing)?\s+(?:up\s+)?(?:to\s+help|with|for)|partner(?:s|ed|ing)?\s+with|"
    r"twinned\s+with|(?:assistance|aid|support)\s+(?:to|for)|"
    r"counterpart\s+(?:support|assistance|aid|help)(?:\s+(?:for|to))?)\b",
    re.I,
)
PASSIVE_RE = re.compile(
    r"\b(?:(?:supported|assisted|aided|helped|sponsored|funded)\s+by|"
    r"(?:support|assistance|help|aid)\s+(?:from|by))\b",
    re.I,
)
COOPERATION_RE = re.compile(
    r"^[\s-]*(?:poverty\s+alleviation\s+)?(?:east-west|east\s+west|cooperation|collaboration|"
    r"counterpart|pairing|paired)",
    re.I,
)
ASSIST_WORD_RE = re.compile(
    r"\b(?:poverty|assist\w*|help\w*|aid|support\w*|pair\w*|counterpart)\b", re.I
)
TEAM_ASSIST_RE = re.compile(r"\b(?:assist\w*|aid|help\w*|support\w*|pair\w*|counterpart)\b", re.I)
_ENUM_GAP_RE = re.compile(r"^\s*(?:,|and|&|,\s*and|as\s+well\s+as|\+)?\s*$")
_HYPHEN_GAP_RE = re.compile(r"^\s*(?:-|–|—|/|and)?\s*$")
COMPANY_HEADS = frozenset(
    [
        "group",
        "investment",
        "investments",
        "holding",
        "holdings",
        "corporation",
        "corp",
        "company",
        "co",
        "ltd",
        "limited",
        "bank",
        "enterprise",
        "enterprises",
        "industries",
    ]
)
EASTERN = frozenset(
    [
        "beijing",
        "tianjin",
        "shanghai",
        "jiangsu",
        "zhejiang",
        "fujian",
        "shandong",
        "guangdong",
        "liaoning",
        "shenzhen",
        "dalian",
        "qingdao",
        "ningbo",
        "xiamen",
        "hangzhou",
        "suzhou",
        "guangzhou",
    ]
)
MECHANISM_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "east_west_cooperation",
        re.compile(r"east[\s-]+(?:and\s+)?west|eastern\s+and\s+western", re.I),
    ),
    ("counterpart_support", re.compile(r"counterpart", re.I)),
    (
        "basic_assistance",
        re.compile(
            r"\b(?:basic|foundation|underlying|supportive|bottom-up|bottom)\s+(?:support\s+)?"
            r"(?:assistance|support|help)",
            re.I,
        ),
    ),
    ("paired_assistance", re.compile(r"\bpair(?:s|ed|ing)?\b|\bpartner", re.I)),
    ("targeted_assistance", re.compile(r"\btargeted\s+(?:poverty|assistance|support|help)", re.I)),
)
_PAIR_HINT_RE = re.compile(
    r"help|assist|support|aid|pair|partner|twinn|counterpart|cooperat|collaborat|east|poverty"
)
FOLLOW_WINDOW = 110  # chars from a trigger to the first helped place
# A finite verb between trigger and place means the place belongs to another clause
# ("... Counterpart Support Forum was held in Suzhou").
CLAUSE_VERB_RE = re.compile(
    r"\b(?:was|were|is|are|has|have|had|will|said|says|held|visited|attended)\b", re.I
)
_PASSIVE_TAIL_RE = re.compile(r"^\s+(?:by|from)\b", re.I)


@dataclass(frozen=True)
class Pairing:
    helper: Mention
    helped: Mention
    rule: str
    sentence_mechanism: str | None


def mechanism_in(text: str) -> str | None:
    """The assistance mechanism a text names, in order of specificity."""
    for name, pattern in MECHANISM_PATTERNS:
        if pattern.search(text):
            return name
    return None


def is_company(m: Mention) -> bool:
    words = m.name.lower().replace(",", " ").replace(".", " ").split()
    return m.kind == "org" and bool(words) and words[-1] in COMPANY_HEADS


def _helper_ok(m: Mention) -> bool:
    if m.kind in ("region", "home"):
        return True
    if m.kind == "team":
        return m.team_place is not None
    # An organisation helps by name only if the name says whose it is
    # ("Sichuan Provincial Bureau of ...", "Tianjin Food Group") or it is a company.
    return m.kind == "org" and (is_company(m) or _has_place_word(m))


def _has_place_word(m: Mention) -> bool:
    return bool(places_in_name(m.name))


@functools.lru_cache(maxsize=4096)
def places_in_name(name: str) -> tuple[Region, ...]:
    """Divisions named inside an organisation's name ("Tianjin Food Group")."""
    from ingestion.extract.regions import find_region_mentions
    from ingestion.gazetteer import load_gazetteer

    return tuple(r for m in find_region_mentions(name, load_gazetteer()) for r in m.candidates)


def _enumeration(mentions: list[Mention], first: int, sentence: str) -> list[Mention]:
    """The place at ``first`` and the places listed right after it."""
    out = [mentions[first]]
    k = first + 1
    while k < len(mentions) and mentions[k].is_place:
        gap = sentence[mentions[k - 1].end : mentions[k].start]
        if not _ENUM_GAP_RE.match(gap):
            break
        out.append(mentions[k])
        k += 1
    return out


def find_pairings(sentence: str, mentions: list[Mention]) -> list[Pairing]:
    if len(mentions) < 2:
        return []
    if not _PAIR_HINT_RE.search(sentence.lower()):
        return []
    mech = mechanism_in(sentence)
    out: list[Pairing] = []
    out.extend(_active(sentence, mentions, mech))
    out.extend(_passive(sentence, mentions, mech))
    out.extend(_adjacent(sentence, mentions, mech))
    out.extend(_team(sentence, mentions, mech))
    out.extend(_enterprise(sentence, mentions, mech))
    return out


def _active(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    out = []
    for trig in ACTIVE_RE.finditer(sentence):
        if _PASSIVE_TAIL_RE.match(sentence[trig.end() : trig.end() + 6]):
            continue  # "support by A" is the passive rule's
        before = [k for k, m in enumerate(mentions) if m.end <= trig.start()]
        after = [k for k, m in enumerate(mentions) if m.start >= trig.end()]
        if not before or not after:
            continue
        helper = mentions[before[-1]]
        first = after[0]
        target = mentions[first]
        if not _helper_ok(helper) or not target.is_place or target.kind == "home":
            continue
        if target.start - trig.end() > FOLLOW_WINDOW:
            continue
        if CLAUSE_VERB_RE.search(sentence[trig.end() : target.start]):
            continue
        for helped in _enumeration(mentions, first, sentence):
            out.append(Pairing(helper, helped, "active", mech))
    return out


def _passive(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    out = []
    for trig in PASSIVE_RE.finditer(sentence):
        before = [m for m in mentions if m.end <= trig.start() and m.is_place]
        after = [m for m in mentions if m.start >= trig.end()]
        if not before or not after or after[0].start - trig.end() > 40:
            continue
        helper, helped = after[0], before[-1]
        if _helper_ok(helper) and helped.kind != "home":
            out.append(Pairing(helper, helped, "passive", mech))
    return out


def _adjacent(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A-B east-west cooperation": two places side by side, then a cooperation word."""
    out = []
    for a, b in itertools.pairwise(mentions):
        if a.kind != "region" or b.kind != "region":
            continue
        if not _HYPHEN_GAP_RE.match(sentence[a.end : b.start]):
            continue
        if not COOPERATION_RE.match(sentence[b.end : b.end + 60]):
            continue
        helper, helped = a, b
        if _eastern(b) and not _eastern(a):
            helper, helped = b, a
        out.append(Pairing(helper, helped, "adjacent", mech))
    return out


def _eastern(m: Mention) -> bool:
    return any(r.base_en.lower() in EASTERN for r in m.candidates)


def _team(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """A place's assistance team and the other place the sentence is about."""
    out = []
    for team in mentions:
        if team.kind != "team" or team.team_place is None:
            continue
        if not TEAM_ASSIST_RE.search(team.name):
            continue
        home = team.team_place
        home_codes = {r.code for r in home.candidates}
        for m in mentions:
            if m is team or not m.is_place or m.kind == "home":
                continue
            codes = {r.code for r in m.candidates}
            related = any(
                r.is_within(c) or r.code in home_codes for r in m.candidates for c in home_codes
            ) or any(h.is_within(c) for h in home.candidates for c in codes)
            if not related:
                out.append(Pairing(team, m, "team", mech))
                break
    return out


def _enterprise(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """A company and the places after it, in a sentence about assistance."""
    if not ASSIST_WORD_RE.search(sentence):
        return []
    out = []
    for k, company in enumerate(mentions):
        if not is_company(company):
            continue
        later = [j for j in range(k + 1, len(mentions)) if mentions[j].is_place]
        if not later or mentions[later[0]].kind == "home":
            continue
        if mentions[later[0]].start - company.end > 60:
            continue
        for helped in _enumeration(mentions, later[0], sentence):
            out.append(Pairing(company, helped, "enterprise", mech or "enterprise_assistance"))
        break
    return out
