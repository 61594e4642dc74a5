"""Publishing builds new files and swaps them in atomically; readers never see half."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from ingestion import pipeline
from ingestion.config import Settings
from ingestion.publish.publisher import (
    KEEP_VERSIONS,
    PublishError,
    PublishResult,
    current_version,
    publish_marts,
    published_versions,
)
from ingestion.quality.gate import QualityGateFailed
from ingestion.transform.catalogue import published_tables
from ingestion.warehouse import connect
from tests.sample_marts import create_sample_marts

MART_TABLES = published_tables()
SAMPLE_ROWS = {
    "dim_region": 4,
    "mart_pairings": 2,
    "mart_funds": 2,
    "mart_output_value": 2,
    "mart_poverty_exits": 3,
    "dim_organisation": 1,
    "mart_county_profile": 1,
    "mart_fact_conflicts": 1,
    "mart_fact_evidence": 1,
    "mart_region_indicators": 2,
}


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "warehouse.duckdb"
    with connect(path) as connection:
        create_sample_marts(connection)
    return path


@pytest.fixture
def published_dir(tmp_path: Path) -> Path:
    return tmp_path / "published"


def execute(warehouse: Path, *statements: str) -> None:
    with connect(warehouse) as connection:
        for statement in statements:
            connection.execute(statement)


def published_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return {
            table: connection.execute(f"select count(*) from main.{table}").fetchone()[0]
            for table in MART_TABLES
        }


def leftovers(published_dir: Path) -> list[Path]:
    return [p for p in published_dir.rglob("*") if p.name.startswith(".") or p.suffix == ".wal"]


def sha256_tree(published_dir: Path) -> dict[str, str]:
    """Every file's hash and every symlink's target (links to folders are not followed)."""
    tree = {}
    for p in sorted(published_dir.rglob("*")):
        key = str(p.relative_to(published_dir))
        if p.is_symlink():
            tree[key] = "-> " + os.readlink(p)
        elif p.is_file():
            tree[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return tree


def test_publish_writes_database_parquet_and_manifest(warehouse: Path, published_dir: Path) -> None:
    result = publish_marts(warehouse, published_dir, list(MART_TABLES))

    assert result.database_path == published_dir / "marts.duckdb"
    assert result.row_counts == SAMPLE_ROWS
    assert published_counts(result.database_path) == SAMPLE_ROWS
    with duckdb.connect() as memory:
        for table in result.tables:
            assert table.parquet_path == published_dir / "parquet" / f"{table.name}.parquet"
            rows = memory.execute("select count(*) from read_parquet(?)", [str(table.parquet_path)])
            assert rows.fetchone()[0] == SAMPLE_ROWS[table.name]
    manifest = json.loads((published_dir / "manifest.json").read_text())
    assert manifest["published_at"] == result.published_at.isoformat()
    assert {name: t["row_count"] for name, t in manifest["tables"].items()} == SAMPLE_ROWS
    assert all(len(t["content_hash"]) == 64 for t in manifest["tables"].values())
    assert leftovers(published_dir) == []
    # BI access is read-only by construction: every published file is mode 0444.
    published_files = [result.database_path, published_dir / "manifest.json"]
    published_files += [table.parquet_path for table in result.tables]
    assert {stat.S_IMODE(path.resolve().stat().st_mode) for path in published_files} == {0o444}
    json.dumps(result.as_dict())  # the publish task returns it as an XCom
    # Publishing only reads the working warehouse: its marts are still there.
    assert published_counts_in_warehouse(warehouse) == SAMPLE_ROWS


def published_counts_in_warehouse(warehouse: Path) -> dict[str, int]:
    with connect(warehouse) as connection:
        return {
            t: connection.execute(f"select count(*) from marts.{t}").fetchone()[0]
            for t in MART_TABLES
        }


def test_republish_replaces_the_files(warehouse: Path, published_dir: Path) -> None:
    first = publish_marts(warehouse, published_dir, list(MART_TABLES))
    first_inode = first.database_path.stat().st_ino
    execute(
        warehouse,
        "insert into marts.mart_funds select 'f3', payer_kind, payer_code, payer_name,"
        " region_name, region_code, year, year_from, period_kind,"
        " measure, qualifier, 7.0, article_count, article_ids,"
        " first_reported_date, last_reported_date, evidence"
        " from marts.mart_funds where fund_key = 'f1'",
        # Same rows in another physical order: the content hash must not change.
        "create or replace table marts.mart_pairings as"
        " select * from marts.mart_pairings order by pairing_key desc",
    )
    second = publish_marts(warehouse, published_dir, list(MART_TABLES))

    assert second.database_path.stat().st_ino != first_inode  # a new file, not edited in place
    assert published_counts(second.database_path)["mart_funds"] == 3
    hashes = {t.name: t.content_hash for t in first.tables}
    new_hashes = {t.name: t.content_hash for t in second.tables}
    assert new_hashes["mart_funds"] != hashes["mart_funds"]
    assert new_hashes["mart_pairings"] == hashes["mart_pairings"]
    manifest = json.loads((published_dir / "manifest.json").read_text())
    assert manifest["tables"]["mart_funds"]["row_count"] == 3
    assert leftovers(published_dir) == []


READER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    print(connection.execute("select count(*) from dim_region").fetchone()[0], flush=True)
    sys.stdin.readline()  # the parent publishes a new file meanwhile
    # Tables not read before the swap, so nothing comes from an earlier cached page.
    funds = connection.execute("select count(*), sum(amount_cny) from mart_funds").fetchone()
    exits = connection.execute("select count(*) from mart_poverty_exits").fetchone()[0]
    print(funds[0], funds[1], exits, flush=True)
    """
)


