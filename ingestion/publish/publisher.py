"""Publish the audited marts for BI tools: build new files, then swap them in atomically.

BI tools never open the pipeline's working warehouse; they read
``published/marts.duckdb`` (and ``published/parquet/<mart>.parquet``). Each
publish builds complete new files under temporary names beside their
destination and ``os.replace``s them in, so a reader sees the old marts or the
new ones, never half of each; a reader that already holds the old file open
keeps reading it (POSIX rename leaves the open inode alive).

The working warehouse is opened only through ``ingestion.warehouse.connect``
(one process, one DuckDB configuration); the new file is ATTACHed to that
connection rather than opened on its own.

Call it only after the quality gate passed (see ``audit_and_publish``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ingestion.warehouse import connect

if TYPE_CHECKING:
    from ingestion.quality.gate import GateReport

MART_TABLES: tuple[str, ...] = (
    "dim_region",
    "mart_pairings",
    "mart_funds",
    "mart_output_value",
    "mart_poverty_exits",
)
DATABASE_NAME = "marts.duckdb"
MANIFEST_NAME = "manifest.json"
PARQUET_SUBDIR = "parquet"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class PublishError(RuntimeError):
    """Nothing was published; the previously published files are untouched."""


@dataclass(frozen=True)
class PublishedTable:
    name: str
    row_count: int
    content_hash: str  # sha256 over the sorted row hashes: independent of row order
    parquet_path: Path


@dataclass(frozen=True)
class PublishResult:
    database_path: Path
    manifest_path: Path
    published_at: dt.datetime
    tables: tuple[PublishedTable, ...]

    @property
    def row_counts(self) -> dict[str, int]:
        return {t.name: t.row_count for t in self.tables}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (an Airflow XCom): where the marts are and what they hold."""
        return {
            "database": str(self.database_path),
            "manifest": str(self.manifest_path),
            "published_at": self.published_at.isoformat(),
            "tables": {
                t.name: {"row_count": t.row_count, "content_hash": t.content_hash}
                for t in self.tables
            },
        }


def publish_marts(
    warehouse_path: Path,
    published_dir: Path,
    tables: Sequence[str] = MART_TABLES,
    schema: str = "marts",
    manifest_extra: Mapping[str, Any] | None = None,
) -> PublishResult:
    """Copy ``schema.<table>`` for each table into a new published DuckDB file + Parquet.

    Everything is built under temporary names first; only when all of it is on
    disk are the files swapped in: Parquet files, then the database, then the
    manifest (which describes what is published, so it goes last).
    """
    schema = _identifier(schema)
    names = _validated_tables(tables)
    if not warehouse_path.exists():
        raise PublishError(f"no warehouse at {warehouse_path}")
    published_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = published_dir / PARQUET_SUBDIR
    parquet_dir.mkdir(exist_ok=True)

    token = uuid.uuid4().hex
    tmp_db = published_dir / f".marts-{token}.duckdb.tmp"
    tmp_parquet = {name: parquet_dir / f".{name}-{token}.parquet.tmp" for name in names}
    published_at = dt.datetime.now(dt.UTC)
    try:
        with connect(warehouse_path) as connection:
            _require_tables(connection, schema, names)
            built = _build_publication(connection, schema, names, tmp_db, tmp_parquet, token)
        for path in (tmp_db, *tmp_parquet.values()):
            _fsync(path)
        published = tuple(
            PublishedTable(name, rows, digest, parquet_dir / f"{name}.parquet")
            for name, (rows, digest) in built.items()
        )
        for table in published:
            os.replace(tmp_parquet[table.name], table.parquet_path)
        database_path = published_dir / DATABASE_NAME
        os.replace(tmp_db, database_path)
        manifest_path = _write_manifest(
            published_dir, published_at, warehouse_path, schema, published, manifest_extra
        )
        _fsync(parquet_dir)
        _fsync(published_dir)
    finally:
        # After a failure the temporaries are all that is left to clean; after success
        # they were renamed away and these are no-ops.
        for path in (tmp_db, _wal_of(tmp_db), *tmp_parquet.values()):
            path.unlink(missing_ok=True)
    return PublishResult(database_path, manifest_path, published_at, published)


