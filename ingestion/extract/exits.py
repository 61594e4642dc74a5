"""Exits: counties, villages, households and people leaving poverty.

Within one clause (sentences are cut at semicolons), each exit phrase ("took
off their hats", "withdrew", "lifted out of poverty") takes the nearest count
phrase before it ("47 of the 50 counties", "3787 villages") and the counts
coordinated or nested with that one ("67,932 people from 15,239 households");
a negation between them ("have not taken their hats off") makes the count a
remainder. A few exit phrases take their count after them ("eliminated poverty
in its nine counties", "lifted 800 million out of poverty", "..., as were the
remaining 52 counties").
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TypeVar

from ingestion.extract.models import ExitFact
from ingestion.extract.numbers import WORD_NUMBER_PATTERN, parse_number, parse_word_number
from ingestion.extract.text import led_by

F = TypeVar("F")

_DIGITS = (
    # "40, 000": machine translation puts a space after the thousands comma.
    r"(?:\d{1,3}+(?:,\s?\d{3}(?!\d))++(?:\.\d++)?(?![\d,])|\d++(?:\.\d++|,\d{1,2}+(?![\d,]))?)"
)
_SCALE = r"(?:\s(?:million|thousand|10,000|ten\sthousand))"
_NUM = rf"(?:{_DIGITS}|{WORD_NUMBER_PATTERN}){_SCALE}?"
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
    "villagers": "person",
    "herdsmen": "person",
    "herders": "person",
    "growers": "person",
}
_NOUN = "|".join(sorted(LEVEL_NOUNS, key=len, reverse=True))
# "219, or around 90 percent of the 246 counties": the share sits between part and whole.
_SHARE = (
    r"(?P<share>\s*,\s*or\s+(?:around\s+|about\s+|nearly\s+|some\s+)?"
    r"\d++(?:\.\d++)?\s?(?:%|percent),?)?"
)
# A year is never a count ("by the end of 2020 all four counties ...").
_YEAR = r"(?:19[89]\d|20[0-4]\d)(?![\d,])"
_N = rf"(?P<n>{_NUM})"
# Words between a number and its noun ("36 poverty-stricken counties"): never a
# dash, "all" or another number ("May 26 -- Forty-one counties").
_FILLER = rf"(?:(?!all\s|(?:{WORD_NUMBER_PATTERN}))[A-Za-z][A-Za-z-]*\s+)"
# A count opens with "all", a digit or a number word (a hundred, one-nine, ten-nineteen,
# the tens, zero): the look-ahead lets the engine skip other positions (2.3x faster).
COUNT_RE = led_by(
    r"\daotfsenzh",
    rf"\b(?:(?P<all>all)\s+(?:the\s+|of\s+the\s+)?)?(?:(?P<part>{_NUM}){_SHARE}\s+(?:of|out\s+of)\s+"
    rf"(?:the\s+|all\s+|its\s+|their\s+|[A-Z][\w-]*'s\s+)?)?(?!{_YEAR}){_N}\s+"
    rf"(?:of\s+[A-Z][A-Za-z]*'s\s+)?(?:\([\w\s]{{1,20}}\)\s+)?{_FILLER}{{0,3}}?"
    rf"(?P<noun>{_NOUN})\b",
    re.I,
)
# "all remaining poor residents, totaling 5.51 million, were lifted": the count
# stands apart from its noun.
APPOSITIVE_RE = re.compile(
    rf"\b(?P<noun>{_NOUN})\b[^,;]{{0,30}}?,\s*(?:totall?ing|numbering|amounting\s+to|a\s+total\s+of)"
    rf"\s+(?:about\s+|around\s+|some\s+|nearly\s+|more\s+than\s+|over\s+)?(?P<n>{_NUM})\b",
    re.I,
)
# "saw the last 4 of them withdraw": a part of the set the clause counted before.
OF_THEM_RE = re.compile(
    rf"\b(?:(?P<every>every\s+one|each\s+one|each|all)|(?P<part>{_NUM}))\s+of\s+them\b", re.I
)
# Removal from a list or register: "removed from the list of poor counties",
# "got off the country's poverty list", "names expunged from the records".
_LIST_EXIT = (
    r"(?:removed|taken|struck|dropped|deleted|erased|expunged|crossed|get|gets|got|gotten|getting)"
    r"\s+(?:off\s+|out\s+of\s+|from\s+)(?:the\s+)?(?:[\w-]+'s\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:list|register|records?|rolls?|ranks?)\b"
)
# Each alternative's first letter (take/took/threw, hats, off/on/out/overcome, left/lift,
# pull/poverty, raise/remove/rose/reduced, struck/shake/shed, dropped/deleted/delisted,
# withdraw, exit/escape/emerge/eliminate/erased, crossed/cast, get/got, free, bid), for
# the look-ahead: 1.9x faster, same matches.
EXIT_RE = led_by(
    "tholprsdwecgfb",
    r"\b(?:(?:take|takes|took|taken|taking)\s+(?:off\s+)?(?:their\s+|the\s+|its\s+)?"
    r"(?:poverty\s+|poor\s+)?(?:hats?|caps?)|hats?\s+off|"
    # "took off the hat of poverty", "off the poor hat" (the verb lost in translation)
    r"(?:took|take|takes|taken|taking)\s+off\s+the\s+hats?\s+of\s+poverty|"
    r"off\s+(?:the\s+|their\s+|its\s+)(?:poor|poverty)\s+hats?|"
    r"(?:left|leave|leaves|leaving)\s+the\s+(?:[\w-]+'s\s+)?(?:poverty\s+)?list|"
    r"(?:lift\w*|pull\w*|rais\w+)\s+out\s+of\s+it\b|"
    rf"{_LIST_EXIT}|on\s+the\s+(?:poverty\s+)?list|delisted|withdr[ae]w\w*|withdraw\w*|"
    r"exit(?:s|ed|ing)?|"
    r"(?:lift|lifts|lifted|lifting|rais\w+)\s+(?:\w+\s+)?(?:out\s+of|from)\s+poverty|"
    r"out\s+of\s+poverty|"
    r"(?:shak\w+|shook|shaken)\s+off\s+poverty|overc[oa]m\w*\s+poverty|"
    # "shaken off the 'poor' label", "cast off their poverty tag"
    r"(?:shak\w+|shook|cast\w*|shed\w*|threw|throw\w*|remov\w+)\s+off\s+(?:the\s+|their\s+|its\s+)?"
    r"[\"“”'‘’]?(?:poor|poverty|impoverished)[\"“”'‘’]?\s+(?:labels?|tags?|status)\b|(?:got|get|gets|getting)\s+rid\s+of\s+poverty|"
    r"escap\w+\s+(?:from\s+)?poverty|emerg\w+\s+from\s+poverty|eliminat\w+\s+(?:absolute\s+|extreme\s+)?poverty|"
    r"eradicat\w+\s+(?:absolute\s+|extreme\s+)?poverty|(?:rose|rise|rises|risen|rising)\s+above\s+poverty|"
    r"shed\s+(?:\w+\s+)?poverty(?:\s+(?:labels?|tags?|hats?|status))?|"
    r"free\s+(?:of|from)\s+poverty|poverty[-\s]free|"
    r"reduced\s+poverty|bid\s+farewell\s+to\s+poverty|cast\s+off\s+poverty)"
    # "workers out of poverty-stricken areas" names places, not an exit
    r"(?!-(?:stricken|hit|ridden))",
    re.I,
)
_LIST_EXIT_RE = re.compile(_LIST_EXIT, re.I)
_PLAIN_LIST_RE = re.compile(r"(?:removed|taken|struck|dropped)\s+(?:off|from)\s+the\s+list", re.I)
_POVERTY_WORD_RE = re.compile(r"poor|povert|impoverish|deprived", re.I)
PURPOSE_RE = re.compile(
    r"\b(?:to|will|would|shall|should|must|plans?\s+to|strive\s+to)\s+(?:\w+\s+)?$", re.I
)
# "aims to lift 5,000 people out of poverty": an infinitive whose object is the count
# ("close to 600,000 people" and "up to 300 villages" are amounts, not purposes).
PURPOSE_BEFORE_COUNT_RE = re.compile(
    r"(?<!close\s)(?<!up\s)(?<!due\s)(?<!according\s)(?<!amounting\s)(?<!equal\s)(?<!thanks\s)"
    r"\b(?:to|will|would|shall|should|must)\s+[a-z]+\s+(?:[a-z]+\s+){0,3}$",
    re.I,
)
ACHIEVED_RE = re.compile(r"\b(?:helped|helping|enabled|assisted|supported|approved)\b", re.I)
# "approving 16 counties ... to be removed from the list": the approval is the exit.
ACHIEVED_BEFORE_COUNT_RE = re.compile(
    r"\b(?:helped|helping|enabled|approved|approving|approves)\s+(?:a\s+total\s+of\s+)?"
    r"(?:the\s+)?(?:last\s+|remaining\s+|final\s+)?$",
    re.I,
)
# Counts joined to the one an exit verb takes share its verb:
# "1,100 poor villages and 804,000 people had been lifted out of poverty".
COORDINATION_RE = re.compile(
    r"^\s*(?:,|and|,\s*and|,?\s*as\s+well\s+as|comprising|including|with)\s*$", re.I
)
# Counts of another level nested in the one before: "67,932 people from 15,239
# households", "6.25 million people in 11,501 villages of 88 counties", "55 villages
# in the county, covering 7,081 households with 33,073 people".
NESTING_RE = re.compile(
    r"^\s*(?:(?:in|of|across)\s+(?:the\s+|its\s+)?[\w-]+(?:\s+[\w-]+)?\s*,\s*)?,?\s*"
    r"(?:from|in|of|across|covering|involving|including|with|comprising)\s*$",
    re.I,
)
# "412 villages in the seven counties had exited": a count of another level after
# "in the" is the scope of the one before, not a second subject.
SCOPE_GAP_RE = re.compile(r"\s+(?:in|of|across|within)\s+(?:the|its|their|these|those)\s+", re.I)
# "Of the prefecture's eight county-level units, five had exited".
OF_TOTAL_RE = re.compile(
    rf"\bof\s+(?:the\s+)?(?:[A-Za-z'-]+\s+){{0,2}}?(?P<n>{_NUM})\s+(?:[A-Za-z'-]+\s+){{0,3}}?"
    rf"(?P<noun>{_NOUN})(?:-[a-z]+)?(?:\s+[a-z]+)?\s*,\s*(?P<part>{_NUM})\s+(?:have\s+|had\s+|has\s+)?(?:now\s+)?$",
    re.I,
)
NEGATION_RE = re.compile(r"\b(?:not|yet\s+to|never|failed\s+to|still|remain\w*)\b|n't\b", re.I)
# "have either been lifted out of poverty or are undergoing checks": not a stated exit.
EITHER_RE = re.compile(r"\beither\b", re.I)
OR_STATE_RE = re.compile(
    r"\s*(?:\w+\s+){0,3}?or\s+(?:are|is|were|was|being|have|has|had|be)\b", re.I
)
RATE_RE = re.compile(
    r"(?:accounting\s+for|or|representing|(?:reduction|exit|withdrawal)\s+rate\s+(?:\w+\s+){0,2}?)"
    r"\s*(?P<num>\d++(?:\.\d++)?)\s?(?:%|percent)",
    re.I,
)
_PERCENT_AFTER_RE = re.compile(r"\s?(?:%|percent|per\s+cent)", re.I)
FROM_TO_RE = re.compile(
    rf"\b(?:population|poor\s+people|people|number|residents)\b[^.;]{{0,90}}?"
    rf"\b(?:fell|dropped|decreased|declined|reduced|down|decline[sd]?|fallen)\s+"
    rf"(?:from\s+(?P<a>{_NUM})\s+(?:\w+\s+){{0,4}}?)?to\s+"
    rf"(?:about\s+|around\s+|some\s+|just\s+|only\s+|merely\s+)?(?P<b>{_NUM})",
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
# Exit phrases whose count follows: "eliminated poverty in its nine poorest counties".
COUNT_AFTER_RE = re.compile(
    r"\s+(?:in|from|across|among|for)\s+(?:all\s+(?:of\s+)?)?(?:the\s+|its\s+|their\s+)?", re.I
)
# "were lifted out of poverty, as were all of the country's remaining 52 counties".
ELLIPSIS_RE = re.compile(
    r"[^;]{0,60}?,?\s+as\s+(?:were|was|did|had|have|has)\s+(?:also\s+)?(?P<all>all\s+(?:of\s+)?)?"
    r"(?:the\s+)?(?:[\w-]+'s\s+)?(?:remaining\s+)?",
    re.I,
)
# "had all been lifted out of poverty, along with 198,000 registered poor people".
ALONG_WITH_RE = re.compile(
    r"[^;]{0,40}?,?\s+(?:along\s+with|together\s+with)\s+(?P<all>)(?:the\s+|another\s+)?",
    re.I,
)
# "bringing the number of counties that have exited to 66, the total for the province".
BRINGING_RE = re.compile(
    rf"\bbring\w*\s+(?:the\s+)?(?:total\s+)?(?:number|total)\s+of\s+(?:[\w-]+\s+){{0,2}}?"
    rf"(?P<noun>{_NOUN})\b(?P<mid>[^;]{{0,60}}?)\s+to\s+(?:a\s+total\s+of\s+)?(?P<n>{_NUM})"
    r"(?P<whole>,\s*(?:the\s+)?(?:total|all|every|whole)\b)?",
    re.I,
)
# "lifted 800 million out of poverty", "unshackling more than 800 million from the
# yoke of poverty": a bare number of people, the verb before it.
BARE_PEOPLE_RE = led_by(
    "lpfuerb",
    rf"\b(?:lift\w*|pull\w*|free[sd]?|freeing|unshackl\w*|rescu\w*|extricat\w*|brought|"
    rf"bring\w*)\s+(?:more\s+than\s+|over\s+|nearly\s+|about\s+|around\s+|some\s+|almost\s+|"
    rf"close\s+to\s+)?(?P<n>{_NUM})\s+(?:out\s+of|from)\s+(?:the\s+[a-z]+\s+of\s+)?"
    rf"(?:[a-z-]+\s+)?poverty(?![\w-])",
    re.I,
)
# "Minxian County was lifted out of poverty": one named county is a count of one.
SINGLE_COUNTY_RE = re.compile(
    r"\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?\s+County\s+"
    # "Dongxiang Autonomous County in Gansu Province has been lifted out of poverty"
    r"(?:(?:in|of)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s+(?:Province|City|Prefecture|Region)\s+)?"
    r"(?:(?:was|has|had|been|is|officially|"
    r"formally|successfully|finally|also|now)\s+){0,3}$"
)
# "..., the last of the eight counties in the programme": the set the one county
# belongs to, not another count.
_ONE_OF_BEFORE_RE = re.compile(
    r"\b(?:the\s+)?(?:last|first|one|final)\s+of\s+(?:the\s+|its\s+|their\s+)?$", re.I
)
# "The nine counties were the last on the country's list of 832 poor counties": with
# the last ones out, every one of the list has exited.
LAST_OF_RE = re.compile(
    rf"\bthe\s+last\s+(?:ones?\s+)?(?:on|of|in)\s+(?:the\s+)?(?:[\w-]+'s\s+)?"
    rf"(?:(?:[\w-]+\s+)?(?:poverty\s+)?list\s+of\s+)?(?P<n>{_NUM})\s+(?P<adj>(?:[\w-]+\s+){{0,2}}?)(?P<noun>{_NOUN})\b",
    re.I,
)
_STILL_AFTER_RE = re.compile(r"[^.;]{0,40}?\b(?:yet\s+to|still|remain\w*|not)\b", re.I)
# "Together with the 16 counties that had already exited": another batch than the
# one the sentence reports, so the same count twice is two facts.
ADDITIVE_BEFORE_RE = re.compile(
    r"\b(?:together\s+with|in\s+addition\s+to|besides|apart\s+from|on\s+top\s+of|plus)\s+"
    r"(?:the\s+|its\s+|their\s+)?$",
    re.I,
)
FINAL_BATCH_RE = re.compile(r"\b(?:remaining|last|final)\s+$", re.I)
# "all the poor counties had been lifted out of poverty": the count is in an earlier
# sentence ("Hebei was once home to 62 poverty-stricken counties").
# The set is definite ("all the", "all its") and is the subject itself: "all poor
# counties in the Tibetan areas" is another, narrower set than the one counted before.
ALL_WITHOUT_COUNT_RE = re.compile(
    rf"\ball\s+(?:of\s+)?(?:the|its|their|these|those)\s+(?P<adj>(?:[a-z-]+\s+){{1,2}}?)"
    rf"(?P<noun>{_NOUN})\b(?P<aux>(?:\s+(?:have|has|had|been|were|was|are|is|now|also|all|"
    rf"finally|successfully|officially))*)\s+",
    re.I,
)
POOR_TOTAL_RE = re.compile(
    rf"\b(?P<n>{_NUM})\s+(?P<adj>(?:[A-Za-z-]+\s+){{1,2}}?)(?P<noun>{_NOUN})\b", re.I
)

# Possession tells a remainder or a baseline: "Henan still has 350,000 poor people and
# 52 poor villages" is what is left; "the province was home to 7,993 poor villages"
# (past tense) is the set before any exited.
HOLDS_RE = re.compile(
    r"\b(?P<still>still\s+)?(?:has|have|had|had\s+had|(?P<home>(?:is|are|was|were)\s+(?:once\s+|then\s+)?"
    r"home\s+to))\s+(?:a\s+total\s+of\s+|about\s+|around\s+|some\s+|nearly\s+|more\s+than\s+|"
    r"over\s+|as\s+many\s+as\s+)?",
    re.I,
)
# "an impoverished population of 3.29 million": the count after its noun.
POPULATION_OF_RE = re.compile(
    rf"(?:an?\s+|the\s+|its\s+)?(?P<adj>(?:[\w-]+\s+){{0,2}}?)population\s+of\s+"
    rf"(?:about\s+|around\s+|some\s+|nearly\s+|more\s+than\s+|over\s+)?(?P<n>{_NUM})\b",
    re.I,
)
_CHAIN_GAP_RE = re.compile(r"\s*(?:,\s*and|,|and|,?\s*as\s+well\s+as)\s+", re.I)
# "Among the impoverished counties applying to exit in 2019, 165 from Hebei, ... have
# passed the assessment and bid farewell to poverty": a bare number counts the set
# the opening phrase names.
AMONG_RE = re.compile(
    rf"^\s*(?:among|of)\s+(?:the\s+|all\s+(?:the\s+)?)?(?:[\w-]+\s+){{0,3}}?(?P<noun>{_NOUN})\b"
    rf"[^,;]{{0,100}},\s*(?P<n>{_NUM})(?!\s*(?:%|percent|per\s+cent|[\w-]+\s+(?:{_NOUN})\b|"
    rf"(?:{_NOUN})\b|\d))",
    re.I,
)
# "approving to remove 31 counties (county-level cities) from the list of poor
# counties": the verb before its count, the list after.
REMOVE_COUNT_RE = re.compile(
    r"\b(?:remov(?:e|es|ed|ing)|delet(?:e|es|ed|ing)|strik(?:e|es|ing)|struck|"
    r"drop(?:s|ped|ping)?|tak(?:e|es|en|ing)|took)\s+(?:a\s+total\s+of\s+|another\s+|the\s+)?",
    re.I,
)
_FROM_LIST_RE = re.compile(
    r"\s*(?:\([^()]{1,30}\)\s*)?(?:off|from)\s+(?:the\s+)?(?:[\w-]+'s\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:list|register|roll)s?\b(?P<rest>[^;]{0,40})",
    re.I,
)
# "approving to remove 31 counties": a decision taken, not a purpose.
_DECIDED_RE = re.compile(r"\b(?:helped|helping|enabled|approv(?:ed|ing|es)|decided)\b", re.I)
# No province has this many counties: a figure so printed counts something else.
_MAX_COUNTIES = 2900

# "The 31 counties include 30 national-level poor counties ...; one provincial-level
# poor county, ...": the parts of a set counted before. They share its exit.
BREAKDOWN_RE = re.compile(
    rf"^\s*(?:the|these|those|all|all\s+the)\s+(?P<n>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?(?P<noun>{_NOUN})\b"
    rf"\s*(?:\([^()]{{1,30}}\)\s*)?,?\s*(?:include[sd]?|comprise[sd]?|consist(?:s|ed)?\s+of|"
    rf"(?:are|were)\s+made\s+up\s+of)\s+",
    re.I,
)
_PART_RE = re.compile(
    rf"\b(?P<n>{_NUM})\s+(?P<adj>(?:-?[A-Za-z][\w-]*\s+){{0,3}}?)(?P<noun>{_NOUN})\b", re.I
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
    # Another batch than the sentence's own ("together with the 16 that had exited").
    additive: bool = False
    # The last batch of a set ("the remaining 55 villages have exited"): its count may
    # equal the remainder an earlier statement left, and is still a fact of its own.
    final: bool = False

    def counts(self) -> set[int]:
        return {v for v in (self.exited, self.total, self.remaining) if v is not None}

    def fields(self) -> set[tuple[str, int]]:
        """The counts with the field each fills ("exited", 47)."""
        pairs = (("exited", self.exited), ("total", self.total), ("remaining", self.remaining))
        return {(k, v) for k, v in pairs if v is not None}


@dataclass(frozen=True)
class _Count:
    """A count phrase: "47 of the 50 counties", "all nine villages", "residents,
    totaling 5.51 million"."""

    start: int
    end: int
    n: str
    noun: str
    part: str | None = None
    all_: bool = False
    share: str | None = None

    @property
    def level(self) -> str:
        return LEVEL_NOUNS[self.noun.lower()]


