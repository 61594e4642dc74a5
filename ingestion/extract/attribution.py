"""Who paid and where it went: choosing a figure's payer and place among candidates.

The place nearest a number is often the wrong one ("Beijing, which has helped
Yushu, has arranged 510 million yuan for the prefecture"; "Foshan, Liangshan's
partner, provided 3 billion yuan"). So every party the document offers is a
candidate: the places and bodies of the figure's sentence, of the two sentences
before it and of the title, the place a "the county" or "that city" points at,
and the helpers and helped places of the document's pairings. Each candidate is
described by features (where it stands against the figure, the words around it,
whether the document pairs it as a helper or as a helped place, whether it lies
in the eastern provinces that give aid) and a small linear model scores it: the
best-scored candidate is the payer, then the best-scored place is the region
(the payer stays a candidate, marked as such: a province's own budget spent at
home has payer = region).

The weights live in ``attribution_weights.json`` beside this module. They are
fitted by ``python -m ingestion attribution fit`` on annotated documents and
cross-validated by ``python -m ingestion attribution cv`` (see
``ingestion/evaluation/attribution_fit.py``); every fact can say why it got
its payer and place (``explain``).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ingestion.extract.regions import Mention, find_mentions
from ingestion.extract.text import Sentence, led_by
from ingestion.gazetteer import Region, load_gazetteer

WEIGHTS_PATH = Path(__file__).with_name("attribution_weights.json")
ROLES = ("payer", "region")
# How many sentences before a figure may name its payer or place.
_SENTENCES_BACK = 2
# Per role (payer, region): feature name to weight.
Weights = Mapping[str, Mapping[str, float]]

# Provinces that give east-west and counterpart aid (Beijing, Tianjin, Liaoning, Shanghai,
# Jiangsu, Zhejiang, Fujian, Shandong, Guangdong): by the first two digits of a division code.
DONOR_PROVINCES = frozenset({"11", "12", "21", "31", "32", "33", "35", "37", "44"})

_TO_BEFORE_RE = re.compile(
    r"\b(?:to|in|into|for|toward|towards|at|of|within|across|throughout)\s+(?:the\s+)?$", re.I
)
_HELP_BEFORE_RE = re.compile(
    r"\b(?:help(?:ed|s|ing)?|assist(?:ed|s|ing)?|support(?:ed|s|ing)?|aid(?:ed|s|ing)?"
    r"|benefit(?:ed|s|ing)?|pair(?:ed)?\s+with|partner(?:ed)?\s+with)\s+(?:the\s+)?$",
    re.I,
)
_BY_FROM_BEFORE_RE = re.compile(r"\b(?:by|from)\s+(?:the\s+)?$", re.I)
_GIVER_AFTER_RE = re.compile(
    r"^(?:['’]s\s+\w+\s+)?(?:\s*(?:municipal|provincial|city|county|district)?\s*"
    r"(?:government|governments|committee|department|bureau)s?)?\s*,?\s*(?:has|have|had|will|would|"
    r"invested|allocated|donated|provided|spent|arranged|raised|earmarked|put|poured|"
    r"contributed|granted|injected|funded|offered|pledged|paid)\b",
    re.I,
)
_QUALIFIER_GAP_RE = re.compile(
    r"^\s*(?:,|\bin\b|\bof\b|,\s*in\b)?\s*(?:the\s+)?(?:(?:north|south)?(?:east|west)(?:ern)?\s+|"
    r"(?:north|south)(?:ern)?\s+|central\s+)?(?:china['’]s\s+)?(?:the\s+)?$",
    re.I,
)
# "the county", "this province", "the county's": a place the reader already knows.
_LOCAL_REFERENCE_RE = led_by(
    "tow",
    r"\b(?:the|this|our|that|whole)\s+(county|province|city|prefecture|district|town|township|village)\b"
    r"(?!\s+(?:of|level|seat|government|party|committee|leaders?|officials?|head|chief)\b)",
    re.I,
)
_REFERENCE_LEVELS = {
    "county": "county", "district": "county", "city": "prefecture",
    "prefecture": "prefecture", "province": "province",
    "town": "village", "township": "village", "village": "village",
}  # fmt: skip
# Features whose meaning depends on the fact type (a copy per type is fitted).
_TYPED_FEATURES = (
    "sentence_start",
    "before_giving_verb",
    "after_by_from",
    "possessive",
    "national",
)
_NATIONAL_RE = led_by(
    "Ctna",
    r"\b(?:China|the\s+country|the\s+nation|nationwide|national|across\s+the\s+country)\b"
    r"(?!\s+(?:Daily|News|Report|Radio|Central|Development|Energy|Mobile|Telecom|Unicom"
    r"|Construction|Merchants|Agricultural|Everbright|Minsheng|Post|Three|National|Railway))",
)
_POSSESSIVE_AFTER_RE = re.compile(r"^['’]s\b|^\s+(?:county|city|prefecture|province)['’]s\b", re.I)
_RECEIVE_AFTER_RE = re.compile(
    r"^[^.;]{0,40}?\b(?:received|receives|receiving|obtained|got|gets|has\s+received)\b", re.I
)
_WHICH_HELPS_AFTER_RE = re.compile(
    r"^\s*,?\s*(?:which|who)\s+(?:has\s+|have\s+)?(?:been\s+)?(?:help|assist|support|aid|pair)",
    re.I,
)
_PARTNER_AFTER_RE = re.compile(r"^\s*,\s*(?:\w+['’]s\s+)?(?:partner|helper|counterpart)", re.I)
# "30 counties, namely A, B and C", "16 counties including A and B": the places after such
# a word are members of the counted set, not its scope or its recipient.
# Clause breaks: a place beyond one belongs to another statement than the figure's.
_CLAUSE_BREAK_RE = re.compile(r";|,\s*(?:and|but|while|whereas|which|who)\b", re.I)
# A list of one ("one county, namely A") is the set itself.
_EXAMPLE_RE = led_by(
    "isnfe", r"\b(?:including|such\s+as|namely|for\s+example|for\s+instance|e\.g\.)", re.I
)
_LIST_END_RE = re.compile(r"[.;:!?]|\b(?:is|are|was|were|has|have|had|will|to\s+be)\b", re.I)
# A place that opens the name of a body ("Xinhua News Agency", "Hebei University"): the
# body is meant, not the place.
_BODY_AFTER_RE = re.compile(
    r"^\s+(?:News\s+Agency|Daily|Evening\s+News|Television|TV|Radio|University|College"
    r"|Bank|Airlines?|Production\s+and\s+Construction\s+Corps)\b",
    re.I,
)
# "the town" after "Maojian town": a town the gazetteer does not list, named with its word.
_TOWN_AFTER_RE = re.compile(r"\s+(?:town|township)\b", re.I)  # used with .match(text, pos)


@dataclass(frozen=True)
class Candidate:
    """One party a figure may belong to, with where it was found."""

    label: str
    code: str | None
    kind: str  # region | village | org | team | home | pairing
    source: str  # sentence | reference | previous | title | pairing
    features: Mapping[str, float] = field(default_factory=dict)
    # Keys of the helpers the document pairs this place with.
    helpers: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return self.code or " ".join(self.label.lower().split())

    @property
    def is_place(self) -> bool:
        return self.kind in ("region", "village", "home") or (
            self.kind == "pairing" and self.code is not None
        )


@dataclass(frozen=True)
class Attribution:
    """The chosen payer and place of one figure, and why."""

    payer: Candidate | None
    region: Candidate | None

    def explain(self, weights: Weights) -> str:
        parts = []
        for role, cand in (("payer", self.payer), ("region", self.region)):
            if cand is None:
                continue
            top = sorted(
                ((name, weights[role].get(name, 0.0) * v) for name, v in cand.features.items()),
                key=lambda item: -abs(item[1]),
            )[:3]
            parts.append(
                f"{role}={cand.label} ({cand.source}: "
                + ", ".join(f"{n} {c:+.2f}" for n, c in top)
                + ")"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class DocParties:
    """What the whole document says about its parties."""

    helpers: frozenset[str]  # keys (codes or folded names) of pairing helpers
    helped: frozenset[str]
    pairing_candidates: tuple[Candidate, ...]
    counts: Mapping[str, int]  # mentions of each key across the document
    title: tuple[Mention, ...]
    title_keys: frozenset[str]
    # Mentions of sentences the extractor never looked up, found once when needed.
    looked_up: dict[int, list[Mention]] = field(default_factory=dict)
    # Each helped place's helpers (keys), from the document's pairings.
    helpers_of: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # ``_doc_features`` per key, filled as figures ask.
    doc_features: dict[str, Mapping[str, float]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Candidates from a previous sentence, the title or a pairing: their features do not
    # depend on the figure's position, so every figure of the document shares them.
    shared: dict[tuple[str, str | None, str, str, float, str], Candidate] = field(
        default_factory=dict, repr=False, compare=False
    )


@functools.cache
def load_weights(path: Path = WEIGHTS_PATH) -> Weights:
    """The fitted weights per role (payer, region): feature name to weight."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {role: dict(data["weights"][role]) for role in ROLES}


