"""The DAG files parse fast, without errors, and carry the wiring the design asks for."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from ingestion.config import PROJECT_ROOT

pytest.importorskip("airflow")
pytest.importorskip("cosmos")


def _parse_dags():
    from airflow.dag_processing.dagbag import BundleDagBag

    # As the dag processor does for the dags-folder bundle: its path goes on sys.path.
    return BundleDagBag(dag_folder=PROJECT_ROOT / "dags", bundle_path=PROJECT_ROOT / "dags")


@pytest.fixture(scope="module")
def dagbag(dbt_manifest):
    """The DAGs as deployed by default (the build DAG's dbt tasks one per layer)."""
    return _parsed_without_dbt({"ASSIST_DBT_TASKS": ""})


@pytest.fixture(scope="module")
def node_dagbag(dbt_manifest):
    """The DAGs with ``ASSIST_DBT_TASKS=node``: one dbt task per seed and model."""
    return _parsed_without_dbt({"ASSIST_DBT_TASKS": "node"})


def _parsed_without_dbt(env: dict[str, str]):
    from unittest import mock

    from dbt.cli.main import dbtRunner

    # Parsing must not run dbt, in-process or as a command: either raises here.
    def no_dbt(*args, **kwargs):
        raise AssertionError(f"dbt was run while parsing the DAGs: {args}")

    _parse_dags()  # warm up: importing airflow and cosmos is not what the parse time is about
    with (
        mock.patch.dict(os.environ, env),
        mock.patch.object(dbtRunner, "invoke", no_dbt),
        mock.patch.object(subprocess, "Popen", no_dbt),
    ):
        started = time.perf_counter()
        bag = _parse_dags()
        bag.parse_seconds = time.perf_counter() - started
    return bag


def _manifest_nodes(manifest: Path, resource_type: str) -> dict[str, dict]:
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    return {n["name"]: n for n in nodes.values() if n["resource_type"] == resource_type}


def test_dags_import_without_errors_and_parse_fast_without_dbt(dagbag, node_dagbag):
    for bag in (dagbag, node_dagbag):
        assert bag.import_errors == {}
        assert {"collect_sources", "build_audit_publish"} <= set(bag.dag_ids)
        # Rendering ~50 tasks from the manifest: a dbt command would take several seconds.
        assert bag.parse_seconds < 10, bag.parse_seconds


def _assert_a_dbt_build_task(task, build) -> None:
    from cosmos.operators.local import DbtBuildLocalOperator

    assert isinstance(task, DbtBuildLocalOperator), task.task_id
    assert task.pool == "warehouse_writer", task.task_id
    assert task.retries == build.default_args["retries"], task.task_id
    assert task.on_failure_callback, task.task_id
    # Rendered at run time from the run's params: a run can full-refresh.
    assert task.full_refresh == "{{ params.full_refresh }}", task.task_id
    # A node's tests run with it, but no test of a node outside the selection.
    assert task.indirect_selection == "cautious", task.task_id


def _excluded(task) -> list[str]:
    return task.exclude.split() if isinstance(task.exclude, str) else list(task.exclude)


def test_each_layer_is_one_task_after_the_layers_its_models_read(dagbag, dbt_manifest):
    from ingestion.transform.cosmos_config import CROSS_MODEL_TESTS_TASK, cross_model_tests

    build = dagbag.dags["build_audit_publish"]
    dbt_tasks = {t.task_id: t for t in build.tasks if t.task_id.startswith("dbt.")}
    assert set(dbt_tasks) == {"dbt.seeds", "dbt.staging", "dbt.intermediate", "dbt.marts"}
    assert dbt_tasks["dbt.seeds"].select == ["resource_type:seed"]
    for name in ("staging", "intermediate", "marts"):
        assert dbt_tasks[f"dbt.{name}"].select == [f"path:models/{name}"]
    for task in dbt_tasks.values():
        _assert_a_dbt_build_task(task, build)
        # Unit tests gate changes (make test), not each run, as in the CLI build;
        # the tests of two models run once, in their own task.
        assert _excluded(task) == ["resource_type:unit_test", *cross_model_tests(dbt_manifest)]
        # dbt's threads build several models at once: the relation cache is filled
        # before they start (lazily, they race on it).
        assert "--no-populate-cache" not in task.dbt_cmd_global_flags

    # Every model's layer runs after the layers of the nodes it reads.
    def layer(node: dict) -> str:
        return (
            "dbt.seeds"
            if node["resource_type"] == "seed"
            else ("dbt." + node["original_file_path"].split("/")[1])
        )

    nodes = json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"]
    built = {uid: n for uid, n in nodes.items() if n["resource_type"] in ("seed", "model")}
    assert {layer(n) for n in built.values()} == set(dbt_tasks)
    for node in built.values():
        for parent in node.get("depends_on", {}).get("nodes", []):  # seeds have none
            if parent in built and layer(built[parent]) != layer(node):
                upstream = build.get_task(layer(node)).get_flat_relative_ids(upstream=True)
                assert layer(built[parent]) in upstream, (node["name"], parent)
    cross = build.get_task(CROSS_MODEL_TESTS_TASK)
    assert set(dbt_tasks) <= cross.get_flat_relative_ids(upstream=True)
    # Each task's docs list the nodes it builds: every seed and model in exactly one.
    listed = [
        line.strip("- `")
        for task in dbt_tasks.values()
        for line in task.doc_md.splitlines()
        if line.startswith("- `")
    ]
    assert sorted(listed) == sorted(n["name"] for n in built.values())


def test_node_rendering_makes_every_dbt_model_and_seed_its_own_task(node_dagbag, dbt_manifest):
    build = node_dagbag.dags["build_audit_publish"]
    dbt_tasks = {t.task_id: t for t in build.tasks if t.task_id.startswith("dbt.")}
    expected = {f"dbt.{name}_model_build" for name in _manifest_nodes(dbt_manifest, "model")}
    expected |= {f"dbt.{name}_seed_build" for name in _manifest_nodes(dbt_manifest, "seed")}
    assert set(dbt_tasks) == expected
    for task in dbt_tasks.values():
        # `dbt build --select <node>`: the node, then its own tests, in the same task.
        _assert_a_dbt_build_task(task, build)
        # Unit tests gate changes (make test), not each run, as in the CLI build.
        assert "resource_type:unit_test" in _excluded(task), task.task_id
    assert build.params["full_refresh"] is False


def test_models_follow_their_parents_and_tests_of_two_models_follow_all_models(
    node_dagbag, dbt_manifest
):
    from cosmos.operators.local import DbtTestLocalOperator

    from ingestion.transform.cosmos_config import CROSS_MODEL_TESTS_TASK

    build = node_dagbag.dags["build_audit_publish"]
    models = _manifest_nodes(dbt_manifest, "model")
    mart = build.get_task("dbt.mart_funds_model_build")
    parents = {d.split(".")[-1] for d in models["mart_funds"]["depends_on"]["nodes"]}
    assert {f"dbt.{p}_model_build" for p in parents} <= mart.upstream_task_ids

    # Every test of several nodes runs in one task, after every node's task.
    tests = _manifest_nodes(dbt_manifest, "test")
    two_model_tests = {n for n, t in tests.items() if len(t["depends_on"]["nodes"]) > 1}
    assert len(two_model_tests) > 10
    assert "relationships_mart_funds_region_code__region_code__ref_dim_region_" in (two_model_tests)
    cross = build.get_task(CROSS_MODEL_TESTS_TASK)
    assert isinstance(cross, DbtTestLocalOperator) and cross.pool == "warehouse_writer"
    assert set(cross.select) == two_model_tests
    assert "resource_type:unit_test" in cross.exclude
    node_tasks = {t.task_id for t in build.tasks if t.task_id.startswith("dbt.")}
    assert node_tasks == {f"dbt.{n}_model_build" for n in models} | {
        f"dbt.{n}_seed_build" for n in _manifest_nodes(dbt_manifest, "seed")
    }, "no test is a task of its own"
    assert node_tasks <= cross.get_flat_relative_ids(upstream=True)
    # No node's own `dbt build` runs them: cautious selection leaves out a test
    # whose other parent is not selected.
    assert mart.indirect_selection == "cautious"
    assert CROSS_MODEL_TESTS_TASK in build.get_task("quality_gate").upstream_task_ids


def test_source_freshness_runs_first_and_only_warns(dagbag, dbt_manifest):
    import yaml
    from cosmos.operators.local import DbtSourceLocalOperator

    from ingestion.transform.cosmos_config import DBT_PROJECT_DIR

    build = dagbag.dags["build_audit_publish"]
    freshness = build.get_task("dbt_source_freshness")
    assert isinstance(freshness, DbtSourceLocalOperator)
    assert freshness.select == "source:raw" and freshness.on_warning_callback
    assert freshness.upstream_task_ids == set()
    dbt_tasks = {t.task_id for t in build.tasks if t.task_id.startswith("dbt.")}
    assert dbt_tasks <= freshness.get_flat_relative_ids(upstream=False)
    # Every raw source says how fresh it should be (or, with a reason, that it has no
    # age), and none can fail the build: warn_after only.
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models/staging/_sources.yml").read_text())
    [raw] = sources["sources"]
    assert raw["config"]["freshness"]["error_after"] is None
    for table in raw["tables"]:
        config = table.get("config", {})
        assert "freshness" in config or "loaded_at_field" in config, table["name"]
        assert "error_after" not in (config.get("freshness") or {}), table["name"]
    checked = {
        node["name"]
        for node in json.loads(dbt_manifest.read_text(encoding="utf-8"))["sources"].values()
        if (node.get("freshness") or {}).get("warn_after", {}).get("count")
    }
    assert {"fetch_log", "articles", "facts_fund", "stat_county_indicators"} <= checked


def test_the_docs_task_is_cosmos_docs_operator_after_publish(dagbag):
    from cosmos.operators.local import DbtDocsLocalOperator

    docs = dagbag.dags["build_audit_publish"].get_task("dbt_docs")
    assert isinstance(docs, DbtDocsLocalOperator)
    assert docs.upstream_task_ids == {"publish"}
    assert docs.callback is not None, "the docs site is copied to var/docs/dbt"


def test_a_missing_or_stale_manifest_is_an_error_saying_how_to_make_it(tmp_path, dbt_manifest):
    import shutil

    from ingestion.transform.cosmos_config import (
        DBT_PROJECT_DIR,
        ManifestError,
        checked_manifest_path,
    )

    with pytest.raises(ManifestError, match="make dbt-manifest"):
        checked_manifest_path(tmp_path / "manifest.json")
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    manifest = shutil.copy2(dbt_manifest, tmp_path / "manifest.json")
    assert checked_manifest_path(manifest, project) == manifest
    # New file times (a git sync, a fresh checkout) with the same content: still current.
    old = time.time() - 10 * 365 * 24 * 3600
    os.utime(manifest, (old, old))
    for path in project.rglob("*"):
        os.utime(path)
    assert checked_manifest_path(manifest, project) == manifest
    # A model changed (or added) since the parse: refused.
    mart = project / "models" / "marts" / "mart_funds.sql"
    mart.write_text(mart.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"other dbt project files.*make dbt-manifest"):
        checked_manifest_path(manifest, project)


def test_writers_share_the_one_slot_pool_and_runs_never_overlap(dagbag):
    writers = {
        "collect_sources": {"plan_batches", "load_raw"},
        "build_audit_publish": {"quality_gate", "publish", "dbt_docs"},
    }
    for dag_id, task_ids in writers.items():
        dag = dagbag.dags[dag_id]
        assert dag.max_active_runs == 1
        assert dag.doc_md and dag.tags
        for task_id in task_ids:
            assert dag.get_task(task_id).pool == "warehouse_writer", task_id


def test_every_writer_goes_to_the_warehouse_queue_and_collection_to_the_default(dagbag):
    # Under the CeleryExecutor (docker/airflow.env): the pool gives one writer at a
    # time, the queue sends writers to the workers that serve the warehouse.
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.pool == "warehouse_writer":
                assert task.queue == "warehouse", (dag.dag_id, task.task_id)
            else:
                assert task.queue == "default", (dag.dag_id, task.task_id)
    collect = dagbag.dags["collect_sources"]
    default = {t.task_id for t in collect.tasks if t.queue == "default"}
    assert default == {"list_sources", "collect", "parse_extract"}


def test_parsing_and_extraction_are_mapped_per_batch_between_the_writers_tasks(dagbag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    collect = dagbag.dags["collect_sources"]
    parse_extract = collect.get_task("parse_extract")
    assert isinstance(parse_extract, MappedOperator)
    assert parse_extract.pool != "warehouse_writer"  # workers write files, not the warehouse
    assert parse_extract.upstream_task_ids == {"plan_batches"}
    assert "collect" in collect.get_task("plan_batches").upstream_task_ids
    # A batch that failed for good is parsed by the load itself: it still runs.
    load_raw = collect.get_task("load_raw")
    assert "parse_extract" in load_raw.upstream_task_ids
    assert load_raw.trigger_rule == "all_done"


def test_collection_is_mapped_per_source_and_feeds_the_build_through_an_asset(dagbag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    collect = dagbag.dags["collect_sources"]
    assert isinstance(collect.get_task("collect"), MappedOperator)
    # Airflow assets schedule; the other outlets are OpenLineage datasets (lineage only).
    [outlet] = _assets(collect.get_task("load_raw").outlets)
    build = dagbag.dags["build_audit_publish"]
    assert build.timetable.asset_condition == outlet
    [published] = _assets(build.get_task("publish").outlets)
    assert "published-marts" in published.uri


def _assets(outlets: list) -> list:
    from airflow.sdk import Asset

    return [outlet for outlet in outlets if isinstance(outlet, Asset)]


def test_the_quality_gate_is_not_retried_and_publish_waits_for_it(dagbag):
    build = dagbag.dags["build_audit_publish"]
    gate = build.get_task("quality_gate")
    assert gate.retries == 0
    assert "quality_gate" in build.get_task("publish").upstream_task_ids


def test_the_change_approval_is_a_human_in_the_loop_task(dagbag):
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    approval = dagbag.dags["approve_change"]
    assert type(approval.timetable).__name__ == "NullTimetable", "triggered by hand only"
    approve = approval.get_task("approve")
    assert isinstance(approve, ApprovalOperator)
    assert "reason" in approve.params
    assert approve.upstream_task_ids == {"describe_candidate"}
    assert approval.get_task("record_approval").upstream_task_ids >= {"approve"}
