"""Parties named only by reference, for the pairing rules.

A pairing's side is often not named in its own sentence but pointed at: "the
company" or "the group" after a company was named, "the county" or "the town"
after a place, or an acronym the article defined once ("State-owned Assets
Supervision and Administration Commission (SASAC)" ... "SASAC units"). The
pairing rules see such a reference as a copy of the mention it points at, placed
at the reference's offsets, so every phrasing rule works on it unchanged. The
referent is the latest compatible mention of the same or the two previous
sentences; a fact that uses one carries the evidence of both sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ingestion.extract.regions import Mention
from ingestion.gazetteer.organisations import find_organisations, is_curated

# "the company", "this county", "the town": a definite description of a party.
# After "of" it is a complement ("the bottom of the province"), not a party.
# (Case-sensitive determiners: a literal start lets the engine skip ahead.)
# "the|this|that|The|This|That|THE|THIS|THAT" after no word character and no "of ",
# written to open with the letter [tT] (the look-behinds moved past it, widened by that
# letter): the engine then skips to the t's instead of trying every position (2.5x).
_DEFINITE_RE = re.compile(
    r"[tT](?<!\w[tT])(?<!\bof\s[tT])(?:h(?:e|is|at)|(?<=T)H(?:E|IS|AT))\s+"
    r"(?i:(company|group|corporation|enterprise|firm|bank|university|"
    r"county|city|prefecture|town|township|village|province|district))\b(?![-\w]|\s+level)"
)
_COMPANY_WORDS = frozenset(["company", "group", "corporation", "enterprise", "firm"])
_ORG_WORDS = {
    "bank": ("bank",),
    "university": ("university", "college"),
}
# Administrative levels a place description can point at.
_PLACE_LEVELS = {
    "county": ("county",),
    "district": ("county",),
    "prefecture": ("prefecture",),
    "province": ("province",),
}
# The Chinese suffix a description requires: "the county" is no district.
_PLACE_ZH = {"county": ("县", "旗"), "district": ("区",), "city": ("市",)}
# "(SASAC)", and a short name the organisation list knows: "(Sinopec)".
_ACRONYM_DEF_RE = re.compile(r"\(([A-Z][A-Za-z]{1,15})\)")
WINDOW = 2  # sentences back a reference may point


# Company heads a later mention may drop: "Evergrande Group" ... "Evergrande".
_DROPPABLE_HEADS = frozenset(
    ["group", "corporation", "corp", "company", "co", "holdings", "holding", "limited", "ltd"]
)


def short_forms(names: list[str]) -> dict[str, str]:
    """Short forms of the article's company names: the name without its head noun.

    A short form that is itself a place name ("Tianjin" of a "Tianjin Group") or a
    single generic word is not taken: it would read a place or a word as the company.
    """
    from ingestion.gazetteer import fold, load_gazetteer

    keys = load_gazetteer().by_key
    out: dict[str, str] = {}
    for name in names:
        words = name.replace(",", " ").split()
        while words and words[-1].lower().rstrip(".") in _DROPPABLE_HEADS:
            words.pop()
        if not words or len(words) == len(name.split()):
            continue
        short = " ".join(words)
        if words[0].lower() in ("the", "china") and len(words) == 1:
            continue
        if fold(short) in keys or len(short) < 4 or not short[0].isupper():
            continue
        out.setdefault(short, name)
    return out


def defined_acronyms(text: str) -> dict[str, str]:
    """Acronyms an article defines after an organisation's name: "... Commission (SASAC)"."""
    out: dict[str, str] = {}
    for m in _ACRONYM_DEF_RE.finditer(text):
        short = m.group(1)
        if not (short.isupper() or is_curated(short)):
            continue
        lead = text[max(0, m.start() - 200) : m.start()]
        orgs = find_organisations(lead)
        if orgs and len(lead.rstrip()) - orgs[-1].end <= 1:
            start = _name_start(lead, orgs[-1].start)
            out.setdefault(m.group(1), lead[start : orgs[-1].end])
    return out


