"""``python -m ingestion extract FILES_OR_DIRS... [-o out.jsonl]``: facts as contract JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ingestion.extract import attribution
from ingestion.extract.pipeline import AttributionTrace, extract_facts

SUFFIXES = (".txt", ".html", ".htm")


def iter_documents(paths: list[str]) -> Iterator[Path]:
    """The .txt/.html files named, or found under the directories named, sorted."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
            )
        elif path.is_file():
            yield path


def read_text(path: Path) -> str:
    if path.suffix.lower() in (".html", ".htm"):
        from ingestion.parse.document import read_document_text

        return read_document_text(path)
    return path.read_text(encoding="utf-8", errors="replace")


def _explanations(trace: AttributionTrace) -> dict[int, str]:
    """Why each figure got its payer and place: the features that weighed most."""
    weights = attribution.load_weights()
    return {id(fact): chosen.explain(weights) for fact, _, chosen in trace}


def write_facts(paths: list[str], out: TextIO, *, explain: bool = False) -> tuple[int, int]:
    docs = facts = 0
    for path in iter_documents(paths):
        docs += 1
        try:
            text = read_text(path)
        except Exception as exc:  # a bad file is reported, the batch goes on
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        trace: AttributionTrace = []
        found = extract_facts(path.stem, text, trace=trace if explain else None)
        why = _explanations(trace)
        for fact in found:
            record = fact.to_contract()
            if id(fact) in why:
                record["why"] = why[id(fact)]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            facts += 1
    return docs, facts


def run(args: argparse.Namespace) -> int:
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            docs, facts = write_facts(args.paths, fh, explain=args.explain)
    else:
        docs, facts = write_facts(args.paths, sys.stdout, explain=args.explain)
    print(f"{docs} documents, {facts} facts", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract facts from .txt/.html files")
    parser.add_argument("paths", nargs="+", help="files or directories")
    parser.add_argument("-o", "--output", help="write JSON lines here instead of stdout")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="add 'why': the features that chose each figure's payer and place",
    )
    parser.set_defaults(func=run)
