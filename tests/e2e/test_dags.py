"""End to end: the real DAGs on the sample sources, from landing to published marts.

The tests in this module share one sandbox and run in order: a first run, a
re-run of the same day, a model that fails its layer's task and is re-run once
fixed, then a bad candidate that must not be published.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.transform.cosmos_config import CROSS_MODEL_TESTS_TASK, cross_model_tests
from tests.e2e.airflow_runner import AirflowSandbox
from tests.readme_commands import readme_argv

pytestmark = pytest.mark.slow

DAY = "2026-11-21"


def _published(sandbox: AirflowSandbox) -> Path:
    return sandbox.var_dir / "published" / "marts.duckdb"


def _query(path: Path, sql: str) -> list[tuple]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _mart_contents(path: Path) -> dict[str, list[tuple]]:
    tables = [row[0] for row in _query(path, "select table_name from information_schema.tables")]
    return {t: sorted(_query(path, f'select * from "{t}"'), key=repr) for t in tables}


PUBLISHED_MARTS_URI = "duckdb://assistance-warehouse/published-marts"


def _asset_events(sandbox: AirflowSandbox, uri: str) -> list[dict]:
    """The extra of each event of an asset, oldest first, from the sandbox's Airflow database."""
    connection = sqlite3.connect(sandbox.root / "airflow" / "airflow.db")
    try:
        rows = connection.execute(
            "select e.extra from asset_event e join asset a on a.id = e.asset_id "
            "where a.uri = ? order by e.id",
            [uri],
        ).fetchall()
    finally:
        connection.close()
    return [json.loads(extra) if isinstance(extra, str) else extra for (extra,) in rows]


# The README's commands, run here as written (tests/test_readme_commands.py checks
# that these two lines are the README's and that this file runs them).
README_RUNS = {
    "collect_sources": ".venv/bin/airflow dags test collect_sources 2026-11-21",
    "build_audit_publish": ".venv/bin/airflow dags test build_audit_publish 2026-11-21",
}


def _run_both(sandbox: AirflowSandbox, build_conf: dict | None = None) -> str:
    """Run collection then the build, as the README's commands; return the build's log."""
    for dag_id, conf in (("collect_sources", None), ("build_audit_publish", build_conf)):
        _airflow, *args = readme_argv(README_RUNS[dag_id])
        assert args == ["dags", "test", dag_id, DAY]
        extra = ("--conf", json.dumps(conf)) if conf else ()
        result = sandbox.airflow(*args, *extra, timeout=1800)
        assert result.returncode == 0, (
            f"{dag_id} failed:\n{result.stdout[-6000:]}{result.stderr[-6000:]}"
        )
    return result.stdout + result.stderr


def _lineage_file(sandbox: AirflowSandbox) -> Path:
    return sandbox.root / "lineage" / "events.jsonl"


