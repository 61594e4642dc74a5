"""Pairings: who assists whom.

Phrasings handled, each as a small rule over the sentence's mentions:
- active:   "A paired up to help B", "A's counterpart support for B", "A helps B and C";
- passive:  "B, supported by A", "B ... with technical support by A";
- adjacent: "A-B east-west cooperation", "Shandong Chongqing collaboration";
- team:     "the A Pairing Assistance Task Force ... B";
- enterprise: "X Group ... in B and C ... poverty alleviation" (an appositive after the
  name skipped), and a university's or ministry's "poverty alleviation in B";
- possessive: "A's designated county B", "B, A's designated county", "A's aid projects
  in B", "B's partner city A", "B, A's counterpart" (partners ordered by the gazetteer);
- others: "the A-aided B", "assistance from A to B", "A ... provide B with assistance",
  a roundup's "A: B; C: D", "A donated ... to B".
An enumeration after a trigger gives one pairing per member; a list of helpers that
opens the sentence gives one per helper. Parties named by reference ("the company",
"the county", "It", an acronym or short name) arrive here as copies of the mention
they point at (see ``coref``).
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from ingestion.extract.regions import Mention
from ingestion.extract.text import led_by
from ingestion.gazetteer import Region
from ingestion.gazetteer.organisations import COMPANY_HEADS, is_curated

ACTIVE_RE = led_by(
    "hasptdrc",
    r"\b(?:help(?:s|ed|ing)?|assist(?:s|ed|ing)?|support(?:s|ed|ing)?|aid(?:s|ed|ing)?|"
    r"pair(?:s|ed|ing)?\s+(?:up\s+)?(?:to\s+help|with|for)|partner(?:s|ed|ing)?\s+with|"
    r"twinned\s+with|(?:assistance|aid|support)(?:\s+(?:funds?|money))?\s+(?:to|for)|"
    r"(?:does|did|do|doing)\s+the\s+same\s+(?:for|in)|donat(?:e|es|ed|ing)|"
    # "Guangdong is responsible for Shufu County": a division of the receiving places.
    r"responsible\s+for(?=\s+(?-i:[A-Z]))|"
    r"responsible\s+for\s+(?:the\s+)?(?:[a-z-]+\s+)?(?:assistance|support|aid)"
    r"(?:\s+(?:tasks?|work|duties|missions?))?\s+(?:of|to|for)|"
    r"counterpart\s+(?:support|assistance|aid|help)(?:\s+(?:for|to))?|"
    r"(?:designated|targeted|paired)\s+(?:assistance\s+|poverty\s+alleviation\s+)?"
    r"(?:count(?:y|ies)|villages?|areas?)(?:\s+(?:are|is|were|include[sd]?|including)|(?=\s*:)))\b",
    re.I,
)
# A trigger word used as a modifier names a programme, not a relationship:
# "the counterpart support program for Xinjiang", "the Shanghai aid-Tibet team".
MODIFIED_NOUN_RE = re.compile(
    r"^[\s-]*(?:teams?|story|stories|program(?:me)?s?|projects?|work|cadres?|offices?|forum|"
    r"meetings?|conference|headquarters|polic(?:y|ies)|mechanism|model|brand|plans?|"
    r"system|tasks?|personnel|staff|doctors|teachers|commands?|relations?|relationships?)\b",
    re.I,
)
# A pronoun right before the trigger is the real subject ("the counties they assist in X").
PRONOUN_BEFORE_RE = re.compile(r"\b(?:they|it|he|she|we|who|which\s+they)\s+$", re.I)
# Words after an enumerated place that make it the subject of a new clause:
# "Ningbo helps X, Huzhou helps Y", "Fuzhou pairs with X, Xiamen with Y".
NEW_CLAUSE_RE = re.compile(
    r"^\s*(?:,\s*)?(?:which\s+|that\s+)?(?:(?:is|are|was|were|has|have|had|has\s+been|"
    r"have\s+been)\s+)?(?:also\s+)?(?:(?:with|for|to)\s+(?:the\s+)?(?-i:[A-Z])|"
    r"(?:help|assist|support|aid|pair|partner|twin|does|did|do|carr|conduct|counterpart)\w*)",
    re.I,
)
PASSIVE_RE = led_by(
    "sahfwtu",
    r"\b(?:(?:supported|assisted|aided|helped|sponsored|funded|financed)\s+by|"
    r"(?:support|assistance|help|aid)\s+(?:provided|offered|given|extended)\s+by|"
    r"(?:support|assistance|help|aid)\s+(?:from|by)|"
    # "built with assistance of A", "thanks to the help of A": the body helping.
    r"(?:with|to|under)\s+(?:the\s+)?(?:[a-z-]+\s+)?(?:support|assistance|help|aid)\s+of)\b",
    re.I,
)
COOPERATION_RE = re.compile(
    r"^[\s-]*(?:poverty\s+alleviation\s+)?(?:east-west|east\s+west|cooperation|collaboration|"
    r"counterpart|pairing|paired)",
    re.I,
)
# "the Shanghai-Zunyi consumption assistance program": a hyphenated pair, then an
# assistance noun with at most one word before it.
HYPHEN_ASSIST_RE = re.compile(r"^\s+(?:[a-z-]+\s+)?(?:assistance|aid)\b", re.I)
# "A and B carried out east-west cooperation", "A and B form pairing help relation":
# a short verb phrase between the pair and the cooperation word.
JOINT_VERB_COOPERATION_RE = re.compile(
    r"^\s+(?:have\s+|has\s+|had\s+|to\s+)?(?:carr\w+\s+out|conduct\w*|launch\w*|"
    r"form\w*|establish\w*|buil[dt]\w*|deepen\w*|strengthen\w*|start\w*|began|begin\w*)"
    r"\s+(?:(?:an?|the|their|its)\s+)?(?:[\w-]+\s+){0,4}?"
    r"(?:cooperation|collaboration|pairing|partnership|counterpart)",
    re.I,
)
BETWEEN_RE = re.compile(
    r"\b(?:cooperation|collaboration|pairing|partnership|assistance)\s+between\s+$", re.I
)
ASSIST_WORD_RE = led_by(
    "pahsdc",
    r"\b(?:poverty|assist\w*|help\w*|aid|support\w*|pair\w*|counterpart|donat\w*)\b",
    re.I,
)
# "Xiqing District is still Zhuanglang's paired partner".
PARTNER_OF_RE = re.compile(
    r"^\s+(?:is|was|has\s+been|became|remains)\s+(?:still\s+|also\s+|now\s+)?$", re.I
)
PARTNER_NOUN_RE = re.compile(
    r"^'s\s+(?:[a-z-]+\s+){0,2}?(?:partner|helper|counterpart|supporter)\b", re.I
)
TEAM_ASSIST_RE = re.compile(r"\b(?:assist\w*|aid|help\w*|support\w*|pair\w*|counterpart)\b", re.I)
# "Sichuan, Guizhou and Yunnan provinces and the Guangxi Zhuang autonomous region":
# a plural suffix and "the" may sit between listed places.
_ENUM_GAP_RE = re.compile(
    r"^\s*(?:(?:provinces|counties|cities|prefectures|districts|regions)\s+)?"
    r"(?:,|and|&|,\s*and|as\s+well\s+as|\+)?\s*(?:the\s+|its\s+)?"
    r"(?:(?:north|south|east|west|central)[a-z-]*\s+China['’]s\s+)?$",
    re.I,
)
_HYPHEN_GAP_RE = re.compile(r"^\s*(?:-|–|—|/|and)?\s*$")
# Provinces on the giving side of east-west cooperation and counterpart support
# (Beijing, Tianjin, Liaoning, Shanghai, Jiangsu, Zhejiang, Fujian, Shandong, Guangdong):
# of two places named side by side, the one here is the helper.
HELPER_PROVINCES = frozenset({"11", "12", "21", "31", "32", "33", "35", "37", "44"})
MECHANISM_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "east_west_cooperation",
        re.compile(r"east[\s-]+(?:and\s+)?west|eastern\s+and\s+western", re.I),
    ),
    # "its counterparts from around the country" are peers, not the programme.
    ("counterpart_support", re.compile(r"counterpart(?!s\b)", re.I)),
    # The look-aheads name each pattern's possible first letters (case-insensitive, as
    # the pattern is): the engine skips to those letters instead of trying the
    # alternation at every position of a document. Same matches, about twice as fast.
    (
        "basic_assistance",
        re.compile(
            r"(?=[bfus])\b(?:basic|foundation|underlying|supportive|bottom-up|bottom)\s+(?:support\s+)?"
            r"(?:assistance|support|help)",
            re.I,
        ),
    ),
    ("paired_assistance", re.compile(r"(?=p)(?:\bpair(?:s|ed|ing)?\b|\bpartner)", re.I)),
    (
        "targeted_assistance",
        re.compile(
            r"(?=[tdf])\b(?:targeted|designated|fixed-point)\s+"
            r"(?:poverty|assistance|support|help|aid|count)",
            re.I,
        ),
    ),
)
PAIR_HINT_RE = re.compile(
    r"help|assist|support|\baid|pair|partner|twinn|counterpart|cooperat|collaborat|east|poverty|"
    r"donat|designat|targeted|assign|invest|funded\s+by"
)
# The same cues as plain substrings, for the document-wide sentence pre-filter
# (" aid" and "-aid" stand for the word boundary of "\baid").
PAIR_HINT_WORDS = (
    "help",
    "assist",
    "support",
    " aid",
    "-aid",
    "pair",
    "partner",
    "twinn",
    "counterpart",
    "cooperat",
    "collaborat",
    "east",
    "poverty",
    "donat",
    "designat",
    "targeted",
    "assign",
    "invest",
    "funded by",
)
FOLLOW_WINDOW = 110  # chars from a trigger to the first helped place
LIST_WINDOW = 130  # chars from the helped place to a list that spells it out
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


# Western provinces that receive east-west cooperation (Inner Mongolia, Guangxi,
# Chongqing, Sichuan, Guizhou, Yunnan, Shaanxi, Gansu, Qinghai, Ningxia), and the
# two that receive counterpart support (Tibet, Xinjiang).
EAST_WEST_RECEIVERS = frozenset({"15", "45", "50", "51", "52", "53", "61", "62", "63", "64"})
COUNTERPART_RECEIVERS = frozenset({"54", "65"})
RECEIVING_PROVINCES = EAST_WEST_RECEIVERS | COUNTERPART_RECEIVERS


def mechanism_by_geography(helper: Region | None, helped: Region | None) -> str | None:
    """The programme two places' provinces imply, when the text names none.

    An eastern giver and a western receiver are east-west cooperation; Tibet and
    Xinjiang receive counterpart support; two places of one province are paired.
    """
    if helper is None or helped is None:
        return None
    giver, receiver = helper.province_code[:2], helped.province_code[:2]
    if giver == receiver:
        return "paired_assistance"
    if giver not in HELPER_PROVINCES:
        return None
    if receiver in COUNTERPART_RECEIVERS:
        return "counterpart_support"
    if receiver in EAST_WEST_RECEIVERS:
        return "east_west_cooperation"
    return None


def mechanism_in(text: str) -> str | None:
    """The assistance mechanism a text names, in order of specificity."""
    for name, pattern in MECHANISM_PATTERNS:
        if pattern.search(text):
            return name
    return None


def is_company(m: Mention) -> bool:
    words = m.name.lower().replace(",", " ").replace(".", " ").split()
    if m.kind != "org" or not words:
        return False
    # "State Grid Corporation of China": the head noun is not always last.
    return is_curated(m.name) or words[-1] in COMPANY_HEADS or bool(_FIRM_WORDS & set(words))


_FIRM_WORDS = frozenset(["corporation", "group", "company", "bank"])
# Heads of bodies that run designated assistance by name alone: universities,
# ministries, banks, hospitals ("Tsinghua University", "Ministry of Commerce").
INSTITUTION_WORDS = frozenset(
    [
        "university",
        "college",
        "institute",
        "academy",
        "ministry",
        "commission",
        "bank",
        "hospital",
        "corporation",
        "group",
        "company",
        "administration",
        # Federations, chambers and foundations run assistance by name too.
        "federation",
        "association",
        "foundation",
        "chamber",
    ]
)


def is_institution(m: Mention) -> bool:
    if m.kind != "org":
        return False
    words = m.name.lower().replace(",", " ").split()
    return is_curated(m.name) or any(w in INSTITUTION_WORDS for w in words)


def _helper_ok(m: Mention) -> bool:
    if m.kind in ("region", "home"):
        return True
    if m.kind == "team":
        return m.team_place is not None
    # An organisation helps by name only if the name says whose it is
    # ("Sichuan Provincial Bureau of ...", "Tianjin Food Group") or it is a company.
    return m.kind == "org" and (is_company(m) or is_institution(m) or _has_place_word(m))


def _has_place_word(m: Mention) -> bool:
    return bool(places_in_name(m.name))


@functools.lru_cache(maxsize=4096)
def places_in_name(name: str) -> tuple[Region, ...]:
    """Divisions named inside an organisation's name ("Tianjin Food Group")."""
    from ingestion.extract.regions import find_region_mentions
    from ingestion.gazetteer import load_gazetteer

    return tuple(r for m in find_region_mentions(name, load_gazetteer()) for r in m.candidates)


