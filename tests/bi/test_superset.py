"""Superset on the published marts, for real: started once, dashboards imported once.

Every chart's data, fetched through Superset's REST API, equals the same
question asked of the published mart with DuckDB; a second publish shows
without restarting Superset; publishes while charts are asked give each one
data of a published version (or a clear message), never a crashed server or a
locked file; each dashboard draws in headless Chromium; a missing published
file gives a clear message and a server still up. (On PostgreSQL:
``test_superset_postgres.py``.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from bi.api import SupersetApiError, SupersetClient
from bi.dashboards import DASHBOARDS
from ingestion.config import PROJECT_ROOT
from ingestion.publish.publisher import publish_marts
from ingestion.warehouse import connect
from tests.bi.superset_checks import (
    ADMIN_PASSWORD,
    BI_PYTHON,
    CHARTS,
    EXPECTED_SQL,
    LABEL,
    chart_rows,
    check_fetches_during_publishes,
    free_port,
    rows,
    run_readme,
    run_shared_dir,
    seed_initialised_home,
    signed_in,
)
from tests.sample_marts import create_sample_marts

pytestmark = [pytest.mark.bi, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "bi"

if not BI_PYTHON.exists():
    pytest.skip("Superset's venv is missing: run `make bi-install`", allow_module_level=True)

# A second assisted county, with fewer reports than Luding (the county page opens on
# Luding) and a later exit year (so an unfiltered "exit year" would read 2020).
SECOND_COUNTY = """
insert into marts.dim_region values
    ('513321000000', 'Kangding', '康定市', 'county', '513300000000', '510000000000',
     '513300000000', 101.96, 30.05, true, 2020, null, null, null, null);
insert into marts.mart_county_profile values
    ('513321000000', 'Kangding', '康定市', '513300000000', 'Garze', '510000000000', 'Sichuan',
     null, 0, null, null, null, null, null, null, null, 2020, true, 0, 1);
"""

# One more article, published second: a fund, a pairing, an output, an exit and its evidence.
SECOND_ARTICLE = """
insert into marts.mart_funds values
    ('f9', 'region', '330000000000', 'Zhejiang', 'Luding', '513322000000', 2019, null,
     'single_year', 'assistance_funds', 'exact', 30000000.0, 1, 'a9', '2021-02-01',
     '2021-02-01', 'Zhejiang added 30 million yuan for Luding.');
insert into marts.mart_pairings values
    ('p9', 'Hangzhou', 'region', null, 'Luding', '513322000000', 'east_west_cooperation',
     2021, 2021, 1, 'a9', '2021-02-01', '2021-02-01', 'Hangzhou paired with Luding.');
insert into marts.mart_poverty_exits values
    ('e9', 'Luding', '513322000000', 'household', 2020, null, 'single_year', 1200, null, null,
     null, 1, 'a9', '2021-02-01', '2021-02-01', '1,200 households left poverty in 2020.');
insert into marts.mart_fact_evidence values
    ('v9', 'mart_funds', 'f9', null, 'fact-9', 'a9',
     'Zhejiang added 30 million yuan for Luding.', 10, 52, true, 'patterns-0.2.0', 0.9,
     'https://example.org/a9', 'More aid for Luding', '2021-02-01');
