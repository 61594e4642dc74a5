"""extract_facts never raises, keeps offsets valid, and stays linear on hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.extract import extract_facts

DEV_DOCS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "dev" / "docs"

TOKENS = st.sampled_from(
    [
        "Hotan",
        "helps",
        "Tianjin",
        "60",
        "million",
        "yuan",
        "¡¯",
        "mu",
        ",",
        ".",
        "\n",
        "of the",
        "counties",
        "took off their hats",
        "Group",
        "supported by",
        "3,365",
        "%",
        "Co.,",
        " ",
    ]
)


def check(text: str) -> None:
    for fact in extract_facts("h", text):
        ev = fact.evidence
        assert 0 <= ev.start_char < ev.end_char <= len(text)
        assert text[ev.start_char : ev.end_char] == ev.sentence
        assert 0.0 <= fact.confidence <= 1.0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_string(text):
    check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=60).map(" ".join))
def test_domain_shaped_strings(text):
    check(text)


def test_non_string_input_gives_nothing():
    assert extract_facts("x", None) == []  # type: ignore[arg-type]
    assert extract_facts("x", "") == []


@pytest.mark.parametrize(
    "text",
    [
        ("1234567890," * 100_000)[:1_000_000],
        " ".join(["word"] * 100_000),
        " ".join(["Hotan", "helps", "Gansu", "County"] * 25_000),
        "9" * 1_000_000,
    ],
    ids=["digits-commas", "long-sentence", "long-place-sentence", "one-number"],
)
def test_pathological_input_is_fast(text):
    start = time.perf_counter()
    check(text)
    assert time.perf_counter() - start < 5.0


@pytest.mark.shared
@pytest.mark.skipif(not DEV_DOCS.is_dir(), reason="../shared/eval/dev not present")
def test_dev_documents_offsets():
    for path in sorted(DEV_DOCS.glob("*.txt")):
        check(path.read_text(encoding="utf-8"))
