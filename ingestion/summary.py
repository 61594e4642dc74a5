"""What a user sees at the end of a run: where the marts are and a few rows of each."""

from __future__ import annotations

import duckdb

from ingestion.config import Settings
from ingestion.publish.publisher import current_version

PREVIEW_ROWS = 3
PREVIEW_COLUMN_WIDTH = 40


def format_rows(columns: list[str], rows: list[tuple]) -> str:
    """Rows as indented ``a | b`` lines under their column names, long cells cut."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= PREVIEW_COLUMN_WIDTH else text[: PREVIEW_COLUMN_WIDTH - 1] + "…"

    lines = [" | ".join(columns)]
    lines += [" | ".join(cell(v) for v in row) for row in rows]
    return "\n".join("    " + line for line in lines)


def _preview(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    # Table names come from the published file's own catalogue, quoted as identifiers.
    relation = connection.sql(f'select * from "{table}" limit {PREVIEW_ROWS}')
    return format_rows(relation.columns, relation.fetchall())


def describe_published(settings: Settings) -> str:
    """A plain-text report of the published marts, for the end of ``make demo``."""
    path = settings.published_db_path
    if not path.exists():
        return f"No published marts yet at {path}: run the pipeline first."
    # A separate read-only connection to the *published* file, never the working one.
    connection = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_name not like '\\_%' escape '\\' "
                "order by table_name"
            ).fetchall()
        ]
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
    parts.append(f"\ndbt docs: {settings.docs_dir / 'dbt' / 'index.html'}")
    parts.append(
        f"Great Expectations Data Docs: {settings.docs_dir / 'great_expectations' / 'index.html'}"
    )
    return "\n".join(parts)