def count_value(token: str | None, level: str = "") -> int | None:
    if not token:
        return None
    token = " ".join(token.lower().replace(", ", ",").split())
    words = parse_word_number(token)
    if words is not None:
        return words
    num, _, scale = token.partition(" ")
    word_value = parse_word_number(num) if num.isalpha() else None
    value = parse_number(str(word_value) if word_value is not None else num, scale or None)
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
    r"hats?|caps?|povert|poverish|withdr|delist|exit|remaining|list|poor|population|records?|"
    r"register",
    re.I,
)


def _counts(clause: str, end: int) -> list[_Count]:
    found = [
        _Count(
            m.start(),
            m.end(),
            m.group("n"),
            m.group("noun"),
            m.group("part"),
            bool(m.group("all")),
            m.group("share"),
        )
        for m in COUNT_RE.finditer(clause, 0, end)
    ]
    if " of them" in clause.lower():
        found.extend(_of_them(clause, found, end))
    among = AMONG_RE.match(clause) if "," in clause else None
    if among and among.end("n") <= end:
        found.append(
            _Count(among.start("n"), among.end("n"), among.group("n"), among.group("noun"))
        )
    if "," in clause:
        spans = [(c.start, c.end) for c in found]
        for m in APPOSITIVE_RE.finditer(clause, 0, end):
            if not any(a <= m.start("n") < b for a, b in spans):
                found.append(_Count(m.start("n"), m.end(), m.group("n"), m.group("noun")))
    return sorted(found, key=lambda c: c.start)


