"""``extract_facts``: document text in, contract facts with evidence out.

Steps: normalise (keeping offsets) -> sentences -> mentions per sentence ->
resolve mentions with sentence and document context -> fact rules per sentence
-> deduplicate per document.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ingestion.extract import attribution
from ingestion.extract.casing import page_case, rule_text
from ingestion.extract.coref import Discourse, defined_acronyms, short_forms
from ingestion.extract.exits import (
    ExitHit,
    find_all_without_count,
    find_breakdown,
    find_exits,
    find_poor_totals,
    one_row_per_statement,
)
from ingestion.extract.funds import FundHit, find_funds
from ingestion.extract.memo import text_cache
from ingestion.extract.models import (
    DIVISION_AND_COMPANY_WORDS,
    Evidence,
    ExitFact,
    Fact,
    FundFact,
    OutputFact,
    PairingFact,
    evolve,
)
from ingestion.extract.numbers import find_money
from ingestion.extract.outputs import (
    OutputHit,
    document_product,
    find_outputs,
    fuller_product,
    is_bare_kind,
)
from ingestion.extract.pairings import (
    HELPER_PROVINCES,
    MECHANISM_PATTERNS,
    PAIR_HINT_WORDS,
    RECEIVING_PROVINCES,
    Pairing,
    carried_pairings,
    find_pairings,
    is_company,
    mechanism_by_geography,
    places_in_name,
    subject_organisation,
)
from ingestion.extract.periods import (
    Period,
    carried_period,
    document_year,
    figure_period,
    opening_period,
    past_years,
    stated_start,
    statement_year,
)
from ingestion.extract.regions import Mention, find_mentions
from ingestion.extract.tables import Line, TableFacts, find_table_facts
from ingestion.extract.text import NormText, Sentence, is_label_heading, split_sentences
from ingestion.extract.years import find_years, pairing_year
from ingestion.gazetteer import Gazetteer, Region, load_gazetteer
from ingestion.gazetteer.organisations import short_name

# 0.5: running totals, clause breaks, one exit row per statement
EXTRACTOR_VERSION = "patterns-0.5.0"

# The contract's name matching ignores these words; dedupe keys ignore them too,
# and "area" as well ("Shannan area" and "Shannan" are one place to dedupe).
_NAME_NOISE = DIVISION_AND_COMPANY_WORDS | {"area"}
_PUNCT_RE = re.compile(r"[^\w\s]")
RULE_CONFIDENCE = {
    "table": 0.7,
    "active": 0.8,
    "passive": 0.8,
    "adjacent": 0.65,
    "team": 0.7,
    "enterprise": 0.6,
}
# A count for an exit: a digit, a number word, or one named county ("Minxian County
# was lifted out of poverty").
_HAS_NUMBER_RE = re.compile(
    r"\d|\b(?:no|zero|all|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundred|county)\b"
)
_MONEY_HINT_RE = re.compile(r"yuan|rmb|cny|¥|￥|renminbi")
_EXIT_HINT_RE = re.compile(
    r"hat|cap|poverty|poverish|withdr|delist|exit|remain|list|poor|population|record|register"
)
MAX_SENTENCE_CHARS = 20_000  # longer "sentences" are unpunctuated dumps: patterns only see a prefix


def name_key(name: str) -> str:
    name = name.split(",")[0].lower().replace("'", "").replace("’", "").replace("-", "")
    words = _PUNCT_RE.sub(" ", name).split()
    return " ".join(w for w in words if w not in _NAME_NOISE)


# A figure fact: what ``DocContext.replace`` hands back is of the type it was given.
F = TypeVar("F", FundFact, OutputFact, ExitFact)
# Any fact: anchor() gives back what it was given.
AnyFact = TypeVar("AnyFact", bound=Fact)


@dataclass
class DocContext:
    doc_id: str
    norm: NormText
    sentences: list[Sentence]
    mentions: list[list[Mention]]
    mechanism: str | None
    hints: dict[str, set[int]]
    # The year of the dateline the text prints, for "this year" and "since 2017".
    doc_year: int | None = None
    # The page writes names in lower case or in capitals: sentences are re-cased.
    recased: str | None = None  # "lower" or "upper" (see casing.page_case)
    # Acronyms the article defines ("... Commission (SASAC)"): acronym -> full name.
    acronyms: dict[str, str] = field(default_factory=dict)
    # Where each figure stands: id(fact) -> (sentence index, offset of its number).
    anchors: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Every place a figure is reported (a headline and its body repeat one): kept
    # through deduplication, so the figure's period can come from any of them.
    sites: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)
    # ``_start_before`` per sentence index: every figure of a sentence asks the same
    # question of the same (unchanging) sentences before it.
    _starts: dict[int, Period] = field(default_factory=dict, repr=False)

    def anchor(self, fact: AnyFact, s: Sentence, at: int) -> AnyFact:
        self.anchors[id(fact)] = (s.index, at)
        self.sites.setdefault(_figure_key(fact), []).append((s.index, at))
        return fact

    def replace(self, fact: F, **changes: object) -> F:
        """``dataclasses.replace`` that keeps the figure's anchor."""
        new = evolve(fact, **changes)
        if id(fact) in self.anchors:
            self.anchors[id(new)] = self.anchors[id(fact)]
        return new

    def period(self, fact: Fact, index: int, at: int) -> Period:
        """The figure's period from its sentence, else another report of it, else the
        sentence before when that one opens with a time ("By the end of last year, ...")."""
        text = self.sentences[index].text
        period = figure_period(text, at, self.doc_year)
        start = self._start_before(index)
        if start.year_from is not None:
            carried = carried_period(text, at, period, start, self._year)
            if carried is not None:
                return carried
        if period.year is not None or period.year_from is not None:
            return period
        for other, other_at in self.sites.get(_figure_key(fact), []):
            if other != index:
                period = figure_period(self.sentences[other].text, other_at, self.doc_year)
                if period.year is not None or period.year_from is not None:
                    return period
        if index > 0:
            return opening_period(self.sentences[index - 1].text, self.doc_year)
        return Period()

    @functools.cached_property
    def _year(self) -> int | None:
        """The statement's year: the dateline's, else what "since 1996 ... the past 21 years"
        makes it."""
        if self.doc_year is not None:
            return self.doc_year
        return statement_year([s.text for s in self.sentences])

    def _start_before(self, index: int) -> Period:
        """The period an earlier sentence started ("Since 2010, ..."): the nearest of the two
        sentences before, else, for "the past N years", the nearest anywhere before."""
        if index not in self._starts:
            self._starts[index] = self._find_start_before(index)
        return self._starts[index]

    def _find_start_before(self, index: int) -> Period:
        far = past_years(self.sentences[index].text) is not None
        for back in range(index - 1, -1 if far else max(-1, index - 3), -1):
            start = stated_start(self.sentences[back].text, self.doc_year)
            if start.year_from is not None:
                return start
        return Period()

    def evidence(self, s: Sentence) -> Evidence:
        return Evidence(self.norm.original[s.orig_start : s.orig_end], s.orig_start, s.orig_end)

    def line_sentence(self, line: Line) -> Sentence:
        """A table row or bullet line as a sentence, for evidence and the pairing rules."""
        text = line.text.strip()
        start = line.start + (len(line.text) - len(line.text.lstrip()))
        end = start + len(text)
        o_start, o_end = self.norm.orig_start(start), self.norm.orig_end(end)
        return Sentence(text, start, o_start, max(o_end, o_start), -1)


