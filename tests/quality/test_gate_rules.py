"""Raw-table suites, the remaining = total - exited rule, and the change policy with approvals.

Region codes against dim_region are dbt's relationships tests
(tests/quality/test_structure_in_dbt.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingestion import cli
from ingestion.publish.publisher import publish_marts
from ingestion.quality.gate import GateReport, QualityGateFailed, run_quality_gate
from ingestion.warehouse import connect
from tests.quality.test_quality_gate import EXPECTATIONS_DIR, break_candidate, failed_checks
from tests.sample_marts import create_sample_marts


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "var" / "warehouse.duckdb"
    with connect(path) as connection:
        create_sample_marts(connection)
    return path


@pytest.mark.slow
def test_raw_suites_and_remaining_rule(warehouse: Path, tmp_path: Path) -> None:
    break_candidate(
        warehouse,
        # raw's primary keys and not-null columns already stop duplicates and missing text;
        # the suites repeat those checks for a warehouse built some other way.
        "update raw.articles set published_date = '1900-05-04'"
        " where article_id = 'fedcba9876543210'",
        "update raw.facts_pairing set end_char = 0, mechanism = 'friendship' where fact_id = 'fp1'",
        "update raw.facts_fund set amount_cny = 0, confidence = 1.5 where fact_id = 'ff1'",
        "update raw.facts_output set year = 2099 where fact_id = 'fo1'",
        "update raw.facts_exit set exited = 50 where fact_id = 'fe1'",
        "update marts.mart_poverty_exits set remaining = 700 where exit_key = 'e2'",
    )
    report = run_quality_gate(warehouse, EXPECTATIONS_DIR, tmp_path / "docs")

    assert failed_checks(report) == {
        ("raw_articles", "expect_column_values_to_be_null", ("published_date",)),
        (
            "raw_facts_pairing",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("end_char", "start_char"),
        ),
        ("raw_facts_pairing", "expect_column_values_to_be_in_set", ("mechanism",)),
        ("raw_facts_fund", "expect_column_values_to_be_between", ("amount_cny",)),
        ("raw_facts_fund", "expect_column_values_to_be_between", ("confidence",)),
        ("raw_facts_output", "expect_column_values_to_be_between", ("year",)),
        (
            "raw_facts_exit",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("total", "exited"),
        ),
        ("mart_poverty_exits", "expect_column_values_to_be_null", ("exit_key",)),
    }
    message = report.summary()
    assert "fact_id 'ff1': amount_cny = 0.0" in message
    # The remaining = total - exited rule names the offending row by its key, and shows
    # the columns its condition reads.
    assert "exit_key 'e2': total = 10000, exited = 9400, remaining = 700" in message


# --- change against the last published marts -------------------------------------


@pytest.fixture
def fast_expectations(tmp_path: Path) -> Path:
    """The real change policy with one small suite: the change rules read the warehouse."""
    folder = tmp_path / "expectations"
    (folder / "suites").mkdir(parents=True)
    shutil.copy(EXPECTATIONS_DIR / "change_policy.json", folder)
    shutil.copy(EXPECTATIONS_DIR / "suites" / "dim_region.json", folder / "suites")
    return folder


@pytest.fixture
def published(warehouse: Path) -> Path:
    folder = warehouse.parent / "published"
    publish_marts(warehouse, folder)
    return folder


def gate(warehouse: Path, expectations: Path, published: Path) -> GateReport:
    docs = warehouse.parent / "docs"
    return run_quality_gate(warehouse, expectations, docs, published_dir=published)


def test_first_publish_and_small_changes_pass(
    warehouse: Path, fast_expectations: Path, tmp_path: Path
) -> None:
    published = warehouse.parent / "published"
    report = gate(warehouse, fast_expectations, published)  # nothing published yet
    assert report.success, report.summary()

    publish_marts(warehouse, published)
    break_candidate(
        warehouse,
        "update marts.mart_funds set amount_cny = amount_cny * 1.5",
        "insert into marts.mart_pairings select * replace ('p3' as pairing_key)"
        " from marts.mart_pairings where pairing_key = 'p1'",
    )
    report = gate(warehouse, fast_expectations, published)
    assert report.success, report.summary()
    assert report.suites[-1].suite == "change_against_published"


def test_losing_half_the_rows_is_blocked_until_approved(
    warehouse: Path, fast_expectations: Path, published: Path
) -> None:
    break_candidate(warehouse, "delete from marts.mart_pairings where pairing_key = 'p2'")

    report = gate(warehouse, fast_expectations, published)
    assert not report.success
    assert failed_checks(report) == {("change_against_published", "change_row_loss", ())}
    with pytest.raises(QualityGateFailed) as caught:
        report.raise_if_failed()
    message = str(caught.value)
    assert "mart_pairings lost 50% of its rows: 2 published, 1 in the candidate" in message
    var_dir = warehouse.parent.resolve()
    assert f"python -m ingestion approve --var-dir {var_dir} --by" in message

    code = cli.main(
        ["approve", "--var-dir", str(var_dir), "--by", "Li Wei", "--reason", "p2 was a duplicate"]
    )
    assert code == 0
    [record_path] = (var_dir / "approvals").glob("*.json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["approved_by"] == "Li Wei" and record["reason"] == "p2 was a duplicate"
    assert record["row_counts"]["mart_pairings"] == 1

    report = gate(warehouse, fast_expectations, published)
    assert report.success, report.summary()
    assert report.approval and report.approval["approved_by"] == "Li Wei"

    # The approval is for that candidate only: another change is blocked again.
    break_candidate(warehouse, "delete from marts.mart_poverty_exits where exit_key <> 'e1'")
    report = gate(warehouse, fast_expectations, published)
    assert not report.success
    assert "mart_poverty_exits lost 67% of its rows: 3 published, 1" in report.summary()


def test_doubled_fund_total_is_blocked(
    warehouse: Path, fast_expectations: Path, published: Path
) -> None:
    break_candidate(warehouse, "update marts.mart_funds set amount_cny = amount_cny * 10")

    report = gate(warehouse, fast_expectations, published)

    assert failed_checks(report) == {("change_against_published", "change_sum_increase", ())}
    message = report.summary()
    assert "mart_funds.amount_cny total rose 10.00x: 125,000,000 published, " in message
    assert "1,250,000,000 in the candidate (limit 2x)" in message
    assert "python -m ingestion approve" in message
