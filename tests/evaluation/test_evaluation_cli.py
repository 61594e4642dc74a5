"""The ``evaluate`` command: table, JSON and error listing, with a real or stub extractor."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ingestion.evaluation import cli, runner
from ingestion.extract.models import Evidence, FundFact, PairingFact


def _write_set(tmp_path: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "Xiamen City assists Haiyuan County. Xiamen invested 30 million yuan in Haiyuan in 2020.",
        encoding="utf-8",
    )
    (docs / "empty.txt").write_text("The GDP grew 5 percent.", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    lines = [
        {"doc": "a", "type": "pairing", "helper": "Xiamen", "helped": "Haiyuan County"},
        {"doc": "a", "type": "fund", "amount_cny": 30000000, "year": 2020},
        {"doc": "a", "type": "exit", "level": "county", "exited": 9},
    ]
    gold.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return docs, gold


def _stub_extractor(doc_id: str, text: str) -> list[Any]:
    evidence = Evidence(sentence=text.split(". ")[0], start_char=0, end_char=10)
    common = {"doc": doc_id, "evidence": evidence, "extractor_version": "stub", "confidence": 1.0}
    if doc_id == "empty":
        return [FundFact(amount_cny=5.0, **common)]
    return [
        PairingFact(helper="Xiamen City", helped="Haiyuan", **common),
        FundFact(amount_cny=30_000_000.0, year=2020, **common),
    ]


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(runner, "default_extractor", lambda: _stub_extractor)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    out = io.StringIO()
    code = args.func(args, out=out)
    return code, out.getvalue()


def test_table_ends_with_overall_f1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs, gold = _write_set(tmp_path)
    code, out = _run(["evaluate", "--docs", str(docs), "--gold", str(gold)], monkeypatch)
    assert code == 0
    # tp 2, fp 1 (the fund in the document without gold), fn 1 (the exit).
    assert out.rstrip().splitlines()[-1] == "overall F1 0.667"
    assert "precision" in out and "attribute" in out


def test_json_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs, gold = _write_set(tmp_path)
    argv = ["evaluate", "--docs", str(docs), "--gold", str(gold), "--json", "--errors"]
    code, out = _run(argv, monkeypatch)
    data = json.loads(out)
    assert code == 0
    assert data["overall"] == {
        "gold": 3,
        "predicted": 3,
        "tp": 2,
        "fp": 1,
        "fn": 1,
        "precision": 0.6667,
        "recall": 0.6667,
        "f1": 0.6667,
    }
    assert data["attributes"]["year"] == {"correct": 1, "total": 1, "accuracy": 1.0}
    assert sorted(e["kind"] for e in data["errors"]) == ["fn", "fp"]


def test_errors_list_evidence_and_gold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs, gold = _write_set(tmp_path)
    argv = ["evaluate", "--docs", str(docs), "--gold", str(gold), "--errors"]
    _, out = _run(argv, monkeypatch)
    assert "FP empty fund: amount_cny=5.0" in out
    assert "evidence: The GDP grew 5 percent." in out
    assert "FN a exit: level='county' exited=9" in out
    assert out.rstrip().splitlines()[-1].startswith("overall F1 ")


def test_missing_paths_exit_with_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _ = _run(["evaluate", "--docs", str(tmp_path / "no"), "--gold", "x"], monkeypatch)
    assert code == 2


def test_extractor_failure_costs_only_that_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, gold = _write_set(tmp_path)

    def flaky(doc_id: str, text: str) -> list[Any]:
        if doc_id == "a":
            raise RuntimeError("boom")
        return _stub_extractor(doc_id, text)

    report = runner.evaluate(docs, gold, extractor=flaky)
    assert report.failures == {"a": "RuntimeError: boom"}
    assert (report.score.overall.fn, report.score.overall.fp) == (3, 1)


def test_real_extractor_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("ingestion.extract", reason="extractor not written yet")
    from ingestion import extract

    if not hasattr(extract, "extract_facts"):
        pytest.skip("ingestion.extract.extract_facts not written yet")
    docs, gold = _write_set(tmp_path)
    out = io.StringIO()
    args = argparse.Namespace(docs=docs, gold=gold, json=False, errors=True)
    assert cli.run(args, out=out) == 0
    last = out.getvalue().rstrip().splitlines()[-1]
    assert last.startswith("overall F1 0.") or last == "overall F1 1.000"