def _figure_key(fact: Fact) -> tuple[str, int]:
    """Facts with the same type, measure and number (to three significant digits) repeat one."""
    if isinstance(fact, FundFact):
        value: float = fact.amount_cny
    elif isinstance(fact, OutputFact):
        value = fact.value
    elif isinstance(fact, ExitFact):
        value = float(fact.exited or fact.total or fact.remaining or 0)
    else:
        value = 0.0
    # A fund's measure is a reading of its verbs, which two reports may word apart.
    kind = (
        "" if isinstance(fact, FundFact) else getattr(fact, "measure", getattr(fact, "level", ""))
    )
    return (f"{fact.type}:{kind}", int(float(f"{value:.3g}")))


# What the attribution fitter sees of one figure: the fact as chosen and its candidates.
AttributionTrace = list[tuple[Fact, list[attribution.Candidate], attribution.Attribution]]


def extract_facts(
    doc_id: str,
    text: str,
    *,
    weights: attribution.Weights | None = None,
    trace: AttributionTrace | None = None,
) -> list[Fact]:
    """Facts of one document.

    ``weights`` replaces the shipped attribution weights (cross-validation fits
    its own); ``trace``, when given, receives every figure with its candidates.
    An exception is a bug and propagates: the loader quarantines the article with
    the reason, where swallowing it here would lose the article's facts silently.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    return _extract(str(doc_id), text, weights or attribution.load_weights(), trace)


def _extract(
    doc_id: str, text: str, weights: attribution.Weights, trace: AttributionTrace | None
) -> list[Fact]:
    gaz = load_gazetteer()
    norm = NormText(text)
    sentences = split_sentences(norm)
    hints = _sentence_hints(norm.text, sentences)
    wanted = hints["digit"] | hints["pair"]
    recased = None
    mentions = [
        find_mentions(_rule_text(s, None), gaz) if s.index in wanted else [] for s in sentences
    ]
    if _may_be_miscased(norm.text, mentions):
        recased = page_case(norm.text)
        if recased is not None:
            mentions = [
                find_mentions(_rule_text(s, recased), gaz) if s.index in wanted else []
                for s in sentences
            ]
    mentions = _resolve(mentions, gaz)
    ctx = DocContext(
        doc_id,
        norm,
        sentences,
        mentions,
        _doc_mechanism(norm.text),
        hints,
        doc_year=document_year(norm.text),
        recased=recased,
    )
    tables = find_table_facts(norm.text)
    pairings = _pairing_facts(ctx, tables)
    numbers = _number_facts(ctx, tables)
    numbers = _attribute(ctx, numbers, pairings, weights, trace)
    return [*pairings, *one_row_per_statement(numbers)]


def _may_be_miscased(text: str, mentions: list[list[Mention]]) -> bool:
    """Cheap signs of a page that writes names in lower case (almost no place found)
    or in capitals (its opening has no lower-case letter)."""
    if sum(1 for ms in mentions for m in ms if m.kind == "region") < 3:
        return True
    opening = text[:300]
    return opening == opening.upper() and opening != opening.lower()


def _rule_text(s: Sentence, recased: str | None) -> str:
    """The sentence as the name and pairing rules read it (same offsets as ``s.text``)."""
    return rule_text(s.text[:MAX_SENTENCE_CHARS], recased)


# Cue families, each run once over the whole document: a sentence none of whose
# families fire is skipped by the rules that need them. A sentence with neither a
# number nor an assistance word feeds no rule, so its names are never looked up.
_HINTS: dict[str, re.Pattern[str]] = {
    "digit": re.compile(r"\d"),
    "money": _MONEY_HINT_RE,
    "exit": _EXIT_HINT_RE,
}


def _pair_hinted(lower: str, sentences: list[Sentence]) -> set[int]:
    """Sentences with an assistance word. Each word is looked for once in the whole text
    (a regex alternation of these common letters is tried at almost every position, and
    testing every word in every sentence grows with both)."""
    starts = [s.norm_start for s in sentences]
    found: set[int] = set()
    for word in PAIR_HINT_WORDS:
        at = lower.find(word)
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            if k >= 0 and at + len(word) <= starts[k] + len(sentences[k].text):
                found.add(sentences[k].index)
            at = lower.find(word, at + 1)
    found.update(s.index for s in sentences if lower.startswith("aid", s.norm_start))
    return found


def _sentence_hints(text: str, sentences: list[Sentence]) -> dict[str, set[int]]:
    """For each cue family, the indexes of the sentences it occurs in."""
    lower = text.lower()
    starts = [s.norm_start for s in sentences]
    out: dict[str, set[int]] = {"pair": _pair_hinted(lower, sentences)}
    for name, pattern in _HINTS.items():
        found: set[int] = set()
        pos = 0
        while pos < len(lower):
            m = pattern.search(lower, pos)
            if m is None:
                break
            k = bisect.bisect_right(starts, m.start()) - 1
            if k >= 0:
                found.add(sentences[k].index)
            # One hit per sentence is enough: jump to the next sentence.
            pos = starts[k + 1] if k + 1 < len(starts) else len(lower)
            pos = max(pos, m.end())
        out[name] = found
    return out


# --- resolution -------------------------------------------------------------


def _resolve(per_sentence: list[list[Mention]], gaz: Gazetteer) -> list[list[Mention]]:
    doc_counts: Counter[str] = Counter()
    for mentions in per_sentence:
        for m in mentions:
            if m.kind == "region" and len(m.candidates) == 1:
                doc_counts.update([m.candidates[0].code, *m.candidates[0].ancestors()])
    doc_context = [code for code, _ in doc_counts.most_common()]
    resolved: list[list[Mention]] = []
    region_counts: Counter[str] = Counter()
    for mentions in per_sentence:
        local = [m.candidates[0].code for m in mentions if len(m.candidates) == 1]
        out = []
        for m in mentions:
            m = _resolve_one(m, gaz, local, doc_context)
            if m.kind == "region" and m.code:
                region_counts[m.code] += 1
            out.append(m)
        resolved.append(out)
    return [[_resolve_home(m, region_counts, gaz) for m in ms] for ms in resolved]


def _resolve_one(m: Mention, gaz: Gazetteer, local: list[str], doc: list[str]) -> Mention:
    if m.kind == "team" and m.team_place is not None:
        return evolve(m, team_place=_resolve_one(m.team_place, gaz, local, doc))
    if m.kind != "region" or not m.candidates:
        return m
    if len(m.candidates) == 1:
        # What ``choose`` answers for one candidate, without building the context list.
        return evolve(m, code=m.candidates[0].code)
    context = [*m.qualifiers, *local, *doc]
    return evolve(m, code=gaz.choose(m.candidates, context).code)


def _resolve_home(m: Mention, counts: Counter[str], gaz: Gazetteer) -> Mention:
    """ "our city" is the city the article is about: its most-mentioned city."""
    if m.kind != "home":
        return m
    want_province = m.suffix in ("province", "region")
    for code, _ in counts.most_common():
        region = gaz.get(code)
        if region is None:
            continue
        is_city = region.name_zh.endswith("市") and region.level in ("prefecture", "province")
        if (want_province and region.level == "province") or (not want_province and is_city):
            return replace(m, code=code, display=region.base_en, candidates=(region,))
    return m


# Substrings without which a mechanism pattern cannot match: str.find is far
# cheaper than running a case-insensitive regex over the whole document.
_MECHANISM_KEYS = {
    "east_west_cooperation": ("east",),
    "counterpart_support": ("counterpart",),
    "basic_assistance": ("basic", "foundation", "underlying", "supportive", "bottom"),
    "paired_assistance": ("pair", "partner"),
    "targeted_assistance": ("targeted", "designated"),
}


def _doc_mechanism(text: str) -> str | None:
    """The mechanism the document names most often (the first listed wins a tie)."""
    lower = text.lower()
    best, best_n = None, 0
    for name, pattern in MECHANISM_PATTERNS:
        if not any(k in lower for k in _MECHANISM_KEYS.get(name, ("",))):
            continue
        n = sum(1 for _ in pattern.finditer(text))
        if n > best_n:
            best, best_n = name, n
    return best


# --- pairings ----------------------------------------------------------------


def _party(m: Mention) -> Mention:
    return m.team_place if (m.kind == "team" and m.team_place is not None) else m


def _pairing_fact(
    ctx: DocContext, s: Sentence, p: Pairing, first: int | None = None
) -> PairingFact | None:
    helper, helped = _party(p.helper), p.helped
    if _gives_backwards(helper.region, helped.region):
        helper, helped = helped, helper
    if helper.kind == "home" and not helper.code:
        return None
    helper_key, helped_key = name_key(helper.label), name_key(helped.label)
    if not helper_key or not helped_key or helper_key == helped_key:
        return None
    hr, dr = helper.region, helped.region
    if helper.kind in ("org", "team") and dr and _org_is_local(helper, dr):
        return None  # "Mianyang X Group ... in Mianyang": a body working at home
    if hr and dr and (hr.code == dr.code or dr.is_within(hr.code) or hr.is_within(dr.code)):
        return None  # a place and its own parent/child: administration, not pairing
    # A company's help is enterprise assistance whatever programme it serves.
    mechanism = (
        "enterprise_assistance"
        if is_company(p.helper)
        else p.sentence_mechanism or ctx.mechanism or mechanism_by_geography(hr, dr)
    )
    confidence = RULE_CONFIDENCE.get(p.rule, 0.6)
    if (helper.kind == "region" and not helper.code) or (
        helped.kind == "region" and not helped.code
    ):
        confidence -= 0.15
    evidence = ctx.evidence(s)
    if first is not None and first < s.index:
        # A party named in an earlier sentence: the evidence spans both.
        start = ctx.sentences[first].orig_start
        evidence = Evidence(ctx.norm.original[start : s.orig_end], start, s.orig_end)
    return PairingFact(
        doc=ctx.doc_id,
        evidence=evidence,
        extractor_version=EXTRACTOR_VERSION,
        confidence=round(confidence, 2),
        helper=helper.label,
        helped=helped.label,
        mechanism=mechanism,  # type: ignore[arg-type]
        year=_pairing_year(s.text, p),
        helper_code=helper.code,
        helped_code=helped.code,
    )


_CLAUSE_END_RE = re.compile(r"[,;]")


def _pairing_year(text: str, p: Pairing) -> int | None:
    """The year of one pairing in a sentence that dates several: "A has helped B since
    2002 and started to provide C with assistance in 2010" (B 2002, C 2010).

    A start ("since 2002") after the helped place, else the year in the place's own
    clause after it, else the latest year named before it; a sentence with one year
    keeps the usual reading."""
    years = find_years(text)
    if len({y.value for y in years}) < 2 or p.rule == "table":
        return pairing_year(text, years)
    at = p.helped.end
    since = [y for y in years if y.since and y.start >= at]
    if since:
        return since[0].value
    stop = _CLAUSE_END_RE.search(text, at)
    end = stop.start() if stop else len(text)
    after = [y for y in years if at <= y.start < end]
    if after:
        return after[0].value
    before = [y for y in years if y.start < p.helped.start]
    return before[-1].value if before else pairing_year(text, years)


def _gives_backwards(helper: Region | None, helped: Region | None) -> bool:
    """A western receiving province's place read as helping an eastern giver's:
    the programmes only run east to west, so the sentence was read the wrong way
    round ("B's aid from A" parsed as A helped by B)."""
    if helper is None or helped is None:
        return False
    return (
        helper.province_code[:2] in RECEIVING_PROVINCES
        and helped.province_code[:2] in HELPER_PROVINCES
    )


def _org_is_local(org: Mention, helped: Region) -> bool:
    return any(
        r.code == helped.code or (helped.is_within(r.code) and r.level != "province")
        for r in places_in_name(org.name)
    )


def _sentence_pairings(ctx: DocContext) -> list[tuple[Sentence, Pairing, int]]:
    """Pairings of each sentence, with the index of the first sentence each draws on."""
    out: list[tuple[Sentence, Pairing, int]] = []
    subject: Mention | None = None
    subject_at, subject_age = 0, 0
    acronyms = ctx.acronyms
    read = ctx.hints["digit"] | ctx.hints["pair"]

    def lookup(i: int) -> list[Mention]:
        return _resolve([find_mentions(_rule_text(ctx.sentences[i], ctx.recased))], gaz)[0]

    gaz = load_gazetteer()
    companies = [m.name for ms in ctx.mentions for m in ms if m.kind == "org" and is_company(m)]
    discourse = Discourse(acronyms, lookup, short_forms(companies) if companies else {})
    for s, mentions in zip(ctx.sentences, ctx.mentions, strict=True):
        if len(mentions) >= 2 and is_label_heading(ctx.norm.text, s):
            continue
        pair_hinted = s.index in ctx.hints["pair"]
        text = _rule_text(s, ctx.recased) if (mentions or pair_hinted) else ""
        if pair_hinted:
            mentions = discourse.resolve(s.index, text, mentions)
        # Most sentences name nothing: both pairing rules need a named party (a helped
        # place at the least), so a sentence without one is not read for pairings.
        if mentions:
            found = find_pairings(text, mentions)
            first = {id(p): _first_source(discourse, p, s.index) for p in found}
            if subject is not None and subject_age <= 2 and not found:
                found = carried_pairings(text, mentions, subject)
                first = {id(p): subject_at for p in found}
            out.extend((s, p, first[id(p)]) for p in found)
        discourse.remember(s.index, mentions, s.index in read)
        opener = subject_organisation(mentions)
        if opener:
            subject, subject_at, subject_age = opener, s.index, 1
        else:
            subject_age += 1
    return out


def _first_source(discourse: Discourse, p: Pairing, index: int) -> int:
    """The earliest sentence a pairing's parties were named in (references point back)."""
    return min(discourse.sources.get(id(m), index) for m in (p.helper, p.helped))


