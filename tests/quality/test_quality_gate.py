"""The quality gate runs real GX 1.24 validations on a real DuckDB candidate."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.quality.gate import GateReport, QualityGateFailed, load_suites, run_quality_gate
from ingestion.warehouse import connect

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
MARTS = {
    "dim_region",
    "dim_organisation",
    "mart_pairings",
    "mart_funds",
    "mart_output_value",
    "mart_poverty_exits",
    "mart_county_profile",
    "mart_fact_conflicts",
    "mart_fact_evidence",
    "mart_region_indicators",
}
# Raw-table suites: suite name -> table in schema raw.
RAW_SUITES = {
    "raw_articles": "articles",
    "raw_facts_pairing": "facts_pairing",
    "raw_facts_fund": "facts_fund",
    "raw_facts_output": "facts_output",
    "raw_facts_exit": "facts_exit",
}
# Values against the region's history: suite name -> mart.
HISTORY_SUITES = {
    "history_mart_funds": "mart_funds",
    "history_mart_output_value": "mart_output_value",
    "history_mart_poverty_exits": "mart_poverty_exits",
}
SUITES = MARTS | set(RAW_SUITES) | set(HISTORY_SUITES)


def run_gate(warehouse: Path, tmp_path: Path) -> GateReport:
    return run_quality_gate(warehouse, EXPECTATIONS_DIR, tmp_path / "docs")


def break_candidate(warehouse: Path, *statements: str) -> None:
    with connect(warehouse) as connection:
        for statement in statements:
            connection.execute(statement)


def failed_checks(report: GateReport) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(f.suite, f.expectation_type, f.columns) for f in report.failures}


def test_every_mart_has_a_loadable_suite() -> None:
    suites = load_suites(EXPECTATIONS_DIR / "suites")
    assert {s.table for s in suites if s.schema is None} == MARTS
    assert {s.name: s.table for s in suites if s.schema == "raw"} == RAW_SUITES
    assert {s.name: s.table for s in suites if s.history} == HISTORY_SUITES
    assert {s.name for s in suites if s.approvable} == set(HISTORY_SUITES)
    for suite in suites:
        assert suite.key_column, f"{suite.name} names no key column"
        # Suites are reviewed as JSON: keep them free of ids and GX runtime fields.
        text = json.dumps(suite.config)
        assert "batch_id" not in text


@pytest.mark.slow
def test_good_candidate_passes_and_writes_data_docs(warehouse: Path, tmp_path: Path) -> None:
    report = run_gate(warehouse, tmp_path)

    assert report.success, report.summary()
    report.raise_if_failed()
    assert {s.suite for s in report.suites} == SUITES
    assert all(s.evaluated_expectations >= 1 for s in report.suites)
    assert report.data_docs_index == tmp_path / "docs" / "index.html"
    assert report.data_docs_index.is_file()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert {p.parent.parent.parent.name for p in pages} == SUITES
    json.dumps(report.as_dict())  # usable as an XCom or alert payload
    # The gate closed the warehouse: another configuration may open it now.
    duckdb.connect(str(warehouse), read_only=True).close()


@pytest.mark.slow
def test_bad_candidate_fails_and_names_each_failed_expectation(
    warehouse: Path, tmp_path: Path
) -> None:
    break_candidate(
        warehouse,
        "update marts.mart_funds set amount_cny = -5 where fund_key = 'f1'",
        "update marts.mart_poverty_exits set exited = 50 where exit_key = 'e1'",
        "update marts.mart_pairings set first_year = 2021 where pairing_key = 'p1'",
    )
    report = run_gate(warehouse, tmp_path)

    assert not report.success
    assert failed_checks(report) == {
        ("mart_funds", "expect_column_values_to_be_between", ("amount_cny",)),
        (
            "mart_poverty_exits",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("total", "exited"),
        ),
        # remaining (0) is no longer total - exited (45 - 50): the cross-column rule.
        ("mart_poverty_exits", "expect_column_values_to_be_null", ("exit_key",)),
        (
            "mart_pairings",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("last_year", "first_year"),
        ),
    }
    with pytest.raises(QualityGateFailed) as caught:
        report.raise_if_failed()
    message = str(caught.value)
    assert "mart_funds: expect_column_values_to_be_between on amount_cny" in message
    assert "fund_key 'f1': amount_cny = -5.0" in message
    assert (
        "mart_poverty_exits: expect_column_pair_values_a_to_be_greater_than_b on total, exited"
        in message
    )
    assert "exit_key 'e1': total = 45, exited = 50" in message
    assert "pairing_key 'p1': last_year = 2020, first_year = 2021" in message
    assert caught.value.report is report
    assert (tmp_path / "docs" / "index.html").is_file()


@pytest.mark.slow
def test_each_rule_catches_its_breakage(warehouse: Path, tmp_path: Path) -> None:
    # Plausibility only: the structural breakages (keys, enums, codes, region codes
    # in dim_region) are dbt's, tests/quality/test_structure_in_dbt.py.
    break_candidate(
        warehouse,
        "update marts.dim_region set latitude = 102.2 where name_en = 'Garze'",
        "update marts.dim_organisation set last_year = 2018",
        "update marts.mart_pairings set first_year = 2021 where pairing_key = 'p1'",
        "update marts.mart_funds set year = 1900 where fund_key = 'f2'",
        "update marts.mart_funds set year_from = 2019 where fund_key = 'f1'",
        "update marts.mart_output_value set planting_area_mu = null, sales_cny = null, "
        "sales_qualifier = null where output_key = 'o2'",
        "update marts.mart_output_value set article_count = 0, output_value_cny = -1 "
        "where output_key = 'o1'",
        "update marts.mart_poverty_exits set rate_pct = 140 where exit_key = 'e2'",
        "update marts.mart_poverty_exits set exited = null, total = null, remaining = null "
        "where exit_key = 'e1'",
        # An income in 万 yuan read as yuan; a row left with no figure at all.
        "update marts.mart_region_indicators set rural_income_yuan = 1.68 "
        "where indicator_key = '513322000000:2022'",
        "update marts.mart_region_indicators set population = null, rural_income_yuan = null "
        "where indicator_key = '513322000000:2021'",
    )
    report = run_gate(warehouse, tmp_path)

    assert failed_checks(report) == {
        ("dim_region", "expect_column_values_to_be_between", ("latitude",)),
        (
            "dim_organisation",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("last_year", "first_year"),
        ),
        (
            "mart_pairings",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("last_year", "first_year"),
        ),
        ("mart_funds", "expect_column_values_to_be_between", ("year",)),
        ("mart_funds", "expect_column_pair_values_a_to_be_greater_than_b", ("year", "year_from")),
        # A row with no measure left; a negative value; no article behind a row.
        ("mart_output_value", "expect_column_values_to_be_null", ("output_key",)),
        ("mart_output_value", "expect_column_values_to_be_between", ("output_value_cny",)),
        ("mart_output_value", "expect_column_values_to_be_between", ("article_count",)),
        ("mart_poverty_exits", "expect_column_values_to_be_between", ("rate_pct",)),
        ("mart_poverty_exits", "expect_column_values_to_not_be_null", ("exited",)),
        ("mart_region_indicators", "expect_column_values_to_be_between", ("rural_income_yuan",)),
        ("mart_region_indicators", "expect_column_values_to_be_null", ("indicator_key",)),
    }


@pytest.mark.slow
def test_missing_or_empty_marts_fail(warehouse: Path, tmp_path: Path) -> None:
    break_candidate(
        warehouse,
        "drop table marts.mart_output_value",
        "delete from marts.dim_region",
        "alter table marts.mart_funds rename column amount_cny to amount",
    )
    report = run_gate(warehouse, tmp_path)

    checks = failed_checks(report)
    assert ("mart_output_value", "table_exists", ()) in checks
    assert ("dim_region", "expect_table_row_count_to_be_between", ()) in checks
    # A check on a column that is gone (dbt's contract stops such a build; a candidate
    # built some other way) fails with GX's reason instead of crashing the gate.
    errors = [f.error for f in report.failures if f.columns == ("amount_cny",)]
    assert errors and all("amount_cny" in e for e in errors if e)
