"""Write-audit-publish on the real PostgreSQL service (127.0.0.1:5432).

dbt builds the candidate marts once per module into a template database
(``tests/publish/postgres_warehouse``); each test works on its own copy
(``CREATE DATABASE ... TEMPLATE``, a file copy: no second dbt build), dropped
afterwards with the roles named after it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingestion import pipeline
from ingestion.cli import main
from ingestion.config import PROJECT_ROOT, PostgresWarehouse, Settings, load_settings
from ingestion.publish.postgres_publisher import (
    PUBLISHED_SCHEMA,
    PostgresPublishResult,
    publish_postgres,
    published_versions_postgres,
    rollback_postgres,
)
from ingestion.publish.publisher import KEEP_VERSIONS, PublishError
from ingestion.quality.gate import GateReport, run_quality_gate
from ingestion.quality.gate_record import UnauditedCandidate
from ingestion.transform.catalogue import published_tables
from ingestion.transform.dbt_runner import DbtResult, run_dbt
from ingestion.warehouse import connect
from ingestion.warehouse_postgres import WarehouseUnavailable
from tests.publish.postgres_warehouse import (
    admin_connection,
    build_candidate,
    execute_statements,
    load_raw_fixture,
    postgres_database,
    psycopg2,
    query_rows,
    unique_name,
)
from tests.quality.test_quality_gate import EXPECTATIONS_DIR
from tests.readme_commands import readme_commands
from tests.transform.raw_fixture import MARTS as FIXTURE_MARTS
from tests.transform.raw_fixture import load_fixture

pytestmark = [pytest.mark.slow, pytest.mark.services]

MARTS = published_tables()
# The suites of the same-message test: marts with keys, evidence and region checks.
GATE_SUITES = ("mart_funds", "mart_pairings", "dim_region")
# One bad value in both candidates: a negative fund amount and a pairing without helper.
BREAK_SQL = (
    "update marts.mart_funds set amount_cny = -5"
    " where fund_key = (select min(fund_key) from marts.mart_funds)",
)


@dataclass(frozen=True)
class Candidates:
    template: str  # a PostgreSQL database holding raw and the candidate marts
    duckdb_file: Path  # the same fixture built on DuckDB
    postgres_build: DbtResult
    duckdb_build: DbtResult


@pytest.fixture(scope="module")
def candidates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Candidates]:
    work = tmp_path_factory.mktemp("pg_publish")
    duckdb_file = work / "duckdb" / "warehouse.duckdb"
    duckdb_file.parent.mkdir()
    with postgres_database("assist_pubtpl") as warehouse:
        load_raw_fixture(warehouse)
        with connect(duckdb_file) as connection:
            load_fixture(connection)
        # Both dbt builds at once: they are separate processes on separate warehouses.
        with ThreadPoolExecutor(2) as pool:
            duck = pool.submit(
                run_dbt, ["build"], duckdb_file, target_dir=work / "duck_t", target="duckdb"
            )
            postgres_build = build_candidate(warehouse, work / "pg_t")
            duckdb_build = duck.result()
        _make_raw_pass(warehouse)
        yield Candidates(warehouse.dbname, duckdb_file, postgres_build, duckdb_build)


def _make_raw_pass(warehouse: PostgresWarehouse) -> None:
    """The fixture's raw ids are short ('a1'); the raw suites want the loader's formats.

    Changed after the build (the marts are what they are): the audit of a good
    candidate then passes all suites, raw ones included.
    """
    statements = [
        "update raw.articles set article_id = substr(md5(article_id), 1, 16)",
        *(
            f"update raw.{table} set region_code = rpad(region_code, 12, '0')"
            " where length(region_code) < 12"
            for table in ("facts_exit", "facts_fund")
        ),
    ]
    execute_statements(warehouse, *statements)


@pytest.fixture
def warehouse(candidates: Candidates) -> Iterator[PostgresWarehouse]:
    """A copy of the built template for one test."""
    dbname = unique_name("assist_pub")
    admin = admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'create database "{dbname}" template "{candidates.template}"')
    finally:
        admin.close()
    try:
        yield PostgresWarehouse(host="127.0.0.1", port=5432, user="postgres", dbname=dbname)
    finally:
        admin = admin_connection()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'drop database if exists "{dbname}" with (force)')
                cursor.execute(
                    "select rolname from pg_roles where rolname like %s", [dbname + "\\_%"]
                )
                for (role,) in cursor.fetchall():
                    cursor.execute(f'drop role "{role}"')
        finally:
            admin.close()


def _published_snapshot(warehouse: PostgresWarehouse) -> tuple[str, dict[str, int]]:
    rows = query_rows(
        warehouse,
        f"select table_name, row_count, snapshot_id from {PUBLISHED_SCHEMA}._publish_manifest",
    )
    assert len({r[2] for r in rows}) == 1
    return rows[0][2], {r[0]: r[1] for r in rows}


def _schemas(warehouse: PostgresWarehouse) -> set[str]:
    return {r[0] for r in query_rows(warehouse, "select nspname from pg_namespace")}


def _settings(warehouse: PostgresWarehouse, var_dir: Path) -> Settings:
    return dataclasses.replace(load_settings(), var_dir=var_dir, postgres=warehouse)


def _gate_suites(folder: Path) -> Path:
    (folder / "suites").mkdir(parents=True)
    for name in GATE_SUITES:
        shutil.copy(EXPECTATIONS_DIR / "suites" / f"{name}.json", folder / "suites")
    return folder


def _message(report: GateReport) -> list[str]:
    """The gate's message without the Data Docs paths (each gate writes its own site)."""
    return [
        line.split(" in Data Docs:")[0]
        for line in report.summary().splitlines()
        if not line.startswith("Data Docs:")
    ]


