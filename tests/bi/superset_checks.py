"""What the Superset tests share, whichever warehouse Superset reads (DuckDB or PostgreSQL).

Each chart's question asked of the published marts directly (``EXPECTED_SQL``,
written here, not taken from ``bi/dashboards.py``, in SQL both engines run),
the chart's data as Superset's REST API answers it, both normalised so they
compare (``rows``, ``chart_rows``), the README's commands run as written, and
chart fetches while publishes repeat (``fetch_while_publishing``).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bi.api import SupersetApiError, SupersetClient
from bi.dashboards import DASHBOARDS, Chart
from ingestion.config import PROJECT_ROOT
from tests.readme_commands import readme_commands

BI_PYTHON = PROJECT_ROOT / ".venv-bi" / "bin" / "python"
ADMIN_PASSWORD = "a-test-password"
CHARTS: dict[str, Chart] = {c.key: c for d in DASHBOARDS for c in d.charts}

LABEL = "{r}.name_en || ' (' || {r}.name_zh || ')'"
_MART_ROWS = """
    select 'mart_funds' as mart_name, fund_key as mart_key, region_code from mart_funds
    union all select 'mart_pairings', pairing_key, helped_code from mart_pairings
    union all select 'mart_output_value', output_key, region_code from mart_output_value
    union all select 'mart_poverty_exits', exit_key, region_code from mart_poverty_exits
"""

# Each chart's question, asked of the published marts directly (columns in the
# chart's order). Portable SQL: DuckDB and PostgreSQL run it as written.
EXPECTED_SQL: dict[str, str] = {
    "pairing_network": """
        select helper_name, helped_name, helper_kind, sum(article_count)
        from mart_pairings group by 1, 2, 3""",
    "pairings_table": """
        select p.helper_name, p.helper_kind, p.helped_name,
               coalesce(p.mechanism, 'not reported'), coalesce(prov.name_en, 'unknown'),
               p.first_year, p.last_year, p.article_count
        from mart_pairings p
        left join dim_region r on r.region_code = p.helped_code
        left join dim_region prov on prov.region_code = r.province_code""",
    "county_funds_map": f"""
        select {LABEL.format(r="r")}, coalesce(pref.name_en, 'unknown'),
               max(r.longitude), max(r.latitude), sum(f.amount_cny)
        from mart_funds f join dim_region r on r.region_code = f.region_code
        left join dim_region pref on pref.region_code = r.prefecture_code
        where r.level = 'county' and r.longitude is not null and r.latitude is not null
        group by 1, 2""",
    "funds_by_year_payer": """
        select year, coalesce(payer_name, 'not reported'), sum(amount_cny) from mart_funds
        where period_kind = 'single_year' and year is not null group by 1, 2""",
    "top_recipients": """
        select region_name, sum(amount_cny) from mart_funds group by 1
        order by 2 desc limit 15""",
    "exits_by_year_level": """
        select year, level, sum(exited) from mart_poverty_exits
        where year is not null group by 1, 2""",
    "counties_by_exit_year": """
        select poverty_exit_year, count(*) from mart_county_profile
        where poverty_exit_year is not null group by 1""",
    "county_exit_years": f"""
        select {LABEL.format(r="c")}, prefecture_name, poverty_exit_year
        from mart_county_profile c""",
    "profile_exit_year": "select max(poverty_exit_year) from mart_county_profile",
    "profile_helpers": f"""
        select case when r.level = 'county' then {LABEL.format(r="r")} end,
               p.helper_name, p.helper_kind, coalesce(p.mechanism, 'not reported'),
               p.first_year, p.last_year, p.article_count
        from mart_pairings p left join dim_region r on r.region_code = p.helped_code""",
    "profile_funds_by_year": f"""
        select {LABEL.format(r="r")}, f.year, coalesce(f.payer_name, 'not reported'),
               sum(f.amount_cny)
        from mart_funds f join dim_region r on r.region_code = f.region_code
        where r.level = 'county' and f.period_kind = 'single_year' and f.year is not null
        group by 1, 2, 3""",
    "profile_outputs": f"""
        select {LABEL.format(r="r")}, o.product, o.year, o.planting_area_mu,
               o.output_volume_tonnes, o.output_value_cny, o.sales_cny
        from mart_output_value o
        left join dim_region r on r.region_code = o.region_code and r.level = 'county'""",
    "profile_evidence": f"""
        select {LABEL.format(r="r")}, e.mart_name, e.measure, e.evidence,
               '<a href="' || e.url || '" target="_blank" rel="noopener">'
                   || coalesce(nullif(e.title, ''), e.url) || '</a>',
               e.published_date
        from mart_fact_evidence e
        join ({_MART_ROWS}) m on m.mart_name = e.mart_name and m.mart_key = e.mart_key
        join dim_region r on r.region_code = m.region_code and r.level = 'county'""",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_readme(
    env: dict[str, str],
    command: str,
    timeout: float = 900,
    replacing: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """A README command as written (each key of ``replacing`` replaced by its value)."""
    assert command in readme_commands(), f"the README shows no {command!r}"
    for placeholder, value in (replacing or {}).items():
        command = command.replace(placeholder, value)
    return subprocess.run(
        ["bash", "-c", command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


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
    if hasattr(value, "as_integer_ratio"):  # PostgreSQL's numeric (Decimal): as a float would
        return _normal(float(value))
    return value


def rows(found: Sequence[Sequence[Any]]) -> list[tuple]:
    """Rows comparable across engines and Superset's JSON: values normalised, sorted."""
    return sorted((tuple(_normal(v) for v in row) for row in found), key=repr)


