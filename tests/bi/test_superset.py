"""Superset on the published marts, for real: started once, dashboards imported once.

Every chart's data, fetched through Superset's REST API, equals the same
question asked of the published mart with DuckDB; a second publish shows
without restarting Superset; each dashboard draws in headless Chromium; a
missing published file gives a clear message and a server still up.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bi.api import SupersetApiError, SupersetClient
from bi.dashboards import DASHBOARDS, Chart
from ingestion.config import PROJECT_ROOT
from ingestion.publish.publisher import publish_marts
from ingestion.warehouse import connect
from tests.readme_commands import readme_commands
from tests.sample_marts import create_sample_marts

pytestmark = [pytest.mark.bi, pytest.mark.slow]

BI_PYTHON = PROJECT_ROOT / ".venv-bi" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "bi"
CHARTS: dict[str, Chart] = {c.key: c for d in DASHBOARDS for c in d.charts}

if not BI_PYTHON.exists():
    pytest.skip("Superset's venv is missing: run `make bi-install`", allow_module_level=True)

_LABEL = "{r}.name_en || ' (' || {r}.name_zh || ')'"
_MART_ROWS = """
    select 'mart_funds' as mart_name, fund_key as mart_key, region_code from mart_funds
    union all select 'mart_pairings', pairing_key, helped_code from mart_pairings
    union all select 'mart_output_value', output_key, region_code from mart_output_value
    union all select 'mart_poverty_exits', exit_key, region_code from mart_poverty_exits
"""

# Each chart's question, asked of the published marts directly (columns in the
# chart's order). Written here, not taken from bi/dashboards.py.
EXPECTED_SQL: dict[str, str] = {
    "pairing_network": """
        select helper_name, helped_name, helper_kind, sum(article_count)
        from mart_pairings group by all""",
    "pairings_table": """
        select p.helper_name, p.helper_kind, p.helped_name,
               coalesce(p.mechanism, 'not reported'), coalesce(prov.name_en, 'unknown'),
               p.first_year, p.last_year, p.article_count
        from mart_pairings p
        left join dim_region r on r.region_code = p.helped_code
        left join dim_region prov on prov.region_code = r.province_code""",
    "county_funds_map": f"""
        select {_LABEL.format(r="r")}, coalesce(pref.name_en, 'unknown'),
               max(r.longitude), max(r.latitude), sum(f.amount_cny)
        from mart_funds f join dim_region r on r.region_code = f.region_code
        left join dim_region pref on pref.region_code = r.prefecture_code
        where r.level = 'county' and r.longitude is not null and r.latitude is not null
        group by all""",
    "funds_by_year_payer": """
        select year, coalesce(payer_name, 'not reported'), sum(amount_cny) from mart_funds
        where period_kind = 'single_year' and year is not null group by all""",
    "top_recipients": """
        select region_name, sum(amount_cny) from mart_funds group by all
        order by 2 desc limit 15""",
    "exits_by_year_level": """
        select year, level, sum(exited) from mart_poverty_exits
        where year is not null group by all""",
    "counties_by_exit_year": """
        select poverty_exit_year, count(*) from mart_county_profile
        where poverty_exit_year is not null group by all""",
    "county_exit_years": f"""
        select {_LABEL.format(r="c")}, prefecture_name, poverty_exit_year
        from mart_county_profile c""",
    "profile_exit_year": "select max(poverty_exit_year) from mart_county_profile",
    "profile_helpers": f"""
        select case when r.level = 'county' then {_LABEL.format(r="r")} end,
               p.helper_name, p.helper_kind, coalesce(p.mechanism, 'not reported'),
               p.first_year, p.last_year, p.article_count
        from mart_pairings p left join dim_region r on r.region_code = p.helped_code""",
    "profile_funds_by_year": f"""
        select {_LABEL.format(r="r")}, f.year, coalesce(f.payer_name, 'not reported'),
               sum(f.amount_cny)
        from mart_funds f join dim_region r on r.region_code = f.region_code
        where r.level = 'county' and f.period_kind = 'single_year' and f.year is not null
        group by all""",
    "profile_outputs": f"""
        select {_LABEL.format(r="r")}, o.product, o.year, o.planting_area_mu,
               o.output_volume_tonnes, o.output_value_cny, o.sales_cny
        from mart_output_value o
        left join dim_region r on r.region_code = o.region_code and r.level = 'county'""",
    "profile_evidence": f"""
        select {_LABEL.format(r="r")}, e.mart_name, e.measure, e.evidence,
               '<a href="' || e.url || '" target="_blank" rel="noopener">'
                   || coalesce(nullif(e.title, ''), e.url) || '</a>',
               e.published_date
        from mart_fact_evidence e
        join ({_MART_ROWS}) m on m.mart_name = e.mart_name and m.mart_key = e.mart_key
        join dim_region r on r.region_code = m.region_code and r.level = 'county'""",
}

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    assert command in readme_commands(), f"the README shows no {command!r}"
    return subprocess.run(
        ["bash", "-c", command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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
        "ASSIST_BI_PORT": str(_free_port()),
        "ASSIST_BI_ADMIN_PASSWORD": "a-test-password",
    }
    began = time.monotonic()
    up = _readme(env, README_UP)
    up_seconds = time.monotonic() - began
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        state = json.loads((var_dir / "superset" / "server.json").read_text())
        client = SupersetClient(state["url"])
        client.login("admin", "a-test-password")
        chart_ids = {
            key: client.find("chart", "slice_name", chart.name)["id"]
            for key, chart in CHARTS.items()
        }
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


def _normal(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # Superset sends an integer column holding nulls as floats (pandas)
        return int(value) if value.is_integer() else round(value, 6)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return value[:10]  # Superset sends dates as ISO strings (or epoch ms, below)
    return value


def _rows(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(_normal(v) for v in row) for row in rows), key=repr)


def _chart_rows(running: Running, key: str, filters: list[dict] | None = None) -> list[tuple]:
    if filters is None:
        answer = running.client.request("GET", f"/api/v1/chart/{running.chart_ids[key]}/data/")
    else:
        saved = running.client.request("GET", f"/api/v1/chart/{running.chart_ids[key]}")
        context = json.loads(saved["result"]["query_context"])
        for query in context["queries"]:
            query["filters"] = filters
        answer = running.client.request("POST", "/api/v1/chart/data", context)
    result = answer["result"][0]
    columns = result["colnames"]
    rows = []
    for record in result["data"]:
        row = []
        for column, type_code in zip(columns, result["coltypes"], strict=True):
            value = record[column]
            if type_code == 2 and isinstance(value, int | float):  # temporal: epoch ms
                value = time.strftime("%Y-%m-%d", time.gmtime(value / 1000))
            row.append(value)
        rows.append(tuple(row))
    return _rows(rows)


def _mart_rows(database: Path, sql: str, where: str | None = None) -> list[tuple]:
    if where:
        sql = f"select * from ({sql}) as q where {where}"
    with duckdb.connect(str(database), read_only=True) as connection:
        return _rows(connection.execute(sql).fetchall())


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
                f"select {_LABEL.format(r='c')}, poverty_exit_year from mart_county_profile c "
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
