"""Run the extractor over a directory of documents and score it against gold."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.evaluation.gold import load_gold
from ingestion.evaluation.scoring import ScoreReport, score

DOCUMENT_SUFFIXES = (".txt", ".html", ".htm")

# What the runner needs from an extractor: facts with ``to_contract()``.
Extractor = Callable[[str, str], Iterable[Any]]


@dataclass
class EvaluationReport:
    """A scored run: the score plus what was run, so a number can be traced back."""

    docs_dir: str
    gold_path: str
    documents: int
    gold_facts: int
    predicted_facts: int
    score: ScoreReport
    seconds: float
    # Documents the extractor raised on: their gold facts are all missed.
    failures: dict[str, str] = field(default_factory=dict)
    # Gold documents with no file in docs_dir: their gold facts are all missed.
    missing_docs: list[str] = field(default_factory=list)

    def to_dict(self, *, with_errors: bool = False) -> dict[str, Any]:
        return {
            "docs_dir": self.docs_dir,
            "gold_path": self.gold_path,
            "documents": self.documents,
            "gold_facts": self.gold_facts,
            "predicted_facts": self.predicted_facts,
            "seconds": round(self.seconds, 3),
            "failures": self.failures,
            "missing_docs": self.missing_docs,
            **self.score.to_dict(with_errors=with_errors),
        }


def find_documents(docs_dir: Path) -> dict[str, Path]:
    """Document id (file stem) to path for every .txt/.html file in ``docs_dir``."""
    docs: dict[str, Path] = {}
    for path in sorted(docs_dir.iterdir()):
        if path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES:
            if path.stem in docs:
                raise ValueError(f"two documents share the id {path.stem!r} in {docs_dir}")
            docs[path.stem] = path
    return docs


def read_text(path: Path) -> str:
    """The text the extractor sees: plain text as is, web pages via the parser."""
    if path.suffix.lower() in (".html", ".htm"):
        # Imported here so scoring .txt sets does not depend on the parser.
        from ingestion.parse.document import read_document_text

        return read_document_text(path)
    return path.read_text(encoding="utf-8", errors="replace")


def default_extractor() -> Extractor:
    from ingestion.extract import extract_facts

    return extract_facts


def _as_contract(fact: Any) -> dict[str, Any]:
    return dict(fact.to_contract() if hasattr(fact, "to_contract") else fact)


def extract_all(
    docs: dict[str, Path], extractor: Extractor
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Predicted contract facts for every document, and the documents that failed."""
    predictions: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    for doc_id, path in docs.items():
        try:
            facts = [_as_contract(f) for f in extractor(doc_id, read_text(path))]
        except Exception as exc:  # one bad document must not hide the others' scores
            failures[doc_id] = f"{type(exc).__name__}: {exc}"
            continue
        # The scorer compares facts within a document, so the id must be right.
        predictions += [{**f, "doc": doc_id} for f in facts]
    return predictions, failures


def evaluate(
    docs_dir: Path, gold_path: Path, extractor: Extractor | None = None
) -> EvaluationReport:
    """Extract facts from every document in ``docs_dir`` and score them."""
    started = time.perf_counter()
    gold = load_gold(gold_path)
    docs = find_documents(docs_dir)
    predictions, failures = extract_all(docs, extractor or default_extractor())
    gold_docs = {str(g["doc"]) for g in gold}
    return EvaluationReport(
        docs_dir=str(docs_dir),
        gold_path=str(gold_path),
        documents=len(docs),
        gold_facts=len(gold),
        predicted_facts=len(predictions),
        score=score(predictions, gold),
        seconds=time.perf_counter() - started,
        failures=failures,
        missing_docs=sorted(gold_docs - set(docs)),
    )
