"""Funds: money allocated, invested, donated or raised for assistance."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.extract.money_context import classify_money, fund_measure
from ingestion.extract.numbers import Quantity, find_money, is_unit_price


@dataclass(frozen=True)
class FundHit:
    amount: Quantity
    measure: str


def find_funds(sentence: str, amounts: list[Quantity] | None = None) -> list[FundHit]:
    out = []
    for q in amounts if amounts is not None else find_money(sentence):
        # Prices and per-unit figures are never funds.
        if q.value < 1000 or is_unit_price(sentence, q.end):
            continue
        if classify_money(sentence, q.start, q.end) == "fund":
            out.append(FundHit(q, fund_measure(sentence, q.start, q.end)))
    return out
