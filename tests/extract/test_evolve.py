"""``evolve``: the fast ``dataclasses.replace`` the extractor's hot loops use."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingestion.extract.models import Evidence, FundFact, evolve
from ingestion.extract.regions import Mention


def _fund() -> FundFact:
    return FundFact(
        doc="d",
        evidence=Evidence("A gave 5 million yuan to B.", 0, 27),
        extractor_version="v",
        confidence=0.75,
        amount_cny=5e6,
    )


def test_evolve_equals_replace_and_leaves_the_original() -> None:
    fact = _fund()
    changes = {"payer": "A", "region": "B", "year": 2019, "year_from": None}
    new = evolve(fact, **changes)
    assert new == replace(fact, **changes)  # type: ignore[arg-type]
    assert type(new) is FundFact and hash(new) == hash(replace(fact, **changes))  # type: ignore[arg-type]
    assert fact.payer is None and fact.year is None


def test_evolve_keeps_frozen_and_works_on_mentions() -> None:
    m = Mention(0, 5, "Hotan", "region")
    new = evolve(m, code="653200000000")
    assert new == replace(m, code="653200000000")
    with pytest.raises(AttributeError):
        new.code = "x"  # type: ignore[misc]


def test_evolve_refuses_unknown_fields() -> None:
    with pytest.raises(TypeError, match="no field"):
        evolve(_fund(), amount=1.0)