def _region(code: str | None) -> Region | None:
    return load_gazetteer().get(code) if code else None


def _party(m: Mention) -> Mention:
    return m.team_place if (m.kind == "team" and m.team_place is not None) else m


def _key(m: Mention) -> str:
    return m.code or " ".join(m.label.lower().split())


# Pure in its arguments and the shipped gazetteer; callers only copy it into a
# candidate's own features, so one read-only mapping serves every figure.
@functools.lru_cache(maxsize=4096)
def _place_features(code: str | None, kind: str) -> Mapping[str, float]:
    return MappingProxyType(_find_place_features(code, kind))


def _find_place_features(code: str | None, kind: str) -> dict[str, float]:
    region = _region(code)
    f: dict[str, float] = {}
    if kind in ("org", "team"):
        f["is_org"] = 1.0
    if region is None:
        f["no_code"] = 1.0
        return f
    f[f"level_{region.level}"] = 1.0
    if region.province_code[:2] in DONOR_PROVINCES:
        f["donor_province"] = 1.0
    else:
        f["assisted_province"] = 1.0
    return f


def _context_features(sentence: str, m: Mention, at: int) -> dict[str, float]:
    """Where a mention stands against the figure and what words surround it."""
    before = sentence[max(0, m.start - 40) : m.start]
    after = sentence[m.end : m.end + 60]
    distance = abs(m.start - at) if m.start > at else abs(at - m.end)
    f: dict[str, float] = {
        "same_sentence": 1.0,
        "before_figure": 1.0 if m.end <= at else 0.0,
        "after_figure": 1.0 if m.start >= at else 0.0,
        "distance": math.log1p(distance) / 5.0,
        "sentence_start": 1.0 if not sentence[: m.start].strip(" \"'“‘(") else 0.0,
    }
    if _TO_BEFORE_RE.search(before):
        f["after_to_in_for"] = 1.0
    if _HELP_BEFORE_RE.search(before):
        f["object_of_help"] = 1.0
    if _BY_FROM_BEFORE_RE.search(before):
        f["after_by_from"] = 1.0
    if _GIVER_AFTER_RE.search(after):
        f["before_giving_verb"] = 1.0
    if _POSSESSIVE_AFTER_RE.search(after):
        f["possessive"] = 1.0
    if _RECEIVE_AFTER_RE.search(after):
        f["before_receive"] = 1.0
    if _WHICH_HELPS_AFTER_RE.search(after) or _PARTNER_AFTER_RE.search(after):
        f["described_as_helper"] = 1.0
    lo, hi = (m.end, at) if m.end <= at else (at, m.start)
    if _CLAUSE_BREAK_RE.search(sentence, lo, hi):
        f["across_clause"] = 1.0
    if _BODY_AFTER_RE.search(after):
        f["names_a_body"] = 1.0
    return f