def test_reader_holding_the_old_file_keeps_reading_old_rows(
    warehouse: Path, published_dir: Path
) -> None:
    database = publish_marts(warehouse, published_dir, list(MART_TABLES)).database_path
    with subprocess.Popen(
        [sys.executable, "-c", READER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as reader:
        assert reader.stdin is not None and reader.stdout is not None
        try:
            assert reader.stdout.readline().strip() == "4"  # the reader holds the old file open
            execute(
                warehouse,
                "delete from marts.mart_funds where fund_key = 'f2'",
                "delete from marts.mart_poverty_exits where exit_key = 'e3'",
            )
            publish_marts(warehouse, published_dir, list(MART_TABLES))
            reader.stdin.write("go\n")
            reader.stdin.flush()
            old_view = reader.stdout.readline().split()
            _, errors = reader.communicate(timeout=30)
            assert reader.returncode == 0, errors
        finally:
            if reader.poll() is None:
                reader.kill()
    assert old_view == ["2", "125000000.0", "3"]  # the old marts, whole
    new_counts = published_counts(database)
    assert (new_counts["mart_funds"], new_counts["mart_poverty_exits"]) == (1, 2)


def audit_and_publish(settings: Settings) -> PublishResult:
    """What the CLI's ``run`` and the DAG do: the gate (raises if failed), then publish."""
    pipeline.audit(settings)
    return pipeline.publish(settings)


@pytest.mark.slow
def test_failed_gate_leaves_published_files_byte_for_byte(settings: Settings) -> None:
    with connect(settings.warehouse_path) as connection:
        create_sample_marts(connection)
    result = audit_and_publish(settings)
    assert result.database_path == settings.published_db_path
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["quality_gate"]["success"] is True
    before = sha256_tree(settings.published_dir)

    execute(
        settings.warehouse_path,
        "update marts.mart_funds set amount_cny = -1 where fund_key = 'f1'",
    )
    with pytest.raises(QualityGateFailed, match="amount_cny"):
        audit_and_publish(settings)

    assert sha256_tree(settings.published_dir) == before
    version = f"versions/{result.version}"
    assert before.keys() >= {"marts.duckdb", "manifest.json", "parquet", "current"}
    assert before.keys() >= {f"{version}/marts.duckdb", f"{version}/parquet/mart_funds.parquet"}


def test_a_missing_table_publishes_nothing(warehouse: Path, published_dir: Path) -> None:
    publish_marts(warehouse, published_dir, list(MART_TABLES))
    before = sha256_tree(published_dir)
    execute(warehouse, "drop table marts.mart_output_value")

    with pytest.raises(PublishError, match="mart_output_value"):
        publish_marts(warehouse, published_dir, list(MART_TABLES))

    assert sha256_tree(published_dir) == before
    assert leftovers(published_dir) == []


@pytest.mark.parametrize(
    ("tables", "schema"),
    [
        (["mart_funds; drop table marts.dim_region"], "marts"),
        (['mart_funds"'], "marts"),
        (["Mart_Funds"], "marts"),
        (["mart_funds"], "marts; select 1"),
    ],
)
def test_identifiers_are_validated_before_any_sql(
    warehouse: Path, published_dir: Path, tables: list[str], schema: str
) -> None:
    with pytest.raises(ValueError, match="identifier"):
        publish_marts(warehouse, published_dir, tables, schema=schema)
    assert not published_dir.exists()


def test_one_publish_is_one_version_folder_behind_a_current_link(
    warehouse: Path, published_dir: Path
) -> None:
    result = publish_marts(warehouse, published_dir, list(MART_TABLES))

    version_dir = published_dir / "versions" / result.version
    assert current_version(published_dir) == result.version
    assert os.readlink(published_dir / "current") == f"versions/{result.version}"
    for name in ("marts.duckdb", "parquet", "manifest.json"):
        assert os.readlink(published_dir / name) == f"current/{name}"
        assert (published_dir / name).resolve() == (version_dir / name).resolve()
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["version"] == result.version
    with duckdb.connect(str(result.database_path), read_only=True) as connection:
        invariant = connection.execute(
            "select table_name, row_count, content_hash, snapshot_id from _publish_manifest"
        ).fetchall()
    assert {row[0]: row[1] for row in invariant} == SAMPLE_ROWS
    assert {row[0]: row[2] for row in invariant} == {t.name: t.content_hash for t in result.tables}
    assert {row[3] for row in invariant} == {manifest["snapshot_id"]}
    assert result.as_dict()["version"] == result.version


def test_same_content_gives_identical_tables_and_snapshot_id(
    warehouse: Path, published_dir: Path
) -> None:
    first = publish_marts(warehouse, published_dir, list(MART_TABLES))
    second = publish_marts(warehouse, published_dir, list(MART_TABLES))
    assert first.version != second.version
    snapshots = [
        json.loads((published_dir / "versions" / r.version / "manifest.json").read_text())[
            "snapshot_id"
        ]
        for r in (first, second)
    ]
    assert snapshots[0] == snapshots[1]


def test_old_versions_are_pruned_but_never_the_current_one(
    warehouse: Path, published_dir: Path
) -> None:
    results = [publish_marts(warehouse, published_dir, list(MART_TABLES)) for _ in range(5)]
    assert published_versions(published_dir) == [r.version for r in results[-KEEP_VERSIONS:]]
    assert current_version(published_dir) == results[-1].version
    assert published_counts(published_dir / "marts.duckdb") == SAMPLE_ROWS


def test_leftovers_of_a_crashed_publish_are_cleaned_and_do_not_show(
    warehouse: Path, published_dir: Path
) -> None:
    first = publish_marts(warehouse, published_dir, list(MART_TABLES))
    # What a publish killed mid-way leaves: a staging folder with half a file.
    staging = published_dir / "versions" / ".staging-20000101T000000000000Z-dead"
    (staging / "parquet").mkdir(parents=True)
    (staging / "marts.duckdb").write_bytes(b"half a file")
    assert current_version(published_dir) == first.version
    assert published_counts(published_dir / "marts.duckdb") == SAMPLE_ROWS

    second = publish_marts(warehouse, published_dir, list(MART_TABLES))
    assert not staging.exists()
    assert current_version(published_dir) == second.version


def test_the_earlier_layout_of_plain_files_is_replaced_by_links(
    warehouse: Path, published_dir: Path
) -> None:
    (published_dir / "parquet").mkdir(parents=True)
    (published_dir / "parquet" / "mart_funds.parquet").write_bytes(b"old")
    (published_dir / "marts.duckdb").write_bytes(b"old")
    (published_dir / "manifest.json").write_text("{}")

    publish_marts(warehouse, published_dir, list(MART_TABLES))

    for name in ("marts.duckdb", "parquet", "manifest.json"):
        assert (published_dir / name).is_symlink()
    assert published_counts(published_dir / "marts.duckdb") == SAMPLE_ROWS
    assert leftovers(published_dir) == []