"""


@dataclass(frozen=True)
class Running:
    url: str
    env: dict[str, str]
    warehouse: Path
    published_db: Path
    client: SupersetClient
    chart_ids: dict[str, int]
    pid: int
    up_seconds: float


def _bi(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BI_PYTHON), "-m", "bi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# The README's commands ("Look at the dashboards"), run as written; the site's var/
# and port come from the environment (tests/test_readme_commands.py maps them here).
README_UP = "make bi"
README_STOP = "make bi-stop"


def _readme(env: dict[str, str], command: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return run_readme(env, command, timeout)


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    var_dir = tmp_path_factory.mktemp("bi-var")
    warehouse = var_dir / "warehouse.duckdb"
    with connect(warehouse) as connection:
        create_sample_marts(connection)
        connection.execute(SECOND_COUNTY)
    published = publish_marts(warehouse, var_dir / "published")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "ASSIST_VAR_DIR": str(var_dir),
        "ASSIST_BI_PORT": str(free_port()),
        "ASSIST_BI_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    seed_initialised_home(var_dir, run_shared_dir(tmp_path_factory))
    began = time.monotonic()
    up = _readme(env, README_UP)
    up_seconds = time.monotonic() - began
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        state, client, chart_ids = signed_in(var_dir)
        yield Running(
            state["url"],
            env,
            warehouse,
            published.database_path,
            client,
            chart_ids,
            state["pid"],
            up_seconds,
        )
    finally:
        _readme(env, README_STOP, timeout=120)


def _chart_rows(running: Running, key: str, filters: list[dict] | None = None) -> list[tuple]:
    return chart_rows(running.client, running.chart_ids[key], filters)


def _mart_rows(database: Path, sql: str, where: str | None = None) -> list[tuple]:
    if where:
        sql = f"select * from ({sql}) as q where {where}"
    with duckdb.connect(str(database), read_only=True) as connection:
        return rows(connection.execute(sql).fetchall())


def test_dashboards_are_imported_once_each(superset: Running) -> None:
    titles = [
        superset.client.find("dashboard", "slug", d.slug)["dashboard_title"] for d in DASHBOARDS
    ]
    assert titles == [d.title for d in DASHBOARDS]
    # The command is idempotent: running it again updates in place, same ids, no duplicates.
    again = _bi(superset.env, "up")
    assert again.returncode == 0, again.stdout + again.stderr
    for key, chart in CHARTS.items():
        assert (
            superset.client.find("chart", "slice_name", chart.name)["id"] == superset.chart_ids[key]
        )
    charts = superset.client.request("GET", "/api/v1/chart/", params={"q": "(page_size:100)"})
    assert charts["count"] == len(CHARTS)
    database = superset.client.request("GET", "/api/v1/database/")["result"]
    assert len(database) == 1
    extra = json.loads(
        superset.client.request("GET", f"/api/v1/database/{database[0]['id']}/connection")[
            "result"
        ]["extra"]
    )
    assert extra["engine_params"]["connect_args"] == {"read_only": True}


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_chart_data_equals_the_mart(superset: Running, key: str) -> None:
    expected = _mart_rows(superset.published_db, EXPECTED_SQL[key])
    assert expected, f"{key}: the sample marts give this chart no rows, the check would be empty"
    assert _chart_rows(superset, key) == expected


@pytest.mark.parametrize(
    ("key", "column", "value", "position"),
    [
        ("pairing_network", "mechanism", "east_west_cooperation", None),
        ("pairings_table", "province", "Sichuan", 4),
        ("profile_helpers", "county", "Luding (泸定县)", 0),
        ("profile_funds_by_year", "county", "Luding (泸定县)", 0),
        ("profile_outputs", "county", "Luding (泸定县)", 0),
        ("profile_evidence", "county", "Luding (泸定县)", 0),
    ],
)
def test_dashboard_filters_narrow_the_charts(
    superset: Running, key: str, column: str, value: str, position: int | None
) -> None:
    """The native filters' columns are in the charts' datasets and narrow them as the mart."""
    got = _chart_rows(superset, key, [{"col": column, "op": "IN", "val": [value]}])
    everything = _chart_rows(superset, key)
    if position is None:  # the network's mechanism is not among its columns: ask the mart
        expected = _mart_rows(
            superset.published_db,
            "select helper_name, helped_name, helper_kind, sum(article_count) from "
            f"mart_pairings where mechanism = '{value}' group by all",
        )
    else:
        expected = [row for row in everything if row[position] == value]
    assert got == expected
    assert got


def test_a_second_publish_shows_without_restarting(superset: Running) -> None:
    before = {key: _chart_rows(superset, key) for key in CHARTS}
    with connect(superset.warehouse) as connection:
        connection.execute(SECOND_ARTICLE)
    publish_marts(superset.warehouse, superset.published_db.parent)
    changed = set()
    for key in CHARTS:
        after = _chart_rows(superset, key)
        assert after == _mart_rows(superset.published_db, EXPECTED_SQL[key]), key
        if after != before[key]:
            changed.add(key)
    # 120M + 30M from Zhejiang to Luding in 2019, one more helper, one more sentence.
    assert (2019, "Zhejiang", 150000000.0) in _chart_rows(superset, "funds_by_year_payer")
    assert {
        "funds_by_year_payer",
        "county_funds_map",
        "top_recipients",
        "pairing_network",
        "exits_by_year_level",
        "profile_helpers",
        "profile_evidence",
    } <= changed
    state = json.loads(
        (superset.published_db.parent.parent / "superset" / "server.json").read_text()
    )
    assert state["pid"] == superset.pid  # the same server process throughout


# A fund published, then taken out, again and again: two contents of the marts in turn.
TOGGLED_FUND = (
    "insert into marts.mart_funds values ('f_toggle', 'region', '330000000000', 'Zhejiang',"
    " 'Luding', '513322000000', 2018, null, 'single_year', 'assistance_funds', 'exact',"
    " 5000000.0, 1, 'a8', '2021-03-01', '2021-03-01', 'Zhejiang gave Luding 5 million.')",
    "delete from marts.mart_funds where fund_key = 'f_toggle'",
)


def test_publishes_during_queries_give_data_or_a_clear_message(superset: Running) -> None:
    key = "funds_by_year_payer"
    published_dir = superset.published_db.parent

    def publish(index: int) -> None:
        with connect(superset.warehouse) as connection:
            connection.execute(TOGGLED_FUND[index % 2])
        publish_marts(superset.warehouse, published_dir)

    publish(0)
    with_fund = _mart_rows(superset.published_db, EXPECTED_SQL[key])
    publish(1)  # the content the other tests see
    without = _mart_rows(superset.published_db, EXPECTED_SQL[key])
    assert with_fund != without

    check_fetches_during_publishes(
        lambda: _chart_rows(superset, key),
        [without, with_fund],
        publish,
        publishes=6,
        var_dir=published_dir.parent,
        pid=superset.pid,
    )
    # Nothing holds the published file: it opens read-only, and another publish goes through.
    assert _mart_rows(superset.published_db, EXPECTED_SQL[key]) == without
    publish_marts(superset.warehouse, published_dir)
    assert _chart_rows(superset, key) == without


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_every_chart_draws_in_headless_chromium(superset: Running) -> None:
    out = ARTIFACTS / "screenshots"
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run(
        [str(BI_PYTHON), "-m", "bi.render", "--url", superset.url, "--out", str(out)],
        cwd=PROJECT_ROOT,
        env=superset.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.stdout, f"the renderer printed no report (exit {done.returncode}): {done.stderr}"
    report = json.loads(done.stdout)
    for dashboard in DASHBOARDS:
        drawn = {c["chart_id"]: c for c in report[dashboard.slug]}
        assert set(drawn) == {superset.chart_ids[c.key] for c in dashboard.charts}, dashboard.slug
        for chart in dashboard.charts:
            seen = drawn[superset.chart_ids[chart.key]]
            assert seen["errors"] == [], (dashboard.slug, chart.key, seen)
            assert seen["drew"], (dashboard.slug, chart.key, seen)
            if chart.viz_type == "table":
                assert seen["table_cells"] > 0, (chart.key, seen)
            elif chart.viz_type == "big_number_total":
                assert seen["big_number"].strip().isdigit(), (chart.key, seen)
            else:
                assert seen["inked_canvases"] > 0, (chart.key, seen)
        if dashboard.slug == "county-profile":
            # The page opens filtered to one county (the fullest profile, then the most
            # reported): its exit year, not the latest of all counties.
            [(county, exit_year)] = _mart_rows(
                superset.published_db,
                f"select {LABEL.format(r='c')}, poverty_exit_year from mart_county_profile c "
                "order by (poverty_exit_year is not null)::int"
                " + (single_year_funds_cny is not null)::int"
                " + (output_value_cny is not null)::int + (helper_count > 0)::int desc,"
                " source_article_count desc limit 1",
            )
            assert (
                exit_year
                != _mart_rows(superset.published_db, EXPECTED_SQL["profile_exit_year"])[0][0]
            )
            big = drawn[superset.chart_ids["profile_exit_year"]]["big_number"]
            assert big.strip() == str(exit_year), (county, big)
        shot = out / f"{dashboard.slug}.png"
        assert shot.stat().st_size > 20_000, shot  # a drawn page, not a blank one
    assert done.returncode == 0, done.stderr[-3000:]


def test_missing_published_file_is_explained_and_the_server_stays_up(superset: Running) -> None:
    link = superset.published_db
    aside = link.with_name("marts.duckdb.aside")
    os.rename(link, aside)
    try:
        with pytest.raises(SupersetApiError) as failure:
            _chart_rows(superset, "top_recipients")
        assert f"No published marts at {link}" in failure.value.body
        assert "make demo" in failure.value.body
        with urllib.request.urlopen(f"{superset.url}/health", timeout=10) as response:
            assert response.status == 200
    finally:
        os.rename(aside, link)
    # Back as soon as the file is: no restart.
    assert _chart_rows(superset, "top_recipients") == _mart_rows(
        link, EXPECTED_SQL["top_recipients"]
    )


def test_bi_up_without_published_marts_says_what_to_run(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "ASSIST_VAR_DIR": str(tmp_path)}
    done = _bi(env, "up", timeout=120)
    assert done.returncode == 1
    assert f"no published marts at {tmp_path / 'published' / 'marts.duckdb'}" in done.stderr
    assert "make demo" in done.stderr
    assert not (tmp_path / "superset").exists()  # nothing started, nothing written
