"""Outputs: output value, output volume, planting area and sales of assisted places."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.extract.money_context import classify_money
from ingestion.extract.numbers import Quantity, find_quantities, is_unit_price
from ingestion.extract.text import by_first_letter

# Sales or output value below this are one farmer's or one item's, not a place's.
MIN_PLACE_MONEY = 10_000

PLANTING_RE = re.compile(
    r"\b(?:plant\w*|grow\w*|cultivat\w*|sown|sow|area|acreage|orchards?|bases?|cover\w*|"
    r"develop\w*|gardens?|fields?)\b",
    re.I,
)
VOLUME_CUE_RE = re.compile(r"\b(?:output|production|produc\w*|yields?|harvest\w*)\b", re.I)
SALES_CUE_RE = re.compile(
    r"\b(?:sales|sold|sell\w*|purchas\w*|transport\w*|ship\w*|export\w*)\b", re.I
)
# Products by name, as regex fragments (plural and word end are added below).
# Longer names first: "Sichuan pepper" is one product, not "pepper".
PRODUCTS = (
    r"navel\s+orange",
    r"sichuan\s+pepper",
    r"zanthoxylum(?:\s+bungeanum)?",
    r"chinese\s+herbal\s+medicine",
    r"medicinal\s+materials?",
    r"edible\s+fung(?:us|i)",
    r"black\s+fung(?:us|i)",
    r"fung(?:us|i)",
    r"highland\s+barley",
    r"hami\s+melon",
    r"kiwifruit",
    r"kiwi",
    r"tea",
    r"apple",
    r"apricot",
    r"potato(?:e?s)?",
    r"tomato(?:e?s)?",
    r"pepper",
    r"walnut",
    r"wormwood",
    r"konjac",
    r"mushroom",
    r"morchella",
    r"morel",
    r"yak",
    r"cattle",
    r"beef",
    r"pork",
    r"mutton",
    r"chicken",
    r"honey",
    r"corn",
    r"rice",
    r"wheat",
    r"grape",
    r"citrus",
    r"orange",
    r"lemon",
    r"mango(?:e?s)?",
    r"chestnut",
    r"tobacco",
    r"vegetable",
    r"camellia",
    r"bamboo\s+shoot",
    r"bamboo",
    r"silk",
    r"mulberr(?:y|ies)",
    r"strawberr(?:y|ies)",
    r"cherr(?:y|ies)",
    r"peach(?:es)?",
    r"pear",
    r"plum",
    r"fig",
    r"melon",
    r"jujube",
    r"goji",
    r"wolfberr(?:y|ies)",
    r"cotton",
    r"sheep",
    r"pig",
    r"buckwheat",
    r"coffee",
    r"garlic",
    r"safflower",
    r"lavender",
    r"notoginseng",
    r"fruit",
)
PRODUCT_RE = re.compile(r"\b(?:" + by_first_letter(PRODUCTS) + r")s?\b", re.I)
# Products named by kind: "agricultural products", "Yunnan's products for poverty
# alleviation", "farm produce", "Kashgar goods". Only the kind's own words are kept:
# a place or "local" in front describes where they come from.
GENERIC_PRODUCT_RE = re.compile(
    r"\b(?:(?:agricultural|farm|sideline|featured|characteristic|specialty|green|organic)"
    r"(?:\s+and\s+sideline)?\s+)*(?:products|goods|specialt(?:y|ies)|specialit(?:y|ies))"
    r"(?:\s+for\s+poverty\s+(?:alleviation|relief))?\b"
    r"|\b(?:farm|agricultural)\s+produce\b",
    re.I,
)
# Where a sentence puts the product of a number: "X yuan worth of <P>", "<N> tons of
# <P>", "<P> worth X yuan", "<P> with a total value of X", "sales of <P> ... X",
# "the planting area of <P> is X mu".
_OF_AFTER_RE = re.compile(
    r"^\s*(?:'s|’s)?\s*(?:worth\s+of|of)\s+((?:[\w'’-]+\s+){0,4}?[\w'’-]+)"
    r"(?=\s*(?:[,;.()]|\b(?:is|are|was|were|worth|with|in|from|to|and|have|has|had|by|via|"
    r"through|for|that|which|grown|produced|sold|yielding|at)\b|$))",
    re.I,
)
_BEFORE_VALUE_RE = re.compile(
    r"(?:^|\b(?:of|purchased|bought|sold|sell|selling|buy|buying|helped\s+sell)\s+)"
    r"((?:[\w'’-]+\s+){0,4}?[\w'’-]+)\s+(?:worth|with\s+a\s+(?:total\s+)?value\s+of|"
    r"totall?ing(?:\s+a\s+value\s+of)?|valued\s+at)\s+(?:(?:more\s+than|over|about|nearly|"
    r"around|some)\s+)?$",
    re.I,
)
_SLOT_BEFORE_RE = re.compile(
    r"\b(?:sales\s+of|(?:planting|plantation|cultivation|cultivated|growing)\s+area\s+of)\s+"
    r"((?:[\w'’-]+\s+){0,4}?[\w'’-]+)(?=\s+(?:in|is|was|has|have|had|reached|exceeded|"
    r"totall?ed|hit|stood|amounted|of|at|across|grew|rose)\b)",
    re.I,
)
_LEADING_NOISE_RE = re.compile(
    r"^(?:(?:the|a|an|its|their|our|local|fresh|various|quality|high-quality|other|all|"
    r"[\w-]+(?:'s|’s))\s+)+",
    re.I,
)


def _clean_product(phrase: str, strong: bool) -> str | None:
    """The product in a noun phrase: a named product, a kind of products, or (in a
    slot that can only hold a product) the phrase itself."""
    m = PRODUCT_RE.search(phrase)
    if m:
        return m.group(0)
    g = GENERIC_PRODUCT_RE.search(phrase)
    if g:
        return g.group(0)
    if not strong:
        return None
    phrase = _LEADING_NOISE_RE.sub("", phrase).strip()
    words = phrase.split()
    if not words or len(words) > 3 or any(ch.isdigit() for ch in phrase):
        return None
    if any(w.lower() in _NOT_PRODUCT_HEADS for w in words):
        return None
    return phrase


# "5,000 mu of land", "200,000 mu of it": land and pronouns are no product.
_NOT_PRODUCT_HEADS = frozenset(
    [
        "it",
        "them",
        "this",
        "that",
        "these",
        "those",
        "which",
        "land",
        "lands",
        "farmland",
        "farmlands",
        "field",
        "fields",
        "area",
        "areas",
        "forest",
        "forests",
        "grassland",
        "grasslands",
        "wasteland",
        "hillside",
        "hillsides",
        "greenhouses",
        "greenhouse",
        "acreage",
        "soil",
    ]
)
# Words that name a kind of product rather than a product: a sentence that also
# names a product ("480,000 tonnes of apples ... the fruit brought in") means that one.
_KIND_WORDS = ("products", "goods", "produce", "fruit", "fruits", "specialt", "specialit")


def _is_kind(name: str) -> bool:
    last = name.lower().split()[-1]
    return any(last.startswith(k) for k in _KIND_WORDS)


def _product_mentions(sentence: str) -> list[tuple[int, str]]:
    found = [(m.start(), m.group(0)) for m in PRODUCT_RE.finditer(sentence)]
    found += [(m.start(), m.group(0)) for m in GENERIC_PRODUCT_RE.finditer(sentence)]
    for m in _SLOT_BEFORE_RE.finditer(sentence):
        name = _clean_product(m.group(1), strong=True)
        if name:
            found.append((m.start(1), name))
    return found


def product_of(sentence: str, q: Quantity, mentions: list[tuple[int, str]]) -> str | None:
    """The product a number is about: the one its own phrase names, else the one
    named nearest to it in the sentence."""
    m = _OF_AFTER_RE.match(sentence[q.end : q.end + 80])
    if m:
        name = _clean_product(m.group(1), strong=q.unit != "yuan")
        if name:
            return name
    before = sentence[max(0, q.start - 80) : q.start]
    m = _BEFORE_VALUE_RE.search(before)
    if m:
        name = _clean_product(m.group(1), strong=False)
        if name:
            return name
    specific = [pm for pm in mentions if not _is_kind(pm[1])]
    pool = specific or mentions
    if not pool:
        return None
    return min(pool, key=lambda pm: abs(pm[0] - q.start))[1]


def is_bare_kind(product: str | None) -> bool:
    """ "products", "goods": a kind the sentence before may have named fully."""
    return product is not None and product.lower() in ("products", "goods")


def document_product(text: str) -> str | None:
    """The product an article is about: named at least twice and twice as often as
    any other."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for m in PRODUCT_RE.finditer(text):
        key = m.group(0).lower()
        counts[key] = counts.get(key, 0) + 1
        shown.setdefault(key, m.group(0))
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    top, n = ranked[0]
    if n < 2 or (len(ranked) > 1 and ranked[1][1] * 2 > n):
        return None
    return shown[top]