def _of_them(clause: str, found: list[_Count], end: int) -> list[_Count]:
    out = []
    for m in OF_THEM_RE.finditer(clause, 0, end):
        earlier = [c for c in found if c.end <= m.start() and not c.part]
        if earlier:
            whole = earlier[-1]
            if m.group("every"):  # "every one of them has taken off the hat"
                out.append(_Count(m.start(), m.end(), whole.n, whole.noun, all_=True))
            else:
                out.append(_Count(m.start(), m.end(), whole.n, whole.noun, m.group("part")))
    return out


def _clause_exits(clause: str, offset: int) -> list[ExitHit]:
    hits: list[ExitHit] = []
    if not _ANY_EXIT_RE.search(clause):
        return hits
    verbs = [v for v in EXIT_RE.finditer(clause) if _verb_ok(clause, v)]
    # COUNT_RE is the expensive pattern: run it only where an exit phrase is.
    counts = _counts(clause, verbs[-1].start()) if verbs else []
    used: set[int] = set()
    for verb in verbs:
        if _either_or(clause, verb):
            continue
        of_total = OF_TOTAL_RE.search(clause, max(0, verb.start() - 160), verb.start())
        if of_total:
            hits.append(_of_total_hit(of_total, offset, verb.end()))
            continue
        after = _count_after(clause, verb)
        if after is not None:
            hits.append(_after_hit(clause, after, verb, offset))
            continue
        # One named county is a count only where the clause counts nothing else:
        # "Zepu took off its hat in 2019, and the other three ..." is a breakdown.
        if SINGLE_COUNTY_RE.search(
            clause, max(0, verb.start() - 90), verb.start()
        ) and not _other_counts(clause, counts):
            if not _purpose(clause, verb, verb.start()):
                hits.append(
                    ExitHit(
                        "county", exited=1, start=offset + verb.start(), end=offset + verb.end()
                    )
                )
            continue
        before = [c for c in counts if c.end <= verb.start() and c.start not in used]
        before = _drop_scope(clause, before, used)
        if before and not _purpose(clause, verb, before[-1].start):
            chain = _coordinated(clause, before)
            for c in chain:
                used.add(c.start)
                if not _is_label_or_year(clause, c):
                    hits.append(_count_hit(clause, c, verb, offset, sole=len(chain) == 1))
        hits.extend(_ellipsis_hits(clause, verb, offset))
    if " to " in clause.lower():
        hits.extend(_from_to(clause, offset))
    hits.extend(_bare_people(clause, offset, hits))
    if "last" in clause.lower():
        hits.extend(_last_of(clause, offset))
    if "bring" in clause.lower():
        hits.extend(_bringing(clause, offset))
    taken = [(h.start - offset, h.end - offset) for h in hits]
    for m in REMAINING_RE.finditer(clause) if "remaining" in clause.lower() else ():
        if any(a <= m.start("n") < b for a, b in taken):
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
    hits.extend(_holdings(clause, offset, hits))
    if "list" in clause.lower() or "regist" in clause.lower() or "roll" in clause.lower():
        hits.extend(_removals(clause, offset, hits))
    return [h for h in hits if h.counts() and _plausible(h)]


