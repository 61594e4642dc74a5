"""The same dbt project built for real on PostgreSQL, compared with DuckDB.

A throwaway PostgreSQL server (``initdb`` + ``pg_ctl`` from PATH) is started
in a temporary directory for the module, listening only on a unix socket in
that directory; the raw fixture of ``raw_fixture`` is loaded into it and into
a DuckDB file, ``dbt build`` runs on both targets, and every mart must hold
the same rows on both. The module is skipped where PostgreSQL's server
binaries are not installed.

PostgreSQL refuses to run as root: when the tests run as root, the server
runs as ``nobody`` (through ``runuser`` or ``setpriv``), owning its directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingestion.transform.dbt_runner import DbtResult, run_dbt
from ingestion.warehouse import connect
from tests.transform.raw_fixture import MARTS, load_fixture, postgres_raw_ddl, raw_rows

pytestmark = pytest.mark.slow

psycopg2 = pytest.importorskip("psycopg2")

UNPRIVILEGED_USER = "nobody"
DBNAME = "assistance"
SUPERUSER = "postgres"
# Any number: the server listens on a unix socket only, named after the port.
PORT = 54329
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "port": str(PORT),
    # unix_socket_directories is set per server (its own directory).
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: Path
    port: int
    user: str
    dbname: str

    def dsn(self, dbname: str | None = None) -> dict[str, Any]:
        return {
            "host": str(self.socket_dir),
            "port": self.port,
            "user": self.user,
            "dbname": dbname or self.dbname,
        }


def _run_as_prefix() -> list[str]:
    """How to run the server binaries: as is, or as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        pytest.skip(f"running as root and there is no {UNPRIVILEGED_USER!r} user to run PostgreSQL")
    if shutil.which("runuser"):
        return ["runuser", "-u", UNPRIVILEGED_USER, "--"]
    if shutil.which("setpriv"):
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        return [
            "setpriv",
            f"--reuid={entry.pw_uid}",
            f"--regid={entry.pw_gid}",
            "--clear-groups",
            "--",
        ]
    pytest.skip("running as root and neither runuser nor setpriv is available")


def _run(command: list[str], output: Path, *also_show: Path) -> None:
    """Run a server binary, its output into ``output``; fail showing that and ``also_show``."""
    with output.open("ab") as out:
        completed = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=60
        )
    if completed.returncode != 0:
        shown = "\n".join(
            path.read_text(encoding="utf-8", errors="replace")[-2000:]
            for path in (output, *also_show)
            if path.exists()
        )
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}):\n{shown}")


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not on PATH")
    prefix = _run_as_prefix()

    # Not under pytest's tmp dir: that one is private to us (0700), so an
    # unprivileged server user could not reach it. Kept short for the socket path.
    root = Path(tempfile.mkdtemp(prefix="assist-pg-"))
    data_dir, log = root / "data", root / "server.log"
    if prefix:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    try:
        _run(
            [*prefix, initdb, "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
             "--no-sync", "-D", str(data_dir)],
            root / "initdb.log",
        )  # fmt: skip
        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{root}'"}
        with (data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # The server writes its own log (as the server user); pg_ctl's output goes to ours.
        _run(
            [*prefix, pg_ctl, "-D", str(data_dir), "-l", str(log), "-w", "-t", "30", "start"],
            root / "pg_ctl.log",
            log,
        )
        server = PostgresServer(socket_dir=root, port=PORT, user=SUPERUSER, dbname=DBNAME)
        connection = psycopg2.connect(**server.dsn("postgres"))
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f"create database {DBNAME}")
        finally:
            connection.close()
        yield server
    finally:
        # Also after a start that timed out: a server that wrote its pid file is stopped.
        if (data_dir / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)


def _load_postgres(server: PostgresServer) -> None:
    connection = psycopg2.connect(**server.dsn())
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(postgres_raw_ddl())
            for table, rows in raw_rows().items():
                placeholders = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"insert into raw.{table} values ({placeholders})", rows)
    finally:
        connection.close()


@dataclass(frozen=True)
class Builds:
    duckdb_file: Path
    server: PostgresServer
    duckdb_result: DbtResult
    postgres_result: DbtResult


@pytest.fixture(scope="module")
def builds(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Builds]:
    work = tmp_path_factory.mktemp("postgres_target")
    duckdb_file = work / "warehouse.duckdb"
    with connect(duckdb_file) as connection:
        load_fixture(connection)
    duckdb_result = run_dbt(
        ["build"], duckdb_file, target_dir=work / "duckdb_target", target="duckdb"
    )

    _load_postgres(postgres_server)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "ASSIST_PG_HOST": str(postgres_server.socket_dir),
            "ASSIST_PG_PORT": str(postgres_server.port),
            "ASSIST_PG_USER": postgres_server.user,
            "ASSIST_PG_PASSWORD": "",
            "ASSIST_PG_DBNAME": postgres_server.dbname,
        }.items():
            patch.setenv(name, value)
        postgres_result = run_dbt(
            ["build"],
            # Not opened: the postgres target reads its connection from ASSIST_PG_*.
            work / "unused.duckdb",
            target_dir=work / "postgres_target",
            target="postgres",
        )
    yield Builds(duckdb_file, postgres_server, duckdb_result, postgres_result)


def _normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows comparable across targets: floats rounded, sorted whatever the scan order."""
    cleaned = [
        tuple(round(value, 6) if isinstance(value, float) else value for value in row)
        for row in rows
    ]
    return sorted(cleaned, key=repr)


def _duckdb_mart(path: Path, mart: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connect(path) as connection:
        cursor = connection.execute(f"select * from marts.{mart}")
        return [d[0] for d in cursor.description], cursor.fetchall()


def _postgres_mart(server: PostgresServer, mart: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = psycopg2.connect(**server.dsn())
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select * from marts.{mart}")
            return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        connection.close()


def test_build_succeeds_on_postgres(builds: Builds) -> None:
    result = builds.postgres_result
    assert result.success
    assert not result.failed_nodes
    assert result.count("warn") == 0, [n for n in result.nodes if n.status == "warn"]
    # The same nodes ran (seeds, models, unit and data tests) on both targets.
    assert sorted(n.unique_id for n in result.nodes) == sorted(
        n.unique_id for n in builds.duckdb_result.nodes
    )


@pytest.mark.parametrize("mart", MARTS)
def test_mart_is_the_same_on_postgres_and_duckdb(builds: Builds, mart: str) -> None:
    duck_columns, duck_rows = _duckdb_mart(builds.duckdb_file, mart)
    pg_columns, pg_rows = _postgres_mart(builds.server, mart)
    assert pg_columns == duck_columns
    assert duck_rows, f"{mart} is empty: the comparison would prove nothing"
    assert _normalised(pg_rows) == _normalised(duck_rows)
