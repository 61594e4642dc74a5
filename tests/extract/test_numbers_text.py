"""Amount parsing and offset-keeping normalisation."""

from __future__ import annotations

import pytest

from ingestion.extract.numbers import find_money, find_quantities
from ingestion.extract.text import NormText, split_sentences


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("a grant of 1.296948 billion yuan", 1_296_948_000, "exact"),
        ("more than 60 million yuan was raised", 60_000_000, "at_least"),
        ("they spent 3,500 wan yuan", 35_000_000, "exact"),
        ("an input of 420 10,000 yuan", 4_200_000, "exact"),
        ("RMB 2.5 billion in total", 2_500_000_000, "exact"),
        ("¥30,000 per school", 30_000, "exact"),
        ("nearly 8 million yuan", 8_000_000, "about"),
        ("some 12 million yuan", 12_000_000, "about"),
        ("over 5 million yuan", 5_000_000, "at_least"),
        ("not less than 100 million yuan", 100_000_000, "at_least"),
        ("up to 3 million yuan", 3_000_000, "at_most"),
    ],
)
def test_money_forms(text, value, qualifier):
    (q,) = find_money(text)
    assert q.value == pytest.approx(value)
    assert q.qualifier == qualifier


def test_areas_and_weights():
    qs = find_quantities("orchards of 1,200 hectares and 800 mu yield 5,000 tonnes and 300 kg")
    assert [(q.unit, q.value) for q in qs] == [
        ("mu", 18_000),
        ("mu", 800),
        ("tonne", 5_000),
        ("tonne", 0.3),
    ]


def test_mojibake_and_glued_words_keep_offsets():
    text = "Intro.\nThe county¡¯s plan will focus onLabor service and used 3 million yuanfunds."
    norm = NormText(text)
    assert "county's" in norm.text and "on Labor" in norm.text and "yuan funds" in norm.text
    for s in split_sentences(norm):
        assert 0 <= s.orig_start < s.orig_end <= len(text)
        assert text[s.orig_start : s.orig_end].strip() == text[s.orig_start : s.orig_end]


def test_sentences_split_on_glued_periods_not_abbreviations():
    norm = NormText(
        "Funds came from Moutai Co., Ltd. and others.Workshops opened in 2.5 days. Done"
    )
    texts = [s.text for s in split_sentences(norm)]
    assert texts[0].startswith("Funds came") and texts[0].endswith("others.")
    assert texts[1].startswith("Workshops") and "2.5 days" in texts[1]