# --- 1. audit ------------------------------------------------------------------------


def test_bad_row_same_message_on_postgres_and_duckdb(
    candidates: Candidates, warehouse: PostgresWarehouse, tmp_path: Path
) -> None:
    duckdb_file = tmp_path / "warehouse.duckdb"
    shutil.copy(candidates.duckdb_file, duckdb_file)
    expectations = _gate_suites(tmp_path / "expectations")

    good = run_quality_gate(warehouse, expectations, tmp_path / "docs_good")
    assert good.success, good.summary()

    with connect(duckdb_file) as connection:
        for statement in BREAK_SQL:
            connection.execute(statement)
    execute_statements(warehouse, *BREAK_SQL)
    on_duckdb = run_quality_gate(duckdb_file, expectations, tmp_path / "docs_duck")
    on_postgres = run_quality_gate(warehouse, expectations, tmp_path / "docs_pg")
    assert not on_postgres.success
    assert [f.describe() for f in on_postgres.failures] == [
        f.describe() for f in on_duckdb.failures
    ]
    assert _message(on_postgres) == _message(on_duckdb)
    assert "mart_funds: expect_column_values_to_be_between on amount_cny" in on_postgres.summary()


# --- 2, 3. publish, versions, rollback ---------------------------------------------


def test_audit_publish_rollback_through_the_pipeline(
    warehouse: PostgresWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(warehouse, tmp_path / "var")
    with pytest.raises(UnauditedCandidate, match="no audit of this candidate"):
        pipeline.publish(settings)
    assert PUBLISHED_SCHEMA not in _schemas(warehouse)

    pipeline.audit(settings)
    first = pipeline.publish(settings)
    assert isinstance(first, PostgresPublishResult)
    assert first.previous_version is None
    snapshot, counts = _published_snapshot(warehouse)
    assert counts == first.row_counts and set(counts) == set(MARTS)
    assert all(rows > 0 for rows in counts.values())
    manifest = query_rows(warehouse, f"select manifest from {PUBLISHED_SCHEMA}._publication")[0][0]
    assert manifest["version"] == first.version and manifest["snapshot_id"] == snapshot
    assert manifest["quality_gate"]["success"] is True
    assert "password" not in json.dumps(manifest)
    # The candidate stays where dbt builds it: the next build finds its schema.
    assert {"marts", "raw"} <= _schemas(warehouse)

    # Several more publishes, each of other marts (one fund fewer each time). Audited
    # once above (the full gate takes tens of seconds): these go to the publisher itself.
    versions = [first.version]
    for _ in range(KEEP_VERSIONS + 1):
        execute_statements(
            warehouse,
            "delete from marts.mart_funds"
            " where fund_key = (select max(fund_key) from marts.mart_funds)",
        )
        with pytest.raises(UnauditedCandidate):
            pipeline.publish(settings)  # rebuilt since the audit: refused
        result = publish_postgres(warehouse)
        assert result.previous_version == versions[-1]
        versions.append(result.version)
    current, kept = published_versions_postgres(warehouse)
    assert current == versions[-1]
    assert kept == versions[-1 - KEEP_VERSIONS : -1]  # the three before; older dropped

    monkey = pytest.MonkeyPatch()
    monkey.setenv("ASSIST_WAREHOUSE", f"postgresql://postgres@127.0.0.1:5432/{warehouse.dbname}")
    monkey.setenv("ASSIST_VAR_DIR", str(settings.var_dir))
    try:
        assert main(["rollback"]) == 0
    finally:
        monkey.undo()
    out = json.loads(capsys.readouterr().out)
    assert out["rolled_back_from"] == versions[-1] and out["restored"] == versions[-2]
    assert published_versions_postgres(warehouse)[0] == versions[-2]
    funds = query_rows(warehouse, f"select count(*) from {PUBLISHED_SCHEMA}.mart_funds")[0][0]
    assert funds == counts["mart_funds"] - (KEEP_VERSIONS)


def test_publish_refuses_a_missing_candidate(warehouse: PostgresWarehouse) -> None:
    first = publish_postgres(warehouse)
    before = _published_snapshot(warehouse)
    execute_statements(warehouse, "drop table marts.mart_funds")
    with pytest.raises(PublishError, match="not in marts: mart_funds; nothing published"):
        publish_postgres(warehouse)
    assert _published_snapshot(warehouse) == before
    assert published_versions_postgres(warehouse) == (first.version, [])
    assert not [s for s in _schemas(warehouse) if s.startswith("publishing_")]


@pytest.mark.parametrize("point", ["publish:building", "publish:before-commit"])
def test_lost_connection_mid_publish_leaves_published_as_it_was(
    warehouse: PostgresWarehouse, point: str
) -> None:
    first = publish_postgres(warehouse)
    before = _published_snapshot(warehouse)
    execute_statements(warehouse, "delete from marts.mart_pairings where true")
    killed: list[int] = []

    def kill_own_backend(name: str) -> None:
        if name != point or killed:
            return
        admin = admin_connection()
        try:
            with admin.cursor() as cursor:
                cursor.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity"
                    " where datname = %s and application_name = 'assistance_warehouse'",
                    [warehouse.dbname],
                )
                killed.extend(1 for row in cursor.fetchall() if row[0])
        finally:
            admin.close()

    with pytest.raises(WarehouseUnavailable, match=r"ASSIST_WAREHOUSE.*rolled back"):
        publish_postgres(warehouse, checkpoint=kill_own_backend)
    assert killed
    assert _published_snapshot(warehouse) == before
    assert published_versions_postgres(warehouse) == (first.version, [])
    assert not [s for s in _schemas(warehouse) if s.startswith("publishing_")]


