"""End to end on the real services: Airflow on PostgreSQL with the CeleryExecutor and Redis.

One service set for the module (``ingestion.services.native.up``: api-server,
scheduler, dag-processor, triggerer, two Celery workers) on a fresh metadata
database of its own. ``collect_sources`` is triggered through the REST API; its
raw asset triggers ``build_audit_publish``. In the middle of the build, the
worker running a dbt task is SIGKILLed with its whole process group (a lost
machine): the scheduler finds the task without heartbeat, and its retry runs on
the other worker. Then everything stops and the database is dropped.

The warehouse is PostgreSQL (a fresh database for the set, another for the
reference run of ``python -m ingestion run``): the published schema must hold
the reference's rows, none twice, and a BI role made by ``ingestion bi-role``
reads every mart and not the raw tables.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.quality.postgres_tables import PUBLISHED_SCHEMA
from ingestion.services.native import NativeOptions, ServiceSet, stop, up
from ingestion.services.queues import DEFAULT_QUEUE, WAREHOUSE_POOL
from tests.services.harness import (
    AirflowApi,
    free_port,
    freeze_service,
    fresh_database,
    kill_service,
    wait_for,
    write_passwords,
)

pytestmark = [pytest.mark.slow, pytest.mark.services]

WAREHOUSE_QUEUE = "warehouse"  # docker/airflow.env's ASSIST_WAREHOUSE_QUEUE
WORKERS = ("worker", "warehouse-worker")
USER, PASSWORD = "ops", "services-test-password"
# A killed worker's task is failed by the scheduler once its heartbeat is this old.
HEARTBEAT_TIMEOUT = 20
RUN_TIMEOUT = 45 * 60  # the build is ~85 tasks, one at a time, on a shared two-core machine


def published_rows(warehouse_url: str) -> dict[str, tuple[int, int]]:
    """Mart -> (rows, distinct rows) of the published schema, with the manifest's counts checked."""
    connection = psycopg2.connect(_libpq(warehouse_url))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"select table_name, row_count from {PUBLISHED_SCHEMA}._publish_manifest"
            )
            manifest = dict(cursor.fetchall())
            counts = {}
            for mart, listed in manifest.items():
                cursor.execute(
                    f"select count(*), (select count(*) from (select distinct * from "
                    f'{PUBLISHED_SCHEMA}."{mart}") d) from {PUBLISHED_SCHEMA}."{mart}"'
                )
                [(rows, distinct)] = cursor.fetchall()
                assert rows == listed, f"{mart}: {rows} rows, the publish manifest says {listed}"
                counts[mart] = (rows, distinct)
        return counts
    finally:
        connection.close()


def _libpq(url: str) -> str:
    """The harness's SQLAlchemy URL as the postgresql:// URL of ASSIST_WAREHOUSE and psycopg2."""
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


@dataclass
class Outcome:
    running: ServiceSet
    runs: dict[str, dict]
    tasks: dict[str, list[dict]]
    api: AirflowApi
    killed_worker: str
    pool_slots: int
    reference: dict[str, tuple[int, int]]
    warehouse: str
    timings: dict[str, float] = field(default_factory=dict)


def _environment(passwords: Path, warehouse: str) -> dict[str, str]:
    return {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "ASSIST_TASK_RETRIES": "1",
        "ASSIST_RETRY_DELAY_SECONDS": "5",
        "ASSIST_WAREHOUSE": warehouse,
    }


