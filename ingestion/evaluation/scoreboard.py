"""``python -m ingestion attribution`` and ``python -m ingestion scoreboard``.

``attribution fit`` writes the weights file from an annotated set;
``attribution cv`` prints the k-fold figure; ``scoreboard`` prints, in one
table, fact F1 and record F1 per type for every annotated set under a folder
(in-sample) and the k-fold cross-validated figure of each set large enough.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ingestion.evaluation.attribution_fit import cross_validate, fit_and_save
from ingestion.evaluation.runner import evaluate
from ingestion.evaluation.scoring import FACT_TYPES, ScoreReport
from ingestion.extract.attribution import WEIGHTS_PATH


def register(subparsers: Any) -> None:
    attr = subparsers.add_parser(
        "attribution", help="fit or cross-validate the payer/place attribution weights"
    )
    actions = attr.add_subparsers(dest="action", required=True)
    fit = actions.add_parser("fit", help="fit the weights on an annotated set and save them")
    fit.add_argument("--docs", type=Path, required=True)
    fit.add_argument("--gold", type=Path, required=True)
    fit.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    fit.set_defaults(func=_fit)
    cv = actions.add_parser("cv", help="k-fold cross-validated fact and record F1")
    cv.add_argument("--docs", type=Path, required=True)
    cv.add_argument("--gold", type=Path, required=True)
    cv.add_argument("--folds", type=int, default=5)
    cv.set_defaults(func=_cv)

    board = subparsers.add_parser(
        "scoreboard",
        help="fact and record F1 of every annotated set under a folder, and k-fold figures",
    )
    board.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    board.add_argument("--folds", type=int, default=5)
    board.set_defaults(func=_scoreboard)


def _fit(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    weights = fit_and_save(args.docs, args.gold, args.out)
    for role, values in weights.items():
        top = sorted(values.items(), key=lambda item: -abs(item[1]))[:6]
        out.write(f"{role}: " + ", ".join(f"{n} {v:+.2f}" for n, v in top) + "\n")
    out.write(f"wrote {args.out}\n")
    return 0


def _cv(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    result = cross_validate(args.docs, args.gold, args.folds)
    out.write(_table([(f"{args.docs.parent.name} {args.folds}-fold CV", result.report)]))
    return 0


def _header() -> str:
    cells = [f"{t} F1/rec" for t in FACT_TYPES]
    return (
        f"{'set':<26} " + " ".join(f"{c:>15}" for c in cells) + f" {'fact F1':>8} {'record F1':>9}"
    )


def _row(label: str, report: ScoreReport) -> str:
    cells = [f"{report.by_type[t].f1:.3f}/{report.records_by_type[t].f1:.3f}" for t in FACT_TYPES]
    return (
        f"{label:<26} "
        + " ".join(f"{c:>15}" for c in cells)
        + f" {report.overall.f1:>8.3f} {report.records_overall.f1:>9.3f}"
    )


def _table(rows: list[tuple[str, ScoreReport]]) -> str:
    return "\n".join([_header(), *(_row(label, report) for label, report in rows)]) + "\n"


def annotated_sets(eval_dir: Path) -> list[Path]:
    """Folders holding ``docs/`` and ``gold.jsonl``, in name order."""
    return sorted(
        p for p in eval_dir.iterdir() if (p / "docs").is_dir() and (p / "gold.jsonl").is_file()
    )


def _scoreboard(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if not args.eval_dir.is_dir():
        print(f"scoreboard: no such directory: {args.eval_dir}", file=sys.stderr)
        return 2
    rows: list[tuple[str, ScoreReport]] = []
    for folder in annotated_sets(args.eval_dir):
        docs, gold = folder / "docs", folder / "gold.jsonl"
        rows.append((f"{folder.name}", evaluate(docs, gold).score))
        if sum(1 for _ in docs.iterdir()) >= 4 * args.folds:
            cv = cross_validate(docs, gold, args.folds)
            rows.append((f"{folder.name} {args.folds}-fold CV", cv.report))
    out.write(
        "fact F1 / record F1 per type (record: amount, payer, place, product, period right)\n"
    )
    out.write(_table(rows))
    return 0
