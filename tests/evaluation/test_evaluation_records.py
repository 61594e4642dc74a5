"""The contract's attributes and records: a fact is right in a mart only in all its parts."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from ingestion.evaluation import cli
from ingestion.evaluation.gold import load_gold, validate_gold_fact
from ingestion.evaluation.scoring import attribute_correct, is_correct_record, score

REAL_DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "real-dev"

FUND = {
    "doc": "d",
    "type": "fund",
    "amount_cny": 510_000_000,
    "payer": "Beijing",
    "region": "Yushu Tibetan Autonomous Prefecture",
    "region_aliases": ["Yushu"],
    "year": 2020,
    "year_from": 2016,
    "note": "a period: ignored by scoring",
}


def test_gold_accepts_the_new_fields() -> None:
    assert validate_gold_fact(FUND) == []
    output = {
        "doc": "d",
        "type": "output",
        "measure": "sales",
        "value": 5,
        "product": "tea",
        "product_aliases": ["black tea"],
    }
    assert validate_gold_fact(output) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"year_from": 2021}, "year_from: 2021 is after year 2020"),
        ({"year_from": "2016"}, "year_from"),
        ({"payer_aliases": "Peking"}, "payer_aliases"),
        ({"product_aliases": ["tea"]}, "product_aliases: not a field of fund facts"),
    ],
)
def test_gold_refuses_bad_new_fields(change: dict, problem: str) -> None:
    assert any(problem in p for p in validate_gold_fact({**FUND, **change}))


def test_a_period_may_lack_its_last_year() -> None:
    assert validate_gold_fact({**FUND, "year": None}) == []


@pytest.mark.parametrize(
    ("predicted", "right"),
    [
        ("Yushu", True),  # an alias
        ("Yushu Prefecture", True),  # normalised equal to the alias
        ("Tibetan", False),  # a stopword alone names nothing
        ("Qinghai", False),
        (None, False),  # missing is wrong
    ],
)
def test_region_attribute(predicted: str | None, right: bool) -> None:
    assert attribute_correct({"region": predicted}, FUND, "region") is right


def test_a_name_inside_the_gold_name_as_whole_words_is_right() -> None:
    gold = {"type": "fund", "payer": "Beijing Municipal Government"}
    assert attribute_correct({"payer": "Beijing"}, gold, "payer")
    assert not attribute_correct({"payer": "Beij"}, gold, "payer")


def test_attribute_not_given_by_gold_is_not_judged() -> None:
    assert attribute_correct({"product": "tea"}, FUND, "product") is None


def test_record_needs_every_attribute_the_gold_gives() -> None:
    right = {**FUND, "payer": "Beijing Municipality", "region": "Yushu"}
    assert is_correct_record(right, FUND)
    assert not is_correct_record({**right, "payer": "Yushu", "region": "Beijing"}, FUND)
    # A cumulative figure given the first year of its period is a wrong number in a chart.
    assert not is_correct_record({**right, "year": 2016, "year_from": None}, FUND)


def test_record_counts_a_wrong_attribute_as_one_fp_and_one_fn() -> None:
    gold = [FUND, {**FUND, "amount_cny": 3_000_000, "year": 2019, "year_from": None}]
    predictions = [
        {**FUND, "region": "Yushu"},
        {**gold[1], "payer": "Yushu", "region": "Beijing"},  # reversed: a wrong row
    ]
    report = score(predictions, gold)
    fund = report.by_type["fund"]
    records = report.records_by_type["fund"]
    assert (fund.tp, fund.fp, fund.fn) == (2, 0, 0)
    assert (records.tp, records.fp, records.fn) == (1, 1, 1)
    assert report.records_overall.f1 == pytest.approx(0.5)
    assert report.attributes_by_type["fund"]["payer"].correct == 1
    assert report.attributes_by_type["fund"]["year_from"].total == 1


def _evaluate(docs: Path, gold: Path) -> str:
    out = io.StringIO()
    args = argparse.Namespace(docs=docs, gold=gold, json=False, errors=True)
    assert cli.run(args, out=out) == 0
    return out.getvalue()


def test_report_prints_records_and_attributes_per_type(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "d.txt").write_text(
        "Harbin City helps Tongjiang County. In 2021 Harbin invested 30 million yuan in "
        "Tongjiang County.",
        encoding="utf-8",
    )
    gold = tmp_path / "gold.jsonl"
    facts = [
        {"doc": "d", "type": "fund", "amount_cny": 30_000_000, "payer": "Nowhere", "year": 2021}
    ]
    gold.write_text("".join(json.dumps(f) + "\n" for f in facts), encoding="utf-8")
    lines = _evaluate(docs, gold).rstrip().splitlines()
    assert lines[-1].startswith("overall F1 ")
    assert lines[-2] == "record overall F1 0.000"
    assert any(line.startswith("payer ") and "0/1" in line for line in lines)
    assert any(line.startswith("WRONG d fund (payer)") for line in lines)


@pytest.mark.shared
@pytest.mark.skipif(not (REAL_DEV / "gold.jsonl").exists(), reason="no ../shared checkout")
def test_real_dev_gold_follows_the_updated_contract() -> None:
    gold = load_gold(REAL_DEV / "gold.jsonl")
    assert len(gold) >= 200
    assert any(g.get("year_from") for g in gold)