def _table_pairings(
    ctx: DocContext, tables: TableFacts
) -> list[tuple[Sentence, Pairing, int | None]]:
    out = []
    gaz = load_gazetteer()
    for t in tables.pairings:
        mech = "enterprise_assistance" if is_company(t.helper) else ctx.mechanism
        helper, helped = _resolve_alone(t.helper, gaz), _resolve_alone(t.helped, gaz)
        out.append((ctx.line_sentence(t.line), Pairing(helper, helped, "table", mech), t.year))
    return out


def _resolve_alone(m: Mention, gaz: Gazetteer) -> Mention:
    """A table cell's name, resolved without sentence context (a cell has none)."""
    if m.kind != "region" or not m.candidates or m.code:
        return m
    return replace(m, code=gaz.choose(m.candidates, list(m.qualifiers)).code)


def _short_in_text(ctx: DocContext, name: str) -> str | None:
    """A body's short name ("Sinopec" for China Petrochemical Corporation) when the
    article uses it too: one helper, named as the article mostly names it."""
    short = short_name(name)
    if short is None or short not in ctx.norm.text:
        return None
    return short if re.search(rf"\b{re.escape(short)}\b", ctx.norm.text) else None


def _pairing_facts(ctx: DocContext, tables: TableFacts) -> list[PairingFact]:
    ctx.acronyms = defined_acronyms(ctx.norm.text) if "(" in ctx.norm.text else {}
    seen: dict[tuple[str, str], PairingFact] = {}
    found = [(s, p, None, k) for s, p, k in _sentence_pairings(ctx)] + [
        (s, p, year, None) for s, p, year in _table_pairings(ctx, tables)
    ]
    # "China National Offshore Oil Corporation (CNOOC)": one helper under two names.
    full = {name_key(a): name_key(n) for a, n in ctx.acronyms.items()}
    acronym_of = {name_key(n): a for a, n in ctx.acronyms.items()}
    for s, p, year, first in found:
        fact = _pairing_fact(ctx, s, p, first)
        if fact is not None and year is not None:
            fact = replace(fact, year=year)
        if fact is None:
            continue
        short = acronym_of.get(name_key(fact.helper)) or _short_in_text(ctx, fact.helper)
        if short is not None:
            # The article's own short name, as readers and the marts know the body.
            fact = replace(fact, helper=short)
        helper_key = full.get(name_key(fact.helper), name_key(fact.helper))
        key = (fact.helper_code or helper_key, fact.helped_code or name_key(fact.helped))
        alt = (helper_key, name_key(fact.helped))
        if key in seen or alt in seen:
            kept = seen.get(key) or seen[alt]
            if kept.year is None and fact.year is not None:
                # A later sentence dates the relationship an earlier one only named.
                dated = replace(kept, year=fact.year)
                for k, v in list(seen.items()):
                    if v is kept:
                        seen[k] = dated
            continue
        seen[key] = seen[alt] = fact
    return list({id(f): f for f in seen.values()}.values())