def audit_and_publish(
    warehouse_path: Path,
    expectations_dir: Path,
    data_docs_dir: Path,
    published_dir: Path,
    tables: Sequence[str] = MART_TABLES,
    schema: str = "marts",
) -> tuple[GateReport, PublishResult]:
    """Run the quality gate; publish only if it passed (raises QualityGateFailed otherwise)."""
    from ingestion.quality.gate import run_quality_gate

    report = run_quality_gate(warehouse_path, expectations_dir, data_docs_dir, schema)
    report.raise_if_failed()
    result = publish_marts(
        warehouse_path,
        published_dir,
        tables,
        schema,
        manifest_extra={"quality_gate": _gate_summary(report)},
    )
    return report, result


def _build_publication(
    connection: duckdb.DuckDBPyConnection,
    schema: str,
    names: Sequence[str],
    tmp_db: Path,
    tmp_parquet: Mapping[str, Path],
    token: str,
) -> dict[str, tuple[int, str]]:
    """Fill the new database and Parquet files from the warehouse; return rows and hashes."""
    catalog = connection.execute("select current_database()").fetchone()[0]
    source_catalog = str(catalog).replace('"', '""')
    alias = f"publish_{token}"  # unique, so it cannot collide with the warehouse's own name
    connection.execute(f"attach {_literal(tmp_db)} as {alias}")
    try:
        built: dict[str, tuple[int, str]] = {}
        for name in names:
            target = f"{alias}.main.{name}"
            connection.execute(
                f'create table {target} as select * from "{source_catalog}"."{schema}"."{name}"'
            )
            connection.execute(
                f"copy (select * from {target}) to {_literal(tmp_parquet[name])} "
                "(format parquet, compression zstd)"
            )
            built[name] = (_row_count(connection, target), _content_hash(connection, target))
        # Fold the WAL into the file: only the .duckdb file is renamed into place.
        connection.execute(f"checkpoint {alias}")
    finally:
        connection.execute(f"detach {alias}")
    if _wal_of(tmp_db).exists():
        raise PublishError(f"{tmp_db} still has a write-ahead log after checkpoint")
    return built


def _require_tables(
    connection: duckdb.DuckDBPyConnection, schema: str, names: Sequence[str]
) -> None:
    existing = {
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_catalog = current_database()",
            [schema],
        ).fetchall()
    }
    missing = [name for name in names if name not in existing]
    if missing:
        raise PublishError(f"not in {schema}: {', '.join(missing)}; nothing published")


def _row_count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(connection.execute(f"select count(*) from {table}").fetchone()[0])


def _content_hash(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """sha256 of the sorted sha256 of each row's text: equal content, equal hash, any order."""
    row = connection.execute(
        "select sha256(coalesce(string_agg(h, '' order by h), '')) "
        f"from (select sha256(cast(t as varchar)) as h from {table} as t)"
    ).fetchone()
    return str(row[0])


def _write_manifest(
    published_dir: Path,
    published_at: dt.datetime,
    warehouse_path: Path,
    schema: str,
    tables: Sequence[PublishedTable],
    extra: Mapping[str, Any] | None,
) -> Path:
    manifest = {
        "published_at": published_at.isoformat(),
        "source": {"warehouse": str(warehouse_path), "schema": schema},
        "database": DATABASE_NAME,
        "tables": {
            t.name: {
                "row_count": t.row_count,
                "content_hash": t.content_hash,
                "parquet": f"{PARQUET_SUBDIR}/{t.parquet_path.name}",
            }
            for t in tables
        },
        **(dict(extra) if extra else {}),
    }
    path = published_dir / MANIFEST_NAME
    tmp = published_dir / f".{MANIFEST_NAME}-{uuid.uuid4().hex}.tmp"
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, ensure_ascii=False, default=str)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _gate_summary(report: GateReport) -> dict[str, Any]:
    return {
        "success": report.success,
        "run_time": report.run_time.isoformat(),
        "suites": {s.suite: s.evaluated_expectations for s in report.suites},
    }


def _validated_tables(tables: Sequence[str]) -> list[str]:
    if isinstance(tables, str):
        raise TypeError("tables must be a sequence of names, not one string")
    names = [_identifier(t) for t in tables]
    if not names:
        raise PublishError("no tables to publish")
    if len(set(names)) != len(names):
        raise PublishError(f"duplicate table names: {names}")
    return names


def _identifier(name: str) -> str:
    # Table and schema names go into SQL text; only plain lower-case identifiers may.
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _literal(path: Path) -> str:
    """A file path as a SQL string literal (ATTACH and COPY take no bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync(path: Path) -> None:
    """Flush a file, or a directory so the renames in it survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
