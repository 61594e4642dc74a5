"""Every command the README shows is run by a test, exactly as written.

``COVERAGE`` maps each command of the README's bash blocks to where it runs:
``HERE`` (this module, in README order, in one sandbox) or the file of the test
that runs it (that file takes the command line from ``tests/readme_commands``;
``.ci/run`` for ``make test``). A command added to the README without an entry
here fails ``test_every_readme_command_is_run_by_a_test``.

The sandbox is a folder of symlinks to the checkout's top-level entries, whose
``var`` is a fresh folder (``ASSIST_VAR_DIR``, ``AIRFLOW_HOME=var/airflow`` as
the README says to export) and whose ``requirements.lock`` is a copy (``make
lock`` rewrites it): the commands run there as a reader runs them in a
checkout, and write nothing into the real one except through the dbt manifest
``make dbt-manifest`` regenerates. ``attribution fit`` rewrites the weights
file in the package: the test keeps the checked-in file and checks the fit
reproduces it.
"""

from __future__ import annotations

import ast
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.extract.attribution import WEIGHTS_PATH
from tests.readme_commands import README, readme_commands

HERE = "tests/test_readme_commands.py"
# Run here too, but only where ASSIST_README_LONG=1 (``make readme-long``): each takes
# minutes to hours (a whole demo, the crash matrix, cross-validation, a re-lock from
# the package index, benchmarks), more than the suite's 20 minutes can carry. The
# stages they chain are run by the suite's own tests (the demo's DAG runs by E2E).
LONG = "tests/test_readme_commands.py (long)"
E2E = "tests/e2e/test_dags.py"
CORRECTIONS = "tests/test_corrections_cli.py"
BI = "tests/bi/test_superset.py"
BI_POSTGRES = "tests/bi/test_superset_postgres.py"
BENCH = "tests/bench/test_pipeline_bench.py"
POSTGRES = "tests/publish/test_postgres_publish.py"
LINT = "tests/test_lint.py"
SHARED = PROJECT_ROOT.parent / "shared"