# --- funds, outputs, exits ------------------------------------------------------


def _number_facts(ctx: DocContext, tables: TableFacts) -> list[Fact]:
    funds: list[FundFact] = _table_funds(ctx, tables)
    outputs: list[OutputFact] = _table_outputs(ctx, tables)
    exits: list[tuple[ExitHit, ExitFact]] = _table_exits(ctx, tables)
    for s in ctx.sentences:
        text = s.text[:MAX_SENTENCE_CHARS]
        has_digit = s.index in ctx.hints["digit"]
        exit_hint = s.index in ctx.hints["exit"]
        # Numbers in words ("all nine counties") only matter to exits.
        if not has_digit and not (exit_hint and _HAS_NUMBER_RE.search(text.lower())):
            continue
        figures = _sentence_figures(text, s.index in ctx.hints["money"], exit_hint)
        ev = ctx.evidence(s)
        # Payer, place and period are chosen afterwards, with the whole document in view
        # (``_attribute``): here each figure only records where it stands.
        for hit in figures.funds:
            funds.append(
                ctx.anchor(
                    FundFact(
                        doc=ctx.doc_id,
                        evidence=ev,
                        extractor_version=EXTRACTOR_VERSION,
                        confidence=0.75,
                        amount_cny=hit.amount.value,
                        qualifier=hit.amount.qualifier,  # type: ignore[arg-type]
                        measure=hit.measure,  # type: ignore[arg-type]
                    ),
                    s,
                    hit.amount.start,
                )
            )
        previous = ctx.sentences[s.index - 1].text if s.index > 0 else None
        for output_hit in figures.outputs:
            product = output_hit.product
            if product is not None and is_bare_kind(product) and previous:
                product = fuller_product(product, previous)
            outputs.append(
                ctx.anchor(
                    OutputFact(
                        doc=ctx.doc_id,
                        evidence=ev,
                        extractor_version=EXTRACTOR_VERSION,
                        confidence=0.75,
                        measure=output_hit.measure,  # type: ignore[arg-type]
                        value=output_hit.quantity.value,
                        qualifier=output_hit.quantity.qualifier,  # type: ignore[arg-type]
                        product=product,
                    ),
                    s,
                    output_hit.quantity.start,
                )
            )
        if exit_hint:
            exits.extend(_carried_exits(ctx, s, text))
            exits.extend(_breakdown_exits(ctx, s, text, exits))
        for exit_hit in figures.exits:
            exits.append(
                (
                    exit_hit,
                    ctx.anchor(
                        ExitFact(
                            doc=ctx.doc_id,
                            evidence=ev,
                            extractor_version=EXTRACTOR_VERSION,
                            confidence=0.75,
                            level=exit_hit.level,  # type: ignore[arg-type]
                            exited=exit_hit.exited,
                            total=exit_hit.total,
                            remaining=exit_hit.remaining,
                            rate_pct=exit_hit.rate_pct,
                        ),
                        s,
                        exit_hit.start,
                    ),
                )
            )
    outputs = _with_document_product(ctx, outputs)
    return [*_dedupe_amounts(funds), *_dedupe_outputs(outputs), *_dedupe_exits(exits)]