def _enumeration(
    mentions: list[Mention], first: int, sentence: str, places_only: bool = True
) -> list[Mention]:
    """The place at ``first`` and the places listed right after it.

    A listed place that opens a clause of its own ("..., Huzhou helps Y") ends
    the list: it is the next clause's subject, not another object.
    """
    out = [mentions[first]]
    k = first + 1
    last = mentions[first]
    while k < len(mentions) and (mentions[k].is_place or not places_only):
        if _bracketed(sentence, last, mentions[k]):
            k += 1  # "Shufu County (Konaxahar)": the local name of the member before
            continue
        gap = _BRACKET_LEAD_RE.sub("", sentence[last.end : mentions[k].start], count=1)
        if not (_ENUM_GAP_RE.match(gap) or _in_phrase_gap(gap)) or _opens_clause(
            mentions, k, sentence
        ):
            break
        out.append(mentions[k])
        last = mentions[k]
        k += 1
    return out


_BRACKET_LEAD_RE = re.compile(r"^\s*\([^()]{1,40}\)")


def _bracketed(sentence: str, before: Mention, m: Mention) -> bool:
    return sentence[before.end : m.start].strip() == "(" and sentence[m.end : m.end + 1] == ")"


# "in A and B of Xiangxi in Hunan, in C in Anhui, and in D of Nagqu, Tibet": a list
# of in-phrases, each member located by place names only, is one enumeration.
_IN_PHRASE_GAP_RE = re.compile(r"^([^;:()]{0,80}?),\s*(?:and\s+)?in\s+(?:the\s+)?$")
_LOCATING_WORDS = frozenset(
    ["of", "in", "and", "the", "province", "prefecture", "region", "autonomous", "city"]
)