def _removals(clause: str, offset: int, hits: list[ExitHit]) -> list[ExitHit]:
    """ "approved to remove 31 counties from the list of poor counties": the count
    after the verb, the list after the count."""
    taken = [(h.start - offset, h.end - offset) for h in hits]
    out = []
    for verb in REMOVE_COUNT_RE.finditer(clause):
        m = COUNT_RE.match(clause, verb.end())
        if not m or m.group("part"):
            continue
        tail = _FROM_LIST_RE.match(clause, m.end())
        if not tail or not _POVERTY_WORD_RE.search(m.group() + tail.group()):
            continue
        before = clause[max(0, verb.start() - 30) : verb.start()]
        if NEGATION_RE.search(before):
            continue
        if PURPOSE_RE.search(before) and not _DECIDED_RE.search(
            clause, max(0, verb.start() - 80), verb.start()
        ):
            continue  # "plans to remove 10 counties from the list"
        if any(a <= m.start("n") < b for a, b in taken):
            continue
        level = LEVEL_NOUNS[m.group("noun").lower()]
        value = count_value(m.group("n"), level)
        out.append(
            ExitHit(level, exited=value, start=offset + verb.start(), end=offset + tail.end())
        )
    return out


def _plausible(hit: ExitHit) -> bool:
    return hit.level != "county" or max(hit.counts()) <= _MAX_COUNTIES


