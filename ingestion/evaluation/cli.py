"""``python -m ingestion evaluate``: score the extractor on an annotated set."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ingestion.evaluation.gold import GoldError
from ingestion.evaluation.runner import EvaluationReport, evaluate
from ingestion.evaluation.scoring import (
    ATTRIBUTES,
    FACT_TYPES,
    PRF,
    RECORD_ATTRIBUTES,
    AttributeScore,
    MatchedPair,
    ScoredError,
    attribute_correct,
    is_correct_record,
)

# Fields shown for a fact in --errors, in reading order; provenance is shown apart.
_SHOWN_FIELDS = (
    "helper",
    "helped",
    "mechanism",
    "amount_cny",
    "measure",
    "value",
    "level",
    "exited",
    "total",
    "remaining",
    "rate_pct",
    "qualifier",
    "product",
    "payer",
    "region",
    "year",
    "year_from",
)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``evaluate`` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score the extractor against gold annotations",
        description="Run the extractor over a directory of .txt/.html documents and "
        "score its facts against a gold JSONL file (see extraction-contract.md).",
    )
    parser.add_argument("--docs", type=Path, required=True, help="directory of documents")
    parser.add_argument("--gold", type=Path, required=True, help="gold facts, JSON lines")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--errors", action="store_true", help="list every false positive and false negative"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Handle ``evaluate``; returns the process exit code."""
    out = out or sys.stdout
    if not args.docs.is_dir():
        print(f"evaluate: no such directory: {args.docs}", file=sys.stderr)
        return 2
    if not args.gold.is_file():
        print(f"evaluate: no such file: {args.gold}", file=sys.stderr)
        return 2
    try:
        report = evaluate(args.docs, args.gold)
    except GoldError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"evaluate: the extractor cannot be imported: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report.to_dict(with_errors=args.errors), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(format_report(report, with_errors=args.errors))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``evaluate`` on its own (the project CLI normally dispatches to ``run``)."""
    parser = argparse.ArgumentParser(prog="ingestion")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


# ---------------------------------------------------------------------------
# Text report


def _prf_row(label: str, s: PRF) -> str:
    return (
        f"{label:<9} {s.gold:>5} {s.predicted:>5} {s.tp:>5} {s.fp:>5} {s.fn:>5}"
        f" {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>7.3f}"
    )


def _wrong_record_lines(pair: MatchedPair) -> list[str]:
    wrong = [
        a for a in RECORD_ATTRIBUTES if attribute_correct(pair.predicted, pair.gold, a) is False
    ]
    lines = [
        f"WRONG {pair.doc} {pair.type} ({', '.join(wrong)}): {_fact_summary(pair.predicted)}",
        f"    gold: {_fact_summary(pair.gold)}",
    ]
    evidence = pair.predicted.get("evidence")
    if isinstance(evidence, str):
        lines.append(f"    evidence: {' '.join(evidence.split())}")
    return lines


def _attribute_cell(a: AttributeScore) -> str:
    return "-" if not a.total else f"{a.correct}/{a.total}"


def _fact_summary(fact: dict[str, Any]) -> str:
    parts = [f"{k}={fact[k]!r}" for k in _SHOWN_FIELDS if fact.get(k) is not None]
    for role in ("helper", "helped", "payer", "region", "product"):
        if fact.get(f"{role}_aliases"):
            parts.append(f"{role}_aliases={fact[f'{role}_aliases']!r}")
    return " ".join(parts)


def _error_lines(error: ScoredError) -> list[str]:
    label = "FP" if error.kind == "fp" else "FN"
    if error.duplicate:
        label += " (duplicate of a matched gold fact)"
    lines = [f"{label} {error.doc} {error.type}: {_fact_summary(error.fact)}"]
    if error.evidence:
        lines.append(f"    evidence: {' '.join(error.evidence.split())}")
    return lines


def format_report(report: EvaluationReport, *, with_errors: bool = False) -> str:
    """The human-readable report; its last line is ``overall F1 0.xxx``."""
    score = report.score
    lines = [
        f"documents {report.documents}  gold facts {report.gold_facts}  "
        f"predicted facts {report.predicted_facts}  ({report.seconds:.1f} s)",
    ]
    if score.ignored_predictions:
        lines.append(f"ignored {score.ignored_predictions} predictions of unscored types/measures")
    lines += [f"extraction failed for {doc}: {why}" for doc, why in report.failures.items()]
    if report.missing_docs:
        lines.append(f"gold documents with no file: {', '.join(report.missing_docs)}")
    lines += [
        "",
        f"{'type':<9} {'gold':>5} {'pred':>5} {'tp':>5} {'fp':>5} {'fn':>5}"
        f" {'precision':>9} {'recall':>7} {'f1':>7}",
        *(_prf_row(t, score.by_type[t]) for t in FACT_TYPES),
        _prf_row("overall", score.overall),
        "",
        "records (a matched fact counts only with every year, year_from, payer, region and",
        "product its gold gives right; otherwise it is one fp and one fn)",
        f"{'type':<9} {'gold':>5} {'pred':>5} {'tp':>5} {'fp':>5} {'fn':>5}"
        f" {'precision':>9} {'recall':>7} {'f1':>7}",
        *(_prf_row(t, score.records_by_type[t]) for t in FACT_TYPES),
        _prf_row("overall", score.records_overall),
        "",
        "attribute accuracy on matched facts (correct/total where the gold gives it)",
        f"{'attribute':<10} "
        + " ".join(f"{t:>12}" for t in FACT_TYPES)
        + f" {'all':>12} {'accuracy':>8}",
    ]
    for attribute in ATTRIBUTES:
        a = score.attributes[attribute]
        if not a.total:
            continue
        cells = [_attribute_cell(score.attributes_by_type[t][attribute]) for t in FACT_TYPES]
        acc = "-" if a.accuracy is None else f"{a.accuracy:.3f}"
        lines.append(
            f"{attribute:<10} "
            + " ".join(f"{c:>12}" for c in cells)
            + f" {_attribute_cell(a):>12} {acc:>8}"
        )
    if with_errors:
        lines += ["", f"errors ({len(score.errors)})"]
        for error in sorted(score.errors, key=lambda e: (e.doc, e.type, e.kind)):
            lines += _error_lines(error)
        wrong = [m for m in score.matches if not is_correct_record(m.predicted, m.gold)]
        lines += ["", f"matched facts with a wrong record attribute ({len(wrong)})"]
        for pair in wrong:
            lines += _wrong_record_lines(pair)
    lines += [
        "",
        f"record overall F1 {score.records_overall.f1:.3f}",
        f"overall F1 {score.overall.f1:.3f}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