def _sentence_features(sentence: str, ms: list[Mention], at: int) -> dict[int, dict[str, float]]:
    """Context features of each mention; a locating place hands its verb to the place it
    locates ("Haishu District of Ningbo in Zhejiang has invested": Haishu invested)."""
    out = {id(m): _context_features(sentence, m, at) for m in ms}
    for key, roles in _qualifier_roles(sentence, ms).items():
        out[key].update(roles)
    ordered = sorted(ms, key=lambda m: m.start)
    for prev, m in itertools.pairwise(ordered):
        if "locates_previous" in out[id(m)] and out[id(m)].pop("before_giving_verb", False):
            out[id(prev)]["before_giving_verb"] = 1.0
    for kw in _EXAMPLE_RE.finditer(sentence):
        end = _LIST_END_RE.search(sentence, kw.end())
        inside = [m for m in ms if kw.end() <= m.start < (end.start() if end else len(sentence))]
        if sum("locates_previous" not in out[id(m)] for m in inside) >= 2:
            for m in inside:
                out[id(m)]["listed_example"] = 1.0
    return out


def _qualifier_roles(sentence: str, ms: list[Mention]) -> dict[int, dict[str, float]]:
    """Places that only locate the place before them ("Haishu District of Ningbo in east
    China's Zhejiang", "Tsonyi county in Tibet", "Leye, Baise, Guangxi"): such a place is
    neither payer nor recipient, and the place it locates is the one the text is about."""
    out: dict[int, dict[str, float]] = {}
    ordered = sorted(ms, key=lambda m: m.start)
    for prev, m in itertools.pairwise(ordered):
        inner, outer = _region(_party(prev).code), _party(m).code
        if inner is None or outer is None or not inner.is_within(outer):
            continue
        if _QUALIFIER_GAP_RE.match(sentence[prev.end : m.start]):
            out.setdefault(id(m), {})["locates_previous"] = 1.0
            out.setdefault(id(prev), {})["located_by_next"] = 1.0
    return out