COVERAGE: dict[str, str] = {
    "make demo": LONG,
    "make test": ".ci/run",
    "make airflow-init": HERE,
    ".venv/bin/airflow dags test collect_sources 2026-11-21": E2E,
    ".venv/bin/airflow dags test build_audit_publish 2026-11-21": E2E,
    # Start and stop the Airflow service set on this machine's PostgreSQL and Redis (the
    # same set tests/services/test_celery_e2e.py starts on a database of its own).
    "make services-up": LONG,
    "make services-down": LONG,
    ".venv/bin/python -m ingestion run": HERE,
    # A database of a fixed name on the shared service: not in the suite, whose tests
    # make their own (tests/load/test_postgres_warehouse.py runs the same stages).
    "createdb -h 127.0.0.1 -U postgres assistance": LONG,
    "ASSIST_WAREHOUSE=postgresql://postgres@127.0.0.1:5432/assistance "
    ".venv/bin/python -m ingestion run": LONG,
    ".venv/bin/python -m ingestion collect --source sample_feed": HERE,
    ".venv/bin/python -m ingestion load": HERE,
    ".venv/bin/python -m ingestion build": HERE,
    ".venv/bin/python -m ingestion audit": HERE,
    ".venv/bin/python -m ingestion audit --all-rows": HERE,
    ".venv/bin/python -m ingestion publish": HERE,
    ".venv/bin/python -m ingestion summary": HERE,
    ".venv/bin/python -m ingestion examples": HERE,
    ".venv/bin/python -m ingestion extract data/articles -o facts.jsonl": HERE,
    ".venv/bin/python -m ingestion extract data/articles --explain": HERE,
    ".venv/bin/airflow backfill create --dag-id collect_sources --from-date 2026-11-01 "
    "--to-date 2026-11-07": HERE,
    ".venv/bin/airflow dags test collect_sources 2026-11-03": HERE,
    ".venv/bin/python -m ingestion approve --var-dir var --by 'Your Name' --reason why": HERE,
    "make reliability": LONG,
    "make evaluate": LONG,
    ".venv/bin/python -m ingestion evaluate --docs ../shared/eval/real-dev/docs "
    "--gold ../shared/eval/real-dev/gold.jsonl --errors": HERE,
    ".venv/bin/python -m ingestion evaluate --docs tests/eval/own/docs "
    "--gold tests/eval/own/gold.jsonl": HERE,
    # The bench CLI itself runs at 5 and 20 articles in tests/extract/test_cli_bench.py.
    ".venv/bin/python -m ingestion bench extract --articles 2000": LONG,
    ".venv/bin/python -m ingestion attribution cv --docs ../shared/eval/real-dev/docs "
    "--gold ../shared/eval/real-dev/gold.jsonl --folds 5": LONG,
    ".venv/bin/python -m ingestion attribution fit --docs ../shared/eval/real-dev/docs "
    "--gold ../shared/eval/real-dev/gold.jsonl": HERE,
    "make lint": LINT,
    "make lock": LONG,
    "make bi": BI,
    "make bi-stop": BI,
    "ASSIST_WAREHOUSE=postgresql://postgres@127.0.0.1:5432/assistance "
    "ASSIST_BI_ROLE=assistance_superset make bi": BI_POSTGRES,
    ".venv/bin/python -m ingestion retract --article ARTICLE_ID --by 'Your Name' --reason why": (
        CORRECTIONS
    ),
    ".venv/bin/python -m ingestion retract --fact FACT_ID --by 'Your Name' --reason why": (
        CORRECTIONS
    ),
    ".venv/bin/python -m ingestion correct FACT_ID --field payer --value 'Chengdu City' "
    "--by 'Your Name' --reason why": CORRECTIONS,
    ".venv/bin/python -m ingestion undo CORRECTION_ID --by 'Your Name' --reason why": CORRECTIONS,
    ".venv/bin/python -m ingestion corrections": CORRECTIONS,
    ".venv/bin/python -m ingestion retract --article ARTICLE_ID --by 'Your Name' "
    "--reason 'unit slip'": CORRECTIONS,
    ".venv/bin/python -m ingestion build && .venv/bin/python -m ingestion audit "
    "&& .venv/bin/python -m ingestion publish": CORRECTIONS,
    "make bench-scale": LONG,
    ".venv/bin/python -m ingestion bench pipeline --articles 10000 --var-dir /tmp/bench": LONG,
    ".venv/bin/python -m ingestion bench pipeline --articles 200 --stages collect,load": BENCH,
    ".venv/bin/python -m ingestion bench airflow-build --articles 1000": LONG,
    ".venv/bin/python -m ingestion audit && .venv/bin/python -m ingestion publish": POSTGRES,
    ".venv/bin/python -m ingestion bi-role --name ROLE_NAME": POSTGRES,
    ".venv/bin/python -m ingestion rollback": POSTGRES,
}

# What a command's output must show beyond exiting 0 (the rest is checked by state).
EXPECTED_OUTPUT: dict[str, str] = {
    "make demo": "mart_funds",
    ".venv/bin/python -m ingestion summary": "mart_pairings",
    ".venv/bin/python -m ingestion examples": "##",
    ".venv/bin/python -m ingestion extract data/articles --explain": "payer",
    ".venv/bin/python -m ingestion approve --var-dir var --by 'Your Name' --reason why": (
        "approved: "
    ),
    "make reliability": "scenarios as expected",
    ".venv/bin/python -m ingestion evaluate --docs tests/eval/own/docs "
    "--gold tests/eval/own/gold.jsonl": "overall F1",
}


def test_readme_commands_are_read_from_its_bash_blocks():
    text = "```bash\nmake a   # why\n# only a comment\nmake b \\\n  --x 'y z'\n```\n"
    assert readme_commands(text) == ["make a", "make b --x 'y z'"]