def _first_build_log(sandbox: AirflowSandbox) -> Path:
    return sandbox.root / "first-build.log"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> AirflowSandbox:
    sandbox = AirflowSandbox(tmp_path_factory.mktemp("airflow-e2e"))
    sandbox.init()
    # The first runs send OpenLineage events to a file, as `make demo` does (the
    # later runs do without: dbt's artifacts cost each cosmos task CPU).
    _lineage_file(sandbox).parent.mkdir()
    transport = {"type": "file", "log_file_path": str(_lineage_file(sandbox)), "append": True}
    log = _run_both(
        dataclasses.replace(
            sandbox, extra_env={"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport)}
        )
    )
    _first_build_log(sandbox).write_text(log, encoding="utf-8")
    return sandbox


def _dataset(item: dict) -> str:
    return f"{item['namespace']}/{item['name']}"


def test_lineage_runs_from_landing_through_each_dbt_model_to_every_published_mart(sandbox):
    events = [
        json.loads(line)
        for line in _lineage_file(sandbox).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    completes = [e for e in events if e["eventType"] == "COMPLETE"]
    edges: dict[str, set[str]] = {}
    producers: dict[str, set[str]] = {}
    for event in completes:
        for source in event.get("inputs", []):
            for target in event.get("outputs", []):
                edges.setdefault(_dataset(source), set()).add(_dataset(target))
        for target in event.get("outputs", []):
            producers.setdefault(_dataset(target), set()).add(event["job"]["name"])

    def outputs_of(job_suffix: str) -> set[str]:
        return {
            _dataset(o)
            for e in completes
            if e["job"]["name"].endswith(job_suffix)
            for o in e.get("outputs", [])
        }

    landing = outputs_of("collect_sources.collect")
    raw = outputs_of("collect_sources.load_raw")
    published = outputs_of("build_audit_publish.publish")
    assert landing and any(name.endswith(".raw.articles") for name in raw), (landing, raw)
    assert any(name.endswith(".mart_funds") for name in published), published

    # Every published mart is reached from the landing area, through the raw tables
    # and models dbt itself reported (cosmos), with no gap in the names.
    reached, frontier = set(landing), list(landing)
    while frontier:
        for target in edges.get(frontier.pop(), ()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert published <= reached, sorted(published - reached)
    dbt_made = {d for d, jobs in producers.items() if any(".dbt." in job for job in jobs)}
    assert any(".marts.mart_funds" in d for d in dbt_made), sorted(dbt_made)[:10]
    assert any(".staging." in d for d in dbt_made)


def test_published_marts_hold_the_facts_written_into_the_sample_pages(sandbox):
    path = _published(sandbox)
    pairings = _query(
        path,
        "select helper_name, helped_name, helped_code, mechanism from mart_pairings "
        "where helper_name ilike '%Jinniu%' and helped_name ilike '%Shiqu%'",
    )
    assert pairings, "Jinniu District → Shiqu County is in a sample page"
    [(_, _, helped_code, mechanism)] = pairings
    assert helped_code == "513332000000"  # Shiqu County, Garze
    assert mechanism == "basic_assistance"

    hotan = _query(
        path,
        "select mechanism from mart_pairings "
        "where helper_name ilike 'Beijing%' and helped_name ilike '%Hotan%'",
    )
    assert hotan and hotan[0][0] == "counterpart_support"

    assert _query(path, "select count(*) from mart_funds where amount_cny > 0")[0][0] > 0
    assert (
        _query(path, "select count(*) from mart_poverty_exits where exited is not null")[0][0] > 0
    )
    # Wide outputs: one row per (place, product, year), planting area in mu.
    areas = _query(
        path,
        "select count(*), count(distinct output_key), min(planting_area_mu) "
        "from mart_output_value where planting_area_mu is not null",
    )
    [(area_rows, distinct_keys, smallest)] = areas
    assert area_rows > 0 and area_rows == distinct_keys and smallest > 0
    # "The county's apple planting area ...": the county is the article's, never nobody.
    placeless = "select count(*) from mart_output_value where region_code is null"
    assert _query(path, placeless)[0][0] == 0
    assert _query(path, "select count(*) from dim_region where level = 'county'")[0][0] > 2500
    assert (sandbox.var_dir / "published" / "parquet" / "mart_funds.parquet").exists()


def test_published_funds_go_from_their_payer_to_the_place_that_receives_them(sandbox):
    path = _published(sandbox)
    # "Beijing, which has provided counterpart support to Yushu, has arranged 510
    # million yuan for the prefecture" (a sample page): the payer is the helper.
    yushu = _query(
        path,
        "select payer_name, region_name from mart_funds "
        "where amount_cny = 510000000 and region_name ilike '%Yushu%'",
    )
    assert yushu and all(payer.startswith("Beijing") for payer, _ in yushu), yushu
    # A place pays itself only where the sentence says it is its own money (a
    # government's budget), never because the nearest name was taken twice.
    own = _query(
        path,
        "select f.payer_name, e.evidence from mart_funds as f "
        "join mart_fact_evidence as e on e.mart_key = f.fund_key "
        "where f.payer_code = f.region_code",
    )
    for payer, evidence in own:
        said = re.search(
            rf"{re.escape(payer.split()[0])}(?:'s)?\s+(?:[\w-]+\s+){{0,4}}?"
            r"(?:governments?|budgets?|fiscal|own)\b",
            evidence,
        )
        assert said, f"{payer} pays itself, but the text does not say so: {evidence}"


def test_the_first_run_checked_freshness_ran_tests_of_two_models_and_wrote_docs(
    sandbox, dbt_manifest
):
    states = sandbox.task_states("build_audit_publish")
    assert states["dbt_source_freshness"] == "success"
    assert states[CROSS_MODEL_TESTS_TASK] == "success"
    # dbt's own line for each test of two models: it ran, in that task, and passed.
    log = _first_build_log(sandbox).read_text(encoding="utf-8")
    names = cross_model_tests(dbt_manifest)
    assert len(names) > 10
    for name in names:
        assert re.search(rf" PASS {re.escape(name)} ", log), name
    assert states["publish"] == "success" and states["dbt_docs"] == "success"
    docs = sandbox.var_dir / "docs" / "dbt"
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (docs / name).stat().st_size > 0, name
    assert "mart_funds" in (docs / "catalog.json").read_text(encoding="utf-8")


def test_the_published_asset_event_names_the_snapshot_and_row_counts(sandbox):
    [extra] = _asset_events(sandbox, PUBLISHED_MARTS_URI)
    path = _published(sandbox)
    published = dict(_query(path, "select table_name, row_count from _publish_manifest"))
    [(snapshot,)] = _query(path, "select distinct snapshot_id from _publish_manifest")
    manifest = json.loads((sandbox.var_dir / "published" / "manifest.json").read_text())
    assert extra["snapshot_id"] == snapshot == manifest["snapshot_id"]
    assert extra["version"] == manifest["version"]
    assert extra["row_counts"] == published
    [(funds,)] = _query(path, "select count(*) from mart_funds")
    assert extra["row_counts"]["mart_funds"] == funds
    # The version named in the event stays readable: a consumer can pin it.
    pinned = sandbox.var_dir / "published" / "versions" / extra["version"] / "marts.duckdb"
    assert _query(pinned, "select distinct snapshot_id from _publish_manifest") == [(snapshot,)]


def test_every_example_bi_query_answers_on_the_published_marts(sandbox):
    from ingestion.examples import answer_examples, read_examples

    path = _published(sandbox)
    answers = answer_examples(path, read_examples())
    # The sample sources agree with each other: the conflicts example has nothing to list.
    conflicts = _query(path, "select count(*) from mart_fact_conflicts")[0][0]
    may_be_empty = set() if conflicts else {"figures_sources_disagree_on"}
    empty = [a.query.name for a in answers if not a.rows and a.query.name not in may_be_empty]
    assert not empty, f"example queries with no answer on the sample: {empty}"


def test_every_sample_page_is_landed_once_and_the_reprint_is_one_article(sandbox):
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    files = sorted((PROJECT_ROOT / "data" / "articles").glob("*.*"))
    landed = _query(
        warehouse,
        "select count(distinct url) from raw.fetch_log "
        "where source_id = 'sample_articles' and content_hash is not null",
    )[0][0]
    assert landed == len(files)
    articles = _query(warehouse, "select count(*) from raw.articles")[0][0]
    parsed = _query(
        warehouse, "select count(*) from raw.parsed_payloads where article_id is not null"
    )
    # Distinct payloads parsed minus the reprint (same text, other chrome) = articles.
    assert articles == parsed[0][0] - 1


def test_pages_were_parsed_and_extracted_in_mapped_batches_then_loaded(sandbox):
    from ingestion.load.batches import finished_batches

    rows = sandbox.task_instances("collect_sources")
    batches = [row for row in rows if row["task_id"] == "parse_extract"]
    assert batches and {row["state"] for row in batches} == {"success"}, rows
    assert finished_batches(sandbox.var_dir / "batches") == []  # each loaded, then deleted
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    unread = _query(
        warehouse,
        "select count(*) from raw.articles where article_id not in "
        "(select article_id from raw.extraction_runs)",
    )[0][0]
    assert unread == 0


def test_rerunning_the_same_day_with_a_full_refresh_gives_the_same_marts(sandbox):
    before = _mart_contents(_published(sandbox))
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    raw_counts = _query(
        warehouse,
        "select (select count(*) from raw.articles), (select count(*) from raw.facts_fund)",
    )
    # The re-run rebuilds the incremental models from raw: the first run built
    # them incrementally (from nothing), so equal marts also show that a full
    # refresh and the incremental path agree.
    log = _run_both(sandbox, build_conf={"full_refresh": True})
    assert "--full-refresh" in log, "the run's param must reach dbt"
    assert _mart_contents(_published(sandbox)) == before
    # Equal marts, equal snapshot id, in a new asset event.
    first, second = _asset_events(sandbox, PUBLISHED_MARTS_URI)
    assert second["snapshot_id"] == first["snapshot_id"]
    assert second["row_counts"] == first["row_counts"]
    assert (
        _query(
            warehouse,
            "select (select count(*) from raw.articles), (select count(*) from raw.facts_fund)",
        )
        == raw_counts
    )


def _execute(path: Path, sql: str) -> None:
    connection = duckdb.connect(str(path))
    try:
        connection.execute(sql)
    finally:
        connection.close()


def test_a_stale_source_warns_and_does_not_fail_the_freshness_task(sandbox):
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    # The fetch log as if collection had stopped a month ago.
    _execute(warehouse, "update raw.fetch_log set fetched_at = fetched_at - interval 30 day")
    try:
        result = sandbox.airflow(
            "tasks", "test", "build_audit_publish", "dbt_source_freshness", DAY
        )
    finally:
        _execute(warehouse, "update raw.fetch_log set fetched_at = fetched_at + interval 30 day")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "stale source raw.fetch_log" in log, log[-4000:]
    assert "stale source raw.articles" not in log, "only the aged source is stale"
    # dbt's own lines: the aged source warns, no source errors.
    assert "WARN freshness of raw.fetch_log" in log, log[-4000:]
    assert "ERROR freshness" not in log and "PASS freshness of raw.articles" in log


def _node_rendering(sandbox: AirflowSandbox, root: Path) -> AirflowSandbox:
    """The sandbox's warehouse with one dbt task per seed and model (ASSIST_DBT_TASKS=node).

    In an Airflow home of its own, from a copy of the metadata database: a deployment
    has one rendering, and a metadata database that saw both would keep serving one.
    """
    (root / "airflow").mkdir(parents=True)
    shutil.copy2(sandbox.root / "airflow" / "airflow.db", root / "airflow" / "airflow.db")
    return AirflowSandbox(
        root, extra_env={"ASSIST_VAR_DIR": str(sandbox.var_dir), "ASSIST_DBT_TASKS": "node"}
    )


def test_a_failing_model_fails_its_layer_and_its_task_reruns_once_fixed(sandbox, tmp_path):
    published = _published(sandbox)
    digest_before = hashlib.sha256(published.read_bytes()).hexdigest()
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    per_node = _node_rendering(sandbox, tmp_path)
    node_task = "dbt.stg_facts_fund_model_build"
    # A raw column renamed under the model (a schema change upstream): stg_facts_fund breaks.
    _execute(warehouse, "alter table raw.facts_fund rename column amount_cny to amount_yuan")
    try:
        result = sandbox.dags_test("build_audit_publish", DAY)
        log = result.stdout + result.stderr
        states = sandbox.task_states("build_audit_publish")
        broken_node = per_node.airflow("tasks", "test", "build_audit_publish", node_task, DAY)
    finally:
        _execute(warehouse, "alter table raw.facts_fund rename column amount_yuan to amount_cny")
    assert result.returncode != 0, "the DAG must fail when a model fails"
    assert "amount_cny" in log, "the log names the model's error"
    assert states["dbt.staging"] == "failed"
    # What reads the layer waits; the other branch ran and says so.
    assert states["dbt.intermediate"] == "upstream_failed"
    assert states["dbt.marts"] == "upstream_failed"
    assert states["quality_gate"] == "upstream_failed"
    assert states["dbt.seeds"] == "success"
    # Inside the failed layer dbt still built the models that do not need the broken one.
    assert re.search(r"ERROR creating sql \w+ model staging\.stg_facts_fund\b", log), log[-4000:]
    assert re.search(r"OK created sql \w+ model staging\.stg_articles\b", log), log[-4000:]
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest_before
    # Rendered one per node, the broken model's own task fails (exit 0 from `tasks
    # test`, dbt's summary says it) and names the error.
    broken_log = broken_node.stdout + broken_node.stderr
    assert "amount_cny" in broken_log and " ERROR=1 " in broken_log, broken_log[-4000:]

    # Fixed upstream: the failed layer's task alone runs again and succeeds; so does
    # the model's own task in the node rendering.
    for runner, task_id in ((sandbox, "dbt.staging"), (per_node, node_task)):
        retry = runner.airflow("tasks", "test", "build_audit_publish", task_id, DAY)
        retry_log = retry.stdout + retry.stderr
        # `airflow tasks test` reports a failed task in its log, not in its exit
        # status: dbt's own summary line says the model and its tests passed.
        assert retry.returncode == 0, retry_log[-4000:]
        assert "stg_facts_fund" in retry_log, task_id
        assert " ERROR=0 " in retry_log and " PASS=" in retry_log, retry_log[-4000:]


def test_a_bad_candidate_fails_the_gate_and_leaves_the_published_marts_untouched(sandbox):
    published = _published(sandbox)
    digest_before = hashlib.sha256(published.read_bytes()).hexdigest()
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    # A candidate with an exit count above its total: only a cross-column check
    # can catch it. Written into the candidate mart, where dbt would put it: the
    # gate is what must stop it (dbt's structural tests let it through).
    bad_row = "(select min(exit_key) from marts.mart_poverty_exits where total is not null)"
    _execute(
        warehouse,
        f"update marts.mart_poverty_exits set exited = total + 10 where exit_key = {bad_row}",
    )
    [(broken,)] = _query(
        warehouse, "select count(*) from marts.mart_poverty_exits where exited > total"
    )
    assert broken == 1
    gate = sandbox.airflow("tasks", "test", "build_audit_publish", "quality_gate", DAY)
    log = gate.stdout + gate.stderr
    # `airflow tasks test` reports a failed task in its log, not in its exit status.
    assert "Quality gate FAILED" in log, "the gate must fail on a bad candidate: " + log[-4000:]
    assert "exited" in log and "total" in log, "the failure names the broken rule"
    assert "mart_poverty_exits" in log
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest_before
    # The publish task run by hand after the failed gate (`tasks test` ignores
    # upstream states) refuses this candidate: its recorded verdict is a failure.
    publish = sandbox.airflow("tasks", "test", "build_audit_publish", "publish", DAY)
    publish_log = publish.stdout + publish.stderr
    assert "Refusing to publish candidate" in publish_log, publish_log[-4000:]
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest_before