def _doc_features(key: str, parties: DocParties) -> Mapping[str, float]:
    """What the document says of one party: the same for every figure of the document
    (the parties do not change once gathered), so found once per key. Callers only copy
    it into a candidate's own features."""
    if key not in parties.doc_features:
        parties.doc_features[key] = _find_doc_features(key, parties)
    return parties.doc_features[key]


def _find_doc_features(key: str, parties: DocParties) -> dict[str, float]:
    f: dict[str, float] = {}
    if key in parties.helpers:
        f["pairing_helper"] = 1.0
    if key in parties.helped:
        f["pairing_helped"] = 1.0
    count = parties.counts.get(key, 0)
    f["doc_mentions"] = math.log1p(count) / 3.0
    if key in parties.title_keys:
        f["in_title"] = 1.0
    return f


def doc_parties(
    sentences: list[Sentence],
    mentions: list[list[Mention]],
    pairings: Iterable[tuple[str, str | None, str, str | None]],
) -> DocParties:
    """The document's parties: pairing sides, mention counts and the title's names.

    ``pairings`` are (helper, helper_code, helped, helped_code) of the document's pairings.
    """
    helpers: set[str] = set()
    helped: set[str] = set()
    helpers_of: dict[str, set[str]] = {}
    cands: dict[str, Candidate] = {}
    for helper, helper_code, place, place_code in pairings:
        h_key = helper_code or " ".join(helper.lower().split())
        p_key = place_code or " ".join(place.lower().split())
        helpers.add(h_key)
        helped.add(p_key)
        helpers_of.setdefault(p_key, set()).add(h_key)
        cands.setdefault(h_key, Candidate(helper, helper_code, "pairing", "pairing"))
        cands.setdefault(p_key, Candidate(place, place_code, "pairing", "pairing"))
    counts: dict[str, int] = {}
    for ms in mentions:
        for m in ms:
            k = _key(_party(m))
            counts[k] = counts.get(k, 0) + 1
    title: tuple[Mention, ...] = ()
    if sentences:
        title = tuple(mentions[0]) if mentions[0] else tuple(find_mentions(sentences[0].text))
    title_keys = frozenset(_key(_party(m)) for m in title)
    return DocParties(
        frozenset(helpers),
        frozenset(helped),
        tuple(cands.values()),
        counts,
        title,
        title_keys,
        helpers_of={k: frozenset(v) for k, v in helpers_of.items()},
    )