def test_rollback_with_nothing_before(warehouse: PostgresWarehouse) -> None:
    with pytest.raises(PublishError, match="nothing to roll back"):
        rollback_postgres(warehouse)
    publish_postgres(warehouse)
    with pytest.raises(PublishError, match="no version before"):
        rollback_postgres(warehouse)


# --- 4. the BI role ----------------------------------------------------------------


def test_bi_role_reads_published_marts_only_and_writes_nothing(
    warehouse: PostgresWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    role, secret = f"{warehouse.dbname}_analyst", "s3cret-not-printed"
    publish_postgres(warehouse)  # an old version to be kept
    monkey = pytest.MonkeyPatch()
    monkey.setenv("ASSIST_WAREHOUSE", f"postgresql://postgres@127.0.0.1:5432/{warehouse.dbname}")
    monkey.setenv("ASSIST_VAR_DIR", str(tmp_path))
    monkey.setenv("ASSIST_BI_ROLE_PASSWORD", secret)
    try:
        assert main(["bi-role", "--name", role]) == 0
        assert main(["bi-role", "--name", role]) == 0  # again: updated, not an error
    finally:
        monkey.undo()
    printed = capsys.readouterr()
    assert secret not in printed.out + printed.err
    assert '"created": true' in printed.out and '"created": false' in printed.out
    # Grants follow the published schema: made before this publish, still valid after it.
    publish_postgres(warehouse)
    _, kept = published_versions_postgres(warehouse)
    assert kept

    bi = {"user": role, "password": secret}
    for mart in [*MARTS, "_publish_manifest"]:
        query_rows(warehouse, f"select count(*) from {PUBLISHED_SCHEMA}.{mart}", **bi)
    refused = [
        "select count(*) from raw.articles",
        "select count(*) from marts.mart_funds",
        "select count(*) from staging.stg_stat_sichuan_39_counties",
        f"select count(*) from published_{kept[-1]}.mart_funds",
        f"insert into {PUBLISHED_SCHEMA}.mart_funds (fund_key) values ('x')",
        f"update {PUBLISHED_SCHEMA}.mart_funds set amount_cny = 0",
        f"delete from {PUBLISHED_SCHEMA}.mart_funds",
        f"create table {PUBLISHED_SCHEMA}.mine (x int)",
        "create table public.mine (x int)",
        "create schema mine",
        f"drop table {PUBLISHED_SCHEMA}.mart_funds",
    ]
    for statement in refused:
        connection = psycopg2.connect(**{**warehouse.connect_kwargs(), **bi})
        try:
            with connection.cursor() as cursor, pytest.raises(psycopg2.Error) as error:
                cursor.execute(statement)
            assert error.value.pgcode in ("42501", "25006"), (statement, error.value.pgerror)
        finally:
            connection.close()
    # Even with read-only switched off for its session, privileges keep it out.
    connection = psycopg2.connect(**{**warehouse.connect_kwargs(), **bi})
    try:
        with connection.cursor() as cursor:
            cursor.execute("set default_transaction_read_only = off")
            connection.commit()
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(f"insert into {PUBLISHED_SCHEMA}.mart_funds (fund_key) values ('x')")
    finally:
        connection.close()


# --- 5. a reader during repeated publishes -------------------------------------------


def test_reader_sees_old_or_new_never_a_mix_while_publishes_repeat(
    warehouse: PostgresWarehouse, tmp_path: Path
) -> None:
    publishes = 20
    publish_postgres(warehouse)
    # A second candidate of other content, so that consecutive publishes differ.
    execute_statements(warehouse, "create schema marts_b")
    for mart in MARTS:
        execute_statements(
            warehouse,
            f"create table marts_b.{mart} as select * from marts.{mart}",
            f"delete from marts_b.{mart} where ctid in"
            f" (select ctid from marts_b.{mart} order by ctid desc limit 1)",
        )
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-m", "tools", "pg-reader", warehouse.dbname, str(stop)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    started = time.monotonic()
    try:
        time.sleep(1.0)
        for index in range(publishes):
            publish_postgres(warehouse, schema="marts_b" if index % 2 == 0 else "marts")
        time.sleep(0.5)
    finally:
        stop.touch()
        output, _ = reader.communicate(timeout=120)
    result = json.loads(output.strip().splitlines()[-1])
    print(f"{publishes} publishes in {time.monotonic() - started:.1f} s: {result}")
    assert result["errors"] == 0, result["problems"]
    assert result["violations"] == 0, result["problems"]
    assert result["reads"] > publishes
    assert result["snapshots"] == 2  # both contents were seen


def test_change_policy_and_approval_on_postgres(
    warehouse: PostgresWarehouse, tmp_path: Path
) -> None:
    """The change policy compares the candidate with the published schema; an approval of
    exactly this candidate lets it through, as on DuckDB."""
    from ingestion.quality.approval import approve
    from ingestion.quality.change import SUITE_NAME

    publish_postgres(warehouse)
    expectations = _gate_suites(tmp_path / "expectations")
    shutil.copy(EXPECTATIONS_DIR / "change_policy.json", expectations)
    execute_statements(
        warehouse,
        "delete from marts.mart_funds where fund_key in"
        " (select fund_key from marts.mart_funds order by fund_key limit 4)",
    )
    var_dir = tmp_path / "var"
    blocked = run_quality_gate(
        warehouse, expectations, tmp_path / "docs", published_dir=var_dir / "published"
    )
    assert not blocked.success
    assert [f.suite for f in blocked.failures] == [SUITE_NAME]
    assert "mart_funds lost 50% of its rows: 8 published, 4 in the candidate" in blocked.summary()
    assert f"{warehouse.describe()} (schema published)" in blocked.summary()

    approve(var_dir, approved_by="tester", reason="four funds retracted", warehouse_path=warehouse)
    approved = run_quality_gate(
        warehouse, expectations, tmp_path / "docs", published_dir=var_dir / "published"
    )
    assert approved.success, approved.summary()
    assert approved.approval is not None and approved.approval["approved_by"] == "tester"


# --- the README's commands, as written ---------------------------------------------

README_AUDIT_PUBLISH = (
    ".venv/bin/python -m ingestion audit && .venv/bin/python -m ingestion publish"
)
README_BI_ROLE = ".venv/bin/python -m ingestion bi-role --name ROLE_NAME"
README_ROLLBACK = ".venv/bin/python -m ingestion rollback"


def _checkout(root: Path) -> Path:
    """The project's entries as symlinks, plus ``.venv`` (a worktree has none of its own)."""
    mirror = root / "checkout"
    mirror.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name != "var":
            (mirror / entry.name).symlink_to(entry)
    if not (mirror / ".venv").exists():
        (mirror / ".venv").symlink_to(Path(sys.prefix))
    return mirror


def _readme(command: str, checkout: Path, env: dict[str, str], **ids: str) -> str:
    assert command in readme_commands(), f"the README shows no {command!r}"
    for placeholder, value in ids.items():
        command = command.replace(placeholder, value)
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert env["ASSIST_BI_ROLE_PASSWORD"] not in result.stdout + result.stderr
    return result.stdout


def test_readme_postgres_commands(warehouse: PostgresWarehouse, tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    secret = "readme-secret"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ASSIST_"))}
    env |= {
        "ASSIST_WAREHOUSE": f"postgresql://postgres@127.0.0.1:5432/{warehouse.dbname}",
        "ASSIST_VAR_DIR": str(tmp_path / "var"),
        "ASSIST_BI_ROLE_PASSWORD": secret,
        "PYTHONPATH": str(checkout),
    }
    first = json.loads(_readme(README_AUDIT_PUBLISH, checkout, env))
    assert published_versions_postgres(warehouse) == (first["version"], [])
    role = f"{warehouse.dbname}_bi"
    assert json.loads(_readme(README_BI_ROLE, checkout, env, ROLE_NAME=role))["created"]
    second = pipeline.publish(_settings(warehouse, tmp_path / "var"))  # same marts, new version
    assert json.loads(_readme(README_ROLLBACK, checkout, env))["rolled_back_from"] == second.version
    current, kept = published_versions_postgres(warehouse)
    assert (current, kept) == (first["version"], [second.version])
    query_rows(warehouse, "select count(*) from published.mart_funds", user=role, password=secret)


def test_the_dbt_build_succeeds_on_postgres_with_the_same_nodes(candidates: Candidates) -> None:
    result = candidates.postgres_build
    assert result.success and not result.failed_nodes
    assert result.count("warn") == 0, [n for n in result.nodes if n.status == "warn"]
    # The same nodes ran (seeds, models, unit and data tests) on both targets.
    assert sorted(n.unique_id for n in result.nodes) == sorted(
        n.unique_id for n in candidates.duckdb_build.nodes
    )


@pytest.mark.parametrize("mart", FIXTURE_MARTS)
def test_each_mart_holds_the_same_rows_on_postgres_and_duckdb(
    candidates: Candidates, mart: str
) -> None:
    with connect(candidates.duckdb_file) as duck:
        cursor = duck.execute(f"select * from marts.{mart}")
        duck_columns, duck_rows = [d[0] for d in cursor.description], cursor.fetchall()
    template = PostgresWarehouse(
        host="127.0.0.1", port=5432, user="postgres", dbname=candidates.template
    )
    pg = psycopg2.connect(**template.connect_kwargs())
    try:
        with pg.cursor() as cursor:
            cursor.execute(f"select * from marts.{mart}")
            pg_columns, pg_rows = [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        pg.close()  # the template takes no copy while a session is open on it
    assert pg_columns == duck_columns
    assert duck_rows, f"{mart} is empty: the comparison would prove nothing"
    assert _normalised(pg_rows) == _normalised(duck_rows)


def _normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows comparable across targets: floats rounded, sorted whatever the scan order."""
    cleaned = [
        tuple(round(value, 6) if isinstance(value, float) else value for value in row)
        for row in rows
    ]
    return sorted(cleaned, key=repr)
