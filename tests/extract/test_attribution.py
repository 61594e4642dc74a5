"""Payer and place of a figure: each kind of attribution, on sentences we wrote."""

from __future__ import annotations

import pytest

from ingestion.evaluation.scoring import normalise_name
from ingestion.extract import extract_facts
from ingestion.extract.attribution import Candidate, Weights, choose, load_weights
from ingestion.extract.models import FundFact
from ingestion.extract.pipeline import AttributionTrace


def _fund(text: str) -> FundFact:
    funds = [f for f in extract_facts("t", text) if isinstance(f, FundFact)]
    assert len(funds) == 1, funds
    return funds[0]


@pytest.mark.parametrize(
    ("text", "payer", "region"),
    [
        # The helper described by a relative clause, the helped place after "for".
        (
            "Tianjin, which has given counterpart support to Hotan since 2010, has invested "
            "120 million yuan of aid funds in the prefecture this year.",
            "tianjin",
            "hotan",
        ),
        # An appositive names the helped place before the payer's verb.
        (
            "Suzhou, Tongren's partner city, invested 2 billion yuan of assistance funds there.",
            "suzhou",
            "tongren",
        ),
        # The passive: invested in a county by a city.
        (
            "A total of 40 million yuan was invested in Zhaojue County by Guangzhou.",
            "guangzhou",
            "zhaojue",
        ),
        # The receiver is the subject.
        (
            "Zhenfeng County received 12 million yuan of assistance funds from Ningbo in 2021.",
            "ningbo",
            "zhenfeng",
        ),
        # Eastern helper, western place, plain word order.
        ("Hangzhou allocated 30 million yuan to Qiandongnan in 2019.", "hangzhou", "qiandongnan"),
    ],
)
def test_payer_and_region(text: str, payer: str, region: str) -> None:
    fund = _fund(text)
    assert normalise_name(fund.payer) == payer
    assert normalise_name(fund.region) == region


def test_parties_from_the_sentence_before_carry_its_span() -> None:
    text = (
        "Qingdao has paired with Anshun in Guizhou since 2016 under east-west cooperation. "
        "Last year it allocated 90 million yuan for poverty alleviation projects there."
    )
    fund = _fund(text)
    assert normalise_name(fund.payer) == "qingdao"
    assert normalise_name(fund.region) == "anshun"
    # The payer is named in the first sentence, the amount in the second: both are evidence.
    assert fund.evidence.start_char == 0
    assert fund.evidence.sentence.endswith("projects there.")


def test_provincial_budget_spent_at_home_may_have_payer_equal_region() -> None:
    weights = load_weights()
    province = Candidate(
        "Sichuan", "510000000000", "region", "sentence",
        {"same_sentence": 1.0, "before_figure": 1.0, "sentence_start": 1.0, "level_province": 1.0,
         "assisted_province": 1.0, "from_sentence": 1.0},
    )  # fmt: skip
    chosen = choose([province], weights, with_payer=True)
    assert chosen.payer == province
    assert chosen.region is not None and chosen.region.code == province.code


def test_every_choice_can_say_why() -> None:
    fund = extract_facts("t", "Hangzhou allocated 30 million yuan to Qiandongnan in 2019.")
    assert fund
    weights = load_weights()
    cands = [
        Candidate("Hangzhou", None, "region", "sentence", {"before_figure": 1.0}),
        Candidate("Qiandongnan", None, "region", "sentence", {"after_to_in_for": 1.0}),
    ]
    explanation = choose(cands, weights, with_payer=True).explain(weights)
    assert "payer=" in explanation and "region=" in explanation


def test_the_town_points_at_the_town_named_before() -> None:
    text = (
        "Jinjiang has helped Dingxi since 2010. Lijia Town is known for its potatoes. "
        "In 2021 Jinjiang invested 5 million yuan to help the town build cold stores."
    )
    fund = _fund(text)
    assert normalise_name(fund.payer) == "jinjiang"
    assert normalise_name(fund.region) == "lijia"


def test_that_city_points_at_the_nearest_city_of_that_level() -> None:
    text = (
        "Officials of Guangdong Province met in Guangzhou. A deputy mayor of Foshan said "
        "that city alone has invested 3 billion yuan in poor counties of Liangshan."
    )
    fund = _fund(text)
    assert normalise_name(fund.payer) == "foshan"


def _choices(text: str, weights: Weights | None = None) -> list[tuple[str, str | None]]:
    return [
        (f.type, normalise_name(f.region or ""))
        for f in extract_facts("t", text, weights=weights)
        if f.type != "pairing"
    ]


def _without(feature: str) -> Weights:
    weights = load_weights()
    return {role: {k: v for k, v in w.items() if k != feature} for role, w in weights.items()}


def test_a_lower_case_town_is_what_the_town_points_at() -> None:
    # "Xinhua" is also a county of another province: the word "town" after it decides.
    text = (
        "Foshan has helped Liangshan since 2016. The remote Xinhua town in Zhaojue County "
        "is known for buckwheat. Foshan spent 8 million yuan to help the town build a road."
    )
    assert _choices(text) == [("fund", "xinhua")]


def test_places_listed_as_examples_are_members_not_the_scope() -> None:
    text = (
        "Gansu announced on Monday that 12 counties, including Minle County, Gulang County "
        "and Kang County, were lifted out of poverty."
    )
    assert _choices(text) == [("exit", "gansu")]
    assert _choices(text, _without("listed_example")) != [("exit", "gansu")]
    # A list of one is the set itself.
    one = (
        "Gansu announced on Monday that one more county, namely Jinta County of Jiuquan City, "
        "was lifted out of poverty."
    )
    assert _choices(one) == [("exit", "jinta")]


def test_the_payers_paired_place_receives_its_money() -> None:
    text = (
        "Gansu hosts eastern investors\n\nXiamen has assisted Linxia since 2016. Over the past "
        "three years, Xiamen has donated more than 60 million yuan to build clinics."
    )
    assert _choices(text) == [("fund", "linxia")]
    assert _choices(text, _without("helped_by_payer")) != [("fund", "linxia")]


def test_a_place_opening_a_bodys_name_is_neither_payer_nor_place() -> None:
    text = (
        "About 3,000 tonnes of walnuts were sold from Xinjiang Production and Construction "
        "Corps farms and Yecheng County to Shanghai."
    )
    assert _choices(text) == [("output", "yecheng")]
    fund = _fund("Sichuan Daily said Foshan invested 9 million yuan.")
    assert normalise_name(fund.payer) == "foshan"
    assert normalise_name(fund.region) != "sichuan"


def test_a_place_beyond_a_clause_break_is_marked_as_such() -> None:
    text = (
        "Our city's cadres are now helping Yunnan, and there are also 14 poor villages in "
        "Wenshan's Guangnan County that have not taken off their hats."
    )
    trace: AttributionTrace = []
    facts = extract_facts("t", text, trace=trace)
    assert [(f.type, normalise_name(f.region or "")) for f in facts if f.type == "exit"] == [
        ("exit", "guangnan")
    ]
    (_, cands, _) = trace[0]
    features = {normalise_name(c.label): c.features for c in cands}
    assert "across_clause" in features["yunnan"]
    assert "across_clause" not in features["guangnan"]
