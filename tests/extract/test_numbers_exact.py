"""Amounts are the numbers the article wrote, not binary floating-point neighbours."""

from __future__ import annotations

import pytest

from ingestion.extract.numbers import parse_number


@pytest.mark.parametrize(
    ("number", "scale", "expected"),
    [
        ("20.5", "100 million", 2_050_000_000),
        ("1.296948", "billion", 1_296_948_000),
        ("3,365", "wan", 33_650_000),
        ("0.7", "ten thousand", 7_000),
        ("4.1", "million", 4_100_000),
    ],
)
def test_scaled_amounts_are_exact(number: str, scale: str, expected: int) -> None:
    assert parse_number(number, scale) == expected
