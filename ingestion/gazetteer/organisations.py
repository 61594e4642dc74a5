"""Recognise organisations (SOEs, bureaus, task forces, companies) in a sentence.

By shape: a run of capitalised words ending in a head noun ("... Group",
"... Investment", "... Co., Ltd", "... Task Force") or a head noun followed by
"of ..." ("Bureau of Economic Cooperation"), plus a small curated list of names
that carry no head noun ("Sinopec", "China Telecom").
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

ORGANISATIONS_CSV = Path(__file__).resolve().parent / "data" / "organisations.csv"

# Head nouns of a company's name ("... Investment Group", "... Co., Ltd").
COMPANY_HEADS: frozenset[str] = frozenset(
    {
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
    }
)
# Head nouns: the last word(s) of an organisation's name, company or other body.
HEADS: frozenset[str] = COMPANY_HEADS | frozenset(
    {
        "bureau",
        "office",
        "commission",
        "department",
        "administration",
        "association",
        "federation",
        "foundation",
        "chamber",
        "branch",
        "force",  # Task Force
        "team",  # Work Team, Assistance Team
        "headquarters",
        "university",
        "college",
        "institute",
        "academy",
        "ministry",
        "hospital",
        "school",
    }
)
# Heads that take an "of ..." complement ("Bureau of Economic Cooperation").
OF_HEADS = frozenset(
    {
        "bureau",
        "office",
        "commission",
        "department",
        "administration",
        "ministry",
        "university",
        "institute",
        "academy",
        "bank",
        "corporation",
        # "Federation of Industry and Commerce", "Chamber of Commerce".
        "federation",
        "association",
        "foundation",
        "chamber",
    }
)
# Team heads: the organisation is a place's delegation, the helper is the place.
TEAM_HEADS = frozenset({"force", "team", "headquarters"})
# Capitalised words that start or interrupt a sentence but are never part of a name.
NOT_NAME = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "since",
        "as",
        "this",
        "that",
        "these",
        "those",
        "our",
        "its",
        "their",
        "his",
        "her",
        "it",
        "we",
        "they",
        "he",
        "she",
        "recently",
        "currently",
        "meanwhile",
        "moreover",
        "however",
        "also",
        "according",
        "based",
        "after",
        "before",
        "during",
        "under",
        "over",
        "into",
        "through",
        "while",
        "when",
        "where",
        "which",
        "who",
        "what",
        "why",
        "how",
        "all",
        "each",
        "every",
        "some",
        "many",
        "more",
        "most",
        "other",
        "such",
        "than",
        "then",
        "there",
        "here",
        "helps",
        "help",
        "helped",
        "supports",
        "support",
        "supported",
        "assists",
        "assist",
        "boosts",
        "boost",
        "promotes",
        "promote",
        "pairs",
        "paired",
        "enables",
        "enable",
        "creates",
        "create",
        "builds",
        "build",
        "drives",
        "drive",
        "rise",
        "rises",
        "upgrade",
        "upgrades",
        "revitalization",
        "gather",
        "continues",
        "continue",
        "last",
        "first",
        "new",
        "yesterday",
        "today",
        "since",
    ]
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’&.-]*|,")


@dataclass(frozen=True)
class OrgMention:
    start: int
    end: int
    name: str
    is_team: bool


@functools.cache
def curated_names() -> tuple[str, ...]:
    with ORGANISATIONS_CSV.open(encoding="utf-8", newline="") as fh:
        names = [row["name"].strip() for row in csv.DictReader(fh) if row.get("name")]
    return tuple(sorted(names, key=len, reverse=True))


ALIASES_CSV = Path(__file__).resolve().parent / "data" / "organisation_aliases.csv"


@functools.cache
def short_names() -> dict[str, str]:
    """Full names of national bodies -> the short name the press uses ("Sinopec")."""
    with ALIASES_CSV.open(encoding="utf-8", newline="") as fh:
        return {row["name"].strip().lower(): row["short"].strip() for row in csv.DictReader(fh)}


def short_name(name: str) -> str | None:
    """The short name of a body known by one, without a leading article."""
    key = " ".join(name.lower().split())
    return short_names().get(key[4:] if key.startswith("the ") else key)


def is_curated(name: str) -> bool:
    return name in _curated_set()


@functools.cache
def _curated_set() -> frozenset[str]:
    return frozenset(curated_names())


@functools.cache
def _curated_re() -> re.Pattern[str]:
    # The look-ahead for a capital lets the engine skip most positions before it
    # tries the alternation: several times faster than a bare alternation.
    alternation = "|".join(re.escape(n) for n in curated_names())
    return re.compile(rf"(?=[A-Z])\b(?:{alternation})\b")


def _curated_mentions(sentence: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _curated_re().finditer(sentence)]


def _head(word: str) -> str:
    word = word.lower().rstrip(".,")
    # "Fudan University's": the possessive is no part of the head.
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _is_cap(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in NOT_NAME


def _word_start_alternation(words: list[str]) -> str:
    """``\\b(?:words)`` for words that open with a letter, grouped by that letter with the
    word boundary moved behind it: "A(?<!\\wA)(?:dministration|ssociation)|C(?<!\\wC)...".
    A case-sensitive pattern that opens with literal letters lets the engine jump to
    them (3.5x faster here); letters differ per group and the order within one is kept,
    so the matches are the same."""
    groups: dict[str, list[str]] = {}
    for word in words:
        if not word[:1].isalpha():
            raise ValueError(f"a head must open with a letter: {word!r}")
        groups.setdefault(word[0], []).append(word[1:])
    return "|".join(f"{first}(?<!\\w{first})(?:{'|'.join(rest)})" for first, rest in groups.items())


# Names are capitalised, so a capitalised head is a cheap pre-check (case-sensitive
# alternations are much faster than IGNORECASE ones).
_ANY_HEAD_RE = re.compile(
    r"(?:"
    + _word_start_alternation(sorted((h.capitalize() for h in HEADS), key=len, reverse=True))
    + r")\b"
)


def find_organisations(sentence: str) -> list[OrgMention]:
    """Organisation mentions in a sentence, as character spans."""
    found = _shape_organisations(sentence) if _ANY_HEAD_RE.search(sentence) else []
    for start, end, name in _curated_mentions(sentence):
        if not any(o.start <= start < o.end for o in found):
            # "China Petroleum and Chemical Corporation": the curated name swallows the
            # shorter shape match inside it.
            found = [o for o in found if not (start <= o.start and o.end <= end)]
            found.append(OrgMention(start, end, name, False))
    return sorted(found, key=lambda o: o.start)


def _shape_organisations(sentence: str) -> list[OrgMention]:
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sentence)]
    found: list[OrgMention] = []
    i = 0
    while i < len(tokens):
        if not _is_cap(tokens[i][2]):
            i += 1
            continue
        j = i
        # One name is capitalised words with only spaces between ("March 9 -- China ..."
        # is a dateline and a name).
        while (
            j + 1 < len(tokens)
            and _is_cap(tokens[j + 1][2])
            # "China Petroleum & Chemical Corporation": an ampersand joins one name.
            and sentence[tokens[j][1] : tokens[j + 1][0]].strip() in ("", "&")
        ):
            j += 1
        mention = _org_in_run(sentence, tokens, i, j)
        if mention:
            found.append(mention)
            i = max(j, _index_after(tokens, mention.end))
        else:
            i = j + 1
    return found


def _index_after(tokens: list[tuple[int, int, str]], end: int) -> int:
    for k, tok in enumerate(tokens):
        if tok[0] >= end:
            return k
    return len(tokens)


def _org_in_run(
    sentence: str, tokens: list[tuple[int, int, str]], i: int, j: int
) -> OrgMention | None:
    # The last head noun in the run ends the name ("... Investment Group Helps X": Group).
    last = None
    for k in range(i + 1, j + 1):
        head = _head(tokens[k][2])
        if head in HEADS and not (head in ("force", "team") and k == i):
            last = k
    if last is None:
        return _of_org(sentence, tokens, i, j)
    end_k = last
    head = _head(tokens[last][2])
    if head in OF_HEADS:
        end_k = _extend_of(tokens, last)
    # "Co., Ltd": keep the comma-joined tail.
    if (
        head == "co"
        and end_k + 2 < len(tokens)
        and tokens[end_k + 1][2] == ","
        and _head(tokens[end_k + 2][2]) in ("ltd", "limited")
    ):
        end_k += 2
    start, end = tokens[i][0], tokens[end_k][1]
    name = sentence[start:end].rstrip(",")
    if name.endswith(("'s", "’s")):
        name = name[:-2]
    if name.endswith(".") and _head(name.split()[-1]) not in _ABBREVIATED_HEADS:
        name = name[:-1]  # the sentence's full stop, not "Co." or "Ltd."
    return OrgMention(start, start + len(name), name, head in TEAM_HEADS)


_ABBREVIATED_HEADS = frozenset(["co", "ltd", "corp", "inc"])


def _of_org(sentence: str, tokens: list[tuple[int, int, str]], i: int, j: int) -> OrgMention | None:
    """A run that is only the head ("Bureau of ..." at the start of a name)."""
    if i == j and _head(tokens[i][2]) in OF_HEADS:
        end_k = _extend_of(tokens, i)
        if end_k > i:
            return OrgMention(
                tokens[i][0], tokens[end_k][1], sentence[tokens[i][0] : tokens[end_k][1]], False
            )
    return None


def _extend_of(tokens: list[tuple[int, int, str]], k: int) -> int:
    """Extend past "of/for (the) Capitalised (and Capitalised)*"."""
    n = len(tokens)
    if k + 1 >= n or tokens[k + 1][2].lower() not in ("of", "for"):
        return k
    m = k + 2
    if m < n and tokens[m][2].lower() == "the":
        m += 1
    end = k
    while m < n:
        word = tokens[m][2]
        if word[:1].isupper() and word.lower() not in NOT_NAME:
            end = m
            m += 1
        elif word.lower() in ("and", "of") and m + 1 < n and tokens[m + 1][2][:1].isupper():
            m += 1
        else:
            break
    return end


def is_organisation_name(name: str) -> bool:
    """Whether a whole name has an organisation's shape or is on the curated list."""
    orgs = find_organisations(name)
    return any(o.start == 0 and o.end >= len(name.rstrip(". ")) for o in orgs)