def candidates(
    sentences: list[Sentence],
    mentions: list[list[Mention]],
    index: int,
    at: int,
    parties: DocParties,
    fact_type: str = "fund",
) -> list[Candidate]:
    """Every party the figure at ``at`` of sentence ``index`` may belong to, with features."""
    out: dict[str, Candidate] = {}

    def add(label: str, code: str | None, kind: str, source: str, f: dict[str, float]) -> None:
        key = code or " ".join(label.lower().split())
        if not key or key in out:
            return
        out[key] = _candidate(label, code, kind, source, f, key)

    def add_shared(label: str, code: str | None, kind: str, source: str, back: float) -> None:
        """``add`` for a candidate whose features do not depend on where the figure
        stands: built once per document and shared (features are never changed)."""
        key = code or " ".join(label.lower().split())
        if not key or key in out:
            return
        ck = (label, code, kind, source, back, fact_type)
        made = parties.shared.get(ck)
        if made is None:
            f = {"sentences_back": back} if back else {}
            made = parties.shared[ck] = _candidate(label, code, kind, source, f, key)
        out[key] = made

    def _candidate(
        label: str, code: str | None, kind: str, source: str, f: dict[str, float], key: str
    ) -> Candidate:
        features = {**f, **_place_features(code, kind), **_doc_features(key, parties)}
        features[f"from_{source}"] = 1.0
        # What a word order means depends on the figure: the subject of "sold" is where
        # the produce comes from, the subject of "invested" is who paid.
        if fact_type != "fund":
            for name in _TYPED_FEATURES:
                if name in features:
                    features[f"{fact_type}:{name}"] = features[name]
        helpers = parties.helpers_of.get(key, frozenset())
        return Candidate(label, code, kind, source, features, helpers)

    sentence = sentences[index].text
    here = _sentence_features(sentence, mentions[index], at)
    for m in sorted(mentions[index], key=lambda m: abs(m.start - at)):
        party = _party(m)
        if party.kind == "home" and not party.code:
            continue
        add(party.label, party.code, party.kind, "sentence", here[id(m)])
    for ref in _LOCAL_REFERENCE_RE.finditer(sentence):
        recent = [m for m in mentions[index] if m.end <= ref.start()][::-1]
        towns = _named_towns(sentence, mentions[index])
        for back in range(1, _SENTENCES_BACK + 1):
            if index - back >= 0:
                ms = _sentence_mentions(sentences, mentions, index - back, parties)
                recent += ms[::-1]
                towns |= _named_towns(sentences[index - back].text, ms)
        referred = _referred(ref.group(1).lower(), recent, parties, towns)
        if referred is not None:
            label, code, kind = referred
            # The reference stands where a name would: read its context the same way.
            stand_in = Mention(ref.start(), ref.end(), ref.group(), kind)
            features = {**_context_features(sentence, stand_in, at), "local_reference": 1.0}
            add(label, code, kind, "reference", features)
    national = _NATIONAL_RE.search(sentence) if fact_type == "exit" else None
    if national:
        # An exit's region is its scope, and the whole country is one ("the last on the
        # country's list of 832 counties"); money and produce go to a place, never "China".
        stand_in = Mention(national.start(), national.end(), national.group(), "region")
        features = {**_context_features(sentence, stand_in, at), "national": 1.0}
        add("China", None, "region", "sentence", features)
    for back in range(1, _SENTENCES_BACK + 1):
        if index - back < 0:
            break
        for m in _sentence_mentions(sentences, mentions, index - back, parties):
            party = _party(m)
            if party.kind == "home" and not party.code:
                continue
            add_shared(party.label, party.code, party.kind, "previous", back / 2)
    for m in parties.title:
        party = _party(m)
        if party.kind != "home" or party.code:
            add_shared(party.label, party.code, party.kind, "title", 0.0)
    for c in parties.pairing_candidates:
        add_shared(c.label, c.code, c.kind, "pairing", 0.0)
    return list(out.values())