_NAME_HEAD_RE = re.compile(r"(?:[A-Z][\w’'-]*\s+)+(?:and|&)\s+$")


def _name_start(lead: str, start: int) -> int:
    """Where a name really starts when the organisation finder stopped at "and"
    ("State-owned Assets Supervision and Administration Commission")."""
    m = _NAME_HEAD_RE.search(lead[max(0, start - 80) : start])
    if m is None:
        return start
    head = m.group()
    # A leading article is no part of the name.
    if head.lower().startswith("the "):
        head = head[4:]
    return start - len(head)


@dataclass
class Discourse:
    """The mentions of the last sentences, to resolve references against."""

    acronyms: dict[str, str]
    # Mentions of a sentence the document pass did not look names up in (no cue
    # word, no digit), found only when a later reference needs them.
    lookup: Callable[[int], list[Mention]] | None = None
    # Short forms of the article's company names ("Evergrande" for "Evergrande Group").
    shorts: dict[str, str] = field(default_factory=dict)
    recent: list[tuple[int, Mention]] = field(default_factory=list)
    unread: list[int] = field(default_factory=list)
    # The previous sentence's subject, for a sentence that opens with "It".
    subject: tuple[int, Mention | None] = (-1, None)
    # id of an inserted mention -> index of the sentence its referent was named in.
    sources: dict[int, int] = field(default_factory=dict)

    def remember(self, index: int, mentions: list[Mention], read: bool = True) -> None:
        self.subject = (index, _subject(mentions)) if read else (index, None)
        if not read:
            self.unread.append(index)
        if mentions:
            self.recent.extend((index, m) for m in mentions if id(m) not in self.sources)
        # Most sentences name nothing: trim only when the oldest entry left the window.
        if self.recent and self.recent[0][0] <= index - WINDOW:
            self.recent = [(i, m) for i, m in self.recent if i > index - WINDOW]
        if self.unread and self.unread[0] <= index - WINDOW:
            self.unread = [i for i in self.unread if i > index - WINDOW]

    def _read_unread(self) -> None:
        """Look up the names of the window's unread sentences (once each)."""
        if self.lookup is None or not self.unread:
            return
        for i in self.unread:
            self.recent.extend((i, m) for m in self.lookup(i))
        self.recent.sort(key=lambda x: (x[0], x[1].start))
        self.unread = []

    def resolve(self, index: int, text: str, mentions: list[Mention]) -> list[Mention]:
        """The sentence's mentions with its acronyms and references filled in."""
        added = self._acronyms(index, text, mentions) + self._references(index, text, mentions)
        added += self._pronoun(index, text, mentions)
        added += self._counterpart_owner(index, text, mentions)
        if not added:
            return mentions
        return sorted([*mentions, *added], key=lambda m: m.start)

    def _acronyms(self, index: int, text: str, mentions: list[Mention]) -> list[Mention]:
        out: list[Mention] = []
        for acronym, full in [*self.acronyms.items(), *self.shorts.items()]:
            if acronym not in text:
                continue
            for m in re.finditer(rf"\b{re.escape(acronym)}\b", text):
                if _overlaps(m.start(), m.end(), mentions) or _overlaps(m.start(), m.end(), out):
                    continue
                if text[m.end() : m.end() + 1] == ")":
                    continue  # the definition itself
                # Named as the text gives it; the full name says what kind of body it is.
                # An acronym is named as the text gives it (the full name says what kind
                # of body it is); a short form by the full name it stands for.
                label = full if acronym in self.shorts else acronym
                out.append(Mention(m.start(), m.end(), full, "org", display=label))
        return out

    def _pronoun(self, index: int, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "It" opening a sentence is the previous sentence's subject (its first party,
        when that opens the sentence)."""
        m = _IT_RE.match(text)
        source, subject = self.subject
        if m is None or source != index - 1:
            return []
        if subject is None and self.lookup is not None and source in self.unread:
            subject = _subject(self.lookup(source))
        if subject is None or _overlaps(m.start(1), m.end(1), mentions):
            return []
        copy = replace(subject, start=m.start(1), end=m.end(1))
        self.sources[id(copy)] = source
        return [copy]

    def _counterpart_owner(self, index: int, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "... focused on helping their counterparts in B": the owner of "their" is
        the helper an earlier sentence named (the latest giving province's place or
        company), when nothing in this sentence before it can help."""
        m = _OWNER_RE.search(text)
        if m is None:
            return []
        from ingestion.extract.pairings import _helper_ok

        if any(_helper_ok(x) for x in mentions if x.end <= m.start(1)):
            return []
        if self.unread:
            self._read_unread()
        for source, referent in reversed(self.recent):
            if source < index and _gives(referent):
                copy = replace(referent, start=m.start(1), end=m.end(1))
                self.sources[id(copy)] = source
                return [copy]
        return []

    def _references(self, index: int, text: str, mentions: list[Mention]) -> list[Mention]:
        out = []
        for m in _DEFINITE_RE.finditer(text):
            if _overlaps(m.start(), m.end(), mentions):
                continue
            word = m.group(1).lower()
            # Only earlier sentences: within its own sentence a writer names a party
            # once and then says "it" ("A sent cadres to help the county" is not A).
            found = _latest(word, self.recent)
            if found is None and self.unread:
                self._read_unread()
                found = _latest(word, self.recent)
            if found is None:
                continue
            source, referent = found
            copy = replace(referent, start=m.start(), end=m.end())
            self.sources[id(copy)] = source
            out.append(copy)
        return out


