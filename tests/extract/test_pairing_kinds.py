"""Pairing phrasings: aligned lists, couples, fronted and passive helpers, posted
cadres, geography as evidence, and places that only locate or qualify."""

from __future__ import annotations

import pytest

from ingestion.extract import extract_facts
from ingestion.extract.pipeline import name_key
from ingestion.extract.regions import find_mentions


def facts(text: str) -> list:
    return [f for f in extract_facts("t", text) if f.type == "pairing"]


def pairs(text: str) -> set[tuple[str, str]]:
    return {(name_key(f.helper), name_key(f.helped)) for f in facts(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # aligned lists; the longer list's extra members go with the last helper
            "Luhe District, Pukou District and Jiangning District have paired with Zhaojue "
            "County, Butuo County, Meigu County and Yuexi County respectively.",
            {
                ("luhe", "zhaojue"),
                ("pukou", "butuo"),
                ("jiangning", "meigu"),
                ("jiangning", "yuexi"),
            },
        ),
        (  # the helped list first: "assigned to" the helpers
            "Xide County and Puge County of Liangshan are assigned to Jinniu District and "
            "Wuhou District respectively.",
            {("jinniu", "xide"), ("wuhou", "puge")},
        ),
        (  # couples, direction from the gazetteer (the eastern side helps)
            "Since 2016, Chengde and Beijing, Tianjin and Zhangjiakou have joined hands in "
            "poverty alleviation.",
            {("beijing", "chengde"), ("tianjin", "zhangjiakou")},
        ),
        (  # a third party made the pair
            "The State Council paired Tianjin with Gansu for poverty relief.",
            {("tianjin", "gansu")},
        ),
        (
            "Since the start of a pairing relationship with Liangshan in 2017, Ningbo has "
            "sent 300 teachers.",
            {("ningbo", "liangshan")},
        ),
        (
            "Since 2019, 300 projects have been invested in Gansu by six partner cities, "
            "including Tianjin, Xiamen and Fuzhou.",
            {("tianjin", "gansu"), ("xiamen", "gansu"), ("fuzhou", "gansu")},
        ),
        (  # fronted helpers; the run-on list ends in the main clause's subject
            "With the assistance provided by Tianjin and east China's Fujian province, "
            "northwest China's Gansu has made great progress.",
            {("tianjin", "gansu"), ("fujian", "gansu")},
        ),
        (
            "In 2010, the first group of Tianjin cadres arrived at Gannan to launch the "
            "city's paired assistance in Gansu.",
            {("tianjin", "gannan")},
        ),
        (
            "Doctors from Xiamen stationed in a village in Linxia to offer pairing "
            "assistance have trained 40 nurses.",
            {("xiamen", "linxia")},
        ),
        (  # the parent after "in east China's" is where the helper is, not a helper
            "Siming District of Xiamen City in east China's Fujian Province has invested "
            "over 20 million yuan in Linxia to build roads.",
            {("siming", "linxia")},
        ),
        (
            "Chengdu will help counties around Liangshan, such as Meigu, Xide and Butuo.",
            {
                ("chengdu", "liangshan"),
                ("chengdu", "meigu"),
                ("chengdu", "xide"),
                ("chengdu", "butuo"),
            },
        ),
        (  # a plural suffix and "the" inside a list
            "Ningbo invested 2 billion yuan to help poor counties in Sichuan and Guizhou "
            "provinces and the Guangxi Zhuang autonomous region.",
            {("ningbo", "sichuan"), ("ningbo", "guizhou"), ("ningbo", "guangxi")},
        ),
        (  # funded things located after the helper
            "Work on three schools funded by east China's Fujian Province has begun in "
            "Gansu Province.",
            {("fujian", "gansu")},
        ),
        (
            "Other projects funded by Fujian include a clinic for rural families in Guyuan.",
            {("fujian", "guyuan")},
        ),
        (  # direction-named prefectures
            "Hangzhou and southeastern Guizhou, Guangzhou and southern Guizhou have joined "
            "hands in poverty alleviation.",
            {("hangzhou", "southeastern guizhou"), ("guangzhou", "southern guizhou")},
        ),
    ],
)
def test_pairing_kinds(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Lijiang counties raised incomes with help from Ningbo.",
        "The coastal regions of Tianjin and Zhejiang will help Tibetans in Sichuan and "
        "Gansu provinces build schools.",
        "The Ningbo task force has helped tea from Guizhou province reach new markets.",
        "Xiamen has invested 3 billion yuan in Shanghai.",
        "Wang Sinopec, a county official, said poverty in Yuexi County has fallen.",
    ],
)
def test_not_pairings(text: str) -> None:
    assert pairs(text) == set()


def test_mechanism_from_geography_and_company() -> None:
    by_pair = {
        (name_key(f.helper), name_key(f.helped)): f
        for f in facts(
            "Qingdao has helped Anshun build 30 schools. Suzhou helped Xuyi County build roads. "
            "Sinopec helps Yuexi County."
        )
    }
    assert by_pair[("qingdao", "anshun")].mechanism == "east_west_cooperation"
    assert by_pair[("suzhou", "xuyi")].mechanism == "paired_assistance"
    assert by_pair[("sinopec", "yuexi")].mechanism == "enterprise_assistance"


def test_later_sentence_dates_pairing() -> None:
    text = (
        "Tianjin helps Gansu in many ways. "
        "The State Council paired Tianjin with Gansu for poverty relief in 2016."
    )
    (fact,) = facts(text)
    assert fact.year == 2016


def test_fused_suffix_names() -> None:
    names = {m.name: m.candidates for m in find_mentions("Weixian and Mangshi grow tea.")}
    assert {r.name_zh for r in names["Weixian"]} >= {"威县"}
    assert {r.name_zh for r in names["Mangshi"]} == {"芒市"}
