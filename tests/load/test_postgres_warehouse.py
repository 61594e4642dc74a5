"""The warehouse on PostgreSQL, end to end on the loopback service: parity with DuckDB, faults.

One module fixture collects the sample sources (data/, sources.yml) once and
runs load and build on DuckDB and on a fresh PostgreSQL database of its own
(dropped afterwards). The marts must be identical (a portable content hash per
mart); the raw tables too. Then the faults of issue 12: a wrong host, a role
or database that does not exist, a database refusing connections, and a
connection terminated for real (``pg_terminate_backend`` from another
connection) in the middle of a load. Each fails the stage with a message
naming ASSIST_WAREHOUSE and where it points (never the password), leaves the
landing area and the marts as they were, and a re-run loads everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from ingestion import pipeline
from ingestion.config import PROJECT_ROOT, PostgresWarehouse, Settings
from ingestion.load import articles as articles_module
from ingestion.mart_hashes import MartHash, mart_hashes, table_hash
from ingestion.warehouse import Connection, connect, open_warehouse, table_names
from ingestion.warehouse_postgres import WarehouseUnavailable, open_postgres
from tests.postgres_service import admin_execute, fresh_database, terminate_backend, unique_name

pytestmark = [pytest.mark.services, pytest.mark.slow]

# Given in every faulty URL: trust authentication ignores it; no message may show it.
PASSWORD = "pw-never-shown-7f3a"
# Raw tables whose rows carry no load time: compared whole across warehouses.
TIMELESS_RAW_COLUMNS = {
    "articles": "article_id, source_id, url, content_hash, title, published_date, text",
    "facts_fund": "fact_id, article_id, amount_cny, qualifier, measure, payer, region,"
    " region_code, year, year_from, evidence, start_char, end_char, confidence",
    "facts_exit": "fact_id, article_id, level, exited, total, remaining, rate_pct, region, year",
    "gazetteer_regions": "*",
    "stat_county_indicators": "county_code, county_name_en, year, resident_population,"
    " rural_income_yuan",
}


@dataclass(frozen=True)
class Warehouses:
    duckdb: Settings
    postgres: Settings
    seconds: dict[str, float]

    @property
    def pg(self) -> PostgresWarehouse:
        assert self.postgres.postgres is not None
        return self.postgres.postgres


def _settings(var_dir: Path, postgres: PostgresWarehouse | None = None) -> Settings:
    return Settings(
        project_root=PROJECT_ROOT,
        var_dir=var_dir,
        sources_file=PROJECT_ROOT / "sources.yml",
        load_workers=1,
        postgres=postgres,
    )


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouses]:
    work = tmp_path_factory.mktemp("pg_parity")
    seconds: dict[str, float] = {}
    started = time.monotonic()
    duck = _settings(work / "duckdb")
    pipeline.collect_all(duck)
    seconds["collect"] = time.monotonic() - started
    with fresh_database("assist_parity") as pg:
        postgres = _settings(work / "postgres", pg)
        # The same landed bytes for both warehouses.
        shutil.copytree(duck.landing_dir, postgres.landing_dir)
        for name, settings in (("duckdb", duck), ("postgres", postgres)):
            started = time.monotonic()
            pipeline.load(settings)
            seconds[f"load {name}"] = time.monotonic() - started
            started = time.monotonic()
            pipeline.build(settings)
            seconds[f"build {name}"] = time.monotonic() - started
        yield Warehouses(duck, postgres, seconds)


def _hashes(settings: Settings, schema: str = "marts") -> dict[str, MartHash]:
    with open_warehouse(settings) as connection:
        return mart_hashes(connection, schema)


def _raw_counts(connection: Connection) -> dict[str, int]:
    return {
        table: int(connection.execute(f"select count(*) from raw.{table}").fetchone()[0])
        for table in sorted(table_names(connection, "raw"))
    }


def _landing_digest(settings: Settings) -> str:
    digest = hashlib.sha256()
    for path in sorted(settings.landing_dir.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(settings.landing_dir)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_marts_are_identical_on_duckdb_and_postgres(warehouses: Warehouses) -> None:
    duck, pg = _hashes(warehouses.duckdb), _hashes(warehouses.postgres)
    lines = [f"{'mart':<24} {'rows':>6}  {'hash on DuckDB':<16}  {'hash on PostgreSQL':<16}"]
    for name in sorted(duck):
        lines.append(
            f"{name:<24} {duck[name].rows:>6}  {duck[name].content_hash[:16]}  "
            f"{pg[name].content_hash[:16] if name in pg else '(missing)'}"
        )
    timings = ", ".join(f"{step} {s:.1f} s" for step, s in warehouses.seconds.items())
    print("\n" + "\n".join(lines) + f"\n{timings}")
    assert len(duck) >= 10, sorted(duck)
    assert sum(1 for mart in duck.values() if mart.rows) >= 9, "the comparison would prove little"
    assert pg == duck


def test_raw_tables_hold_the_same_rows(warehouses: Warehouses) -> None:
    with connect(warehouses.duckdb.warehouse_path) as duck:
        duck_counts = _raw_counts(duck)
        duck_rows = {t: _timeless_hash(duck, t) for t in TIMELESS_RAW_COLUMNS}
    with open_warehouse(warehouses.postgres) as pg:
        assert _raw_counts(pg) == duck_counts
        assert {t: _timeless_hash(pg, t) for t in TIMELESS_RAW_COLUMNS} == duck_rows


def _timeless_hash(connection: Connection, table: str) -> tuple[int, str]:
    from ingestion.mart_hashes import rows_hash

    cursor = connection.execute(f"select {TIMELESS_RAW_COLUMNS[table]} from raw.{table}")
    return rows_hash([d[0] for d in cursor.description], cursor.fetchall())


def test_a_second_load_adds_nothing(warehouses: Warehouses) -> None:
    with open_warehouse(warehouses.postgres) as pg:
        before = _raw_counts(pg)
    summary = pipeline.load(warehouses.postgres)
    assert (summary.fetch_attempts, summary.articles["parsed"], summary.facts["facts"]) == (0, 0, 0)
    with open_warehouse(warehouses.postgres) as pg:
        assert _raw_counts(pg) == before


def _faulty(pg: PostgresWarehouse, fault: str, name: str) -> PostgresWarehouse:
    """``pg`` with one thing wrong; ``name`` a unique name that exists nowhere."""
    match fault:
        case "nothing listens on the port":
            return replace(pg, port=1, password=PASSWORD)
        case "the role does not exist":
            return replace(pg, user=name, password=PASSWORD)
        case "the database does not exist":
            return replace(pg, dbname=name, password=PASSWORD)
    raise AssertionError(fault)


def _assert_names_the_setting(error: BaseException, pg: PostgresWarehouse, *words: str) -> None:
    message = str(error)
    assert f"ASSIST_WAREHOUSE={pg.describe()}" in message
    assert PASSWORD not in message and PASSWORD not in repr(error)
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("nothing listens on the port", "Connection refused"),
        ("the role does not exist", "does not exist"),
        ("the database does not exist", "does not exist"),
    ],
)
def test_a_warehouse_that_cannot_be_reached_fails_load_and_build_by_name(
    warehouses: Warehouses, fault: str, said: str
) -> None:
    marts, landing = _hashes(warehouses.postgres), _landing_digest(warehouses.postgres)
    faulty = _faulty(warehouses.pg, fault, unique_name("assist_absent"))
    settings = replace(warehouses.postgres, postgres=faulty)
    for stage in (pipeline.load, pipeline.build):
        with pytest.raises(WarehouseUnavailable) as caught:
            stage(settings)
        _assert_names_the_setting(caught.value, faulty, said)
    assert _landing_digest(warehouses.postgres) == landing
    assert _hashes(warehouses.postgres) == marts


def test_a_database_that_refuses_connections_fails_load_and_build_by_name(
    warehouses: Warehouses,
) -> None:
    pg = warehouses.pg
    marts, landing = _hashes(warehouses.postgres), _landing_digest(warehouses.postgres)
    settings = replace(warehouses.postgres, postgres=replace(pg, password=PASSWORD))
    admin_execute(f"alter database {pg.dbname} allow_connections false")
    try:
        for stage in (pipeline.load, pipeline.build):
            with pytest.raises(WarehouseUnavailable) as caught:
                stage(settings)
            _assert_names_the_setting(caught.value, pg, "not currently accepting connections")
    finally:
        admin_execute(f"alter database {pg.dbname} allow_connections true")
    assert _landing_digest(warehouses.postgres) == landing
    assert _hashes(warehouses.postgres) == marts


def _terminate_at_parsed_payloads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Kill the loading connection when a parse batch is half written (articles in).

    The hook sits in the loader's own call to the bulk writer: the batch's
    articles are written inside its transaction; then the server process is
    terminated from another connection, and the bookkeeping insert meets a dead
    connection. Returns the list of terminated pids (filled as it happens).
    """
    killed: list[int] = []
    real_insert = articles_module.insert_rows

    def insert_rows(connection: Any, table: str, *args: Any, **kwargs: Any) -> int:
        if table == "raw.parsed_payloads" and not killed:
            killed.append(connection.backend_pid)
            terminate_backend(connection.backend_pid)
        return real_insert(connection, table, *args, **kwargs)

    monkeypatch.setattr(articles_module, "insert_rows", insert_rows)
    return killed