# "helping its counterparts in B": the pronoun owns the relationship (helper side).
_OWNER_RE = re.compile(
    r"\b(?:help|assist|support|aid)\w*\s+(its|their)\s+counterparts?\s+in\s", re.I
)


def _gives(m: Mention) -> bool:
    """A party that can be the giving side: a giving province's place, or a company."""
    from ingestion.extract.pairings import HELPER_PROVINCES, is_company

    if m.kind == "org":
        return is_company(m)
    # A province or city owns a programme; a district of the same name is a misreading.
    region = m.region if m.kind == "region" else None
    return (
        region is not None
        and region.level in ("province", "prefecture")
        and region.province_code[:2] in HELPER_PROVINCES
    )


_IT_RE = re.compile(r"\W{0,3}(It)\s+(?!is\b|was\b|has\s+been\s+(?:reported|said))")
SUBJECT_REACH = 25  # chars from the sentence start within which its subject starts


def _subject(mentions: list[Mention]) -> Mention | None:
    first = mentions[0] if mentions else None
    if first is None or first.start > SUBJECT_REACH or first.kind not in ("region", "org"):
        return None
    return first


def _overlaps(start: int, end: int, mentions: list[Mention]) -> bool:
    return any(x.start < end and start < x.end for x in mentions)


def _latest(word: str, seen: list[tuple[int, Mention]]) -> tuple[int, Mention] | None:
    for source, m in reversed(seen):
        if _fits(word, m):
            return source, m
    return None


def _fits(word: str, m: Mention) -> bool:
    """Whether a description ("the company", "the county") can name the mention."""
    name = m.name.lower()
    if word in _COMPANY_WORDS:
        from ingestion.extract.pairings import is_company

        return is_company(m) and "bank" not in name.split()
    if word in _ORG_WORDS:
        return m.kind == "org" and any(w in name.split() for w in _ORG_WORDS[word])
    if word in ("town", "township", "village"):
        return m.kind == "village" and name.split()[-1] == word
    region = m.region if m.kind == "region" else None
    if region is None:
        return False
    if word in _PLACE_ZH and not region.name_zh.endswith(_PLACE_ZH[word]):
        return False
    return word == "city" or region.level in _PLACE_LEVELS[word]
