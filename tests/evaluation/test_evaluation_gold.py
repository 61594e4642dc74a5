"""The own evaluation set obeys the contract, and the gold validator catches breaches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.evaluation.gold import GoldError, load_gold, read_gold, validate_gold_fact
from ingestion.evaluation.runner import find_documents

OWN = Path(__file__).resolve().parents[1] / "eval" / "own"
OWN_GOLD = OWN / "gold.jsonl"
OWN_DOCS = OWN / "docs"
SHARED_DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev"


@pytest.mark.parametrize("line", read_gold(OWN_GOLD), ids=lambda line: f"line{line.line_no}")
def test_every_own_gold_line_follows_the_contract(line) -> None:
    assert validate_gold_fact(line.fact) == []


def test_every_own_gold_document_exists() -> None:
    docs = find_documents(OWN_DOCS)
    missing = {f["doc"] for f in load_gold(OWN_GOLD)} - set(docs)
    assert not missing


def test_own_set_size_and_coverage() -> None:
    gold = load_gold(OWN_GOLD)
    docs = find_documents(OWN_DOCS)
    assert len(docs) >= 16
    assert any(p.suffix == ".html" for p in docs.values())
    assert len(gold) >= 80
    assert {f["type"] for f in gold} == {"pairing", "fund", "output", "exit"}
    # At least one document has no gold: its predictions can only be false positives.
    assert set(docs) - {f["doc"] for f in gold}


def test_own_gold_has_no_repeated_facts() -> None:
    lines = [json.dumps(f, sort_keys=True) for f in load_gold(OWN_GOLD)]
    assert len(lines) == len(set(lines))


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED_DEV / "gold.jsonl").exists(), reason="no ../shared checkout")
def test_dev_gold_follows_the_contract() -> None:
    assert load_gold(SHARED_DEV / "gold.jsonl")


@pytest.mark.parametrize(
    ("fact", "problem"),
    [
        ({"type": "fund", "amount_cny": 5}, "doc"),
        ({"doc": "d", "type": "income", "value": 5}, "type"),
        ({"doc": "d", "type": "pairing", "helper": "Jinniu"}, "helped"),
        ({"doc": "d", "type": "pairing", "helper": "A", "helped": "B", "mechanism": "aid"}, "mech"),
        ({"doc": "d", "type": "pairing", "helper": "A", "helped": "B", "helpedalias": 1}, "alias"),
        ({"doc": "d", "type": "fund", "amount_cny": "1.2 billion"}, "amount_cny"),
        ({"doc": "d", "type": "fund", "amount_cny": 5, "measure": ["grant"]}, "measure"),
        ({"doc": "d", "type": "fund", "amount_cny": 5, "qualifier": "over"}, "qualifier"),
        ({"doc": "d", "type": "fund", "amount_cny": 5, "year": "2020"}, "year"),
        ({"doc": "d", "type": "output", "measure": "income", "value": 5}, "measure"),
        ({"doc": "d", "type": "output", "measure": "sales", "value": "5"}, "value"),
        ({"doc": "d", "type": "exit", "level": "county", "rate_pct": 94}, "at least one"),
        ({"doc": "d", "type": "exit", "level": "town", "exited": 3}, "level"),
        ({"doc": "d", "type": "exit", "level": "county", "exited": "3"}, "exited"),
        ({"doc": "d", "type": "exit", "level": "county", "exited": 3.5}, "exited"),
    ],
)
def test_validator_reports_contract_breaches(fact: dict, problem: str) -> None:
    problems = validate_gold_fact(fact)
    assert any(problem in p for p in problems), problems


def test_load_gold_refuses_an_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"doc": "d", "type": "exit", "level": "county"}\n', encoding="utf-8")
    with pytest.raises(GoldError, match=r"gold\.jsonl:1"):
        load_gold(path)
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(GoldError, match="not JSON"):
        load_gold(path)