def _in_phrase_gap(gap: str) -> bool:
    m = _IN_PHRASE_GAP_RE.match(gap)
    if m is None:
        return False
    lead = m.group(1).strip()
    if lead and not re.match(r"(?:of|in)\s", lead):
        return False
    words = re.findall(r"[A-Za-z'’-]+", lead)
    return all(w[:1].isupper() or w.lower() in _LOCATING_WORDS for w in words)


def _enumeration_back(mentions: list[Mention], last: int, sentence: str) -> list[Mention]:
    """The place at ``last`` and the places listed right before it: "A and B, which
    receive aid from C" (helped first)."""
    out = [mentions[last]]
    k = last - 1
    while k >= 0 and mentions[k].is_place and mentions[k].kind != "home":
        if not _ENUM_GAP_RE.match(sentence[mentions[k].end : mentions[k + 1].start]):
            break
        out.insert(0, mentions[k])
        k -= 1
    return out


_FRONTED_PREP_RE = re.compile(
    r"\b(?:in|at|besides|beside|like|for|from|with|to|of|by|across|outside)\s+(?:the\s+)?$",
    re.I,
)


def _subject_list(mentions: list[Mention], last: int, sentence: str) -> list[Mention]:
    """The helper at ``last`` and, when it ends a list that opens the sentence
    ("Guangdong and Fujian aid Nyingchi"), the list's other members."""
    out = [mentions[last]]
    k = last - 1
    while k >= 0 and _helper_ok(mentions[k]) and mentions[k].kind != "home":
        if not _ENUM_GAP_RE.match(sentence[mentions[k].end : mentions[k + 1].start]):
            break
        out.insert(0, mentions[k])
        k -= 1
    # "In Tibet, Guangdong and Fujian ...": a fronted place phrase is no member.
    while len(out) > 1 and _FRONTED_PREP_RE.search(sentence[: out[0].start]):
        out.pop(0)
    if len(out) == 1:
        return out
    # Only a list that is the sentence's subject: nothing named before it, a short
    # lead-in at most, and an "and" before its last member.
    joined = re.search(r"\band\b|&", sentence[out[-2].end : out[-1].start])
    if k >= 0 or out[0].start > 40 or not joined:
        return [mentions[last]]
    return out


def _opens_clause(mentions: list[Mention], k: int, sentence: str) -> bool:
    nxt = mentions[k + 1].start if k + 1 < len(mentions) else len(sentence)
    # One character of the next name is kept: "Xiamen with Haiyuan" needs its capital.
    end = min(nxt + 1, mentions[k].end + 40)
    return bool(NEW_CLAUSE_RE.match(sentence[mentions[k].end : end]))


def find_pairings(sentence: str, mentions: list[Mention]) -> list[Pairing]:
    if len(mentions) < 2:
        return []
    if not PAIR_HINT_RE.search(sentence.lower()):
        return []
    mech = mechanism_in(sentence)
    aligned = _respectively(sentence, mentions, mech) + _pair_list(sentence, mentions, mech)
    if aligned:
        # The aligned lists say exactly who helps whom: the generic rules would
        # cross every member of one list with the last of the other.
        taken = {id(m) for p in aligned for m in (p.helper, p.helped)}
        others = _generic(sentence, mentions, mech)
        return aligned + [
            p for p in others if id(p.helper) not in taken and id(p.helped) not in taken
        ]
    return _generic(sentence, mentions, mech)