def chart_rows(
    client: SupersetClient, chart_id: int, filters: list[dict] | None = None
) -> list[tuple]:
    """The chart's data through ``/api/v1/chart/<id>/data/`` (saved query context), or
    through ``/api/v1/chart/data`` with extra ``filters`` (what a native filter adds)."""
    if filters is None:
        answer = client.request("GET", f"/api/v1/chart/{chart_id}/data/")
    else:
        saved = client.request("GET", f"/api/v1/chart/{chart_id}")
        context = json.loads(saved["result"]["query_context"])
        for query in context["queries"]:
            query["filters"] = filters
        answer = client.request("POST", "/api/v1/chart/data", context)
    result = answer["result"][0]
    columns = result["colnames"]
    found = []
    for record in result["data"]:
        row = []
        for column, type_code in zip(columns, result["coltypes"], strict=True):
            value = record[column]
            if type_code == 2 and isinstance(value, int | float):  # temporal: epoch ms
                value = time.strftime("%Y-%m-%d", time.gmtime(value / 1000))
            row.append(value)
        found.append(tuple(row))
    return rows(found)


@dataclass
class DuringPublishes:
    """What chart fetches got while publishes repeated."""

    publishes: int = 0
    answers: Counter[int] = field(default_factory=Counter)  # index of the version seen
    wrong: list[list[tuple]] = field(default_factory=list)  # data of no published version
    errors: list[SupersetApiError] = field(default_factory=list)
    publish_failures: list[BaseException] = field(default_factory=list)


def fetch_while_publishing(
    fetch: Callable[[], list[tuple]],
    versions: Sequence[list[tuple]],
    publish: Callable[[int], None],
    publishes: int,
) -> DuringPublishes:
    """Fetch a chart over and over while ``publish(i)`` runs ``publishes`` times in a thread.

    Every answer is either one of ``versions`` (the chart's rows on each published
    content) or goes to ``wrong``; every refusal of the API goes to ``errors``.
    After each publish the publisher waits for two more fetches: one that may have
    run across the publish, one begun after it, so each content is asked at least once.
    """
    outcome = DuringPublishes()
    fetched = threading.Condition()
    done = [0]  # fetches finished
    finished = threading.Event()

    def publisher() -> None:
        try:
            for index in range(publishes):
                publish(index)
                outcome.publishes += 1
                with fetched:
                    target = done[0] + 2
                    fetched.wait_for(lambda target=target: done[0] >= target, timeout=120)
        except BaseException as failure:  # reported, not lost in the thread
            outcome.publish_failures.append(failure)
        finally:
            finished.set()

    thread = threading.Thread(target=publisher, name="publishes", daemon=True)
    thread.start()
    try:
        while not finished.is_set():
            try:
                got = fetch()
            except SupersetApiError as refused:
                outcome.errors.append(refused)
            else:
                if got in versions:
                    outcome.answers[list(versions).index(got)] += 1
                else:
                    outcome.wrong.append(got)
            with fetched:
                done[0] += 1
                fetched.notify_all()
    finally:
        thread.join(timeout=600)
    return outcome


