"""The DAG files parse fast, without errors, and carry the wiring the design asks for."""

from __future__ import annotations

import time

import pytest

from ingestion.config import PROJECT_ROOT

pytest.importorskip("airflow")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import BundleDagBag

    started = time.perf_counter()
    # As the dag processor does for the dags-folder bundle: its path goes on sys.path.
    bag = BundleDagBag(dag_folder=PROJECT_ROOT / "dags", bundle_path=PROJECT_ROOT / "dags")
    bag.parse_seconds = time.perf_counter() - started
    return bag


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"collect_sources", "build_audit_publish"} <= set(dagbag.dag_ids)


def test_writers_share_the_one_slot_pool_and_runs_never_overlap(dagbag):
    writers = {
        "collect_sources": {"load_raw"},
        "build_audit_publish": {"dbt_build", "quality_gate", "publish", "dbt_docs"},
    }
    for dag_id, task_ids in writers.items():
        dag = dagbag.dags[dag_id]
        assert dag.max_active_runs == 1
        assert dag.doc_md and dag.tags
        for task_id in task_ids:
            assert dag.get_task(task_id).pool == "warehouse_writer", task_id


def test_collection_is_mapped_per_source_and_feeds_the_build_through_an_asset(dagbag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    collect = dagbag.dags["collect_sources"]
    assert isinstance(collect.get_task("collect"), MappedOperator)
    [outlet] = collect.get_task("load_raw").outlets
    build = dagbag.dags["build_audit_publish"]
    assert build.timetable.asset_condition == outlet
    [published] = build.get_task("publish").outlets
    assert "published-marts" in published.uri


def test_the_quality_gate_is_not_retried_and_publish_waits_for_it(dagbag):
    build = dagbag.dags["build_audit_publish"]
    gate = build.get_task("quality_gate")
    assert gate.retries == 0
    assert "quality_gate" in build.get_task("publish").upstream_task_ids
