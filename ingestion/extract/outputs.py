"""Outputs: output value, output volume, planting area and sales of assisted places."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.extract.money_context import classify_money
from ingestion.extract.numbers import Quantity, find_quantities, is_unit_price

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
PRODUCTS = (
    "navel orange",
    "sichuan pepper",
    "chinese herbal medicine",
    "medicinal materials",
    "edible fungi",
    "edible fungus",
    "kiwifruit",
    "kiwi",
    "tea",
    "apple",
    "potato",
    "pepper",
    "walnut",
    "wormwood",
    "konjac",
    "mushroom",
    "yak",
    "cattle",
    "beef",
    "pork",
    "chicken",
    "honey",
    "corn",
    "rice",
    "wheat",
    "grape",
    "citrus",
    "orange",
    "lemon",
    "mango",
    "chestnut",
    "tobacco",
    "vegetable",
    "camellia",
    "bamboo",
    "silk",
    "mulberry",
    "strawberr",
    "cherry",
    "peach",
    "pear",
    "jujube",
    "goji",
    "wolfberry",
    "cotton",
    "sheep",
    "pig",
    "buckwheat",
    "highland barley",
    "coffee",
    "tomato",
    "garlic",
)
PRODUCT_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in PRODUCTS) + r")", re.I)


_UNIT_HINTS = (" mu", "hectare", " ha", "ton", "kg", "kilogram", " jin")


@dataclass(frozen=True)
class OutputHit:
    quantity: Quantity
    measure: str
    product: str | None


def product_in(sentence: str) -> str | None:
    m = PRODUCT_RE.search(sentence)
    if not m:
        return None
    word = m.group(1).lower()
    return "strawberry" if word == "strawberr" else word


def find_outputs(sentence: str, money: list[Quantity]) -> list[OutputHit]:
    out: list[OutputHit] = []
    product = None  # looked up below only when there is an output (the pattern is costly)
    for q in money:
        if q.value < MIN_PLACE_MONEY or is_unit_price(sentence, q.end):
            continue
        kind = classify_money(sentence, q.start, q.end)
        if kind in ("output_value", "sales"):
            out.append(OutputHit(q, kind, product))
    lower = sentence.lower()
    quantities = find_quantities(sentence) if any(h in lower for h in _UNIT_HINTS) else []
    for q in quantities:
        window = sentence[max(0, q.start - 60) : q.end + 30]
        if q.unit == "mu" and PLANTING_RE.search(window):
            out.append(OutputHit(q, "planting_area", product))
        elif q.unit == "tonne":
            before = sentence[max(0, q.start - 60) : q.start]
            volume = [m.end() for m in VOLUME_CUE_RE.finditer(before)]
            sales = [m.end() for m in SALES_CUE_RE.finditer(before)]
            if volume and (not sales or max(volume) > max(sales)):
                out.append(OutputHit(q, "output_volume", product))
    if out:
        product = product_in(sentence)
        out = [OutputHit(h.quantity, h.measure, product) for h in out]
    return out