def _reference_run(var_dir: Path, log: Path, warehouse: str) -> subprocess.Popen:
    """The same pipeline from the command line, no Airflow: the rows the marts should hold."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        ASSIST_VAR_DIR=str(var_dir),
        ASSIST_WAREHOUSE=warehouse,
        PYTHONPATH=str(PROJECT_ROOT),
        ASSIST_LOAD_WORKERS="1",
        GX_ANALYTICS_ENABLED="False",
        DO_NOT_TRACK="1",
    )
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ingestion", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _take_the_missed_daily_slots(api: AirflowApi) -> str:
    """Trigger collect_sources; keep the schedules from starting runs of their own.

    With catchup off, unpausing a DAG starts its most recent missed daily run at
    once. A run that exists for that logical date takes its place: collection's is
    the run this test triggers; the build's is created and marked failed while the
    DAG is still paused (no task runs), so the only build is the asset's.
    """
    dates = {
        dag_id: api.get(f"/dags/{dag_id}")["next_dagrun_logical_date"]
        for dag_id in ("collect_sources", "build_audit_publish")
    }
    slot = "missed_daily_slot"
    api.send(
        "POST",
        "/dags/build_audit_publish/dagRuns",
        {"dag_run_id": slot, "logical_date": dates["build_audit_publish"]},
    )
    api.send(
        "PATCH",
        f"/dags/build_audit_publish/dagRuns/{slot}",
        {"state": "failed", "note": "not run: takes the missed daily run's place"},
    )
    run = api.send(
        "POST",
        "/dags/collect_sources/dagRuns",
        {"dag_run_id": "services_e2e", "logical_date": dates["collect_sources"]},
    )
    for dag_id in ("collect_sources", "build_audit_publish"):
        api.send("PATCH", f"/dags/{dag_id}", {"is_paused": False})
    return run["dag_run_id"]


def _finished(api: AirflowApi, dag_id: str, run_id: str) -> dict | None:
    [run] = [r for r in api.runs(dag_id) if r["dag_run_id"] == run_id]
    if run["state"] == "failed":
        failed = [
            t["task_id"] for t in api.task_instances(dag_id, run_id) if t["state"] != "success"
        ]
        raise AssertionError(f"{dag_id} {run_id} failed: {failed}")
    return run if run["state"] == "success" else None


def _asset_run(api: AirflowApi) -> dict | None:
    runs = [r for r in api.runs("build_audit_publish") if r["run_type"] == "asset_triggered"]
    return runs[0] if runs else None


def _victim(api: AirflowApi, run_id: str) -> dict | None:
    """A dbt layer task running its first try, once a dbt task is done."""
    tasks = api.task_instances("build_audit_publish", run_id)
    if not any(t["state"] == "success" and t["task_id"].startswith("dbt.") for t in tasks):
        return None
    running = [
        t
        for t in tasks
        if t["state"] == "running"
        and t["task_id"].startswith("dbt.")
        and t["try_number"] == 1
        and t["hostname"]
    ]
    return running[0] if running else None


def _kill_a_worker_mid_task(api: AirflowApi, running: ServiceSet, run_id: str) -> str | None:
    """SIGKILL the worker of a running dbt task; the killed worker's name, or None to look again.

    A dbt task on PostgreSQL can end between the API saying it runs and the kill,
    and then nothing is left to retry. So the worker is frozen first, the task asked
    for again once any report it sent before the freeze has landed, and killed only
    if that task still runs; else the worker is thawed and another task is waited for.
    """
    victim = _victim(api, run_id)
    if victim is None:
        return None
    worker = victim["hostname"].split(".", 1)[0]
    freeze_service(running, worker, frozen=True)
    try:
        time.sleep(2)
        [now] = [
            t
            for t in api.task_instances("build_audit_publish", run_id)
            if t["task_id"] == victim["task_id"] and t["map_index"] == victim["map_index"]
        ]
    except BaseException:
        freeze_service(running, worker, frozen=False)
        raise
    if now["state"] != "running" or now["try_number"] != 1:
        freeze_service(running, worker, frozen=False)
        return None
    kill_service(running, worker)
    return worker


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[Outcome]:
    root = tmp_path_factory.mktemp("services")
    timings: dict[str, float] = {}
    started = time.monotonic()
    passwords = write_passwords(root / "passwords.json", {USER: PASSWORD})
    with (
        fresh_database("assist_services") as metadata_db,
        fresh_database("assist_warehouse") as warehouse_db,
        fresh_database("assist_reference") as reference_db,
    ):
        warehouse, reference_warehouse = _libpq(warehouse_db), _libpq(reference_db)
        reference = _reference_run(root / "reference", root / "reference.log", reference_warehouse)
        options = NativeOptions(
            var_dir=root / "var",
            metadata_db=metadata_db,
            api_port=free_port(),
            extra_env={
                **_environment(passwords, warehouse),
                # Queues and results of this set only, whatever else uses this Redis.
                "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": (
                    metadata_db.rsplit("/", 1)[1] + ":"
                ),
            },
        )
        running = up(options)
        try:
            timings["start the set"] = time.monotonic() - started
            api = AirflowApi.login(running.api_url, USER, PASSWORD)
            mark = time.monotonic()
            collect_id = _take_the_missed_daily_slots(api)
            collect = wait_for(
                lambda: _finished(api, "collect_sources", collect_id), RUN_TIMEOUT, "collection"
            )
            timings["collect_sources run"] = time.monotonic() - mark
            build = wait_for(lambda: _asset_run(api), 120, "the asset-triggered build")
            mark = time.monotonic()
            killed_worker = wait_for(
                lambda: _kill_a_worker_mid_task(api, running, build["dag_run_id"]),
                RUN_TIMEOUT,
                "a running dbt task",
                # A layer task runs for seconds: look often enough to find one running.
                every=1,
            )
            build = wait_for(
                lambda: _finished(api, "build_audit_publish", build["dag_run_id"]),
                RUN_TIMEOUT,
                "the build",
                every=10,
            )
            timings["build_audit_publish run (with the kill)"] = time.monotonic() - mark
            assert reference.wait(timeout=RUN_TIMEOUT) == 0, (root / "reference.log").read_text()[
                -4000:
            ]
            yield Outcome(
                running=running,
                runs={"collect_sources": collect, "build_audit_publish": build},
                tasks={
                    "collect_sources": api.task_instances("collect_sources", collect_id),
                    "build_audit_publish": api.task_instances(
                        "build_audit_publish", build["dag_run_id"]
                    ),
                },
                api=api,
                killed_worker=killed_worker,
                pool_slots=api.get(f"/pools/{WAREHOUSE_POOL}")["slots"],
                reference=published_rows(reference_warehouse),
                warehouse=warehouse,
                timings=timings,
            )
        finally:
            mark = time.monotonic()
            stopped = stop(running)
            timings["stop the set"] = time.monotonic() - mark
            if reference.poll() is None:
                reference.kill()
            print(f"\nservices e2e timings (s): { {k: round(v) for k, v in timings.items()} }")
            print(f"stopped: {stopped}")


def test_collection_triggered_over_rest_and_its_asset_triggered_the_build(outcome):
    collect, build = outcome.runs["collect_sources"], outcome.runs["build_audit_publish"]
    assert (collect["run_type"], collect["state"]) == ("manual", "success")
    assert (build["run_type"], build["state"]) == ("asset_triggered", "success")
    assert datetime.fromisoformat(build["start_date"]) >= datetime.fromisoformat(
        collect["end_date"]
    ) - timedelta(seconds=5), "the build starts when collection has updated the raw asset"


def test_every_task_ran_on_a_celery_worker_and_collection_on_the_default_queue(outcome):
    hosts = set()
    for tasks in outcome.tasks.values():
        for task in tasks:
            worker = task["hostname"].split(".", 1)[0]
            assert worker in WORKERS, f"{task['task_id']} ran on {task['hostname']!r}"
            hosts.add(worker)
    assert hosts == set(WORKERS), "both workers took tasks"
    # Fetching, parsing and extracting write files only: the default queue.
    on_files = [
        t for t in outcome.tasks["collect_sources"] if t["task_id"] in ("collect", "parse_extract")
    ]
    assert {t["task_id"] for t in on_files} == {"collect", "parse_extract"}
    assert {t["queue"] for t in on_files} == {DEFAULT_QUEUE}
    # Only `worker` serves the default queue.
    assert {t["hostname"].split(".", 1)[0] for t in on_files} == {"worker"}


def test_warehouse_tasks_ran_on_the_warehouse_queue_one_at_a_time(outcome):
    writers = [
        t
        for tasks in outcome.tasks.values()
        for t in tasks
        if t["task_id"] not in ("list_sources", "collect", "parse_extract")
    ]
    # load_raw and every build task write the warehouse.
    assert {"load_raw", "dbt.staging", "dbt.marts", "quality_gate", "publish"} <= {
        t["task_id"] for t in writers
    }
    assert {(t["queue"], t["pool"]) for t in writers} == {(WAREHOUSE_QUEUE, WAREHOUSE_POOL)}
    assert outcome.pool_slots == 1
    spans = sorted(
        (
            datetime.fromisoformat(t["start_date"]),
            datetime.fromisoformat(t["end_date"]),
            t["task_id"],
        )
        for t in writers
    )
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        assert start >= end, f"{second} started before {first} ended: two writers at once"


def test_the_killed_workers_task_was_retried_on_the_other_worker(outcome):
    build_id = outcome.runs["build_audit_publish"]["dag_run_id"]
    retried = [t for t in outcome.tasks["build_audit_publish"] if t["try_number"] > 1]
    assert retried, "the task the worker was running when killed runs again"
    assert not outcome.running.service(outcome.killed_worker).alive()
    for task in retried:
        assert task["state"] == "success" and task["try_number"] == 2, task
        assert task["hostname"].split(".", 1)[0] != outcome.killed_worker
        [first] = [
            t
            for t in outcome.api.tries("build_audit_publish", build_id, task["task_id"])
            if t["try_number"] == 1
        ]
        # Failed by the scheduler (no heartbeat), on the worker that was killed.
        assert first["state"] == "failed"
        assert first["hostname"].split(".", 1)[0] == outcome.killed_worker


def test_published_marts_hold_the_reference_rows_and_no_duplicates(outcome):
    published = published_rows(outcome.warehouse)
    assert published == outcome.reference
    duplicated = {mart: counts for mart, counts in published.items() if counts[0] != counts[1]}
    assert not duplicated, f"marts with duplicated rows (rows, distinct): {duplicated}"
    assert published["mart_pairings"][0] > 0 and published["mart_funds"][0] > 0


def test_the_bi_role_reads_every_published_mart_and_nothing_else(outcome):
    role = f"bi_{outcome.warehouse.rsplit('/', 1)[1]}"[:60]
    made = subprocess.run(
        [sys.executable, "-m", "ingestion", "bi-role", "--name", role],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ASSIST_WAREHOUSE": outcome.warehouse, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    as_role = psycopg2.connect(_libpq(outcome.warehouse).replace("postgres@", f"{role}@", 1))
    try:
        with as_role.cursor() as cursor:
            for mart in published_rows(outcome.warehouse):
                cursor.execute(f'select count(*) from {PUBLISHED_SCHEMA}."{mart}"')
                assert cursor.fetchone()[0] >= 0
        as_role.rollback()
        with as_role.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("select count(*) from raw.articles")
    finally:
        as_role.close()
        admin = psycopg2.connect(_libpq(outcome.warehouse))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'drop owned by "{role}"')
            cursor.execute(f'drop role "{role}"')
        admin.close()
