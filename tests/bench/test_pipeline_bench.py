"""``bench pipeline`` smoke test: the table is printed (its timings are not checked).

N = 200 through collect and load, cold and refreshed, in child processes as a
user runs it; build, audit and publish are the same CLI stages and have their
own end-to-end tests, so the smoke test stays short.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import duckdb

from ingestion.bench.corpus import gazetteer_places, write_corpus
from ingestion.config import PROJECT_ROOT
from tests.readme_commands import readme_argv

# The README's smoke run ("Benchmark the pipeline at scale"), with a var folder of the test's.
README_SMOKE = ".venv/bin/python -m ingestion bench pipeline --articles 200 --stages collect,load"


def test_the_benchmark_prints_its_table_and_the_summary_line(tmp_path: Path):
    var_dir = tmp_path / "bench"
    _venv_python, *args = readme_argv(README_SMOKE)
    completed = subprocess.run(
        [sys.executable, *args, "--var-dir", str(var_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    number = r"\s+[\d.]+"
    cold = [line for line in lines if re.fullmatch(rf"(collect|load|total){number * 4}", line)]
    refresh = [line for line in lines if re.fullmatch(rf"(collect|load|total){number * 5}", line)]
    assert [row.split()[0] for row in cold] == ["collect", "load", "total"]
    assert [row.split()[0] for row in refresh] == ["collect", "load", "total"]
    assert any(line.startswith("parse:") and "bare trafilatura" in line for line in lines)
    assert re.fullmatch(
        r"cold 200 articles: [\d.]+ s; refresh 2 new: [\d.]+ s \(ratio [\d.]+\); "
        r"peak RSS \d+ MB",
        lines[-1],
    )
    # What was measured is a real load: every generated page is its own article.
    with duckdb.connect(str(var_dir / "var" / "warehouse.duckdb"), read_only=True) as db:
        assert db.execute("select count(*) from raw.articles").fetchone() == (202,)
        parse_or_extract = "select count(*) from raw.quarantine where stage <> 'statistics'"
        assert db.execute(parse_or_extract).fetchone() == (0,)
        facts = db.execute("select count(*) from raw.facts_fund").fetchone()[0]
    assert facts > 200


def test_generated_pages_are_distinct_realistic_and_plausible(tmp_path: Path):
    paths = write_corpus(tmp_path, 0, 30, seed=7)
    pages = [p.read_text(encoding="utf-8") for p in paths]
    assert len(set(pages)) == 30
    assert all(6_000 < len(page.encode()) < 11_000 for page in pages)
    assert write_corpus(tmp_path / "again", 0, 30, seed=7)[5].read_text() == pages[5]
    places = gazetteer_places()
    assert all(any(c in html.unescape(page) for c, _ in places.counties) for page in pages)
    for page in pages:
        for exited, total in re.findall(r"(\d+) of the (\d+) poor villages", page):
            assert int(exited) <= int(total)


def test_the_airflow_build_report_puts_airflow_next_to_the_cli_and_their_ratio():
    # The run itself (a load and two builds of 1,000 articles) takes minutes: `make
    # readme-long` runs it; here its report from known figures.
    from ingestion.bench.airflow_build import dbt_task_times, format_report
    from ingestion.bench.pipeline import StageResult

    rows = [
        {
            "task_id": "dbt.a_model_build",
            "state": "success",
            "start_date": "2026-01-01T00:00:00+00:00",
            "end_date": "2026-01-01T00:00:03+00:00",
        },
        {
            "task_id": "dbt.b_model_build",
            "state": "failed",
            "start_date": "2026-01-01T00:00:03+00:00",
            "end_date": "2026-01-01T00:00:04+00:00",
        },
        {
            "task_id": "dbt_cross_model_tests",
            "state": "success",
            "start_date": "2026-01-01T00:00:04+00:00",
            "end_date": "2026-01-01T00:00:06+00:00",
        },
        {"task_id": "publish", "state": "success", "start_date": "", "end_date": ""},
    ]
    tasks = dbt_task_times(rows)
    assert (tasks.count, tasks.seconds, tasks.states) == (3, 6.0, {"success": 2, "failed": 1})
    cli = StageResult("cli", 60.0, 50.0, 600.0, 1000, 0)
    airflow = StageResult("airflow", 90.0, 80.0, 700.0, 1000, 0)
    lines = format_report(1000, cli, airflow, tasks)
    assert [line.split()[0] for line in lines[2:4]] == ["cli", "airflow"]
    assert "3 (1 failed, 2 success); 6.0 s in tasks, 2.00 s per task" in lines[4]
    assert lines[-1] == "airflow 90.0 s / CLI 60.0 s: ratio 1.50 (CPU 1.60)"


def test_the_build_profile_names_the_slowest_nodes_and_splits_models_from_tests(tmp_path):
    import json

    from ingestion.bench.build_profile import build_profile, format_profile

    assert build_profile(tmp_path) is None, "no build yet: no profile"
    results = [
        ("model.proj.int_slow", 7.5),
        ("model.proj.mart_small", 0.5),
        ("test.proj.unique_mart_small_key.0123abcd", 1.25),
        ("test.proj.not_null_mart_small_key.4567ef01", 0.25),
        ("seed.proj.mechanisms", 0.1),
    ]
    payload = {
        "results": [{"unique_id": u, "status": "success", "execution_time": s} for u, s in results]
    }
    (tmp_path / "run_results.json").write_text(json.dumps(payload))
    profile = build_profile(tmp_path, slowest=3)
    assert profile is not None
    assert profile.node_seconds == {"model": 8.0, "test": 1.5, "seed": 0.1}
    assert profile.slowest == [
        ("int_slow", 7.5),
        ("unique_mart_small_key", 1.25),
        ("mart_small", 0.5),
    ]
    assert format_profile("refresh", profile) == (
        "build profile (refresh): node seconds models 8.0, tests 1.5, seeds 0.1; "
        "slowest: int_slow 7.5, unique_mart_small_key 1.2, mart_small 0.5"
    )