@dataclass(frozen=True)
class OutputHit:
    quantity: Quantity
    measure: str
    product: str | None


_UNIT_HINTS = (" mu", "hectare", " ha", "ton", "kg", "kilogram", " jin")


# "200 kg per mu", "3 tons a hectare": a yield per unit of land, not a place's output.
_PER_UNIT_RE = re.compile(
    r"^\s*(?:per|a|an|each|/)\s*(?:mu|hectares?|ha|head|household|person|capita|tree|plant)\b",
    re.I,
)


def _is_per_unit(sentence: str, end: int) -> bool:
    return bool(_PER_UNIT_RE.match(sentence[end : end + 20]))


def _names_product_after(sentence: str, end: int) -> bool:
    """ "1.7 mu of strawberry", "350,000 tons of agricultural products"."""
    m = _OF_AFTER_RE.match(sentence[end : end + 80])
    return m is not None and _clean_product(m.group(1), strong=False) is not None


def _quantity_measure(sentence: str, q: Quantity) -> str | None:
    if _is_per_unit(sentence, q.end):
        return None
    if q.unit == "mu":
        if _PROJECT_AREA_RE.search(sentence, max(0, q.start - 80), q.start):
            return None
        window = sentence[max(0, q.start - 60) : q.end + 30]
        if (
            PLANTING_RE.search(window)
            or _UNDER_CROP_RE.match(sentence[q.end : q.end + 30])
            or _names_product_after(sentence, q.end)
        ):
            return "planting_area"
        return None
    if q.unit != "tonne":
        return None
    before = sentence[max(0, q.start - 60) : q.start]
    volume = [m.end() for m in VOLUME_CUE_RE.finditer(before)]
    sales = [m.end() for m in SALES_CUE_RE.finditer(before)]
    if volume and (not sales or max(volume) > max(sales)):
        return "output_volume"
    # Tonnes of a product sold or bought are the volume of that product.
    if _names_product_after(sentence, q.end):
        return "output_volume"
    # "the park's vegetables reached 6,200 tonnes": a product's own total.
    m = _PRODUCT_REACHED_RE.search(before)
    if m and (PRODUCT_RE.fullmatch(m.group(1)) or PRODUCT_RE.fullmatch(m.group(1).split()[-1])):
        return "output_volume"
    return None