def test_every_readme_command_is_run_by_a_test():
    commands = readme_commands()
    assert commands, f"no ```bash block in {README}"
    uncovered = [c for c in commands if c not in COVERAGE]
    assert not uncovered, f"README commands no test runs (add them to COVERAGE): {uncovered}"
    stale = [c for c in COVERAGE if c not in commands]
    assert not stale, f"COVERAGE names commands the README no longer shows: {stale}"
    for command, where in COVERAGE.items():
        if where not in (HERE, LONG):
            # The covering test names the exact command line (and runs it).
            assert command in _texts(PROJECT_ROOT / where), f"{where} does not run {command!r}"


def _texts(path: Path) -> list[str] | str:
    """A Python file's string constants (split literals joined), or another file's text."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return text
    return [
        node.value
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Path:
    """A checkout of symlinks with a var/ of its own (see the module docstring)."""
    root = tmp_path_factory.mktemp("readme")
    mirror = root / "checkout"
    mirror.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name not in {"var", "requirements.lock"}:
            (mirror / entry.name).symlink_to(entry)
    shutil.copy2(PROJECT_ROOT / "requirements.lock", mirror / "requirements.lock")
    (mirror / "var").mkdir()
    if SHARED.exists():
        (root / "shared").symlink_to(SHARED)
    return mirror


def _env(checkout: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ASSIST_"))}
    env.update(
        ASSIST_VAR_DIR=str(checkout / "var"),
        # What the README says to export when calling airflow directly.
        AIRFLOW_HOME=str(checkout / "var" / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(checkout / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(checkout / "var" / "cosmos"),
        PYTHONPATH=str(checkout),
    )
    return env


def _runs_here(command: str) -> object:
    if COVERAGE[command] == LONG:
        return pytest.param(command, marks=pytest.mark.readme_long)
    return command


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [_runs_here(c) for c, where in COVERAGE.items() if where in (HERE, LONG)]
)
def test_readme_command_runs(command: str, checkout: Path) -> None:
    if COVERAGE[command] == LONG and os.environ.get("ASSIST_README_LONG") != "1":
        pytest.skip("a long README command: make readme-long runs it (ASSIST_README_LONG=1)")
    if ("../shared" in command or command == "make evaluate") and not SHARED.exists():
        pytest.skip("../shared is not present beside the checkout")
    weights = WEIGHTS_PATH.read_bytes()
    try:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=checkout,
            env=_env(checkout),
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    finally:
        fitted = WEIGHTS_PATH.read_bytes()
        WEIGHTS_PATH.write_bytes(weights)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{command} failed ({result.returncode}):\n{output[-6000:]}"
    assert EXPECTED_OUTPUT.get(command, "") in output, output[-3000:]
    _check_effect(command, checkout, fitted, weights)


def _check_effect(command: str, checkout: Path, fitted: bytes, weights: bytes) -> None:
    var = checkout / "var"
    words = shlex.split(command)
    on_postgres = words[0].startswith("ASSIST_WAREHOUSE=postgresql")
    if (words[-1] in {"run", "publish"} and not on_postgres) or command == "make demo":
        assert (var / "published" / "marts.duckdb").exists()
    if command.endswith("-o facts.jsonl"):
        assert (checkout / "facts.jsonl").stat().st_size > 0
    if "backfill" in words:
        runs = subprocess.run(
            [".venv/bin/airflow", "dags", "list-runs", "collect_sources", "-o", "plain"],
            cwd=checkout,
            env=_env(checkout),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "backfill" in runs and "2026-11-07" in runs, runs
    if words[-2:] == ["ingestion", "audit"] and not on_postgres:
        # The audit kept what each row-by-row suite passed, for the next audit.
        assert list((var / "quality" / "passed_rows").glob("mart_funds-*.parquet"))
    if words[-1] == "lock":
        assert (checkout / "requirements.lock").read_text() == (
            PROJECT_ROOT / "requirements.lock"
        ).read_text(), "make lock gives another lock: the checked-in one is not reproducible"
    if "fit" in words:
        assert fitted == weights, "attribution fit gives other weights than the checked-in ones"
