"""The example BI questions in ``examples/bi_queries.sql``, run on the published marts.

``python -m ingestion examples`` prints each question, its SQL and its answer,
read from the published file (read-only), so an analyst sees what the marts
answer before connecting a BI tool. The e2e tests run every query on a real
published snapshot, so the examples cannot drift from the marts' columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import duckdb

from ingestion.config import PROJECT_ROOT

# Cells longer than this are cut in printed answers and previews.
PREVIEW_COLUMN_WIDTH = 40


def format_rows(columns: list[str], rows: list[tuple]) -> str:
    """Rows as indented ``a | b`` lines under their column names, long cells cut."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= PREVIEW_COLUMN_WIDTH else text[: PREVIEW_COLUMN_WIDTH - 1] + "…"

    lines = [" | ".join(columns)]
    lines += [" | ".join(cell(v) for v in row) for row in rows]
    return "\n".join("    " + line for line in lines)


EXAMPLES_FILE = PROJECT_ROOT / "examples" / "bi_queries.sql"
_NAME = re.compile(r"^-- name: (?P<name>[a-z0-9_]+)\s*$", re.MULTILINE)
_QUESTION = re.compile(r"^-- question: (?P<question>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    question: str
    sql: str


@dataclass(frozen=True)
class ExampleAnswer:
    query: ExampleQuery
    columns: list[str]
    rows: list[tuple]


def read_examples(path: Path = EXAMPLES_FILE) -> list[ExampleQuery]:
    """Every ``-- name:`` block of the file, in file order."""
    text = path.read_text(encoding="utf-8")
    starts = [match.start() for match in _NAME.finditer(text)] + [len(text)]
    examples = []
    for start, end in pairwise(starts):
        block = text[start:end]
        name = _NAME.search(block)["name"]  # type: ignore[index]
        question = _QUESTION.search(block)
        if question is None:
            raise ValueError(f"example {name} in {path} has no '-- question:' line")
        sql = "\n".join(line for line in block.splitlines() if not line.startswith("--")).strip()
        examples.append(ExampleQuery(name, question["question"].strip(), sql.rstrip(";")))
    return examples


def answer_examples(published_db: Path, examples: list[ExampleQuery]) -> list[ExampleAnswer]:
    """Run each example on the published file, opened read-only."""
    connection = duckdb.connect(str(published_db), read_only=True)
    try:
        answers = []
        for example in examples:
            cursor = connection.execute(example.sql)
            columns = [d[0] for d in cursor.description]
            answers.append(ExampleAnswer(example, columns, cursor.fetchall()))
        return answers
    finally:
        connection.close()


def describe_answers(answers: list[ExampleAnswer]) -> str:
    parts = []
    for answer in answers:
        parts.append(f"\n## {answer.query.question}  ({answer.query.name})")
        parts.append(format_rows(answer.columns, answer.rows))
    return "\n".join(parts)