@dataclass(frozen=True)
class _Figures:
    """What the figure rules read in one sentence on its own (no document context)."""

    funds: tuple[FundHit, ...]
    outputs: tuple[OutputHit, ...]  # products as this sentence alone names them
    exits: tuple[ExitHit, ...]


# Safe to share: the rules are pure functions of the text (and of the two cue flags,
# which gate them), the hits are never changed after they are found, and the one
# input from outside the sentence (the sentence before, for a bare "products") is
# applied by the caller. Repeated sentences (boilerplate, reprints) are read once.
@text_cache(maxsize=4096)
def _sentence_figures(text: str, money_hint: bool, exit_hint: bool) -> _Figures:
    money = find_money(text) if money_hint else []
    return _Figures(
        tuple(find_funds(text, money)),
        tuple(find_outputs(text, money)),
        tuple(find_exits(text)) if exit_hint else (),
    )


def _with_document_product(ctx: DocContext, outputs: list[OutputFact]) -> list[OutputFact]:
    """An output whose sentence names no product is of the product the article is
    about ("The county's plantation area of 5,400 hectares" in a story on pepper)."""
    if all(f.product for f in outputs):
        return outputs
    product = document_product(ctx.norm.text)
    if not product:
        return outputs
    return [f if f.product else ctx.replace(f, product=product) for f in outputs]