def _chain(clause: str, at: int) -> list[tuple[int, int, str, int]]:
    """The coordinated poverty counts from `at`: (start, end, level, value) each."""
    out: list[tuple[int, int, str, int]] = []
    while len(out) < 6:
        m = COUNT_RE.match(clause, at)
        if m and not m.group("part") and _POVERTY_WORD_RE.search(m.group()):
            level = LEVEL_NOUNS[m.group("noun").lower()]
            n_text, start = m.group("n"), m.start()
        else:
            m = POPULATION_OF_RE.match(clause, at)
            if not m or not _POVERTY_WORD_RE.search(m.group("adj")):
                break
            level, n_text, start = "person", m.group("n"), m.start("n")
        value = count_value(n_text, level)
        if value is None:
            break
        out.append((start, m.end(), level, value))
        gap = _CHAIN_GAP_RE.match(clause, m.end())
        if not gap:
            break
        at = gap.end()
    return out


def _holdings(clause: str, offset: int, hits: list[ExitHit]) -> list[ExitHit]:
    """ "still has 350,000 poor people" (remaining), "was home to 7,993 poor villages"
    (the total before any exited)."""
    lower = clause.lower()
    if "still" not in lower and "home to" not in lower:
        return []
    taken = [(h.start - offset, h.end - offset) for h in hits]
    out = []
    for m in HOLDS_RE.finditer(clause):
        home = m.group("home")
        if not m.group("still") and not (home and home.lower().startswith(("was", "were"))):
            continue
        if m.group("still") and home:
            continue  # "is still home to" is rare; the tense says nothing sure
        for start, end, level, value in _chain(clause, m.end()):
            if any(a <= start < b for a, b in taken):
                continue
            hit = ExitHit(level, start=offset + start, end=offset + end)
            if home:
                hit.total = value
            else:
                hit.remaining = value
            out.append(hit)
    return out


