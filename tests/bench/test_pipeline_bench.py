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
