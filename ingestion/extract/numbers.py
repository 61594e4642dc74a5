"""Quantities in text: money, areas, weights, percentages and counts.

Every pattern uses possessive quantifiers or fixed-width alternations and is
applied with ``finditer`` so that a megabyte of digits costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ingestion.extract.text import by_first_letter

WORD_NUMBERS: dict[str, int] = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100})
_TENS_WORDS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,  # a common misspelling in translated text
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
WORD_NUMBERS.update(_TENS_WORDS)
_UNIT_WORDS = [w for w, v in WORD_NUMBERS.items() if 1 <= v <= 9]
_SMALL_WORDS = [w for w, v in WORD_NUMBERS.items() if 0 <= v <= 19]
# "forty", "forty-two", "twenty one", "nine", "a hundred", "two hundred and six":
# counts written out, as translated articles do up to a few hundred.
_TENS_ALT = "|".join(sorted(_TENS_WORDS, key=len, reverse=True))
_UNIT_ALT = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
_SMALL_ALT = "|".join(sorted(_SMALL_WORDS, key=len, reverse=True))
_BELOW_100 = rf"(?:(?:{_TENS_ALT})(?:[-\s](?:{_UNIT_ALT})\b)?|(?:{_SMALL_ALT}))"
WORD_NUMBER_PATTERN = (
    rf"(?:(?:(?:a|one|{_UNIT_ALT})\s+)?hundred(?:\s+(?:and\s+)?{_BELOW_100})?\b"
    rf"|{_BELOW_100}\b)"
)
_WORD_NUMBER_RE = re.compile(rf"^{WORD_NUMBER_PATTERN}$", re.I)


def parse_word_number(text: str) -> int | None:
    """The integer a written-out count stands for ("forty-two" is 42), else None."""
    words = " ".join(text.lower().replace("-", " ").split())
    if not _WORD_NUMBER_RE.match(words):
        return None
    total, current = 0, 0
    for w in words.split():
        if w == "and":
            continue
        if w == "hundred":
            current = (current or 1) * 100
        elif w == "a":
            current += 1
        else:
            current += WORD_NUMBERS[w]
    return total + current


SCALES: dict[str, float] = {
    "thousand": 1e3,
    "ten thousand": 1e4,
    "10,000": 1e4,
    "10000": 1e4,
    "wan": 1e4,
    "million": 1e6,
    "mn": 1e6,
    "hundred million": 1e8,
    "100 million": 1e8,
    "yi": 1e8,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
# Thousands grouped by commas or (in machine translation) spaces: "3,500", "3 500";
# a comma before one or two digits is a decimal comma: "17,3 ten thousand".
_NUM = (
    # "12 100 million yuan" is 12 x 亿 (100 million), not 12,100 million.
    # Each branch opens with one plain \d ("\d\d{0,2}+" is "\d{1,3}+"): the parser moves
    # the shared \d out, and a pattern that opens with a character class lets the
    # engine skip straight to the digits (1.5-3x faster, same matches).
    r"(?:\d\d{0,2}+(?:,\d{3})++(?:\.\d++)?(?![\d,])|\d\d{0,2}+(?:\s\d{3})++(?![\d,.])"
    r"(?!(?<=\s100)\s+million)"
    r"|\d\d*+(?:\.\d++|,\d{1,2}+(?![\d,]))?)"
)
_SCALE = (
    r"(?:hundred\s+million|100\s+million|ten\s+thousand|10,000|thousand|million|billion|"
    r"trillion|wan|yi|bn|mn)"
)
# Money: "RMB 2.5 billion", "¥30,000", "1.296948 billion yuan", "3,500 wan yuan",
# "26 10,000 yuan" (万元 translated literally).
# "38.252-billion-yuan investment": an amount used as a modifier is hyphenated.
MONEY_RE = re.compile(
    rf"(?P<cur>(?:RMB|CNY|¥|￥)\s?)?(?P<num>{_NUM})[\s-]?(?P<scale>{_SCALE}\b)?"
    rf"[\s-]?(?P<unit>yuan\b|RMB\b|CNY\b|renminbi\b)?",
    re.I,
)
QUANTITY_RE = re.compile(
    rf"(?P<num>{_NUM})\s?(?P<scale>{_SCALE}\b)?\s?"
    r"(?:metric\s+)?(?P<unit>mu\b|hectares?\b|ha\b|tons?\b|tonnes?\b|t\b|kilograms?\b|kg\b|jin\b)",
    re.I,
)
PERCENT_RE = re.compile(rf"(?P<num>{_NUM})\s?(?:%|percent\b|per\s+cent\b)", re.I)
# A whole word: "orchards cover 150,000 mu" is no "over".
_QUAL_BEFORE_RE = re.compile(
    r"\b(?P<q>more\s+than|over|above|not\s+less\s+than|no\s+less\s+than|at\s+least|exceeding|"
    r"exceeded|in\s+excess\s+of|nearly|about|around|approximately|some|almost|close\s+to|"
    r"roughly|an\s+estimated|up\s+to|less\s+than|under|no\s+more\s+than|not\s+more\s+than|"
    r"at\s+most|within)\s*$",
    re.I,
)
# "adding up to 9.17 billion yuan", "amounting to": a total, not a ceiling.
_SUM_UP_TO_RE = re.compile(r"\b(?:add\w*|amount\w*|sum\w*|total\w*)\s+(?:up\s+)?to\s*$", re.I)
_QUAL_AFTER_RE = re.compile(r"^\s*(?:or\s+more|and\s+above|or\s+above|plus)\b", re.I)
QUALIFIERS: dict[str, str] = {
    "more than": "at_least",
    "over": "at_least",
    "above": "at_least",
    "not less than": "at_least",
    "no less than": "at_least",
    "at least": "at_least",
    "exceeding": "at_least",
    "exceeded": "at_least",
    "in excess of": "at_least",
    "nearly": "about",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "some": "about",
    "almost": "about",
    "close to": "about",
    "roughly": "about",
    "an estimated": "about",
    "up to": "at_most",
    "less than": "at_most",
    "under": "at_most",
    "no more than": "at_most",
    "not more than": "at_most",
    "at most": "at_most",
    "within": "at_most",
}


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    value: float
    unit: str  # yuan | mu | tonne | percent
    qualifier: str


_DECIMAL_COMMA_RE = re.compile(r"^\d+,\d{1,2}$")
# "20 yuan a kilogram", "42,300 yuan per square metre": a unit price, never a total.
UNIT_PRICE_RE = re.compile(
    r"^\s*(?:per|a|an|each|for\s+(?:a|one|each)|/)\s*(?:\w+\s+)?(?:kilo(?:gram)?s?|kg|jin|"
    r"catty|grams?|g|pounds?|lb|tons?|tonnes?|square|sq|m2|piece|box|bottle|litres?|liters?|"
    r"head|unit|bag|dozen)\b",
    re.I,
)


def is_unit_price(text: str, end: int) -> bool:
    return bool(UNIT_PRICE_RE.match(text[end : end + 30]))


def scaled(value: float, factor: float) -> float:
    """value × factor in decimal arithmetic.

    In binary floating point 20.5 × 100 million is 2049999999.9999998 yuan; a
    published amount must be the one the article wrote.
    """
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


def parse_number(num: str, scale: str | None = None) -> float | None:
    if _DECIMAL_COMMA_RE.match(num):
        num = num.replace(",", ".")
    try:
        value = float(num.replace(",", "").replace(" ", ""))
    except ValueError:
        return None
    if scale:
        value = scaled(value, SCALES.get(" ".join(scale.lower().split()), 1.0))
    return value


def qualifier_at(text: str, start: int, end: int) -> str:
    before = text[max(0, start - 25) : start]
    m = _QUAL_BEFORE_RE.search(before)
    if m and _SUM_UP_TO_RE.search(before):
        return "exact"
    if m:
        return QUALIFIERS[" ".join(m.group("q").lower().split())]
    if _QUAL_AFTER_RE.match(text[end : end + 12]):
        return "at_least"
    return "exact"


def _preceded_by_digit(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isdigit() or text[start - 1] in ".,")


_UNIT_WORD_RE = re.compile(r"\bunits?\s*[:：]?\s*\(?$", re.I)


def _is_unit_label(text: str, start: int, end: int) -> bool:
    """ "Aid funds (10,000 yuan)", "Unit: 10,000 yuan": a column's unit, not an amount."""
    if text[max(0, start - 1) : start] == "(" and text[end : end + 1] == ")":
        return True
    return bool(_UNIT_WORD_RE.search(text[max(0, start - 8) : start]))


