"""``python -m ingestion bench airflow-build``: the build DAG's dbt part next to the CLI build.

Generates N articles and runs collect and load through the CLI (as ``bench
pipeline`` does), keeps a copy of the loaded warehouse, then builds it twice
from that same copy: ``python -m ingestion build`` (one ``dbt build``), and the
``build_audit_publish`` DAG with ``airflow dags test`` in an Airflow home of its
own (``ingestion.airflow_sandbox``), its non-dbt tasks (freshness, gate,
publish, docs) marked successful without running. Both are timed as processes
(wall and CPU seconds, peak RSS, dbt's children included); Airflow's setup (the
metadata database, the pool) is not. The last line is the ratio of the two.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingestion.airflow_sandbox import AirflowSandbox
from ingestion.bench.pipeline import (
    StageResult,
    fresh_bench_dir,
    measured,
    run_stage,
    run_stages,
    stage_env,
)
from ingestion.config import PROJECT_ROOT, load_settings
from ingestion.transform.catalogue import rewrite_manifest
from ingestion.transform.cosmos_config import CROSS_MODEL_TESTS_TASK

DAG_ID = "build_audit_publish"
# Everything in the DAG that is not the dbt task group: what the CLI build does not do.
NOT_BUILD = r"^(dbt_source_freshness|quality_gate|publish|dbt_docs)$"
WAREHOUSE = "warehouse.duckdb"


@dataclass(frozen=True)
class TaskTimes:
    """The dbt tasks of the Airflow run: how many, and the sum of their own durations."""

    count: int
    seconds: float
    states: dict[str, int]


def _is_build_task(task_id: str) -> bool:
    """A task of the dbt group (one per layer or node) or the one of the tests of two models."""
    return task_id.startswith("dbt.") or task_id == CROSS_MODEL_TESTS_TASK


def dbt_task_times(rows: list[dict]) -> TaskTimes:
    seconds = 0.0
    states: dict[str, int] = {}
    dbt_rows = [row for row in rows if _is_build_task(row["task_id"])]
    for row in dbt_rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
        if row["start_date"] and row["end_date"]:
            start = datetime.fromisoformat(row["start_date"])
            seconds += (datetime.fromisoformat(row["end_date"]) - start).total_seconds()
    return TaskTimes(len(dbt_rows), seconds, states)


def run_airflow_build(
    sandbox: AirflowSandbox, log_dir: Path, articles: int, logical_date: str
) -> StageResult:
    """``airflow dags test build_audit_publish`` with only its dbt tasks run; timed."""
    args = ("dags", "test", DAG_ID, logical_date, "--mark-success-pattern", NOT_BUILD)
    return measured(
        "airflow", sandbox.command(*args), sandbox.env(), log_dir / "airflow-build.log", articles
    )


def format_report(
    n: int, cli: StageResult, airflow: StageResult, tasks: TaskTimes | None
) -> list[str]:
    header = f"{'build':<9} {'seconds':>9} {'CPU s':>9} {'articles/s':>11} {'peak RSS MB':>10}"
    lines = [f"build of {n} articles: CLI and Airflow from the same loaded warehouse", header]
    for result in (cli, airflow):
        status = "" if result.returncode == 0 else f"  FAILED (exit {result.returncode})"
        lines.append(
            f"{result.stage:<9} {result.seconds:>9.1f} {result.cpu_seconds:>9.1f}"
            f" {result.rate:>11.1f} {result.peak_rss_mb:>10.0f}{status}"
        )
    if tasks is not None:
        states = ", ".join(f"{count} {state}" for state, count in sorted(tasks.states.items()))
        per_task = tasks.seconds / tasks.count if tasks.count else 0.0
        lines.append(
            f"airflow dbt tasks: {tasks.count} ({states}); {tasks.seconds:.1f} s in tasks, "
            f"{per_task:.2f} s per task"
        )
    ratio = airflow.seconds / cli.seconds if cli.seconds else 0.0
    cpu_ratio = airflow.cpu_seconds / cli.cpu_seconds if cli.cpu_seconds else 0.0
    lines.append(
        f"airflow {airflow.seconds:.1f} s / CLI {cli.seconds:.1f} s: ratio {ratio:.2f} "
        f"(CPU {cpu_ratio:.2f})"
    )
    return lines


def run_benchmark(n: int, var_dir: Path, seed: int = 0, logical_date: str = "") -> list[str]:
    """Generate and load N articles, then build them with the CLI and with Airflow."""
    _corpus, sources_file, log_dir = fresh_bench_dir(var_dir, n, seed)
    sandbox = AirflowSandbox(var_dir)
    env = stage_env(sandbox.var_dir, sources_file)
    loaded = run_stages(env, log_dir, n, ("collect", "load"))
    failed = [r for r in loaded if r.returncode != 0]
    if failed:
        return [f"{r.stage} FAILED (exit {r.returncode}); see {log_dir}" for r in failed]
    warehouse = sandbox.var_dir / WAREHOUSE
    after_load = var_dir / f"loaded-{WAREHOUSE}"
    shutil.copy2(warehouse, after_load)

    cli = run_stage("build", ("build",), env, log_dir, n)
    cli = StageResult("cli", cli.seconds, cli.cpu_seconds, cli.peak_rss_mb, n, cli.returncode)

    shutil.copy2(after_load, warehouse)
    # Made at setup in a deployment (`make airflow-init`, with the workers'
    # settings), not in each run: without it the timed run's DAG parse would
    # include a `dbt parse`, and its first dbt task a full parse (seconds each).
    rewrite_manifest(dataclasses.replace(load_settings(), var_dir=sandbox.var_dir))
    sandbox.init()
    airflow = run_airflow_build(
        sandbox, log_dir, n, logical_date or datetime.now(UTC).date().isoformat()
    )
    try:
        tasks: TaskTimes | None = dbt_task_times(sandbox.task_instances(DAG_ID))
    except (RuntimeError, ValueError, KeyError, subprocess.SubprocessError):
        tasks = None
    lines = format_report(n, cli, airflow, tasks)
    if cli.returncode or airflow.returncode:
        lines.insert(-1, f"see {log_dir} for the failed build's log")
    return lines


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    lines = run_benchmark(args.articles, Path(args.var_dir).resolve(), args.seed)
    print("\n".join(lines))
    print(f"(bench wall time {time.perf_counter() - started:.0f} s)")
    return 1 if any("FAILED" in line for line in lines) else 0


def register(targets: argparse._SubParsersAction) -> None:
    parser = targets.add_parser(
        "airflow-build",
        help="the build DAG's dbt tasks under `airflow dags test` next to the CLI build",
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--var-dir",
        default=str(PROJECT_ROOT / "var" / "bench-airflow"),
        help="a fresh folder for the corpus, the var/ and Airflow's home (emptied first)",
    )
    parser.set_defaults(func=_run)
