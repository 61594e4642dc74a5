"""The audit validates only rows a suite has not passed before, with the whole audit's verdict.

Real GX validations on a real DuckDB candidate (the sample marts): a second audit
of unchanged marts judges no row again; a changed or new row is judged; a broken
row fails the suite exactly as a whole audit does and is judged again on the next
audit; a changed suite, and suites that need the whole table, read every row.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ingestion.quality.gate import GateReport, run_quality_gate
from ingestion.quality.passed_rows import row_by_row
from ingestion.quality.suites import SuiteError, load_suites
from ingestion.warehouse import connect
from tests.quality.test_quality_gate import EXPECTATIONS_DIR, HISTORY_SUITES, break_candidate

# A suite that needs the whole table: dim_region checks its row count.
WHOLE_TABLE_SUITES = {"dim_region", *HISTORY_SUITES}


def audit(
    warehouse: Path, tmp_path: Path, expectations: Path = EXPECTATIONS_DIR, incremental: bool = True
) -> GateReport:
    return run_quality_gate(
        warehouse,
        expectations,
        tmp_path / "docs",
        passed_rows_dir=tmp_path / "passed_rows" if incremental else None,
    )


def validated(report: GateReport) -> dict[str, tuple[int | None, int | None]]:
    """suite -> (rows validated, rows in the table)."""
    return {s.suite: (s.rows_validated, s.row_count) for s in report.suites}


def verdicts(report: GateReport) -> set[tuple[str, str, tuple[str, ...], tuple[object, ...]]]:
    """Each failed check with the keys of its offending rows."""
    return {(f.suite, f.expectation_type, f.columns, f.sample_keys) for f in report.failures}


def test_the_suites_that_judge_row_by_row_are_the_ones_expected() -> None:
    whole = {s.name for s in load_suites(EXPECTATIONS_DIR / "suites") if not row_by_row(s)}
    assert whole == WHOLE_TABLE_SUITES


def test_a_share_or_a_run_time_parameter_makes_a_suite_read_whole() -> None:
    [suite] = [s for s in load_suites(EXPECTATIONS_DIR / "suites") if s.name == "mart_funds"]
    assert row_by_row(suite)
    first = suite.config["expectations"][0]
    for kwargs in ({"mostly": 0.95}, {"max_value": {"$PARAMETER": "largest_fund"}}):
        changed = dict(first, kwargs=dict(first.get("kwargs") or {}, **kwargs))
        config = dict(suite.config, expectations=[changed, *suite.config["expectations"][1:]])
        assert not row_by_row(replace(suite, config=config)), kwargs


def test_a_second_audit_judges_only_new_or_changed_rows(warehouse: Path, tmp_path: Path) -> None:
    first = audit(warehouse, tmp_path)
    assert first.success, first.summary()
    assert all(rows == total for rows, total in validated(first).values())

    again = audit(warehouse, tmp_path)
    assert again.success, again.summary()
    for suite, (rows, total) in validated(again).items():
        assert rows == (total if suite in WHOLE_TABLE_SUITES else 0), suite
        assert total and total > 0

    with connect(warehouse) as connection:
        connection.execute("update marts.mart_funds set amount_cny = amount_cny + 1")
        funds = connection.execute("select count(*) from marts.mart_funds").fetchone()[0]
        connection.execute(
            "insert into marts.mart_pairings select * replace ('p-new' as pairing_key)"
            " from marts.mart_pairings limit 1"
        )
    changed = validated(audit(warehouse, tmp_path))
    assert changed["mart_funds"] == (funds, funds)  # amount_cny is a checked column
    rows, total = changed["mart_pairings"]
    assert rows == 1 and total is not None and total > 1
    assert changed["mart_poverty_exits"][0] == 0


def test_a_broken_row_fails_as_in_a_whole_audit_and_again_next_time(
    warehouse: Path, tmp_path: Path
) -> None:
    assert audit(warehouse, tmp_path).success
    break_candidate(
        warehouse,
        "update marts.mart_funds set amount_cny = -5 where fund_key = 'f1'",
        "update marts.mart_pairings set first_year = 2021 where pairing_key = 'p1'",
        "update marts.mart_output_value set planting_area_mu = null where output_key = 'o1'",
    )
    incremental = audit(warehouse, tmp_path)
    whole = audit(warehouse, tmp_path / "whole", incremental=False)
    assert not incremental.success
    assert verdicts(incremental) == verdicts(whole)
    assert {f.suite for f in incremental.failures} >= {"mart_funds", "mart_pairings"}
    # The failed suites kept their old passed rows: the offending rows are judged again.
    assert verdicts(audit(warehouse, tmp_path)) == verdicts(whole)

    break_candidate(warehouse, "update marts.mart_funds set amount_cny = 5 where fund_key = 'f1'")
    fixed = validated(audit(warehouse, tmp_path))
    assert fixed["mart_funds"][0] == 1  # only the corrected row was judged


def test_a_changed_suite_judges_every_row_again(warehouse: Path, tmp_path: Path) -> None:
    expectations = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, expectations)
    assert audit(warehouse, tmp_path, expectations).success

    path = expectations / "suites" / "mart_funds.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    bounded = next(e for e in suite["expectations"] if "max_value" in (e.get("kwargs") or {}))
    bounded["kwargs"]["max_value"] = bounded["kwargs"]["max_value"] * 2
    path.write_text(json.dumps(suite), encoding="utf-8")

    report = validated(audit(warehouse, tmp_path, expectations))
    rows, total = report["mart_funds"]
    assert rows == total and rows is not None and rows > 0
    assert report["mart_pairings"][0] == 0
    kept = sorted(p.name for p in (tmp_path / "passed_rows").glob("mart_funds-*.parquet"))
    assert len(kept) == 1  # the old suite's rows went with it


def test_an_audit_that_raises_keeps_no_pending_rows(warehouse: Path, tmp_path: Path) -> None:
    """The next suite's rows are read while one validates; if that validation raises,
    neither suite's rows become passed, and nothing pending is left behind."""
    assert audit(warehouse, tmp_path).success
    folder = tmp_path / "passed_rows"
    kept_before = sorted(p.name for p in folder.glob("*.parquet"))
    with connect(warehouse) as connection:
        connection.execute("update marts.mart_funds set amount_cny = amount_cny + 1")
        [(funds,)] = connection.execute("select count(*) from marts.mart_funds").fetchall()

    # The suite validated just before mart_funds raises (an expectation type GX does
    # not know) while mart_funds' rows, all changed, are read ahead.
    names = [s.name for s in load_suites(EXPECTATIONS_DIR / "suites")]
    raising = names[names.index("mart_funds") - 1]
    expectations = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, expectations)
    path = expectations / "suites" / f"{raising}.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["expectations"][0]["type"] = "expect_column_values_to_be_a_unicorn"
    path.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(SuiteError, match=f"suite {raising}: .*to_be_a_unicorn"):
        audit(warehouse, tmp_path, expectations)

    assert not list(folder.glob(".*.pending.parquet")), "pending hashes left behind"
    assert sorted(p.name for p in folder.glob("*.parquet")) == kept_before
    assert validated(audit(warehouse, tmp_path))["mart_funds"] == (funds, funds)
