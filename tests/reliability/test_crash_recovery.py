"""Real processes, real SIGKILLs: a killed stage never half-publishes, the next run recovers.

Each test compares the published marts with a clean single run (content hashes
per mart from ``_publish_manifest``) and checks that no key is duplicated in
the raw tables or the marts. ``python -m tools reliability`` runs the same
scenarios one by one (and more); here they are chained to stay within minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.publish.publisher import current_version, publish_marts
from tools.reliability.scenarios import (
    State,
    clean_run,
    compare,
    copy_var,
    dbt_progress,
    kill_during,
    published_state,
    read_state,
    reader_scenario,
    run_pipeline,
    run_stage,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, State]:
    var_dir = tmp_path_factory.mktemp("reliability") / "baseline"
    row, state = clean_run(var_dir)
    assert row.ok, row
    # Every mart holds rows, but the conflicts: the sample sources agree with each other.
    assert state.published and all(
        rows > 0 for mart, (rows, _) in state.published.items() if mart != "mart_fact_conflicts"
    )
    return var_dir, state


def assert_same_as_clean_run(var_dir: Path, baseline: State) -> None:
    state = read_state(var_dir)
    lost, identical = compare(state, baseline)
    assert state.intact
    assert state.duplicates == 0
    assert lost == 0
    assert identical, {
        mart: (state.published.get(mart), expected)
        for mart, expected in baseline.published.items()
        if state.published.get(mart) != expected
    }


def test_killed_while_landing_and_while_extracting_then_the_next_run_recovers(
    tmp_path: Path, baseline: tuple[Path, State]
) -> None:
    var_dir = tmp_path / "var"
    kill = kill_during(var_dir, "collect", pause_at="collect:payload:5")
    assert kill.killed_running
    payloads = list((var_dir / "landing" / "payloads").glob("*/*"))
    assert len(payloads) == 5  # landed whole (content-addressed, written atomically)
    assert not list((var_dir / "landing").rglob(".*.tmp"))

    run_stage(var_dir, "collect")
    kill = kill_during(var_dir, "load", pause_at="load:extract:8")
    assert kill.killed_running

    run_pipeline(var_dir)
    assert_same_as_clean_run(var_dir, baseline[1])


def test_killed_during_dbt_build_and_during_publish_then_the_next_run_recovers(
    tmp_path: Path, baseline: tuple[Path, State]
) -> None:
    var_dir = copy_var(baseline[0], tmp_path / "var")
    published_before = published_state(var_dir / "published")
    version_before = current_version(var_dir / "published")

    kill = kill_during(var_dir, "build", evidence=dbt_progress(var_dir, 40))
    assert kill.killed_running
    assert published_state(var_dir / "published") == published_before

    run_stage(var_dir, "build")
    for point in ("publish:building", "publish:before-switch"):
        kill = kill_during(var_dir, "publish", pause_at=point)
        assert kill.killed_running, point
        # Still the old publication, whole: the switch is one rename that never happened.
        assert current_version(var_dir / "published") == version_before
        assert published_state(var_dir / "published") == published_before

    run_pipeline(var_dir)
    assert current_version(var_dir / "published") != version_before
    assert_same_as_clean_run(var_dir, baseline[1])
    assert not list((var_dir / "published" / "versions").glob(".staging-*"))


# Re-running the same day is tested through Airflow in tests/e2e/test_dags.py and
# through the command line in the `make reliability` matrix; not a third time here.


def test_a_reader_process_sees_only_complete_snapshots_while_publishes_repeat(
    tmp_path: Path, baseline: tuple[Path, State]
) -> None:
    row = reader_scenario(tmp_path, baseline[0], publishes=8)
    assert row.ok, row.outcome
    assert row.intact, row.outcome


def test_a_reader_holding_the_published_file_keeps_it_through_many_publishes(
    tmp_path: Path, baseline: tuple[Path, State]
) -> None:
    import duckdb

    var_dir = copy_var(baseline[0], tmp_path / "var")
    published = var_dir / "published"
    connection = duckdb.connect(str(published / "marts.duckdb"), read_only=True)
    try:
        before = connection.execute("select * from _publish_manifest order by 1").fetchall()
        for _ in range(5):  # more than the versions kept: the held file's folder is pruned
            publish_marts(var_dir / "warehouse.duckdb", published)
        after = connection.execute("select * from _publish_manifest order by 1").fetchall()
        rows = connection.execute("select count(*) from mart_funds").fetchone()[0]
    finally:
        connection.close()
    assert after == before
    assert rows == dict((r[0], r[1]) for r in before)["mart_funds"]
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["version"] == current_version(published)