def _generic(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    out: list[Pairing] = []
    out.extend(_active(sentence, mentions, mech))
    out.extend(_passive(sentence, mentions, mech))
    out.extend(_adjacent(sentence, mentions, mech))
    out.extend(_between(sentence, mentions, mech))
    out.extend(_partner_of(sentence, mentions, mech))
    out.extend(_team(sentence, mentions, mech))
    out.extend(_paired_object(sentence, mentions, mech))
    out.extend(_passive_by(sentence, mentions, mech))
    out.extend(_personnel(sentence, mentions, mech))
    out.extend(_invested_in(sentence, mentions, mech))
    out.extend(_relation_with(sentence, mentions, mech))
    out.extend(_provide_with(sentence, mentions, mech))
    out.extend(_designated_of(sentence, mentions, mech))
    out.extend(_hyphen_aided(sentence, mentions, mech))
    out.extend(_colon_pairs(sentence, mentions, mech))
    out.extend(_from_to(sentence, mentions, mech))
    out.extend(_with_possessive_help(sentence, mentions, mech))
    out.extend(_enterprise(sentence, mentions, mech))
    return out


RESPECTIVELY_RE = re.compile(r"\brespectively\b", re.I)
# Between two aligned lists: the helped list comes first when it is assigned or
# paired "to"/"by" the helpers ("A and B are assigned to C and D respectively").
_HELPED_FIRST_RE = re.compile(
    r"\b(?:assigned|allocated|allotted|attached|supported|assisted|aided|helped|paired)\s+"
    r"(?:to|by|with\s+assistance\s+from)\s*$|\b(?:receiv\w*|get\w*|obtain\w*)\b",
    re.I,
)
_ALIGN_VERB_RE = re.compile(
    r"\b(?:pair\w*|help\w*|assist\w*|support\w*|aid\w*|partner\w*|twinn\w*|"
    r"assigned|allocated|allotted|attached|counterpart|responsible)\b",
    re.I,
)


def _lists(mentions: list[Mention], sentence: str) -> list[list[Mention]]:
    """Maximal runs of names joined only by commas and "and"."""
    runs: list[list[Mention]] = []
    for m in mentions:
        if runs and _ENUM_GAP_RE.match(sentence[runs[-1][-1].end : m.start]):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _respectively(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A, B and C pair with X, Y and Z respectively": members paired in order.

    When one list is longer, its extra members go with the other list's last
    member ("A and B help X, Y and Z respectively": B helps Y and Z).
    """
    if not RESPECTIVELY_RE.search(sentence):
        return []
    runs = [r for r in _lists(mentions, sentence) if len(r) >= 2]
    for first, second in itertools.pairwise(runs):
        gap = sentence[first[-1].end : second[0].start]
        if ";" in gap or len(gap) > 80 or not _ALIGN_VERB_RE.search(gap):
            continue
        helpers, helped = (second, first) if _HELPED_FIRST_RE.search(gap) else (first, second)
        if not all(_helper_ok(m) for m in helpers) or not all(
            m.is_place and m.kind != "home" for m in helped
        ):
            continue
        return [Pairing(a, b, "active", mech) for a, b in _align(helpers, helped)]
    return []


def _align(a: list[Mention], b: list[Mention]) -> list[tuple[Mention, Mention]]:
    n = min(len(a), len(b))
    pairs = list(zip(a[: n - 1], b[: n - 1], strict=True))
    pairs.extend((x, y) for x in a[n - 1 :] for y in b[n - 1 :])
    return pairs


_PAIR_LIST_CUE_RE = re.compile(
    r"\b(?:pair\w*|partner\w*|cooperat\w*|collaborat\w*|counterpart|twinn\w*|"
    r"join\w*\s+hands|help\w*|assist\w*|support\w*)\b",
    re.I,
)


_COUPLE_SEPS = frozenset([",", ";", ", and", "; and"])


def _pair_list(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A and B, C and D, E and F have joined hands": a list of pairs.

    Each couple is "X and Y"; couples are separated by commas. Which of a couple
    helps is read from the gazetteer (the side in a giving province), else the order.
    """
    if not _PAIR_LIST_CUE_RE.search(sentence):
        return []
    best: list[tuple[Mention, Mention]] = []
    k = 0
    while k + 1 < len(mentions):
        couples: list[tuple[Mention, Mention]] = []
        j = k
        while j + 1 < len(mentions):
            a, b = mentions[j], mentions[j + 1]
            if not (a.kind == "region" and b.kind == "region"):
                break
            if sentence[a.end : b.start].strip().lower() != "and":
                break
            if couples and sentence[mentions[j - 1].end : a.start].strip() not in _COUPLE_SEPS:
                break
            couples.append((a, b))
            j += 2
        if len(couples) > len(best):
            best = couples
        k = j + 1 if couples else k + 1
    if len(best) < 2:
        return []
    return [_ordered(a, b, "adjacent", mech) for a, b in best]


_COUNTED_LIST_RE = re.compile(
    r"\b(?:count(?:y|ies)|villages?|towns?|townships?|districts?|cities|prefectures)\b"
    r"[^.;]{0,20}?(?:such\s+as|including|namely|:)\s*$",
    re.I,
)


def _is_province(m: Mention) -> bool:
    return bool(m.candidates) and all(r.level == "province" for r in m.candidates)


def _active(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    out: list[Pairing] = []
    for trig in ACTIVE_RE.finditer(sentence):
        if _PASSIVE_TAIL_RE.match(sentence[trig.end() : trig.end() + 6]):
            continue  # "support by A" is the passive rule's
        if MODIFIED_NOUN_RE.match(sentence[trig.end() : trig.end() + 16]):
            continue
        before = [k for k, m in enumerate(mentions) if m.end <= trig.start()]
        pronoun = PRONOUN_BEFORE_RE.search(sentence[max(0, trig.start() - 12) : trig.start()])
        # A pronoun resolved to a party (a mention at its place) is that party.
        if pronoun and not (before and mentions[before[-1]].end + 1 >= trig.start()):
            continue
        after = [k for k, m in enumerate(mentions) if m.start >= trig.end()]
        if not before or not after:
            continue
        helper = mentions[before[-1]]
        first = after[0]
        target = mentions[first]
        if not _helper_ok(helper) or not target.is_place or target.kind == "home":
            continue
        if helper.is_place and _OWNER_RE.match(sentence[helper.end : helper.end + 30]):
            continue  # "Hubei enterprises donated ...": the enterprises give, not Hubei
        if target.start - trig.end() > FOLLOW_WINDOW:
            continue
        if CLAUSE_VERB_RE.search(sentence[trig.end() : target.start]):
            continue
        if ACTIVE_RE.search(sentence, trig.end(), target.start):
            continue  # a later trigger is the one the place belongs to
        if _is_modifier(sentence, trig.end(), target):
            continue
        helped = _enumeration(mentions, first, sentence)
        counted = _COUNTED_LIST_RE.search(sentence[trig.end() : target.start])
        if counted and len(helped) > 1:
            # "five counties, such as A, B and C": the listed are counties; a province
            # in the list only says where the next one lies.
            helped = [h for h in helped if not _is_province(h)] or helped
        helpers = _subject_list(mentions, before[-1], sentence)
        out.extend(Pairing(g, h, "active", mech) for g in helpers for h in helped)
        out.extend(_gapped(sentence, mentions, first + len(helped), trig.group(), mech))
        out.extend(_listed(sentence, mentions, first + len(helped), helper, mech))
    return out


# A place before one of these plural nouns only says whose they are ("Guizhou
# counties", "Xinjiang products"); the helped are the unnamed counties.
ATTRIBUTIVE_RE = re.compile(
    r"^\s(?:poor\s|impoverished\s)?(?:counties|villages|towns|townships|products|produce|farmers|"
    r"people|residents|households|enterprises|companies|firms|students|cadres|officials|"
    r"herdsmen|villagers|goods)\b"
)
# The place only locates the object: "products from Guizhou", "Tibetans in Sichuan"
# (the Tibetan areas of Sichuan, not Sichuan).
LOCATING_LEAD_RE = re.compile(
    r"(?:\bfrom|\b(?:tibetans|uy[g]?hurs|uygurs|ethnic\s+\w+|minorit(?:y|ies)(?:\s+\w+)?)"
    r"\s+(?:in|of|from))\s+(?:the\s+)?$",
    re.I,
)


# A place before these nouns names whose they are; the nouns are the subject.
_OWNER_RE = re.compile(
    r"^\s(?:enterprises?|compan(?:y|ies)|firms?|businesses|entrepreneurs|people|residents|"
    r"farmers|villagers|students)\b",
    re.I,
)


def is_attributive(sentence: str, m: Mention) -> bool:
    """The place names whose the following noun is, not a party."""
    return bool(ATTRIBUTIVE_RE.match(sentence[m.end : m.end + 30]))


def _is_modifier(sentence: str, trig_end: int, target: Mention) -> bool:
    """The place modifies a noun: "the Sichuan pepper orchards", "aid-Tibet team"."""
    lead = sentence[trig_end : target.start]
    tail = sentence[target.end : target.end + 16]
    if MODIFIED_NOUN_RE.match(tail) and not tail.startswith((" -", "-")):
        return True
    if is_attributive(sentence, target) or LOCATING_LEAD_RE.search(lead):
        return True
    return (
        lead.rstrip().lower().endswith(" the")
        and bool(re.match(r"^ [a-z]{3,}", tail))
        and (not re.match(r"^ (?:and|of|in|for|to|with|by|under|from|since|during)\b", tail))
    )


_PREPOSITION_END_RE = re.compile(r"\b(with|for|to)$", re.I)


def _gapped(
    sentence: str, mentions: list[Mention], k: int, trigger: str, mech: str | None
) -> list[Pairing]:
    """Elided verbs after the first pair: "A pairs with B, C with D, and E with F"."""
    prep = _PREPOSITION_END_RE.search(trigger)
    if not prep:
        return []
    word = prep.group(1).lower()
    out = []
    while k + 1 < len(mentions):
        a, b = mentions[k], mentions[k + 1]
        lead = sentence[mentions[k - 1].end : a.start] if k > 0 else ""
        if not re.match(r"^\s*(?:,|and|,\s*and)\s*$", lead):
            break
        if sentence[a.end : b.start].strip().lower() != word or not b.is_place:
            break
        if _helper_ok(a):
            out.append(Pairing(a, b, "active", mech))
        k += 2
    return out


_LIST_INTRO_RE = re.compile(r"[:(]\s*$|\s[-–—]\s*$|\b(?:namely|including|such\s+as|like)\s*$")


def _listed(
    sentence: str, mentions: list[Mention], k: int, helper: Mention, mech: str | None
) -> list[Pairing]:
    """A list after a colon or dash spells out the helped places.

    "support to Kashgar ..., concentrating on four counties: A, B, C and D".
    """
    start = mentions[k - 1].end if k > 0 else 0
    while k < len(mentions) and mentions[k].start - start <= LIST_WINDOW:
        lead = sentence[mentions[k - 1].end : mentions[k].start] if k > 0 else ""
        if ";" in lead or CLAUSE_VERB_RE.search(lead) or ACTIVE_RE.search(lead):
            return []
        if mentions[k].is_place and _LIST_INTRO_RE.search(lead):
            listed = _enumeration(mentions, k, sentence)
            if len(listed) < 2:
                return []
            return [Pairing(helper, m, "active", mech) for m in listed if m.kind != "home"]
        k += 1
    return []


# "With the aid provided by A and B, C has ...": the helped is the main clause's subject.
_FRONTED_RE = re.compile(
    r"^\W*(?:with|thanks\s+to|due\s+to|owing\s+to|under|through)\s+(?:the\s+)?", re.I
)
_FINITE_AFTER_RE = re.compile(r"^\s+(?:has|have|had|is|are|was|were|will|\w+ed)\b")
_MAIN_CLAUSE_LEAD_RE = re.compile(r"^[^,;]{0,40},\s*(?:[\w\s’']{0,30}?)$")


def _fronted_helped(
    sentence: str, mentions: list[Mention], trig: re.Match[str], helpers: list[Mention]
) -> Mention | None:
    """The place that opens the main clause after a fronted "with the help of A"."""
    lead = sentence[: trig.start()]
    # "With the help of A, B ...", "Thanks to the support of A, B ...", and a fronted
    # participle: "Supported by A, B ..." (the trigger opens the sentence).
    fronted = _FRONTED_RE.match(sentence[: trig.end()]) or not lead.strip(" \"'“‘(")
    if not fronted or len(lead) > 40:
        return None
    last = helpers[-1]
    # The list ran on into the main clause: its last name is that clause's subject.
    if (
        len(helpers) >= 2
        and _FINITE_AFTER_RE.match(sentence[last.end : last.end + 20])
        and last.is_place
        and last.kind != "home"
        and "," in sentence[helpers[-2].end : last.start]
    ):
        helpers.pop()
        return last
    after = [m for m in mentions if m.start >= helpers[-1].end]
    if not after or not after[0].is_place or after[0].kind == "home":
        return None
    if not _MAIN_CLAUSE_LEAD_RE.match(sentence[helpers[-1].end : after[0].start]):
        return None
    return after[0]


_FUNDED_RE = re.compile(r"\b(?:funded|financed|sponsored|built|aided)\s+by\s+$", re.I)
_LOCATED_LEAD_RE = re.compile(r"^[^;:]{0,90}\b(?:in|to)\s+(?:the\s+)?$", re.I)


def _located_after(
    sentence: str, mentions: list[Mention], trig: re.Match[str], helpers: list[Mention]
) -> Mention | None:
    """ "Projects funded by A have started in B": the place the funded things are in."""
    if not _FUNDED_RE.search(trig.group() + " "):
        return None
    after = [m for m in mentions if m.start >= helpers[-1].end]
    if not after or not after[0].is_place or after[0].kind == "home":
        return None
    if not _LOCATED_LEAD_RE.match(sentence[helpers[-1].end : after[0].start]):
        return None
    return after[0]


_SET_OFF_RE = re.compile(r"[,–—]|\s-\s|\b(?:which|that|who|both|all|each)\b", re.I)


def _passive(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    out: list[Pairing] = []
    for trig in PASSIVE_RE.finditer(sentence):
        before = [m for m in mentions if m.end <= trig.start() and m.is_place]
        after = [m for m in mentions if m.start >= trig.end()]
        if not after or after[0].start - trig.end() > 40:
            continue
        if not before:
            first = mentions.index(after[0])
            helpers = _enumeration(mentions, first, sentence, places_only=False)
            fronted = _fronted_helped(sentence, mentions, trig, helpers)
            fronted = fronted or _located_after(sentence, mentions, trig, helpers)
            if fronted is not None:
                out.extend(Pairing(h, fronted, "passive", mech) for h in helpers if _helper_ok(h))
            continue
        helped = before[-1]
        if helped.kind == "home" or is_attributive(sentence, helped):
            continue
        first = mentions.index(after[0])
        # "A and B, which receive aid from C": a clause set off from the list is about
        # all of it; "A and B built with aid of C" is only about B.
        whole = _SET_OFF_RE.search(sentence[helped.end : trig.start()])
        helped_all = (
            _enumeration_back(mentions, mentions.index(helped), sentence) if whole else [helped]
        )
        for helper in _enumeration(mentions, first, sentence, places_only=False):
            if _helper_ok(helper):
                out.extend(Pairing(helper, h, "passive", mech) for h in helped_all)
    return out


_DONE_IN_RE = re.compile(
    r"\b(?:invested|funded|built|donated|provided|allocated|offered|implemented|launched|"
    r"constructed|sent|dispatched)\s+(?:in|to|for)\s+(?:the\s+)?$",
    re.I,
)
_BY_RE = re.compile(r"^(?:\s+province|\s+city)?\s+by\s+", re.I)
# "by eight partner cities, including A, B and C": the parties are spelt out later.
_BY_LIST_RE = re.compile(
    r"^(?:the\s+)?(?:[\w-]+\s+){0,4}?[\w-]+,?\s+(?:including|such\s+as|namely)\s+$|^$",
    re.I,
)


def _passive_by(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "... have been invested in B by A" and "... in B by eight cities, including A, C"."""
    out = []
    for k, helped in enumerate(mentions[:-1]):
        if not helped.is_place or helped.kind == "home":
            continue
        if not _DONE_IN_RE.search(sentence[max(0, helped.start - 30) : helped.start]):
            continue
        by = _BY_RE.match(sentence[helped.end : helped.end + 20])
        if by is None:
            continue
        first = mentions[k + 1]
        if not _BY_LIST_RE.match(sentence[helped.end + by.end() : first.start]):
            continue
        for helper in _enumeration(mentions, k + 1, sentence, places_only=False):
            if _helper_ok(helper) and helper.kind != "home":
                out.append(Pairing(helper, helped, "passive", mech))
    return out


_STAFF = r"(?:cadres|officials|officers|doctors|teachers|experts|personnel|technicians|volunteers)"
# "Jiangsu cadres", "Jiangsu's aid cadres", "officials from Shenzhen": whose people they are.
_STAFF_AFTER_RE = re.compile(rf"^(?:['’]s)?\s+(?:(?:aid|assistance|support)\s+)?{_STAFF}\b", re.I)
_STAFF_BEFORE_RE = re.compile(rf"\b{_STAFF}\s+from\s+(?:the\s+)?$", re.I)
# "... arrived at B", "... stationed in a village in B": where they went to help.
_POSTED_RE = re.compile(
    r"\b(?:arrived\s+(?:at|in)|stationed\s+in|sent\s+to|dispatched\s+to|posted\s+to|"
    r"went\s+to|came\s+to|working\s+in)\s+(?:(?:the|a|an)\s+)?(?:[a-z]+\s+in\s+)?$",
    re.I,
)


def _personnel(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """A place's cadres posted to another place, in a sentence about assistance."""
    if not ASSIST_WORD_RE.search(sentence):
        return []
    for k, home in enumerate(mentions[:-1]):
        if home.kind != "region":
            continue
        owned = _STAFF_AFTER_RE.match(sentence[home.end : home.end + 40]) or (
            _STAFF_BEFORE_RE.search(sentence[max(0, home.start - 30) : home.start])
        )
        if not owned:
            continue
        for m in mentions[k + 1 :]:
            if m.start - home.end > 90:
                break
            lead = sentence[max(home.end, m.start - 40) : m.start]
            if m.is_place and m.kind != "home" and _POSTED_RE.search(lead):
                return [Pairing(home, m, "active", mech)]
    return []


_INVESTED_RE = re.compile(
    r"^[^;.]{0,60}?\b(?:invested|spent|allocated|donated|put|poured|channell?ed)\b"
    r"[^;]{0,80}?\b(?:in|to|into|for)\s+(?:the\s+)?$",
    re.I,
)


def _crosses_east_west(a: Mention, b: Mention) -> bool:
    """The gazetteer puts ``a`` in a giving province and ``b`` in a receiving one."""
    return any(
        mechanism_by_geography(x, y) in ("east_west_cooperation", "counterpart_support")
        for x in a.candidates
        for y in b.candidates
    )


def _invested_in(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A has invested N yuan in B": assistance when the money's phrase says so
    ("in poverty alleviation projects in B") or the gazetteer does (an eastern
    giver's money in a western receiver). "A and its B have put ..." gives both."""
    out: list[Pairing] = []
    for k, (a, b) in enumerate(itertools.pairwise(mentions)):
        if a.kind != "region" or b.kind != "region" or is_attributive(sentence, b):
            continue
        gap = sentence[a.end : b.start]
        if not _INVESTED_RE.match(gap):
            continue
        if not (_crosses_east_west(a, b) or _POVERTY_MONEY_RE.search(gap)):
            continue
        givers = [a] + [m for m in _enumeration_back(mentions, k, sentence)[:-1]]
        out.extend(Pairing(g, b, "active", mech) for g in givers if g.kind == "region")
    return out


# The money's own phrase says it is assistance.
_POVERTY_MONEY_RE = re.compile(
    r"\b(?:poverty[\s-]+(?:alleviation|relief|reduction)|assistance|aid|counterpart)\b", re.I
)


def _adjacent(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A-B east-west cooperation", "A and B carried out cooperation": a pair, then the word."""
    out = []
    for a, b in itertools.pairwise(mentions):
        if a.kind != "region" or b.kind != "region":
            continue
        if not _HYPHEN_GAP_RE.match(sentence[a.end : b.start]):
            continue
        tail = sentence[b.end : b.end + 80]
        joint = "and" in sentence[a.end : b.start] and JOINT_VERB_COOPERATION_RE.match(tail)
        hyphen = sentence[a.end : b.start] in ("-", "–") and HYPHEN_ASSIST_RE.match(tail)
        if not (COOPERATION_RE.match(tail) or joint or hyphen):
            continue
        out.append(_ordered(a, b, "adjacent", mech))
    return out


def _between(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "cooperation between A and B"."""
    out = []
    for a, b in itertools.pairwise(mentions):
        if a.kind != "region" or b.kind != "region":
            continue
        if sentence[a.end : b.start].strip() != "and":
            continue
        if BETWEEN_RE.search(sentence[max(0, a.start - 40) : a.start]):
            out.append(_ordered(a, b, "adjacent", mech))
    return out


_PARTNER_APPOSITIVE_RE = re.compile(
    r"^['’]s\s+(?:(?:paired|pairing|east-west|assistance|aid)\s+)?"
    r"(?:partner|counterpart)(?:\s+(?:city|province|county|district|prefecture|region))?\s*,",
    re.I,
)


def _partner_of(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A is B's paired partner" and "B's partner city A": A helps B."""
    out = []
    for a, b in itertools.pairwise(mentions):
        gap = sentence[a.end : b.start]
        if (
            _helper_ok(a)
            and b.is_place
            and b.kind != "home"
            and PARTNER_OF_RE.match(gap)
            and PARTNER_NOUN_RE.match(sentence[b.end : b.end + 40])
        ):
            out.append(Pairing(a, b, "active", mech))
        if a.is_place and a.kind != "home" and _helper_ok(b) and _PARTNER_BEFORE_RE.match(gap):
            # "Dingxi's partner city Fuzhou": partners are two-way; who gives is the
            # gazetteer's word, else the one named first.
            out.append(_ordered(a, b, "active", mech))
        if (
            a.is_place
            and b.kind == "region"
            and gap.strip() == ","
            and _PARTNER_APPOSITIVE_RE.match(sentence[b.end : b.end + 50])
        ):
            # "Hotan, Beijing's counterpart, ...": Beijing's counterpart is Hotan.
            out.append(_ordered(b, a, "active", mech))
    return out


# "Dingxi's partner city Fuzhou", "Lhasa's counterpart, Jiangsu".
_PARTNER_BEFORE_RE = re.compile(
    r"^['’]s\s+(?:(?:paired|pairing|east-west|assistance|aid)\s+)?"
    r"(?:partner|helper|counterpart|supporter)"
    r"(?:\s+(?:city|province|county|district|prefecture|region))?\s*,?\s*(?:the\s+)?$",
    re.I,
)


_PAIRING_VERB_END_RE = re.compile(r"\b(?:paired|pairs|pair|matched|twinned)\s+$", re.I)
_WITH_GAP_RE = re.compile(r"^\s+(?:up\s+)?with\s+$", re.I)


def _paired_object(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "The central government paired A with B": a third party made the pair."""
    out = []
    for a, b in itertools.pairwise(mentions):
        if not (a.kind == "region" and b.kind == "region"):
            continue
        if not _WITH_GAP_RE.match(sentence[a.end : b.start]):
            continue
        if _PAIRING_VERB_END_RE.search(sentence[max(0, a.start - 16) : a.start]):
            out.append(_ordered(a, b, "active", mech))
    return out


_RELATION_WITH_RE = re.compile(
    r"\b(?:pair\w*|partner\w*|counterpart|assistance|aid|cooperation|twinning)\s+"
    r"(?:relationship|relation|ties|partnership)\s+with\s+$",
    re.I,
)
# The clause after the place: its subject is the other side ("..., A has invested").
_MAIN_SUBJECT_RE = re.compile(r"^[^,;]{0,60},\s*(?:the\s+)?$", re.I)
_SUBJECT_VERB_RE = re.compile(
    r"^\s+(?:has|have|had|is|was|will|invested|sent|provided|helped|assisted|supported)\b",
    re.I,
)


def _relation_with(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "Since a pairing relationship with B was set up in 2016, A has ...": A helps B."""
    out = []
    for k, b in enumerate(mentions[:-1]):
        if not b.is_place or b.kind == "home":
            continue
        if not _RELATION_WITH_RE.search(sentence[max(0, b.start - 60) : b.start]):
            continue
        a = mentions[k + 1]
        if not _helper_ok(a) or not _MAIN_SUBJECT_RE.match(sentence[b.end : a.start]):
            continue
        if _SUBJECT_VERB_RE.match(sentence[a.end : a.end + 20]):
            out.append(Pairing(a, b, "active", mech))
    return out


# "provide (the|Qinghai's) B with ...": a province's possessive may qualify B.
_PROVIDE_RE = re.compile(
    r"\b(?:provid|offer|grant)\w*\s+(?:the\s+|(?-i:[A-Z])[a-z]+['’]s\s+)?$", re.I
)
# "With an aid fund of 3 m yuan, A has ...": one fronted phrase before the subject.
_FRONTED_PHRASE_RE = re.compile(r"^[^,;]{0,90},\s*$")
_WITH_AID_RE = re.compile(r"^\s+with\s+(?:[\w-]+\s+){0,3}?(?:assistance|support|aid|help)\b", re.I)


def _provide_with(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "A ... started to provide B with partnership assistance": A is the subject,
    the sentence's first party when it opens the sentence."""
    out = []
    subject = mentions[0]
    lead = sentence[: subject.start]
    if not _helper_ok(subject) or (subject.start > 40 and not _FRONTED_PHRASE_RE.match(lead)):
        return []
    for b in mentions[1:]:
        if not b.is_place or b.kind == "home":
            continue
        lead = sentence[max(0, b.start - 20) : b.start]
        if _PROVIDE_RE.search(lead) and _WITH_AID_RE.match(sentence[b.end : b.end + 50]):
            out.append(Pairing(subject, b, "active", mech))
    return out


# "Fudan University's designated county Yongping", "Zhejiang's aid projects in B".
# ("A's partner city B" says no direction: the partner rules read it.)
_OWNED_TARGET_RE = re.compile(
    r"^['’]s\s+(?:(?:designated|targeted|assisted|aided|supported)\s+)"
    r"(?:(?:assistance|poverty[\s-]+alleviation|support|aid)\s+)?"
    r"(?:count(?:y|ies)|villages?|towns?|cities|city|prefectures?|areas?)\s*,?\s*(?:the\s+)?$"
    # "A's (first|new) aid projects in B": up to two plain modifiers before the noun.
    # "A's B-assistance projects": the place the possessor's aid is named after.
    r"|^['’]s\s+(?:(?:first|new|latest|major|key|main)\s+)?$"
    # "A's counterparts in B" (and "helping its counterparts in B", "its" read as A).
    r"|^(?:['’]s)?\s+counterparts?\s+in\s+(?:the\s+)?$"
    r"|^['’]s\s+(?:(?:first|new|latest|major|key|main|\d+|[a-z]+-?year)\s+){0,2}"
    r"(?:aid|assistance|support|counterpart\s+\w+)\s+(?:\w+\s+)?in\s+(?:the\s+)?$",
    re.I,
)
_NAMED_AID_RE = re.compile(r"-(?:aid|assistance|support)\b", re.I)
_PLURAL_OWNED_RE = re.compile(r"(?:ies|s)\s*,?\s*(?:the\s+)?$|\bin\s+(?:the\s+)?$", re.I)
# "B, Fudan University's designated assistance county, ...": an appositive.
_OWNED_APPOSITIVE_RE = re.compile(
    r"^['’]s\s+(?:designated|targeted|assisted|aided|supported)\s+"
    r"(?:(?:assistance|poverty[\s-]+alleviation|support|aid)\s+)?"
    r"(?:county|village|town|city|prefecture|area)\b",
    re.I,
)


def _designated_of(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """A body's designated or paired place named by the possessive: A's ... county B,
    or B, A's designated county."""
    out: list[Pairing] = []
    for a, b in itertools.pairwise(mentions):
        gap = sentence[a.end : b.start]
        if (
            _helper_ok(a)
            and b.is_place
            and b.kind != "home"
            and _OWNED_TARGET_RE.match(gap)
            and (not gap.rstrip().endswith(("'s", "’s")) or _NAMED_AID_RE.match(sentence, b.end))
        ):
            # "A's aid projects in B and C", "A's designated counties B and C": each
            # listed place is A's (a singular "county B" names one).
            k = mentions.index(b)
            helped = _enumeration(mentions, k, sentence) if _PLURAL_OWNED_RE.search(gap) else [b]
            out.extend(Pairing(a, c, "active", mech) for c in helped)
        if (
            a.is_place
            and a.kind != "home"
            and _helper_ok(b)
            and gap.strip() == ","
            and _OWNED_APPOSITIVE_RE.match(sentence[b.end : b.end + 60])
        ):
            out.append(Pairing(b, a, "active", mech))
    return out


_HYPHEN_AIDED_RE = re.compile(
    r"^-(?:aided|assisted|supported|funded|backed|sponsored)\s+(?:the\s+)?$", re.I
)


def _hyphen_aided(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "the Nanjing-aided Maizhokunggar County": the first helps the second."""
    out = []
    for a, b in itertools.pairwise(mentions):
        gap = sentence[a.end : b.start]
        if _helper_ok(a) and b.is_place and b.kind != "home" and _HYPHEN_AIDED_RE.match(gap):
            out.append(Pairing(a, b, "active", mech))
    return out


_COLON_RE = re.compile(r"^\s*:\s*$")


def _colon_pairs(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """A roundup's list of pairs: "Guangdong: Nyingchi; Fujian: Zayu and Nyingchi".

    Two such items or more make the list; each item's places are its helper's."""
    items: list[tuple[Mention, list[Mention]]] = []
    for k, a in enumerate(mentions[:-1]):
        b = mentions[k + 1]
        if not (_helper_ok(a) and b.is_place and b.kind != "home"):
            continue
        if not _COLON_RE.match(sentence[a.end : b.start]):
            continue
        lead = sentence[mentions[k - 1].end : a.start] if k else sentence[: a.start]
        if k and not re.search(r"[;,]\s*(?:and\s+)?$", lead):
            continue
        items.append((a, _enumeration(mentions, k + 1, sentence)))
    if len(items) < 2 or mech is None:
        return []
    return [Pairing(a, b, "active", mech) for a, helped in items for b in helped]


_FROM_RE = re.compile(r"\b(?:assistance|aid|support|help|donations?|funds?)\s+from\s+$", re.I)
_TO_RE = re.compile(r"^\s+to\s+(?:the\s+)?$", re.I)


def _from_to(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """ "Assistance from A to B": A helps B."""
    out = []
    for a, b in itertools.pairwise(mentions):
        if not (_helper_ok(a) and b.is_place and b.kind != "home"):
            continue
        if _TO_RE.match(sentence[a.end : b.start]) and _FROM_RE.search(
            sentence[max(0, a.start - 30) : a.start]
        ):
            out.append(Pairing(a, b, "active", mech))
    return out


_WITH_BEFORE_RE = re.compile(r"\b(?:with|under|thanks\s+to)\s+(?:the\s+)?$", re.I)
_POSSESSIVE_HELP_RE = re.compile(r"^['’]s\s+(?:[\w-]+\s+)?(?:help|support|assistance|aid)\b", re.I)


def _with_possessive_help(
    sentence: str, mentions: list[Mention], mech: str | None
) -> list[Pairing]:
    """ "B has built 300 greenhouses with A's help": B, the subject opening the sentence."""
    subject = mentions[0]
    if not subject.is_place or subject.kind == "home" or subject.start > 30:
        return []
    if _FRONTED_PREP_RE.search(sentence[: subject.start]):
        return []  # "In B, ...": a place phrase, not the subject
    out = []
    for a in mentions[1:]:
        if not _helper_ok(a) or not _POSSESSIVE_HELP_RE.match(sentence[a.end : a.end + 40]):
            continue
        if _WITH_BEFORE_RE.search(sentence[max(0, a.start - 20) : a.start]):
            out.append(Pairing(a, subject, "passive", mech))
    return out


def _ordered(a: Mention, b: Mention, rule: str, mech: str | None) -> Pairing:
    # Writers name the helper first, unless only the second lies in a giving province.
    if _eastern(b) and not _eastern(a):
        return Pairing(b, a, rule, mech)
    return Pairing(a, b, rule, mech)


def _eastern(m: Mention) -> bool:
    """Whether the place lies in a province that gives east-west or counterpart aid."""
    return any(r.province_code[:2] in HELPER_PROVINCES for r in m.candidates)


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


_APPOSITIVE_RE = re.compile(r"^\s*,[^,;]{3,80},")
_IN_PLACE_RE = re.compile(r"\b(?:in|to|within|across|for)\s+(?:the\s+)?$", re.I)


def _enterprise(sentence: str, mentions: list[Mention], mech: str | None) -> list[Pairing]:
    """A company and the places after it, in a sentence about assistance."""
    if not ASSIST_WORD_RE.search(sentence):
        return []
    out = []
    for k, company in enumerate(mentions):
        institution = not is_company(company) and is_institution(company)
        if not (is_company(company) or institution):
            continue
        later = [j for j in range(k + 1, len(mentions)) if mentions[j].is_place]
        if not later or mentions[later[0]].kind == "home":
            continue
        gap = sentence[company.end : mentions[later[0]].start]
        # An appositive after the name (", one of the largest oil firms in China,")
        # does not count against the distance to its verb's place.
        bare = _APPOSITIVE_RE.sub("", gap, count=1)
        if len(bare) > 60 and not (len(bare) <= 100 and _IN_PLACE_RE.search(bare)):
            continue
        if len(bare) > 60 and not ASSIST_WORD_RE.search(bare):
            continue
        if institution and not (ASSIST_WORD_RE.search(bare) and _IN_PLACE_RE.search(bare)):
            # A university or ministry works where its own words say it assists:
            # "Peking University carried out poverty alleviation in B".
            continue
        default = None if institution else "enterprise_assistance"
        for helped in _enumeration(mentions, later[0], sentence):
            out.append(Pairing(company, helped, "enterprise", mech or default))
        break
    return out


# "Its seven designated counties are ...", "The group assists four counties: ...":
# the helper is the organisation a previous sentence was about.
CARRY_RE = re.compile(
    r"\b(?:its|the\s+(?:company|group|corporation|university|bank|ministry|commission|"
    r"enterprise|hospital|college|institute|academy|firm)(?:'s)?)\s",
    re.I,
)
CARRY_CUE_RE = re.compile(
    r"\b(?:designated|targeted|paired|assist\w*|help\w*|support\w*|aid\w*)\b", re.I
)


def carried_pairings(sentence: str, mentions: list[Mention], helper: Mention) -> list[Pairing]:
    """Places a sentence assigns to an organisation it only calls "its" or "the group"."""
    carry = CARRY_RE.search(sentence)
    if carry is None or not CARRY_CUE_RE.search(sentence, carry.start()):
        return []
    if any(_helper_ok(m) and not m.is_place for m in mentions if m.end <= carry.start()):
        return []
    after = [k for k, m in enumerate(mentions) if m.start >= carry.end() and m.is_place]
    if not after or mentions[after[0]].kind == "home":
        return []
    if mentions[after[0]].start - carry.end() > FOLLOW_WINDOW:
        return []
    helped = _enumeration(mentions, after[0], sentence)
    mech = mechanism_in(sentence)
    return [Pairing(helper, m, "enterprise", mech) for m in helped if m.kind != "home"]


def subject_organisation(mentions: list[Mention]) -> Mention | None:
    """The organisation a sentence opens with, if it could be a helper."""
    first = mentions[0] if mentions else None
    if first is not None and first.kind == "org" and _helper_ok(first):
        return first
    return None