def test_a_connection_lost_mid_batch_rolls_it_back_and_a_rerun_loads_everything(
    warehouses: Warehouses, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with open_warehouse(warehouses.postgres) as pg:
        expected = _raw_counts(pg)
    with fresh_database("assist_lost") as fresh:
        settings = replace(_settings(tmp_path, fresh), var_dir=warehouses.postgres.var_dir)
        landing = _landing_digest(settings)
        killed = _terminate_at_parsed_payloads(monkeypatch)
        with pytest.raises(WarehouseUnavailable) as caught:
            pipeline.load(settings)
        assert killed
        _assert_names_the_setting(caught.value, fresh, "failed")
        with open_postgres(fresh) as connection:
            # The fetch log's own transaction was done; the parse batch was cut off
            # half-written and rolled back whole: not one of its articles is there.
            assert _raw_counts(connection)["fetch_log"] == expected["fetch_log"]
            assert _raw_counts(connection)["articles"] == 0
            assert _raw_counts(connection)["parsed_payloads"] == 0
        monkeypatch.undo()
        pipeline.load(settings)
        with open_postgres(fresh) as connection:
            assert _raw_counts(connection) == expected
        assert _landing_digest(settings) == landing


def test_a_connection_lost_in_a_backfill_leaves_the_marts_and_a_rerun_restores_raw(
    warehouses: Warehouses, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = warehouses.postgres
    marts, landing = _hashes(settings), _landing_digest(settings)
    with open_warehouse(settings) as pg:
        before = _raw_counts(pg)
        day = pg.execute("select max(fetched_at) from raw.fetch_log").fetchone()[0]
    killed = _terminate_at_parsed_payloads(monkeypatch)
    with pytest.raises(WarehouseUnavailable):
        pipeline.load(settings, reprocess_day=day.astimezone(dt.UTC).date())
    assert killed
    monkeypatch.undo()
    assert _hashes(settings) == marts
    assert _landing_digest(settings) == landing
    summary = pipeline.load(settings)
    assert summary.facts["articles"] > 0  # the forgotten day was read again
    with open_warehouse(settings) as pg:
        assert _raw_counts(pg) == before


def test_the_table_hash_is_the_same_for_the_same_rows_in_any_order(
    warehouses: Warehouses,
) -> None:
    with open_warehouse(warehouses.postgres) as pg:
        pg.execute(
            "create temporary table shuffled as select * from marts.mart_funds order by random()"
        )
        assert table_hash(pg, "marts", "mart_funds").content_hash == (
            table_hash(pg, "pg_temp", "shuffled").content_hash
        )