def _table_funds(ctx: DocContext, tables: TableFacts) -> list[FundFact]:
    return [
        FundFact(
            doc=ctx.doc_id,
            evidence=ctx.evidence(ctx.line_sentence(t.line)),
            extractor_version=EXTRACTOR_VERSION,
            confidence=0.7,
            amount_cny=t.amount,
            qualifier="exact",
            measure=t.measure,  # type: ignore[arg-type]
            payer=t.payer,
            region=t.region,
            year=t.year,
        )
        for t in tables.funds
    ]


def _table_outputs(ctx: DocContext, tables: TableFacts) -> list[OutputFact]:
    return [
        OutputFact(
            doc=ctx.doc_id,
            evidence=ctx.evidence(ctx.line_sentence(t.line)),
            extractor_version=EXTRACTOR_VERSION,
            confidence=0.7,
            measure=t.measure,  # type: ignore[arg-type]
            value=t.value,
            qualifier="exact",
            region=t.region,
            year=t.year,
        )
        for t in tables.outputs
    ]


def _table_exits(ctx: DocContext, tables: TableFacts) -> list[tuple[ExitHit, ExitFact]]:
    out = []
    for t in tables.exits:
        hit = ExitHit(t.level, exited=t.exited, remaining=t.remaining)
        fact = ExitFact(
            doc=ctx.doc_id,
            evidence=ctx.evidence(ctx.line_sentence(t.line)),
            extractor_version=EXTRACTOR_VERSION,
            confidence=0.7,
            level=t.level,  # type: ignore[arg-type]
            exited=t.exited,
            remaining=t.remaining,
            year=t.year,
        )
        out.append((hit, fact))
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 * max(abs(a), abs(b))


