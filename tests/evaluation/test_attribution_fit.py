"""Fitting and cross-validating the attribution weights on an annotated set we wrote."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from ingestion.evaluation import scoreboard
from ingestion.evaluation.attribution_fit import (
    Group,
    cross_validate,
    extract_documents,
    fit,
    fit_and_save,
    fold_of,
    labelled_groups,
)
from ingestion.evaluation.runner import find_documents
from ingestion.extract.attribution import load_weights

HELPERS = ["Hangzhou", "Ningbo", "Xiamen", "Qingdao", "Suzhou", "Dalian", "Foshan", "Wuxi"]
HELPED = [
    "Qiandongnan", "Zhenfeng", "Linxia", "Anshun", "Tongren", "Liupanshui", "Liangshan", "Yan'an"
]  # fmt: skip


def _write_set(root: Path) -> tuple[Path, Path]:
    docs = root / "set" / "docs"
    docs.mkdir(parents=True)
    gold = []
    for i, (helper, helped) in enumerate(zip(HELPERS, HELPED, strict=True)):
        amount = (i + 2) * 10
        # Half the documents name the place first: word order alone cannot decide.
        if i % 2:
            sentence = (
                f"{helped} received {amount} million yuan of aid funds from {helper} in 2020."
            )
        else:
            sentence = f"In 2020, {helper} invested {amount} million yuan of aid funds in {helped}."
        (docs / f"d{i}.txt").write_text(
            f"{helper} helps {helped}\n{helper} has paired with {helped} since 2016. {sentence}\n",
            encoding="utf-8",
        )
        gold.append(
            {"doc": f"d{i}", "type": "fund", "amount_cny": amount * 1_000_000,
             "payer": helper, "region": helped, "year": 2020}
        )  # fmt: skip
    path = root / "set" / "gold.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    return docs, path


def test_groups_label_candidates_by_the_contracts_name_rule(tmp_path: Path) -> None:
    docs, gold = _write_set(tmp_path)
    extracted = extract_documents(find_documents(docs))
    groups = labelled_groups(extracted, [json.loads(x) for x in gold.read_text().splitlines()])
    assert {g.role for g in groups} == {"payer", "region"}
    # Every group has a right candidate and at least one wrong one to learn from.
    assert all(any(g.right) and not all(g.right) for g in groups)


def test_fit_prefers_the_features_of_right_candidates() -> None:
    groups = [
        Group("d", "payer", ({"good": 1.0}, {"bad": 1.0}), (True, False)),
        Group("e", "payer", ({"bad": 1.0, "x": 1.0}, {"good": 1.0}), (False, True)),
    ]
    weights = fit(groups)
    assert weights["payer"]["good"] > 0 > weights["payer"]["bad"]


def test_folds_are_deterministic_and_balanced() -> None:
    folds = fold_of([f"d{i}" for i in range(10)], 5)
    assert sorted(folds.values()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert folds == fold_of([f"d{i}" for i in reversed(range(10))], 5)


def test_cross_validation_scores_every_document(tmp_path: Path) -> None:
    docs, gold = _write_set(tmp_path)
    result = cross_validate(docs, gold, folds=4)
    assert result.report.by_type["fund"].gold == len(HELPERS)
    assert result.report.records_by_type["fund"].f1 > 0.5


def test_fit_and_save_writes_a_weights_file_the_extractor_reads(tmp_path: Path) -> None:
    docs, gold = _write_set(tmp_path)
    out = tmp_path / "weights.json"
    fit_and_save(docs, gold, out)
    data = json.loads(out.read_text())
    assert set(data["weights"]) == {"payer", "region"}
    assert "8 documents" in data["fitted_on"]
    assert load_weights(out)["payer"] == data["weights"]["payer"]


def test_scoreboard_prints_in_sample_and_cross_validated_rows(tmp_path: Path) -> None:
    _write_set(tmp_path)
    out = io.StringIO()
    args = argparse.Namespace(eval_dir=tmp_path, folds=2)
    assert scoreboard._scoreboard(args, out=out) == 0
    lines = out.getvalue().splitlines()
    assert any(line.startswith("set ") and "record F1" in line for line in lines)
    assert any(line.startswith("set 2-fold CV") for line in lines)


@pytest.mark.parametrize("folds", [2])
def test_cv_command_prints_a_table(tmp_path: Path, folds: int) -> None:
    docs, gold = _write_set(tmp_path)
    out = io.StringIO()
    args = argparse.Namespace(docs=docs, gold=gold, folds=folds)
    assert scoreboard._cv(args, out=out) == 0
    assert f"{folds}-fold CV" in out.getvalue()