def _other_counts(clause: str, counts: list[_Count]) -> bool:
    """Counts beside a named county, not the set it is one of ("the last of the eight")."""
    return any(not _ONE_OF_BEFORE_RE.search(clause, max(0, c.start - 25), c.start) for c in counts)


def _drop_scope(clause: str, before: list[_Count], used: set[int]) -> list[_Count]:
    if len(before) < 2:
        return before
    scope, subject = before[-1], before[-2]
    if scope.level != subject.level and SCOPE_GAP_RE.fullmatch(clause, subject.end, scope.start):
        used.add(scope.start)
        return before[:-1]
    return before


def _verb_ok(clause: str, verb: re.Match[str]) -> bool:
    """A register or list phrase is an exit only where poverty is named with it."""
    phrase = verb.group().lower()
    if _PLAIN_LIST_RE.fullmatch(phrase):
        return True  # "removed from the list", said of counties or villages
    if _LIST_EXIT_RE.fullmatch(phrase) or phrase.startswith(("left", "leav")):
        return bool(_POVERTY_WORD_RE.search(clause))
    if phrase.endswith(" it"):
        return bool(_POVERTY_WORD_RE.search(clause, 0, verb.start()))
    return True


def _purpose(clause: str, verb: re.Match[str], count_start: int) -> bool:
    """ "to get rid of poverty", "plans to lift 5,000 people out of poverty": a purpose,
    not a result, unless something achieved it ("helped 93 counties to get off the
    list", "approving 16 counties to be removed")."""
    if not (
        PURPOSE_RE.search(clause[max(0, verb.start() - 30) : verb.start()])
        or PURPOSE_BEFORE_COUNT_RE.search(clause[max(0, count_start - 30) : count_start])
    ):
        return False
    if ACHIEVED_RE.search(clause[max(0, verb.start() - 80) : verb.start()]):
        return False
    return not ACHIEVED_BEFORE_COUNT_RE.search(clause[max(0, count_start - 30) : count_start])


def _either_or(clause: str, verb: re.Match[str]) -> bool:
    if not EITHER_RE.search(clause, max(0, verb.start() - 30), verb.start()):
        return False
    return bool(OR_STATE_RE.match(clause, verb.end()))


def _count_after(clause: str, verb: re.Match[str]) -> _Count | None:
    """ "eliminated poverty in its nine poorest counties": the count the phrase governs."""
    if not verb.group().lower().endswith("poverty"):
        return None
    lead = COUNT_AFTER_RE.match(clause, verb.end())
    if not lead:
        return None
    m = COUNT_RE.match(clause, lead.end())
    if not m or m.group("part"):
        return None
    return _Count(m.start(), m.end(), m.group("n"), m.group("noun"))


def _after_hit(clause: str, c: _Count, verb: re.Match[str], offset: int) -> ExitHit:
    level = c.level
    return ExitHit(
        level, exited=count_value(c.n, level), start=offset + verb.start(), end=offset + c.end
    )


def _ellipsis_hits(clause: str, verb: re.Match[str], offset: int) -> list[ExitHit]:
    window = clause[verb.end() : verb.end() + 80].lower()
    if " as " not in window and " with " not in window:
        return []
    lead = ELLIPSIS_RE.match(clause, verb.end()) or ALONG_WITH_RE.match(clause, verb.end())
    if not lead:
        return []
    m = COUNT_RE.match(clause, lead.end())
    if not m or m.group("part"):
        return []
    level = LEVEL_NOUNS[m.group("noun").lower()]
    n = count_value(m.group("n"), level)
    hit = ExitHit(level, exited=n, start=offset + m.start(), end=offset + m.end())
    if lead.group("all") and "remaining" not in lead.group().lower():
        hit.total = n
    return [hit]


