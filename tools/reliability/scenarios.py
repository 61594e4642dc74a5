"""The reliability matrix: crash, re-run, reader, fault and fuzz scenarios.

Every scenario returns a ``Row``: scenario, outcome, rows lost, duplicates,
whether the published marts are intact, seconds. Crash scenarios run real
processes (``python -m tools stage``, i.e. the CLI with pause
hooks armed) in their own ``ASSIST_VAR_DIR`` and SIGKILL their whole process
group (the stage and a dbt child, as a dying container or Airflow would)
at a real point of the stage; then the pipeline runs again to completion and
the published marts are compared with a clean run's (order-independent content
hashes per mart, from ``_publish_manifest``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.config import PROJECT_ROOT
from ingestion.transform.catalogue import mart_keys
from tools.reliability.hooks import MARKER_ENV, PAUSE_ENV

RAW_KEYS = {
    "fetch_log": "attempt_id",
    "articles": "article_id",
    "parsed_payloads": "content_hash",
    "facts_pairing": "fact_id",
    "facts_fund": "fact_id",
    "facts_output": "fact_id",
    "facts_exit": "fact_id",
}
PIPELINE_TIMEOUT = 600.0


@dataclass
class Row:
    scenario: str
    outcome: str
    rows_lost: int | None = 0
    duplicates: int | None = 0
    intact: bool | None = None
    seconds: float = 0.0
    ok: bool = True  # did the scenario meet its expectation

    def cells(self) -> list[str]:
        def show(value: object) -> str:
            if value is None:
                return "n/a"
            if isinstance(value, bool):
                return "yes" if value else "NO"
            return str(value)

        return [
            self.scenario,
            self.outcome,
            show(self.rows_lost),
            show(self.duplicates),
            show(self.intact),
            f"{self.seconds:.1f}",
        ]


HEADERS = ["scenario", "outcome", "rows lost", "duplicates", "published marts intact", "seconds"]


def format_table(rows: list[Row]) -> str:
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(table[0]), rule, *(line(cells) for cells in table[1:])])


# --- running the pipeline in a real process ------------------------------------------------


def _env(var_dir: Path, pause_at: str | None = None, marker: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["ASSIST_VAR_DIR"] = str(var_dir)
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    env.pop(PAUSE_ENV, None)
    if pause_at:
        env[PAUSE_ENV] = pause_at
        env[MARKER_ENV] = str(marker)
    return env


def stage_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tools", "stage", *args]


def run_stage(var_dir: Path, *args: str, timeout: float = PIPELINE_TIMEOUT) -> None:
    """Run ``python -m ingestion <args>`` (or ``pipeline``) to completion; raise on failure."""
    completed = subprocess.run(
        stage_command(*args),
        cwd=PROJECT_ROOT,
        env=_env(var_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({completed.returncode}):\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )


def run_pipeline(var_dir: Path) -> None:
    run_stage(var_dir, "pipeline")


@dataclass(frozen=True)
class Kill:
    killed_running: bool  # the stage was still running when the SIGKILL came
    seconds: float


def kill_during(
    var_dir: Path,
    *args: str,
    pause_at: str | None = None,
    evidence: Callable[[], bool] | None = None,
    timeout: float = 300.0,
) -> Kill:
    """Start a stage, wait for the pause marker or the evidence, SIGKILL its process group."""
    marker = var_dir.parent / f".{var_dir.name}-paused"
    marker.unlink(missing_ok=True)
    started = time.monotonic()
    process = subprocess.Popen(
        stage_command(*args),
        cwd=PROJECT_ROOT,
        env=_env(var_dir, pause_at, marker),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                break
            if (pause_at and marker.exists()) or (evidence and evidence()):
                break
            time.sleep(0.02)
        running = process.poll() is None
        if running:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        marker.unlink(missing_ok=True)
    # A killed group can leave a dbt grandchild for a moment: wait until the warehouse is free.
    _wait_for_unlocked(var_dir / "warehouse.duckdb")
    return Kill(running, time.monotonic() - started)


def _wait_for_unlocked(path: Path, timeout: float = 30.0) -> None:
    if not path.exists():
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            duckdb.connect(str(path), read_only=True).close()
            return
        except duckdb.IOException:
            time.sleep(0.2)


def dbt_progress(var_dir: Path, at_least: int) -> Callable[[], bool]:
    """Evidence that dbt build is under way: ``at_least`` new "OK" nodes in its log."""
    log = var_dir / "dbt" / "target" / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0

    def seen() -> bool:
        if not log.exists():
            return False
        with log.open("rb") as handle:
            handle.seek(start)
            return handle.read().count(b" OK ") >= at_least

    return seen


# --- what the published marts and the warehouse hold -----------------------------------------


@dataclass(frozen=True)
class State:
    published: dict[str, tuple[int, str]]  # mart -> (rows, content hash), from _publish_manifest
    intact: bool  # every mart's count(*) matches the manifest, one snapshot id
    raw_counts: dict[str, int]
    duplicates: int  # duplicated keys in raw tables and marts


def published_state(published_dir: Path) -> tuple[dict[str, tuple[int, str]], bool]:
    from tools.reliability.reader import check_once

    database = published_dir / "marts.duckdb"
    if not database.exists():
        return {}, False
    _, violation = check_once(database)
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select table_name, row_count, content_hash from _publish_manifest"
        ).fetchall()
    return {name: (count, digest) for name, count, digest in rows}, violation is None


def read_state(var_dir: Path) -> State:
    from ingestion.warehouse import connect

    published, intact = published_state(var_dir / "published")
    duplicates = 0
    raw_counts: dict[str, int] = {}
    with connect(var_dir / "warehouse.duckdb") as connection:
        for table, key in RAW_KEYS.items():
            total, distinct = connection.execute(
                f"select count(*), count(distinct {key}) from raw.{table}"
            ).fetchone()
            raw_counts[table] = int(total)
            duplicates += int(total) - int(distinct)
        # The same article text loaded twice under another id would be a duplicate too.
        total, distinct = connection.execute(
            "select count(*), count(distinct text) from raw.articles"
        ).fetchone()
        duplicates += int(total) - int(distinct)
    database = var_dir / "published" / "marts.duckdb"
    if database.exists():
        with duckdb.connect(str(database), read_only=True) as connection:
            for mart, key in mart_keys().items():
                total, distinct = connection.execute(
                    f'select count(*), count(distinct "{key}") from main."{mart}"'
                ).fetchone()
                duplicates += int(total) - int(distinct)
    return State(published, intact, raw_counts, duplicates)


def compare(state: State, baseline: State) -> tuple[int, bool]:
    """(rows lost against the baseline, marts identical to the baseline)."""
    lost = sum(
        max(0, rows - state.published.get(mart, (0, ""))[0])
        for mart, (rows, _) in baseline.published.items()
    )
    # Raw rows a clean run keeps (the fetch log grows with every run; not a loss either way).
    lost += sum(
        max(0, count - state.raw_counts.get(table, 0))
        for table, count in baseline.raw_counts.items()
        if table != "fetch_log"
    )
    return lost, state.published == baseline.published


def copy_var(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    return target


# --- the scenarios ----------------------------------------------------------------------------


def clean_run(var_dir: Path) -> tuple[Row, State]:
    started = time.monotonic()
    if var_dir.exists():
        shutil.rmtree(var_dir)
    run_pipeline(var_dir)
    state = read_state(var_dir)
    row = Row(
        "clean run (baseline)",
        f"published {sum(r for r, _ in state.published.values())} mart rows",
        0,
        state.duplicates,
        state.intact,
        time.monotonic() - started,
        ok=state.intact and state.duplicates == 0,
    )
    return row, state


def crash_scenario(
    name: str,
    var_dir: Path,
    baseline: State,
    *,
    prepare: Callable[[Path], None],
    args: tuple[str, ...],
    pause_at: str | None = None,
    evidence: Callable[[Path], Callable[[], bool]] | None = None,
) -> Row:
    """Prepare a var dir, kill a stage in it, check what is published, run again, compare."""
    started = time.monotonic()
    prepare(var_dir)
    had_published = (var_dir / "published" / "marts.duckdb").exists()
    kill = kill_during(
        var_dir, *args, pause_at=pause_at, evidence=evidence(var_dir) if evidence else None
    )
    # Right after the crash: the published marts (if any) must still be whole.
    _, intact_after_crash = published_state(var_dir / "published")
    intact_after_crash = intact_after_crash or not had_published
    try:
        run_pipeline(var_dir)
    except RuntimeError as error:
        return Row(
            name,
            f"re-run FAILED: {str(error).splitlines()[0]}",
            None,
            None,
            intact_after_crash,
            time.monotonic() - started,
            ok=False,
        )
    state = read_state(var_dir)
    lost, identical = compare(state, baseline)
    killed = "killed mid-stage" if kill.killed_running else "stage ended before the kill"
    outcome = f"{killed}; re-run ok; marts {'= clean run' if identical else 'DIFFER'}"
    return Row(
        name,
        outcome,
        lost,
        state.duplicates,
        intact_after_crash and state.intact and identical,
        time.monotonic() - started,
        ok=kill.killed_running
        and identical
        and lost == 0
        and state.duplicates == 0
        and intact_after_crash,
    )


def fresh(var_dir: Path) -> None:
    if var_dir.exists():
        shutil.rmtree(var_dir)


def crash_scenarios(work: Path, baseline_dir: Path, baseline: State) -> list[Row]:
    def collected(var_dir: Path) -> None:
        fresh(var_dir)
        run_stage(var_dir, "collect")

    def from_baseline(var_dir: Path) -> None:
        copy_var(baseline_dir, var_dir)

    def loaded(var_dir: Path) -> None:
        collected(var_dir)
        run_stage(var_dir, "load")

    return [
        crash_scenario(
            "SIGKILL during landing (collect)",
            work / "crash-collect",
            baseline,
            prepare=fresh,
            args=("collect",),
            pause_at="collect:payload:5",
        ),
        crash_scenario(
            "SIGKILL during extraction (load)",
            work / "crash-load",
            baseline,
            prepare=collected,
            args=("load",),
            pause_at="load:extract:8",
        ),
        crash_scenario(
            "SIGKILL during dbt build (first build)",
            work / "crash-build",
            baseline,
            prepare=loaded,
            args=("build",),
            evidence=lambda v: dbt_progress(v, 40),
        ),
        crash_scenario(
            "SIGKILL during dbt build (rebuild)",
            work / "crash-rebuild",
            baseline,
            prepare=from_baseline,
            args=("build",),
            evidence=lambda v: dbt_progress(v, 60),
        ),
        crash_scenario(
            "SIGKILL during publish (writing file)",
            work / "crash-publish-writing",
            baseline,
            prepare=from_baseline,
            args=("publish",),
            pause_at="publish:building",
        ),
        crash_scenario(
            "SIGKILL during publish (before switch)",
            work / "crash-publish-switch",
            baseline,
            prepare=from_baseline,
            args=("publish",),
            pause_at="publish:before-switch",
        ),
    ]


def rerun_scenarios(work: Path, baseline: State, *, backfill_days: int = 3) -> list[Row]:
    """The same day twice, and a backfill (one run per logical date, in a row)."""
    rows = []
    for name, runs in (
        ("same day run twice", 2),
        (f"backfill: {backfill_days} runs", backfill_days),
    ):
        started = time.monotonic()
        var_dir = work / name.split(":")[0].replace(" ", "-")
        fresh(var_dir)
        history = []
        for _ in range(runs):
            run_pipeline(var_dir)
            history.append(read_state(var_dir))
        state = history[-1]
        lost, identical = compare(state, baseline)
        same_each_time = all(h.published == baseline.published for h in history)
        rows.append(
            Row(
                name,
                f"{runs} runs; marts "
                + ("= clean run after every run" if same_each_time else "DIFFER"),
                lost,
                state.duplicates,
                state.intact and identical,
                time.monotonic() - started,
                ok=same_each_time and lost == 0 and state.duplicates == 0,
            )
        )
    return rows


def reader_scenario(work: Path, baseline_dir: Path, publishes: int = 10) -> Row:
    """A separate process reads the published marts in a loop while we publish again and again."""
    from ingestion.publish.publisher import publish_marts
    from ingestion.warehouse import connect

    started = time.monotonic()
    var_dir = copy_var(baseline_dir, work / "readers")
    candidate_a = var_dir / "warehouse.duckdb"
    candidate_b = var_dir / "warehouse-b.duckdb"
    shutil.copy2(candidate_a, candidate_b)
    with connect(candidate_b) as connection:  # other content: every mart loses some rows
        for mart, key in mart_keys().items():
            connection.execute(f'delete from marts."{mart}" where hash("{key}") % 3 = 0')
    published_dir = var_dir / "published"
    stop = work / "readers.stop"
    stop.unlink(missing_ok=True)
    reader = subprocess.Popen(
        [sys.executable, "-m", "tools", "reader", str(published_dir), str(stop)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        for index in range(publishes):
            publish_marts(candidate_b if index % 2 == 0 else candidate_a, published_dir)
        time.sleep(0.5)
    finally:
        stop.touch()
        output, _ = reader.communicate(timeout=120)
    result = json.loads(output.strip().splitlines()[-1])
    _, intact = published_state(published_dir)
    problems = "; ".join(result["problems"])
    outcome = (
        f"{publishes} publishes, {result['reads']} reads, {result['snapshots']} snapshots seen, "
        f"{result['errors']} errors, {result['violations']} invariant violations"
        + (f" ({problems})" if problems else "")
    )
    return Row(
        "reader during repeated publish",
        outcome,
        None,
        None,
        intact and result["errors"] == 0 and result["violations"] == 0,
        time.monotonic() - started,
        ok=result["errors"] == 0 and result["violations"] == 0 and result["reads"] > 0,
    )
