"""What an amount of money in a sentence is: a fund, output value, sales, or neither.

The nearest cue word decides: "1.85 million yuan investment" is a fund,
"an output value of about 375 million yuan" is output, "per capita income ...
5000 yuan" is neither. Distance is counted in characters, before or after.
"""

from __future__ import annotations

import re

from ingestion.extract.memo import text_cache

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
            # "yields produce worth 120 million yuan": what the land yields is output.
            r"\b(?:output\s+value|production\s+value|gross\s+output|value\s+of\s+output|"
            r"yield(?:s|ed|ing)?\s+(?:\w+\s+){0,2}?worth)\b",
            re.I,
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
            r"per\s+capita|tax(?:es)?|cost\w*|fees?|loans?|credit|deposits?|"
            r"insurance|economy|consumption|retail|consumer\s+goods|"
            # Signed deals are promises, not money put in.
            r"sign(?:ed|ing|s)?|inked|contracts?|agreements?)\b",
            re.I,
        ),
    ),
    (
        "fund",
        re.compile(
            r"\b(?:funds?|funding|funded|invest\w*|donat\w*|allocat\w*|rais(?:e|ed|ing)|aid|"
            r"assistance|subsid\w*|grants?|earmark\w*|spen[dt]\w*|budget\w*|capital|financing|"
            r"injected|contribut\w*|put|appropriat\w*|support\w*|projects?|attract\w*|"
            r"introduc\w*|pledg\w*)\b",
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
    # Investment brought in from outside, and money put into projects.
    (
        "investment",
        re.compile(
            r"\b(?:invest\w*|attract\w*|introduc\w*|br(?:ing|ought)\s+in|put\s+in(?:to)?|"
            r"(?:industrial|business|commercial)\s+(?:\w+\s+)?projects?)\b",
            re.I,
        ),
    ),
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


# "692 million yuan more than last year", "up 12 million yuan year on year": a
# change between two totals is no money put in, nor sold.
_DELTA_AFTER_RE = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:more|less|higher|lower|up|down)\s+(?:than|from|on|over)\s+"
    r"(?:that\s+(?:of|in)\s+)?(?:the\s+)?(?:last|previous|preceding|same\s+period|a\s+year|"
    r"(?:19|20)\d\d)|^\s*(?:\([^()]{0,40}\)\s*)?(?:more\s+|higher\s+)?year[\s-]on[\s-]year",
    re.I,
)
_DELTA_BEFORE_RE = re.compile(
    r"\b(?:(?:an?\s+)?(?:increase|rise|growth|drop|decrease)\s+of|(?:increas\w*|ris\w*|rose|grow\w*|"
    r"grew|drop\w*|decreas\w*|fell|fall\w*)\s+by|up\s+by|down\s+by)\s+(?:\w+\s+){0,2}$",
    re.I,
)
# "The building, costing 48 million yuan", "will cost more than 9 million yuan",
# "built at an expense of 327 million yuan": what a project takes is money put in.
_PROJECT_COST_RE = re.compile(
    r"\b(?:costing|(?:will|would|to|which|that|it)\s+cost|(?:cost|expense|expenditure)\s+of)"
    r"\s+(?:(?:a\s+total\s+of|more\s+than|over|about|nearly|some|around|approximately|"
    r"roughly|up\s+to)\s+)?$",
    re.I,
)
# "saved costs of 3 million yuan", "the cost of living": no project's cost.
_NOT_PROJECT_COST_RE = re.compile(
    r"\b(?:sav\w*|reduc\w*|lower\w*|cut\w*|production|living|labou?r|per\s+capita|unit)\b"
    r"[^,;]{0,20}$",
    re.I,
)


def is_change(text: str, start: int, end: int) -> bool:
    """An increase or a difference ("X more than last year"), not a total."""
    if _DELTA_AFTER_RE.match(text[end : end + 60]):
        return True
    return bool(_DELTA_BEFORE_RE.search(text[max(0, start - 40) : start]))


def is_project_cost(text: str, start: int) -> bool:
    before = text[max(0, start - 60) : start]
    m = _PROJECT_COST_RE.search(before)
    return m is not None and not _NOT_PROJECT_COST_RE.search(before[: m.start()])


# The fund and the output rules both ask about each amount of a sentence: a pure
# function of the text and the span, answered once.
@text_cache(maxsize=1024)
def classify_money(text: str, start: int, end: int) -> str | None:
    """'fund', 'output_value', 'sales' or None for an amount at text[start:end]."""
    if is_change(text, start, end):
        return None
    if is_project_cost(text, start):
        return "fund"
    kind, _ = _nearest(CUES, text, start, end)
    return None if kind == "not_fund" else kind


# "invested 503 million yuan of assistance funds", "10.76 billion yuan in special
# financial funds", "3.5 million yuan of relief materials": the money's own noun
# phrase says what it is, whatever verb moved it.
_OWN_NOUN_RE = re.compile(
    r"^\s*(?:yuan\s+)?(?:\([^()]{0,40}\)\s*)?(?:(?:of|in)\s+)?((?:[\w-]+\s+){0,6}?)"
    r"(funds?|funding|materials|supplies|capital|donations?|investment|aid)\b",
    re.I,
)
_OWN_NOUN_MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("donation", re.compile(r"\bdonat\w*|\bmaterials\b|\bsupplies\b", re.I)),
    # "financial assistance funds" are aid; "financial funds" (财政资金) are budget money.
    (
        "fiscal_funds",
        re.compile(
            r"\b(?:fiscal|financial(?!\s+(?:assistance|aid|support))|budget\w*|government)\b",
            re.I,
        ),
    ),
    (
        "assistance_funds",
        re.compile(r"\b(?:aid|assistance|support|special|relief|matching|poverty)\b", re.I),
    ),
    ("investment", re.compile(r"\b(?:invest\w*|capital)\b", re.I)),
)


def own_noun_measure(text: str, end: int) -> str | None:
    m = _OWN_NOUN_RE.match(text[end : end + 110])
    if not m:
        return None
    phrase = m.group(1) + m.group(2)
    for measure, pattern in _OWN_NOUN_MEASURES:
        if pattern.search(phrase):
            return measure
    return None  # plain "funds": the verb says what kind


def fund_measure(text: str, start: int, end: int) -> str:
    if is_project_cost(text, start):
        return "investment"
    own = own_noun_measure(text, end)
    if own:
        return own
    measure, _ = _nearest(MEASURES, text, start, end)
    return measure or "assistance_funds"