# "1,350 mu under plastic", "800 mu under cultivation": land given to a crop.
_UNDER_CROP_RE = re.compile(r"^\s+under\s+(?:plastic|film|glass|greenhouses?|cultivation)\b", re.I)
_PRODUCT_REACHED_RE = re.compile(
    r"\b([\w-]+(?:\s+[\w-]+)?)\s+(?:output\s+|production\s+)?(?:reached|totall?ed|hit|topped|"
    r"came\s+to|stood\s+at|amounted\s+to)\s+(?:(?:about|nearly|over|more\s+than|some|around)\s+)?$",
    re.I,
)


# "a 2,000-mu agricultural product industry base": an area joined to its noun, the
# noun a farming base, orchard or plantation.
_HYPHEN_AREA_RE = re.compile(
    r"\b(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)-mu\s+(?P<head>(?:[\w-]+\s+){0,4}?"
    r"(?:bases?|orchards?|gardens?|plantations?|farms?|fields?))\b",
    re.I,
)
_FARM_WORD_RE = re.compile(r"agricultur|farm|plant|grow|orchard|garden|crop", re.I)
# "The total planned area of the project is 56,400 mu": the land a project spans.
_PROJECT_AREA_RE = re.compile(
    r"\b(?:planned|construction|floor|built|land|total)\s+area\s+of\s+(?:the\s+|this\s+|its\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:project|park|complex|zone|town|site)\b[^,;.]{0,20}?"
    # the same area converted: "56,400 mu (3,760 hectares)"
    r"(?:\d[\d,.]*\s*mu\s*\(\s*)?$",
    re.I,
)
# "the cumulative sales volume of X in the region has reached 13 million yuan"
# ("retail sales of consumer goods" is an economy's statistic, not a product's).
_SALES_REACHED_RE = re.compile(
    r"(?<!retail\s)(?<!wholesale\s)\bsales(?:\s+(?:volume|revenue|value))?\s+of\s+[^,;.]{1,100}?\s+(?:has\s+|have\s+|had\s+)?"
    r"(?:reached|totall?ed|hit|exceeded|topped|amounted\s+to|stood\s+at|came\s+to)\s+"
    r"(?:(?:more\s+than|over|about|nearly|around|some)\s+)?$",
    re.I,
)