def assert_data_or_a_clear_message(outcome: DuringPublishes, versions: int) -> None:
    """Each fetch gave one published version's data or a message naming the published marts."""
    assert not outcome.publish_failures, outcome.publish_failures
    assert not outcome.wrong, outcome.wrong[:2]
    unclear = [e for e in outcome.errors if "published marts" not in e.body]
    assert not unclear, [str(e) for e in unclear[:3]]
    assert set(outcome.answers) == set(range(versions)), outcome  # every content was seen


def run_shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every xdist worker of this run sees (the run's own base without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def seed_initialised_home(var_dir: Path, shared_dir: Path) -> None:
    """Give ``var_dir`` a Superset home that ``bi.server.initialise`` made once per run.

    Initialising (migrations, roles, the admin) is a minute of the Superset tests' set-up
    and the same for each of them, so the first test module to get here does it, under
    a lock, in ``shared_dir`` (shared by the xdist workers of one run), and every module
    starts from a copy. ``make bi`` then finds it initialised, as on a second start.
    """
    template = shared_dir / "superset-initialised"
    with (shared_dir / "superset-initialised.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / "superset" / "superset.db").exists():
            shutil.rmtree(template, ignore_errors=True)
            made = subprocess.run(
                [
                    str(BI_PYTHON),
                    "-c",
                    "from bi.server import ensure_home, initialise;"
                    "from ingestion.config import load_bi_settings, load_settings;"
                    "settings = load_settings();"
                    "ensure_home(settings);"
                    "initialise(settings, load_bi_settings())",
                ],
                cwd=PROJECT_ROOT,
                env={
                    **{k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")},
                    "PYTHONPATH": str(PROJECT_ROOT),
                    "ASSIST_VAR_DIR": str(template),
                    "ASSIST_BI_ADMIN_PASSWORD": ADMIN_PASSWORD,
                },
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert made.returncode == 0, made.stdout + made.stderr
    shutil.copytree(template / "superset", var_dir / "superset")


def signed_in(var_dir: Path) -> tuple[dict[str, Any], SupersetClient, dict[str, int]]:
    """The started server's state, an admin client, and each chart's id by its key."""
    state = json.loads((var_dir / "superset" / "server.json").read_text())
    client = SupersetClient(state["url"])
    client.login("admin", ADMIN_PASSWORD)
    chart_ids = {
        key: client.find("chart", "slice_name", chart.name)["id"] for key, chart in CHARTS.items()
    }
    return state, client, chart_ids


def check_fetches_during_publishes(
    fetch: Callable[[], list[tuple]],
    versions: Sequence[list[tuple]],
    publish: Callable[[int], None],
    publishes: int,
    var_dir: Path,
    pid: int,
) -> None:
    """Publishes repeat while a chart is fetched: data of one version or a clear message
    each time, and the server that started is still the one answering."""
    began = time.monotonic()
    outcome = fetch_while_publishing(fetch, versions, publish, publishes=publishes)
    print(
        f"{outcome.publishes} publishes in {time.monotonic() - began:.1f} s; answers "
        f"{dict(outcome.answers)}, errors {len(outcome.errors)}"
    )
    assert outcome.publishes == publishes
    assert_data_or_a_clear_message(outcome, versions=len(versions))
    state = json.loads((var_dir / "superset" / "server.json").read_text())
    assert healthy(state["url"])
    assert state["pid"] == pid