def _bare_people(clause: str, offset: int, hits: list[ExitHit]) -> list[ExitHit]:
    out = []
    for m in BARE_PEOPLE_RE.finditer(clause):
        n = count_value(m.group("n"), "person")
        if n is None or n < 1000:
            continue  # "lifted two out of poverty" could be anything
        if PURPOSE_RE.search(clause[max(0, m.start() - 30) : m.start()]) and not (
            ACHIEVED_RE.search(clause[max(0, m.start() - 30) : m.start()])
        ):
            continue  # "aims to lift 10 million out of poverty"
        at = offset + m.start("n")
        if any(h.start <= at < h.end for h in hits):
            continue
        out.append(ExitHit("person", exited=n, start=at, end=offset + m.end()))
    return out


def _last_of(clause: str, offset: int) -> list[ExitHit]:
    out = []
    for m in LAST_OF_RE.finditer(clause):
        if not _POVERTY_WORD_RE.search(m.group("adj")) and "poverty" not in m.group().lower():
            continue
        if _STILL_AFTER_RE.match(clause, m.end()):
            continue  # "the last of the 832 counties yet to exit"
        level = LEVEL_NOUNS[m.group("noun").lower()]
        n = count_value(m.group("n"), level)
        out.append(
            ExitHit(level, exited=n, total=n, start=offset + m.start(), end=offset + m.end())
        )
    return out


def _bringing(clause: str, offset: int) -> list[ExitHit]:
    out = []
    for m in BRINGING_RE.finditer(clause):
        said = m.group("mid") + " " + clause[m.start() : m.start("noun")]
        if not (EXIT_RE.search(said) or "exited" in said.lower() or "free" in said.lower()):
            continue
        level = LEVEL_NOUNS[m.group("noun").lower()]
        n = count_value(m.group("n"), level)
        hit = ExitHit(level, exited=n, start=offset + m.start(), end=offset + m.end())
        if m.group("whole"):
            hit.total = n
        out.append(hit)
    return out


def _has_zero_word(clause: str) -> bool:
    lower = clause.lower()
    return "no " in lower or "zero" in lower


_YEAR_TOKEN_RE = re.compile(r"^(?:19[89]\d|20[0-4]\d)$")
_LABEL_BEFORE_RE = re.compile(
    r"\b(?:table|figure|fig|no|chart|annex|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"january|february|march|april|june|july|august|september|october|november|december)"
    r"\.?\s*$",
    re.I,
)


def _is_label_or_year(clause: str, c: _Count) -> bool:
    """ "By the end of 2020 all four ..." and "Table 2 Village exits" are no counts."""
    if _YEAR_TOKEN_RE.match(c.n):
        return True
    n_start = clause.find(c.n, c.start)
    return bool(_LABEL_BEFORE_RE.search(clause[max(0, n_start - 11) : n_start]))


def _coordinated(clause: str, before: list[_Count]) -> list[_Count]:
    """The count nearest the verb and the counts coordinated with or nesting it."""
    out = [before[-1]]
    for c in reversed(before[:-1]):
        gap = clause[c.end : out[-1].start]
        nested = c.level != out[-1].level and NESTING_RE.match(gap)
        if not (COORDINATION_RE.match(gap) or nested):
            break
        out.append(c)
    return out


def _count_hit(
    clause: str, c: _Count, verb: re.Match[str], offset: int, sole: bool = True
) -> ExitHit:
    level = c.level
    n = count_value(c.n, level)
    part = count_value(c.part, level)
    # A negation sits by the count or by the verb; a bounded look keeps a long
    # coordination ("5 counties, 12 villages and ...") linear.
    between = (
        clause[c.end : min(verb.start(), c.end + 200)]
        + " "
        + clause[max(c.end, verb.start() - 40) : verb.start()]
    )
    hit = ExitHit(level, start=offset + c.start, end=offset + verb.end())
    hit.additive = bool(ADDITIVE_BEFORE_RE.search(clause[max(0, c.start - 25) : c.start]))
    hit.final = bool(FINAL_BATCH_RE.search(clause[max(0, c.start - 25) : c.start]))
    still = STILL_BEFORE_RE.search(clause[max(0, c.start - 20) : c.start])
    if NEGATION_RE.search(between) or still or verb.group().lower().startswith("on "):
        hit.remaining = n
    elif part is not None:
        hit.exited, hit.total = part, n
        # "136 of the 191 villages": 55 are left; "the last 8 of the 75": none are.
        if not hit.final and n is not None and part <= n:
            hit.remaining = n - part
    elif c.all_ or (sole and not hit.final and _whole_set(clause, c, verb)):
        hit.exited, hit.total = n, n
    else:
        hit.exited = n
    rate = RATE_RE.search(clause, verb.end())
    if rate and rate.start() - verb.end() < 40:
        hit.rate_pct = float(rate.group("num"))
    elif c.share:
        hit.rate_pct = float(re.search(r"\d+(?:\.\d+)?", c.share).group())  # type: ignore[union-attr]
    return hit


# "329 villages all left the list", "its two counties became poverty-free": every one
# of the set exited, so the count is the total too.
_FLOATING_ALL_RE = re.compile(r"\b(?:have|has|had|were|are|was)?\s*all\b", re.I)
_POSSESSIVE_BEFORE_RE = re.compile(r"\b(?:its|their|both)\s+$", re.I)


def _whole_set(clause: str, c: _Count, verb: re.Match[str]) -> bool:
    if _POSSESSIVE_BEFORE_RE.search(clause, max(0, c.start - 8), c.start):
        return True
    gap = clause[c.end : verb.start()]
    return len(gap) < 60 and bool(_FLOATING_ALL_RE.search(gap))