def _hyphen_areas(sentence: str) -> list[Quantity]:
    out = []
    for m in _HYPHEN_AREA_RE.finditer(sentence):
        if not (_FARM_WORD_RE.search(m.group("head")) or PRODUCT_RE.search(m.group("head"))):
            continue
        value = float(m.group("n").replace(",", ""))
        out.append(Quantity(m.start("n"), m.end("n") + 3, value, "mu", "exact"))
    return out


def find_outputs(
    sentence: str, money: list[Quantity], previous: str | None = None
) -> list[OutputHit]:
    """Outputs of a sentence; ``previous`` is the sentence before it, where "products"
    alone may have been named in full ("agricultural products")."""
    found: list[tuple[Quantity, str]] = []
    for q in money:
        if q.value < MIN_PLACE_MONEY or is_unit_price(sentence, q.end):
            continue
        kind = classify_money(sentence, q.start, q.end)
        if kind is None and _SALES_REACHED_RE.search(sentence, max(0, q.start - 150), q.start):
            kind = "sales"
        if kind in ("output_value", "sales"):
            found.append((q, kind))
    lower = sentence.lower()
    quantities = find_quantities(sentence) if any(h in lower for h in _UNIT_HINTS) else []
    if "-mu" in lower:
        quantities = [*quantities, *_hyphen_areas(sentence)]
    for q in quantities:
        measure = _quantity_measure(sentence, q)
        if measure:
            found.append((q, measure))
    if not found:
        return []
    # Looked up only when there is an output: the product patterns are costly.
    mentions = _product_mentions(sentence)
    out = []
    for q, measure in found:
        product = product_of(sentence, q, mentions)
        if product is not None and is_bare_kind(product) and previous:
            product = fuller_product(product, previous)
        out.append(OutputHit(q, measure, product))
    return out


def fuller_product(product: str, previous: str) -> str:
    """A bare kind ("products") as the sentence before names it in full, if it does."""
    fuller = [
        g.group(0)
        for g in GENERIC_PRODUCT_RE.finditer(previous)
        if g.group(0).lower().endswith(product.lower()) and " " in g.group(0)
    ]
    return fuller[-1] if fuller else product
