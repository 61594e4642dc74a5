"""What an amount of money in a sentence is: a fund, output value, sales, or neither.

The nearest cue word decides: "1.85 million yuan investment" is a fund,
"an output value of about 375 million yuan" is output, "per capita income ...
5000 yuan" is neither. Distance is counted in characters, before or after.
"""

from __future__ import annotations

import re

CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Listed first so that on a tie ("retail sales" ends where "sales" does) the
    # place's own economy wins: market turnover, total retail sales and visitors'
    # spending are no sales of assisted products and no funds.
    (
        "not_fund",
        re.compile(
            r"\b(?:retail\s+sales|turnover|(?:visitors?|tourists?|travell?ers?)\s+"
            r"(?:\w+\s+){0,5}?(?:spen[dt]\w*|consum\w*))\b",
            re.I,
        ),
    ),
    (
        "output_value",
        re.compile(
            r"\b(?:output\s+value|production\s+value|gross\s+output|value\s+of\s+output)\b", re.I
        ),
    ),
    (
        "sales",
        re.compile(
            r"\b(?:sales|sold|sell(?:s|ing)?|purchas\w*|procure\w*|bought|buy(?:s|ing)?)\b",
            re.I,
        ),
    ),
    (
        "not_fund",
        re.compile(
            r"\b(?:income|revenue|gdp|price[sd]?|profits?|salar\w*|wages?|earn\w*|interest|"
            r"per\s+capita|tax(?:es)?|value|cost\w*|fees?|loans?|credit|deposits?|"
            r"insurance|economy|consumption|retail|consumer\s+goods)\b",
            re.I,
        ),
    ),
    (
        "fund",
        re.compile(
            r"\b(?:funds?|funding|funded|invest\w*|donat\w*|allocat\w*|rais(?:e|ed|ing)|aid|"
            r"assistance|subsid\w*|grants?|earmark\w*|spen[dt]\w*|budget\w*|capital|financing|"
            r"injected|contribut\w*|put|appropriat\w*)\b",
            re.I,
        ),
    ),
)
MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "fiscal_funds",
        re.compile(r"\b(?:fiscal|financial\s+funds?|budget\w*|appropriat\w*)\b", re.I),
    ),
    ("donation", re.compile(r"\bdonat\w*", re.I)),
    ("investment", re.compile(r"\binvest\w*", re.I)),
    (
        "assistance_funds",
        re.compile(
            r"\b(?:aid|assistance|support|special|matching|help\w*|subsid\w*|grants?)\b", re.I
        ),
    ),
)
WINDOW_BEFORE = 110
WINDOW_AFTER = 60


def _nearest(patterns, text: str, start: int, end: int) -> tuple[str | None, int]:
    # A cue must not reach across a clause break (";") or another amount's sentence.
    lo = max(0, start - WINDOW_BEFORE)
    before = text[lo:start]
    cut = before.rfind(";")
    if cut >= 0:
        before = before[cut + 1 :]
    after = text[end : end + WINDOW_AFTER]
    cut = after.find(";")
    if cut >= 0:
        after = after[:cut]
    best: tuple[str | None, int] = (None, 10**9)
    for name, pattern in patterns:
        for m in pattern.finditer(before):
            dist = len(before) - m.end()
            if dist < best[1]:
                best = (name, dist)
        m = pattern.search(after)
        if m and m.start() < best[1]:
            best = (name, m.start())
    return best


def classify_money(text: str, start: int, end: int) -> str | None:
    """'fund', 'output_value', 'sales' or None for an amount at text[start:end]."""
    kind, _ = _nearest(CUES, text, start, end)
    return None if kind == "not_fund" else kind


def fund_measure(text: str, start: int, end: int) -> str:
    measure, _ = _nearest(MEASURES, text, start, end)
    return measure or "assistance_funds"
