"""Rules that carry the extractor beyond its development set: clause structure,
unknown suffixed names, unit prices, irregular number formats, exit coordination."""

from __future__ import annotations

import pytest

from ingestion.extract import extract_facts
from ingestion.extract.numbers import find_money, find_quantities
from ingestion.extract.pipeline import name_key


def kinds(text: str, kind: str) -> list:
    return [f for f in extract_facts("t", text) if f.type == kind]


def pairs(text: str) -> set[tuple[str, str]]:
    return {(name_key(f.helper), name_key(f.helped)) for f in kinds(text, "pairing")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Three cities lead: Ningbo helps Liangshan, Huzhou helps Guangyuan, "
            "and Jiaxing helps Aba.",
            {("ningbo", "liangshan"), ("huzhou", "guangyuan"), ("jiaxing", "aba")},
        ),
        (
            "Fuzhou pairs with Yongning County, Xiamen with Haiyuan County.",
            {("fuzhou", "yongning"), ("xiamen", "haiyuan")},
        ),
        (
            "Chaoyang District, which is paired with Foobar Banner in Chifeng, built a base.",
            {("chaoyang", "foobar banner")},
        ),
        (
            "Shanghai provides counterpart support to Kashgar, concentrating on "
            "four counties: Bachu, Shache, Zepu and Yecheng.",
            {
                ("shanghai", "kashgar"),
                ("shanghai", "bachu"),
                ("shanghai", "shache"),
                ("shanghai", "zepu"),
                ("shanghai", "yecheng"),
            },
        ),
        (
            "Guangdong and Guangxi carried out east-west poverty alleviation cooperation.",
            {("guangdong", "guangxi")},
        ),
        (
            "It is the fruit of east-west cooperation between Zhejiang and Sichuan.",
            {("zhejiang", "sichuan")},
        ),
        (
            "Hotan is one of the areas Beijing supports under the counterpart support "
            "program for Xinjiang.",
            set(),
        ),
        ("Jiaxing helped farmers expand the Sichuan pepper orchards.", set()),
    ],
)
def test_clause_structure(text, expected):
    assert pairs(text) == expected


def test_unit_prices_are_neither_funds_nor_sales():
    text = "Farmers sold apples at 3.8 yuan per jin; new homes cost 42,300 yuan per square metre."
    assert kinds(text, "output") == [] and kinds(text, "fund") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("invest 3 500 wan yuan", 35_000_000),
        ("donations of 2,35 hundred million yuan", 235_000_000),
        ("12.6 hundred million yuan", 1_260_000_000),
        ("1,296,948 yuan", 1_296_948),
    ],
)
def test_money_formats(text, value):
    assert [q.value for q in find_money(text)] == [value]


def test_comma_decimal_quantity():
    assert [q.value for q in find_quantities("17,3 ten thousand tons")] == [173_000]


def test_coordinated_counts_share_the_exit_verb():
    text = "In Zhuanglang, 236 poor villages and 27,800 poor households exited poverty."
    got = {(f.level, f.exited) for f in kinds(text, "exit")}
    assert got == {("village", 236), ("household", 27_800)}


def test_of_total_exit():
    text = "Of the prefecture's eight county-level units, five had exited poverty by 2019."
    [fact] = kinds(text, "exit")
    assert (fact.level, fact.exited, fact.total, fact.remaining) == ("county", 5, 8, 3)


def test_unit_header_is_not_an_amount():
    assert find_money("Aid funds (10,000 yuan)") == []