# "two billion yuan", "RMB five million": a number word with a scale word.
# ("hundred" is left to the scale: "12.6 hundred million yuan" is one amount.)
_MONEY_WORDS = sorted(
    (w for w in WORD_NUMBERS if w not in ("zero", "hundred")), key=len, reverse=True
)
WORD_MONEY_RE = re.compile(
    r"\b(?P<cur>(?:RMB|CNY)\s?)?(?P<word>" + by_first_letter(_MONEY_WORDS) + r")[\s-]"
    r"(?P<scale>hundred\s+million|ten\s+thousand|thousand|million|billion)\b"
    r"(?:[\s-](?P<unit>yuan|RMB|renminbi)\b)?",
    re.I,
)


def _word_money(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in WORD_MONEY_RE.finditer(text):
        if not (m.group("cur") or m.group("unit")):
            continue
        factor = SCALES[" ".join(m.group("scale").lower().split())]
        value = scaled(float(WORD_NUMBERS[m.group("word").lower()]), factor)
        out.append(
            Quantity(m.start(), m.end(), value, "yuan", qualifier_at(text, m.start(), m.end()))
        )
    return out


def find_money(text: str) -> list[Quantity]:
    """Amounts of money in yuan."""
    out: list[Quantity] = []
    for m in MONEY_RE.finditer(text):
        if not (m.group("cur") or m.group("unit")) or _preceded_by_digit(text, m.start()):
            continue
        # "a 4,000-yuan poverty line" is a modifier; only "38.252-billion-yuan" is a total.
        if "-" in m.group() and not m.group("scale"):
            continue
        if _is_unit_label(text, m.start(), m.end()):
            continue
        num, scale = m.group("num"), m.group("scale")
        # "26 10,000 yuan": the literal translation of 万元.
        if not scale:
            lit = re.match(
                r"\s?(?:10,000|ten\s+thousand)\s?yuan", text[m.end("num") : m.end() + 20]
            )
            if lit:
                scale = "ten thousand"
        value = parse_number(num, scale)
        if value is None or value <= 0:
            continue
        end = m.start() + len(m.group().rstrip(" -"))
        out.append(Quantity(m.start(), end, value, "yuan", qualifier_at(text, m.start(), end)))
    low = text.lower()
    if "illion" in low or "thousand" in low:
        taken = [(q.start, q.end) for q in out]
        out.extend(
            q for q in _word_money(text) if not any(a < q.end and q.start < b for a, b in taken)
        )
        out.sort(key=lambda q: q.start)
    return out


def find_quantities(text: str) -> list[Quantity]:
    """Areas (in mu) and weights (in tonnes)."""
    out: list[Quantity] = []
    for m in QUANTITY_RE.finditer(text):
        if _preceded_by_digit(text, m.start()):
            continue
        value = parse_number(m.group("num"), m.group("scale"))
        if value is None:
            continue
        unit = m.group("unit").lower()
        if unit.startswith("h"):
            value, unit = scaled(value, 15), "mu"  # one hectare is 15 mu
        elif unit.startswith("k"):
            value, unit = value / 1000, "tonne"
        elif unit == "jin":
            value, unit = value / 2000, "tonne"
        elif unit.startswith("t"):
            unit = "tonne"
        out.append(
            Quantity(m.start(), m.end(), value, unit, qualifier_at(text, m.start(), m.end()))
        )
    return out


def find_percents(text: str) -> list[Quantity]:
    out = []
    for m in PERCENT_RE.finditer(text):
        value = parse_number(m.group("num"))
        if value is not None:
            out.append(Quantity(m.start(), m.end(), value, "percent", "exact"))
    return out


def word_or_number(token: str) -> int | None:
    """An integer from digits ("3,787") or a small number word ("five")."""
    token = token.strip().lower()
    if token in WORD_NUMBERS:
        return WORD_NUMBERS[token]
    try:
        value = float(token.replace(",", ""))
    except ValueError:
        return None
    return int(value) if value.is_integer() else None