def _dedupe_amounts(facts: list[FundFact]) -> list[FundFact]:
    out: list[FundFact] = []
    for f in facts:
        if not any(_close(f.amount_cny, g.amount_cny) for g in out):
            out.append(f)
    return out


def _dedupe_outputs(facts: list[OutputFact]) -> list[OutputFact]:
    out: list[OutputFact] = []
    for f in facts:
        if not any(f.measure == g.measure and _close(f.value, g.value) for g in out):
            out.append(f)
    return out


def _dedupe_exits(items: list[tuple[ExitHit, ExitFact]]) -> list[ExitFact]:
    """Drop an exit that repeats a kept one at the same level.

    A repeat is the same counts in the same fields, or counts that all recur in a
    fuller exit ("the 3 counties" after "47 of the 50, leaving 3"). Two one-count
    exits with the same number in different fields ("34,000 exited", "34,000
    remained") are two facts, and so is a count the text sets apart as another batch
    ("together with the 16 that had already exited").
    """
    ranked = sorted(items, key=lambda it: -len(it[0].fields()))
    kept: list[tuple[ExitHit, ExitFact]] = []
    for hit, fact in ranked:
        if not hit.additive and any(_repeats(hit, h) for h, _ in kept):
            continue
        kept.append((hit, fact))
    order = {id(f): i for i, (_, f) in enumerate(items)}
    return [f for _, f in sorted(kept, key=lambda it: order[id(it[1])])]


def _repeats(hit: ExitHit, kept: ExitHit) -> bool:
    if kept.additive or hit.level != kept.level:
        return False
    if hit.fields() <= kept.fields():
        return True
    if hit.final and hit.exited is not None:
        return False
    return hit.counts() <= kept.counts() and len(kept.fields()) > len(hit.fields())


# How far back "all the poor counties" looks for the sentence that counted them.
_CARRY_SENTENCES = 5


