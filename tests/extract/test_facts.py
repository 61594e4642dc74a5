"""Each fact type on hand-written sentences (not taken from any article)."""

from __future__ import annotations

import pytest

from ingestion.extract import EXTRACTOR_VERSION, extract_facts
from ingestion.extract.pipeline import name_key


def facts(text, kind):
    out = [f for f in extract_facts("t", text) if f.type == kind]
    for f in out:
        assert text[f.evidence.start_char : f.evidence.end_char] == f.evidence.sentence
        assert f.extractor_version == EXTRACTOR_VERSION
        assert 0.0 <= f.confidence <= 1.0
    return out


def pairs(text):
    return {(name_key(f.helper), name_key(f.helped)) for f in facts(text, "pairing")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Shanghai paired up to help Xigaze Prefecture in building schools.",
            {("shanghai", "xigaze")},
        ),
        (
            "Last year, Qingdao's counterpart support for Anshun City focused on tea.",
            {("qingdao", "anshun")},
        ),
        (
            "The Wuxi work team for helping Yanyuan County in pairs trained 300 nurses.",
            {("wuxi", "yanyuan")},
        ),
        ("Kashgar, supported by Guangdong, opened 12 factories.", {("guangdong", "kashgar")}),
        ("Fujian-Ningxia east-west cooperation entered its 25th year.", {("fujian", "ningxia")}),
        (
            "Shenzhen helps Heyuan and Shanwei with new industrial parks.",
            {("shenzhen", "heyuan"), ("shenzhen", "shanwei")},
        ),
        (
            "Beijing provides counterpart assistance to Lhasa, Hotan in Xinjiang "
            "and Chengde in Hebei.",
            {("beijing", "lhasa"), ("beijing", "hotan"), ("beijing", "chengde")},
        ),
        (
            "Sichuan Energy Investment Group paired up with Litang County to build solar farms.",
            {("sichuan energy investment", "litang")},
        ),
    ],
)
def test_pairing_forms(text, expected):
    assert pairs(text) == expected


def test_pairing_mechanisms():
    (f,) = facts("Hangzhou provides counterpart support to Qiandongnan in 2020.", "pairing")
    assert f.mechanism == "counterpart_support" and f.year == 2020
    (g,) = facts("Nanjing and Shangluo east-west cooperation deepened.", "pairing")
    assert g.mechanism == "east_west_cooperation"
    (h,) = facts("Deyang City carried out bottom-up support to help Ganluo County.", "pairing")
    assert h.mechanism == "basic_assistance"
    assert h.helper_code == "510600000000" and h.helped_code == "513435000000"


def test_unnamed_parties_give_no_pairing():
    assert pairs("Eastern provinces helped the assisted counties.") == set()
    assert pairs("Leading enterprises support poor villages in pairs.") == set()


def test_repeated_pairing_is_one_fact():
    text = "Tianjin helps Gansu. Later, Tianjin helped Gansu again with 30 projects."
    assert len(facts(text, "pairing")) == 1


def test_funds_versus_other_money():
    text = (
        "The province allocated 2.4 billion yuan of fiscal funds for relocation. "
        "Per capita income reached 12,000 yuan. "
        "The output value of kiwi was about 900 million yuan. "
        "A charity donated RMB 5 million to village schools."
    )
    funds = facts(text, "fund")
    assert [(f.amount_cny, f.measure) for f in funds] == [
        (2_400_000_000, "fiscal_funds"),
        (5_000_000, "donation"),
    ]
    (out,) = facts(text, "output")
    assert out.measure == "output_value" and out.qualifier == "about" and out.product == "kiwi"


def test_outputs_area_volume_sales():
    text = (
        "Tea plantations cover 2,000 hectares with an annual output of 1,500 tons. "
        "Online sales of the county's walnuts exceeded 40 million yuan."
    )
    got = {(f.measure, f.value) for f in facts(text, "output")}
    assert got == {("planting_area", 30_000), ("output_volume", 1_500), ("sales", 40_000_000)}


@pytest.mark.parametrize(
    ("text", "level", "fields"),
    [
        (
            "All 88 poverty-stricken counties were removed from the list of poor counties.",
            "county",
            {"exited": 88, "total": 88},
        ),
        (
            "12 of the 15 key counties took off their hats in 2019.",
            "county",
            {"exited": 12, "total": 15},
        ),
        ("Some 2,317 impoverished villages withdrew from poverty.", "village", {"exited": 2317}),
        ("Seven villages have not yet taken off their hats.", "village", {"remaining": 7}),
        (
            "The registered poor population fell from 1.2 million to 30,000 people.",
            "person",
            {"total": 1_200_000, "remaining": 30_000},
        ),
        ("By then 5,600 households had been lifted out of poverty.", "household", {"exited": 5600}),
    ],
)
def test_exit_forms(text, level, fields):
    (f,) = facts(text, "exit")
    assert f.level == level
    for key, value in fields.items():
        assert getattr(f, key) == value


def test_exit_rate_and_purpose():
    (f,) = facts("30 of the 32 counties shook off poverty, accounting for 93.8%.", "exit")
    assert f.rate_pct == pytest.approx(93.8)
    assert facts("The plan will help 500 people to get rid of poverty next year.", "exit") == []


def test_an_output_of_the_county_belongs_to_the_county_the_article_is_about():
    text = (
        "Walnuts lift Qianxi County\n\n"
        "Qianxi County in Guizhou has turned its hillsides over to walnut trees. "
        "The county's walnut planting area reached 120,000 mu last year."
    )
    (out,) = facts(text, "output")
    assert out.measure == "planting_area" and out.region and "Qianxi" in out.region
