"""Superset on the PostgreSQL warehouse, for real: ``make bi`` reads ``published`` as the BI role.

One database of its own on the 127.0.0.1 service (``tests/publish/postgres_warehouse``):
the raw fixture, one dbt build, one publish; Superset started once by the README's
command. Its connection is the read-only BI role's, never the owner's, and the
role's password is written nowhere in clear; every chart's data, fetched through
the REST API, equals the same question asked of the published schema directly;
the county filter's default comes from that schema; publishes while charts are
asked give each one data of a published version, and the server stays up.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bi.api import SupersetApiError, SupersetClient
from bi.dashboards import COUNTY_PROFILE
from ingestion.config import PROJECT_ROOT, PostgresWarehouse
from ingestion.publish.postgres_publisher import PUBLISHED_SCHEMA, publish_postgres
from ingestion.transform.catalogue import published_tables
from tests.bi.superset_checks import (
    ADMIN_PASSWORD,
    BI_PYTHON,
    CHARTS,
    EXPECTED_SQL,
    chart_rows,
    check_fetches_during_publishes,
    free_port,
    rows,
    run_readme,
    run_shared_dir,
    seed_initialised_home,
    signed_in,
)
from tests.publish.postgres_warehouse import (
    HOST,
    PORT,
    build_candidate,
    execute_statements,
    load_raw_fixture,
    postgres_database,
    query_rows,
)

pytestmark = [pytest.mark.bi, pytest.mark.slow, pytest.mark.services]

if not BI_PYTHON.exists():
    pytest.skip("Superset's venv is missing: run `make bi-install`", allow_module_level=True)

# The README's command ("Look at the dashboards", on PostgreSQL), run as written with the
# test's database and role put in for the README's; the password comes from the environment.
README_URL = "postgresql://postgres@127.0.0.1:5432/assistance"
README_ROLE = "assistance_superset"
README_UP_POSTGRES = (
    "ASSIST_WAREHOUSE=postgresql://postgres@127.0.0.1:5432/assistance"
    " ASSIST_BI_ROLE=assistance_superset make bi"
)
README_STOP = "make bi-stop"
# Characters a URI must escape: the password goes into Superset's connection URI quoted.
SECRET = "bi s3cret:/@%"
SECRET_QUOTED = "bi%20s3cret%3A%2F%40%25"


@dataclass(frozen=True)
class Running:
    url: str
    env: dict[str, str]
    var_dir: Path
    warehouse: PostgresWarehouse  # the owner's login (the test's)
    role: str
    client: SupersetClient
    chart_ids: dict[str, int]
    pid: int
    up_output: str


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ASSIST_"))}
    return env | {
        "PYTHONPATH": str(PROJECT_ROOT),
        "ASSIST_VAR_DIR": str(var_dir),
        "ASSIST_BI_PORT": str(free_port()),
        "ASSIST_BI_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ASSIST_BI_ROLE_PASSWORD": SECRET,
    }


def _query(warehouse: PostgresWarehouse, sql: str) -> list[tuple[Any, ...]]:
    return query_rows(warehouse, sql, options=f"-c search_path={PUBLISHED_SCHEMA}")


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    var_dir = tmp_path_factory.mktemp("bi-pg-var")
    with postgres_database("assist_bi") as warehouse:
        load_raw_fixture(warehouse)
        build = build_candidate(warehouse, var_dir / "dbt")
        assert build.success, build.failed_nodes
        publish_postgres(warehouse)
        role = f"{warehouse.dbname}_superset"  # dropped with the database (its prefix)
        env = _env(var_dir)
        seed_initialised_home(var_dir, run_shared_dir(tmp_path_factory))
        up = run_readme(
            env,
            README_UP_POSTGRES,
            replacing={
                README_URL: f"postgresql://{warehouse.user}@{HOST}:{PORT}/{warehouse.dbname}",
                README_ROLE: role,
            },
        )
        try:
            assert up.returncode == 0, up.stdout + up.stderr
            state, client, chart_ids = signed_in(var_dir)
            yield Running(
                state["url"],
                env,
                var_dir,
                warehouse,
                role,
                client,
                chart_ids,
                state["pid"],
                up.stdout + up.stderr,
            )
        finally:
            run_readme(env, README_STOP, timeout=120)


def test_superset_reads_as_the_bi_role_in_the_published_schema(superset: Running) -> None:
    assert f"as the read-only role {superset.role!r}" in superset.up_output
    [database] = superset.client.request("GET", "/api/v1/database/")["result"]
    connection = superset.client.request("GET", f"/api/v1/database/{database['id']}/connection")
    warehouse = superset.warehouse
    assert connection["result"]["sqlalchemy_uri"] == (
        f"postgresql+psycopg2://{superset.role}:XXXXXXXXXX@{HOST}:{PORT}/{warehouse.dbname}"
    )
    datasets = superset.client.request("GET", "/api/v1/dataset/", params={"q": "(page_size:100)"})
    assert {d["schema"] for d in datasets["result"]} == {PUBLISHED_SCHEMA}

    def sql_lab(sql: str) -> list[dict[str, Any]]:
        answer = superset.client.request(
            "POST",
            "/api/v1/sqllab/execute/",
            {"database_id": database["id"], "sql": sql, "runAsync": False},
        )
        return list(answer["data"])

    # Who the queries run as (current_user is on Superset's list of refused functions).
    assert sql_lab("select current_role as who") == [{"who": superset.role}]
    assert sql_lab("select count(*) as n from mart_funds")[0]["n"] > 0  # search_path: published
    with pytest.raises(SupersetApiError, match="permission denied for schema marts"):
        sql_lab("select count(*) from marts.mart_funds")


def test_the_role_password_is_written_nowhere_in_clear(superset: Running) -> None:
    assert SECRET not in superset.up_output
    for path in (superset.var_dir / "superset").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data, path
            assert SECRET_QUOTED.encode() not in data, path  # the URI's form (event log)
    # Superset's processes have neither the role's password nor the owner's login.
    environ = Path(f"/proc/{superset.pid}/environ").read_bytes().split(b"\0")
    assert not [v for v in environ if v.startswith((b"ASSIST_WAREHOUSE=", b"ASSIST_BI_ROLE_"))]


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_chart_data_equals_the_published_schema(superset: Running, key: str) -> None:
    expected = rows(_query(superset.warehouse, EXPECTED_SQL[key]))
    assert expected, f"{key}: the fixture gives this chart no rows, the check would be empty"
    assert chart_rows(superset.client, superset.chart_ids[key]) == expected


def test_the_county_filter_opens_on_a_county_of_the_published_schema(superset: Running) -> None:
    [native] = COUNTY_PROFILE.filters
    assert native.default_sql
    [(county,)] = _query(superset.warehouse, native.default_sql)
    dashboard = superset.client.request("GET", f"/api/v1/dashboard/{COUNTY_PROFILE.slug}")
    [configured] = json.loads(dashboard["result"]["json_metadata"])["native_filter_configuration"]
    assert configured["defaultDataMask"]["filterState"]["value"] == [county]


def test_publishes_during_queries_give_data_or_a_clear_message(superset: Running) -> None:
    key, warehouse = "top_recipients", superset.warehouse
    # A second candidate, one fund fewer: publishes alternate the two contents.
    execute_statements(
        warehouse,
        "create schema marts_b",
        *(f"create table marts_b.{m} as select * from marts.{m}" for m in published_tables()),
        "delete from marts_b.mart_funds"
        " where fund_key = (select max(fund_key) from marts_b.mart_funds)",
    )

    def publish(index: int) -> None:
        publish_postgres(warehouse, schema="marts_b" if index % 2 == 0 else "marts")

    publish(0)
    fewer = rows(_query(warehouse, EXPECTED_SQL[key]))
    publish(1)  # the content the other tests see
    every = rows(_query(warehouse, EXPECTED_SQL[key]))
    assert fewer != every

    check_fetches_during_publishes(
        lambda: chart_rows(superset.client, superset.chart_ids[key]),
        [every, fewer],
        publish,
        publishes=10,
        var_dir=superset.var_dir,
        pid=superset.pid,
    )
    # The role reads on; another publish goes through and shows.
    publish_postgres(warehouse, schema="marts_b")
    as_role = PostgresWarehouse(HOST, PORT, superset.role, warehouse.dbname, SECRET)
    assert rows(_query(as_role, EXPECTED_SQL[key])) == fewer
    assert chart_rows(superset.client, superset.chart_ids[key]) == fewer
    publish_postgres(warehouse, schema="marts")


def test_bi_up_says_what_to_set_or_run_first(superset: Running, tmp_path: Path) -> None:
    """No role named, or nothing published yet: one sentence, and nothing started."""
    url = f"postgresql://{superset.warehouse.user}@{HOST}:{PORT}/{superset.warehouse.dbname}"
    env = {**_env(tmp_path), "ASSIST_WAREHOUSE": url}
    done = _bi(env)
    assert done.returncode == 1
    assert "set ASSIST_BI_ROLE (its name" in done.stderr
    assert "ASSIST_BI_ROLE_PASSWORD (its password)" in done.stderr
    with postgres_database("assist_bi_empty") as empty:
        env = {
            **env,
            "ASSIST_WAREHOUSE": f"postgresql://{empty.user}@{HOST}:{PORT}/{empty.dbname}",
            "ASSIST_BI_ROLE": f"{empty.dbname}_superset",
        }
        done = _bi(env)
    assert done.returncode == 1
    assert "no published marts in" in done.stderr and "ingestion publish" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert not (tmp_path / "superset").exists()


def _bi(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BI_PYTHON), "-m", "bi", "up"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
