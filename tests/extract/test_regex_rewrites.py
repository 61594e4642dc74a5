"""Patterns rewritten for speed find exactly what their plain forms find.

The rewrites (alternatives grouped by first letter, look-behinds moved past a
leading literal, a shared leading digit) are only worth having if no match, span
or group changes: each is compared with its plain form on texts that probe the
edges (case, word boundaries, "of the", digits and separators around a number).
"""

from __future__ import annotations

import re

import pytest

from ingestion.extract import coref, exits, numbers, outputs, pairings, regions, years
from ingestion.extract.text import by_first_letter, folded
from ingestion.gazetteer import organisations

PROBES = [
    "The county, this City and THAT village; the Company's and of the county; "
    "Their town-level plans; Bathe county, at the  township",
    "In 2019, 1999 and 2049 (not 2050, 12019, 1.2019, 2019.5 or 3,2019) pepper and "
    "Sichuan peppers, navel oranges, Kiwifruit, KIWI, teas, steam, fig, figs, figure",
    "RMB 2.5 billion yuan, ¥30,000, 1,234.5 mu, 12 100 million yuan, 3,5 yuan, "
    "26 10,000 yuan, 1 234 567 yuan, 45% and 12 per cent, five million yuan, "
    "CNY twenty-two thousand yuan, 0.5 hectares, 300 tonnes, 4100 kg",
    "Ｔhe ſcale; İstanbul Kelvin K; ٣٤ yuan; ۲۰۱۹",
    "1" * 300 + " mu; " + "2019 " * 50,
    "All the 47 counties, 219, or around 90 percent of the 246 counties, were delisted; "
    "forty-two villages and a hundred households took off their poverty hats, and 1,100 "
    "poor villages and 804,000 people had been lifted out of poverty. Zero counties "
    "remain; nine thousand herders got rid of poverty, escaped poverty, were removed "
    "from the list of poor counties, crossed off the rolls, shed the poverty label, bid "
    "farewell to poverty, rose above poverty and are poverty-free, not poverty-stricken.",
    "XYZ Group Co Ltd, the China Foundation, Tsinghua University and aCompany helped "
    "Poskam County and its Lenghu District, McLeod District; Qinghai's O'Neill-Ba League "
    "lifted 3,000 people out of poverty, assisting pairs; the counterpart donated.",
]


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[object, ...]]:
    return [(m.span(), m.group(), m.groups()) for m in pattern.finditer(text)]


PLAIN_NUM = (
    r"(?:\d{1,3}+(?:,\d{3})++(?:\.\d++)?(?![\d,])|\d{1,3}+(?:\s\d{3})++(?![\d,.])"
    r"(?!(?<=\s100)\s+million)"
    r"|\d++(?:\.\d++|,\d{1,2}+(?![\d,]))?)"
)


def _without_look_ahead(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern ``text.led_by`` wrapped, without its look-ahead."""
    m = re.fullmatch(r"\(\?=\[[^\]]+\]\)\(\?:(.*)\)", pattern.pattern, re.S)
    assert m, pattern.pattern[:40]
    return re.compile(m.group(1), pattern.flags)


PAIRS = [
    (exits.COUNT_RE, _without_look_ahead(exits.COUNT_RE)),
    (exits.EXIT_RE, _without_look_ahead(exits.EXIT_RE)),
    (exits.BARE_PEOPLE_RE, _without_look_ahead(exits.BARE_PEOPLE_RE)),
    (pairings.ASSIST_WORD_RE, _without_look_ahead(pairings.ASSIST_WORD_RE)),
    (
        regions.UNKNOWN_PLACE_RE,
        re.compile(
            r"\b([A-Z][a-z]+(?:['’-][a-z]+)*)\s(County|District|Banner|Prefecture|League)\b"
        ),
    ),
    (regions._CAPITALISED_RE, re.compile(r"\b[A-Z][A-Za-z'’-]*")),
    (
        organisations._ANY_HEAD_RE,
        re.compile(
            r"\b(?:"
            + "|".join(sorted((h.capitalize() for h in organisations.HEADS), key=len, reverse=True))
            + r")\b"
        ),
    ),
    (
        outputs.PRODUCT_RE,
        re.compile(r"\b(?:" + "|".join(outputs.PRODUCTS) + r")s?\b", re.I),
    ),
    (
        coref._DEFINITE_RE,
        re.compile(
            r"(?<!\bof\s)\b(?:the|this|that|The|This|That|THE|THIS|THAT)\s+"
            r"(?i:(company|group|corporation|enterprise|firm|bank|university|"
            r"county|city|prefecture|town|township|village|province|district))\b"
            r"(?![-\w]|\s+level)"
        ),
    ),
    (years.YEAR_RE, re.compile(r"(?<![\d.,])(?:19[89]\d|20[0-4]\d)(?!\d|[,.]\d)")),
    (
        numbers.MONEY_RE,
        re.compile(numbers.MONEY_RE.pattern.replace(numbers._NUM, PLAIN_NUM), re.I),
    ),
    (
        numbers.QUANTITY_RE,
        re.compile(numbers.QUANTITY_RE.pattern.replace(numbers._NUM, PLAIN_NUM), re.I),
    ),
    (
        numbers.WORD_MONEY_RE,
        re.compile(
            numbers.WORD_MONEY_RE.pattern.replace(
                by_first_letter(numbers._MONEY_WORDS), "|".join(numbers._MONEY_WORDS)
            ),
            re.I,
        ),
    ),
]


@pytest.mark.parametrize("fast,plain", PAIRS, ids=lambda p: str(p.pattern)[:30])
def test_rewritten_pattern_finds_what_the_plain_one_finds(fast, plain):
    assert fast.pattern != plain.pattern
    for text in PROBES:
        assert _found(fast, text) == _found(plain, text)
        assert _found(fast, text.lower()) == _found(plain, text.lower())
        assert _found(fast, text.upper()) == _found(plain, text.upper())


def test_by_first_letter_groups_and_refuses_what_it_cannot_group():
    assert by_first_letter(["ab", "ac", "b"]) == "a(?:b|c)|b(?:)"
    with pytest.raises(ValueError):
        by_first_letter(["(?:a)b"])
    with pytest.raises(ValueError):
        by_first_letter(["a?b"])
    with pytest.raises(ValueError):
        by_first_letter(["tea", "The"])  # would reorder under re.I


def test_folded_keeps_every_case_insensitive_match_of_an_ascii_word():
    """``folded`` gates patterns: whatever re.I lets match an ASCII letter folds to it."""
    for letter in "abcdefghijklmnopqrstuvwxyz":
        pattern = re.compile(letter, re.I)
        # Every letter that re.I matches to this one, among Latin, Greek and symbol blocks.
        for char in map(chr, range(0x2200)):
            if pattern.fullmatch(char):
                assert folded(char) == letter, (letter, hex(ord(char)))
    assert folded("ſİnce ThE YEAR") == "since the year"
