"""What a user sees at the end of a run: where the marts are and a few rows of each.

It ends with a summary a newcomer can read: each mart, its row count and one
sentence on what it holds (the first sentence of the mart's own dbt
description, read from the manifest: one text, not a second copy), then the
answers to three example questions (``SUMMARY_EXAMPLES``) and where the run's
logs are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.config import SUMMARY_ANSWER_ROWS, SUMMARY_EXAMPLES, Settings
from ingestion.examples import answer_examples, format_rows, read_examples
from ingestion.publish.publisher import current_version
from ingestion.transform.dbt_runner import STATIC_DOCS

PREVIEW_ROWS = 3


def _preview(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    # Table names come from the published file's own catalogue, quoted as identifiers.
    relation = connection.sql(f'select * from "{table}" limit {PREVIEW_ROWS}')
    return format_rows(relation.columns, relation.fetchall())


def _published_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_name not like '\\_%' escape '\\' "
            "order by table_name"
        ).fetchall()
    ]


def describe_published(settings: Settings, log_path: Path | None = None) -> str:
    """A plain-text report of the published marts, for the end of ``make demo``."""
    path = settings.published_db_path
    if not path.exists():
        return f"No published marts yet at {path}: run the pipeline first."
    # A separate read-only connection to the *published* file, never the working one.
    connection = duckdb.connect(str(path), read_only=True)
    try:
        tables = _published_tables(connection)
        parts = [f"Published marts (DuckDB, read-only for BI tools): {path}"]
        version = current_version(settings.published_dir)
        if version:
            parts.append(f"Published version: {settings.published_dir / 'versions' / version}")
        parts.append(f"Parquet, one file per mart: {settings.published_dir / 'parquet'}")
        for table in tables:
            [(count,)] = connection.execute(f'select count(*) from "{table}"').fetchall()
            parts.append(f"\n  {table}: {count} rows")
            parts.append(_preview(connection, table))
    finally:
        connection.close()
    parts.append(f"\ndbt docs (one file, opens offline): {settings.docs_dir / 'dbt' / STATIC_DOCS}")
    parts.append(
        f"Great Expectations Data Docs: {settings.docs_dir / 'great_expectations' / 'index.html'}"
    )
    manifest = next((m for m in manifest_candidates(settings) if m.exists()), None)
    parts.append("\n" + newcomer_summary(path, manifest, log_path=log_path))
    return "\n".join(parts)


# --- the newcomer's summary ---------------------------------------------------------------

# A sentence ends at a full stop followed by a space (or the end), not inside "e.g." or "4.6".
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)\.(?=\s|$)")


@dataclass(frozen=True)
class MartSummary:
    name: str
    rows: int
    description: str  # the first sentence of the model's dbt description


def manifest_candidates(settings: Settings) -> list[Path]:
    """The manifest of the published docs (this run's), else the one ``dbt parse`` wrote."""
    from ingestion.transform.cosmos_config import MANIFEST_PATH

    return [settings.docs_dir / "dbt" / "manifest.json", MANIFEST_PATH]


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text)
    return text[: match.end()] if match else text


def model_descriptions(manifest: Path) -> dict[str, str]:
    """Each dbt model's name -> the first sentence of its description."""
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    return {
        node["name"]: first_sentence(node.get("description") or "")
        for node in nodes.values()
        if node.get("resource_type") == "model"
    }


def mart_summaries(published_db: Path, manifest: Path | None) -> list[MartSummary]:
    """Every published mart with its row count and what it holds."""
    descriptions = model_descriptions(manifest) if manifest else {}
    connection = duckdb.connect(str(published_db), read_only=True)
    try:
        tables = _published_tables(connection)
        return [
            MartSummary(
                table,
                _row_count(connection, table),
                descriptions.get(table, "(no dbt description found)"),
            )
            for table in tables
        ]
    finally:
        connection.close()


def newcomer_summary(
    published_db: Path,
    manifest: Path | None,
    questions: tuple[str, ...] = SUMMARY_EXAMPLES,
    log_path: Path | None = None,
) -> str:
    """The marts and what they hold, three questions answered, where the logs are."""

    marts = mart_summaries(published_db, manifest)
    width = max((len(m.name) for m in marts), default=0)
    count_width = max((len(f"{m.rows:,}") for m in marts), default=0)
    lines = ["Summary: what the published marts hold"]
    lines += [
        f"  {m.name:<{width}}  {m.rows:>{count_width},} {'row ' if m.rows == 1 else 'rows'}"
        f"  {m.description}"
        for m in marts
    ]
    by_name = {example.name: example for example in read_examples()}
    missing = [q for q in questions if q not in by_name]
    if missing:
        raise KeyError(f"no example question named {missing} in examples/bi_queries.sql")
    answers = answer_examples(published_db, [by_name[q] for q in questions])
    lines.append(f"\nThree example questions (first {SUMMARY_ANSWER_ROWS} rows of each):")
    for answer in answers:
        lines.append(f"\n  {answer.query.question}")
        if not answer.rows:
            lines.append("    (no rows in these marts)")
            continue
        lines.append(format_rows(answer.columns, answer.rows[:SUMMARY_ANSWER_ROWS]))
        if len(answer.rows) > SUMMARY_ANSWER_ROWS:
            lines.append(f"    ... {len(answer.rows) - SUMMARY_ANSWER_ROWS} more rows")
    lines.append("\nEvery example: python -m ingestion examples (examples/bi_queries.sql)")
    if log_path is not None:
        lines.append(f"Airflow and dbt logs of this run: {log_path}")
    return "\n".join(lines)


def _row_count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    row = connection.execute(f'select count(*) from "{table}"').fetchone()
    return int(row[0]) if row else 0