def _carried_exits(ctx: DocContext, s: Sentence, text: str) -> list[tuple[ExitHit, ExitFact]]:
    """ "All the poor counties had been lifted out of poverty", the number of poor
    counties given a few sentences before: every one of them exited."""
    out: list[tuple[ExitHit, ExitFact]] = []
    for anaphor in find_all_without_count(text):
        total = _earlier_total(ctx, s.index, anaphor.level)
        if total is None:
            continue
        prev, n = total
        hit = ExitHit(anaphor.level, exited=n, total=n, start=anaphor.start, end=anaphor.end)
        start, end = prev.orig_start, s.orig_end
        ev = Evidence(ctx.norm.original[start:end], start, end)
        fact = ExitFact(
            doc=ctx.doc_id,
            evidence=ev,
            extractor_version=EXTRACTOR_VERSION,
            confidence=0.6,
            level=anaphor.level,  # type: ignore[arg-type]
            exited=n,
            total=n,
        )
        out.append((hit, ctx.anchor(fact, s, anaphor.start)))
    return out


def _breakdown_exits(
    ctx: DocContext, s: Sentence, text: str, exits: list[tuple[ExitHit, ExitFact]]
) -> list[tuple[ExitHit, ExitFact]]:
    """ "The 31 counties include 30 national-level poor counties ... and one
    provincial-level poor county": where 31 counties were said to exit a few sentences
    before, each part exited too."""
    found = find_breakdown(text)
    if found is None:
        return []
    first = max(0, s.index - _CARRY_SENTENCES)
    earlier = [
        f
        for h, f in exits
        if h.level == found.level
        and h.exited == found.n
        and f.evidence.start_char >= ctx.sentences[first].orig_start
        and f.evidence.end_char <= s.orig_start
    ]
    if not earlier:
        return []
    out: list[tuple[ExitHit, ExitFact]] = []
    start, end = earlier[-1].evidence.start_char, s.orig_end
    ev = Evidence(ctx.norm.original[start:end], start, end)
    for a, b, n in found.parts:
        hit = ExitHit(found.level, exited=n, start=a, end=b)
        fact = ExitFact(
            doc=ctx.doc_id,
            evidence=ev,
            extractor_version=EXTRACTOR_VERSION,
            confidence=0.6,
            level=found.level,  # type: ignore[arg-type]
            exited=n,
        )
        out.append((hit, ctx.anchor(fact, s, a)))
    return out


def _earlier_total(ctx: DocContext, index: int, level: str) -> tuple[Sentence, int] | None:
    for prev in reversed(ctx.sentences[max(0, index - _CARRY_SENTENCES) : index]):
        totals = [t for t in find_poor_totals(prev.text[:MAX_SENTENCE_CHARS]) if t.level == level]
        if totals:
            return prev, totals[-1].n
    return None


# --- attribution: payer, place and period of each figure ------------------------


def _attribute(
    ctx: DocContext,
    facts: list[Fact],
    pairings: list[PairingFact],
    weights: attribution.Weights,
    trace: AttributionTrace | None,
) -> list[Fact]:
    """Each sentence figure's payer, place and period, chosen with the whole document in view."""
    parties = attribution.doc_parties(
        ctx.sentences,
        ctx.mentions,
        [(p.helper, p.helper_code, p.helped, p.helped_code) for p in pairings],
    )
    out: list[Fact] = []
    for fact in facts:
        where = ctx.anchors.get(id(fact))
        if where is None:
            out.append(fact)  # table rows carry their own columns
            continue
        index, at = where
        sentence = ctx.sentences[index]
        period = ctx.period(fact, index, at)
        cands = attribution.candidates(
            ctx.sentences, ctx.mentions, index, at, parties, fact_type=fact.type
        )
        chosen = attribution.choose(cands, weights, with_payer=isinstance(fact, FundFact))
        region = chosen.region
        changes: dict[str, object] = {
            "year": period.year,
            "year_from": period.year_from,
            "region": region.label if region else None,
            "region_code": region.code if region else None,
            "evidence": _evidence_with(ctx, fact.evidence, sentence, chosen),
        }
        if isinstance(fact, FundFact):
            changes["payer"] = chosen.payer.label if chosen.payer else None
        attributed = evolve(fact, **changes)
        if trace is not None:
            trace.append((attributed, cands, chosen))
        out.append(attributed)
    return out


def _evidence_with(
    ctx: DocContext, evidence: Evidence, s: Sentence, chosen: attribution.Attribution
) -> Evidence:
    """The figure's evidence, reaching back to the sentence its payer or place came from."""
    back = max(
        (
            round(c.features.get("sentences_back", 0) * 2)
            for c in (chosen.payer, chosen.region)
            if c is not None and c.source == "previous"
        ),
        default=0,
    )
    start = min(evidence.start_char, ctx.sentences[s.index - back].orig_start)
    end = max(evidence.end_char, s.orig_end)
    if (start, end) == (evidence.start_char, evidence.end_char):
        return evidence
    return Evidence(ctx.norm.original[start:end], start, end)