def _named_towns(text: str, ms: list[Mention]) -> set[int]:
    """Mentions written with the word town or township after them ("Maojian town")."""
    return {id(m) for m in ms if _TOWN_AFTER_RE.match(text, m.end)}


def _referred(
    word: str, recent: list[Mention], parties: DocParties, towns: set[int] | None = None
) -> tuple[str, str | None, str] | None:
    """The place "the county", "that city" or "the town" points at: the nearest place of
    that level named before it, else the document's most-mentioned one (or the one of that
    level containing it). "The town" is the nearest place named as a town ("Maojian town":
    the gazetteer lists no towns). Returns (label, code, kind)."""
    level = _REFERENCE_LEVELS[word]
    gaz = load_gazetteer()
    if word in ("town", "township"):
        for m in recent:
            if id(m) in (towns or set()):
                return m.label, None, "village"
    for m in map(_party, recent):
        if level == "village" and m.kind == "village":
            return m.label, None, "village"
        region = gaz.get(m.code) if m.code else None
        if region is not None and region.level == level:
            return m.label, m.code, m.kind
    if level == "village":
        return None
    ranked = [gaz.get(key) for key, _ in sorted(parties.counts.items(), key=lambda kv: -kv[1])]
    for region in ranked:
        if region is not None and region.level == level:
            return region.base_en, region.code, "region"
    for region in ranked:
        for code in region.ancestors() if region is not None else ():
            parent = gaz.get(code)
            if parent is not None and parent.level == level:
                return parent.base_en, parent.code, "region"
    return None


def _sentence_mentions(
    sentences: list[Sentence], mentions: list[list[Mention]], index: int, parties: DocParties
) -> list[Mention]:
    # Sentences without numbers or assistance words were never looked up.
    if mentions[index]:
        return mentions[index]
    if index not in parties.looked_up:
        parties.looked_up[index] = find_mentions(sentences[index].text)
    return parties.looked_up[index]


def score(candidate: Candidate, weights: Mapping[str, float]) -> float:
    return weights.get("bias", 0.0) + sum(
        weights.get(name, 0.0) * value for name, value in candidate.features.items()
    )


def choose(
    cands: list[Candidate],
    weights: Weights,
    *,
    with_payer: bool,
) -> Attribution:
    """The best payer (when the fact type has one) and the best place other than it."""
    payer = None
    if with_payer:
        payer = max(payer_candidates(cands), key=lambda c: score(c, weights["payer"]), default=None)
    places = region_candidates(cands, payer)
    region = max(places, key=lambda c: score(c, weights["region"]), default=None)
    return Attribution(payer, region)


def payer_candidates(cands: list[Candidate]) -> list[Candidate]:
    """Who may have paid: any party but a village, or a place that only opens a body's name."""
    return [c for c in cands if c.kind != "village" and "names_a_body" not in c.features]


def region_candidates(cands: list[Candidate], payer: Candidate | None) -> list[Candidate]:
    """Where the money may have gone: places, the chosen payer marked as such.

    A province's own budget spent in the province has payer = region, so the payer
    stays a candidate; the weights say how rarely that is the answer.
    """
    out = []
    for c in cands:
        # "Xinhua News Agency", "Sichuan Daily": the body is meant, never the place.
        if not c.is_place or "names_a_body" in c.features:
            continue
        if payer is not None and c.key == payer.key:
            c = Candidate(
                c.label, c.code, c.kind, c.source, {**c.features, "is_payer": 1.0}, c.helpers
            )
        elif payer is not None and payer.key in c.helpers:
            # The document pairs the payer with this place: its money goes there.
            features = {**c.features, "helped_by_payer": 1.0}
            c = Candidate(c.label, c.code, c.kind, c.source, features, c.helpers)
        out.append(c)
    return out