def _of_total_hit(m: re.Match[str], offset: int, end: int) -> ExitHit:
    level = LEVEL_NOUNS[m.group("noun").lower()]
    total, part = count_value(m.group("n"), level), count_value(m.group("part"), level)
    hit = ExitHit(level, exited=part, total=total, start=offset + m.start(), end=offset + end)
    if part is not None and total is not None and total > part:
        hit.remaining = total - part  # "five of eight": three are left; "all" leaves none said
    return hit


def _from_to(clause: str, offset: int) -> list[ExitHit]:
    out = []
    for m in FROM_TO_RE.finditer(clause):
        scope = clause[max(0, m.start() - 40) : m.end()]
        if not re.search(r"poverty|poor|impoverished|archives|registered", scope, re.I):
            continue
        if _PERCENT_AFTER_RE.match(clause, m.end("b")) or (
            m.group("a") and _PERCENT_AFTER_RE.match(clause, m.end("a"))
        ):
            continue  # "the poverty rate dropped from 31.8 percent to 11.3 percent"
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


# --- counts carried from an earlier sentence ---------------------------------------


@dataclass(frozen=True)
class AllWithoutCount:
    """ "all the poor counties had been lifted out of poverty": an exit of every one of
    a set whose size an earlier sentence gave."""

    level: str
    start: int
    end: int


@dataclass(frozen=True)
class PoorTotal:
    """ "home to 62 poverty-stricken counties": the size of a set of poor places."""

    level: str
    n: int
    start: int
    end: int


def find_all_without_count(sentence: str) -> list[AllWithoutCount]:
    out: list[AllWithoutCount] = []
    if "all" not in sentence.lower():
        return out
    for m in ALL_WITHOUT_COUNT_RE.finditer(sentence):
        adj = m.group("adj")
        if not _POVERTY_WORD_RE.search(adj) or re.search(r"\d", adj):
            continue
        if _starts_with_number(adj):
            continue
        verb = EXIT_RE.match(sentence, m.end())
        if not verb or NEGATION_RE.search(sentence, m.end(), verb.start()):
            continue
        if PURPOSE_RE.search(sentence[max(0, verb.start() - 30) : verb.start()]):
            continue
        level = LEVEL_NOUNS[m.group("noun").lower()]
        out.append(AllWithoutCount(level, m.start(), verb.end()))
    return out


def _starts_with_number(adj: str) -> bool:
    first = adj.split()[0] if adj.split() else ""
    return parse_word_number(first) is not None


def find_poor_totals(sentence: str) -> list[PoorTotal]:
    out: list[PoorTotal] = []
    for m in POOR_TOTAL_RE.finditer(sentence):
        if not _POVERTY_WORD_RE.search(m.group("adj")):
            continue
        level = LEVEL_NOUNS[m.group("noun").lower()]
        n = count_value(m.group("n"), level)
        if n is not None and n > 1:
            out.append(PoorTotal(level, n, m.start(), m.end()))
    return out


@dataclass
class Breakdown:
    """The parts of a set counted before: `n` is the set's count, `parts` the (start,
    end, count) of each part of the same level."""

    level: str
    n: int
    parts: list[tuple[int, int, int]]


def find_breakdown(sentence: str) -> Breakdown | None:
    m = BREAKDOWN_RE.match(sentence)
    if not m:
        return None
    level = LEVEL_NOUNS[m.group("noun").lower()]
    n = count_value(m.group("n"), level)
    if n is None:
        return None
    parts = []
    for p in _PART_RE.finditer(sentence, m.end()):
        value = count_value(p.group("n"), level)
        if LEVEL_NOUNS[p.group("noun").lower()] != level or value is None or value >= n:
            continue
        if _POVERTY_WORD_RE.search(p.group("adj")):
            parts.append((p.start(), p.end(), value))
    # The parts must not add up to more than the set: else they count something else.
    if not parts or sum(v for _, _, v in parts) > n:
        return None
    return Breakdown(level, n, parts)


# The words that make a count the closing batch of a set the same sentence counts whole.
_LAST_BATCH_RE = re.compile(r"\b(?:last|final|remaining)\b", re.I)


def one_row_per_statement(facts: list[F]) -> list[F]:
    """A sentence that gives a place's last batch and its whole set ("with the last
    eight counties exiting in November, all 54 have left poverty") is one statement:
    eight left that year and none remain. Read as two rows (8, and 54 of 54) the
    county exits of that year would add up twice in a mart. The whole set is not
    kept as the total: "8 of 54" would say 46 remain (remaining = total - exited)."""
    groups: dict[tuple[int, str, str], list[ExitFact]] = {}
    for fact in facts:
        if isinstance(fact, ExitFact):
            place = fact.region_code or fact.region or ""
            key = (fact.evidence.start_char, fact.level, place)
            groups.setdefault(key, []).append(fact)
    merged: dict[int, ExitFact | None] = {}
    for group in groups.values():
        if len(group) != 2:
            continue
        whole, part = sorted(group, key=lambda f: f.total is None)
        if not (
            _LAST_BATCH_RE.search(part.evidence.sentence)
            and whole.total is not None
            and whole.exited == whole.total
            and whole.remaining in (None, 0)
            and part.total is None
            and part.remaining is None
            and part.exited is not None
            and part.exited < whole.total
        ):
            continue
        merged[id(part)] = dataclasses.replace(part, remaining=0, year=part.year or whole.year)
        merged[id(whole)] = None
    out: list[F] = []
    for fact in facts:
        replacement = merged.get(id(fact), fact) if isinstance(fact, ExitFact) else fact
        if replacement is not None:
            out.append(replacement)  # type: ignore[arg-type]
    return out
