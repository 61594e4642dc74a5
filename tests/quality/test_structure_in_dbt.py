"""The structural rules the gate no longer states are caught by their owner, dbt's tests.

The sample candidate (tests/sample_marts.py) gets the breakages the Great
Expectations suites used to catch (a duplicated key, an unknown enum value, a
region code that is not in dim_region, a malformed code, a duplicated grain),
then ``dbt test`` runs the marts' tests on it for real; each breakage fails
exactly the dbt test that owns the rule, and nothing else fails. One dbt run.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.transform.dbt_runner import DbtError, run_dbt
from ingestion.warehouse import connect
from tests.quality.test_quality_gate import break_candidate
from tests.sample_marts import create_sample_marts

pytestmark = pytest.mark.slow

MECHANISMS = PROJECT_ROOT / "dbt_project" / "seeds" / "mechanisms.csv"
# Breakage -> the dbt test (its unique_id without the hash) that must catch it.
BREAKAGES = {
    # Was the gate's expect_column_values_to_be_unique on pairing_key.
    "insert into marts.mart_pairings select * from marts.mart_pairings where pairing_key = 'p1'": {
        "test.assistance_warehouse.unique_mart_pairings_pairing_key",
    },
    # Was expect_column_values_to_be_in_set on mechanism.
    "update marts.mart_pairings set mechanism = 'friendship' where pairing_key = 'p1'": {
        "test.assistance_warehouse.relationships_mart_pairings_mechanism__mechanism__ref_mechanisms_",
    },
    # Was expect_column_values_to_be_in_set on qualifier and level.
    "update marts.mart_funds set qualifier = 'roughly' where fund_key = 'f2'": {
        "test.assistance_warehouse.accepted_values_mart_funds_qualifier__exact__at_least__about__at_most",
    },
    "update marts.mart_poverty_exits set level = 'town' where exit_key = 'e3'": {
        "test.assistance_warehouse.accepted_values_mart_poverty_exits_level__county__village__household__person",
    },
    # Was the gate's run-time check that every region code is in dim_region.
    "update marts.mart_funds set region_code = '999999000000' where fund_key = 'f1'": {
        "test.assistance_warehouse.relationships_mart_funds_region_code__region_code__ref_dim_region_",
    },
    "update marts.dim_organisation set home_region_code = '110000000000'": {
        "test.assistance_warehouse.relationships_dim_organisation_home_region_code__region_code__ref_dim_region_",
    },
    # Was expect_column_values_to_match_regex on dim_region.prefecture_code.
    "update marts.dim_region set prefecture_code = '5133' where region_code = '513322000000'": {
        "test.assistance_warehouse.code_format_dim_region_prefecture_code",
    },
    # Was expect_compound_columns_to_be_unique on (region_code, year).
    "update marts.mart_region_indicators set year = 2021"
    " where indicator_key = '513322000000:2022'": {
        "test.assistance_warehouse.unique_combination_of_columns_mart_region_indicators_region_code__year",
    },
}


def _with_dbt_context(warehouse: Path) -> None:
    """What the marts' tests read besides the marts: the mechanisms seed and the
    correction columns of the evidence mart (none corrected in the sample)."""
    with MECHANISMS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    with connect(warehouse) as connection:
        connection.execute("create schema if not exists staging")
        connection.execute(
            "create table staging.mechanisms (" + ", ".join(f'"{c}" varchar' for c in columns) + ")"
        )
        connection.executemany(
            f"insert into staging.mechanisms values ({', '.join('?' for _ in columns)})",
            [[row[c] for c in columns] for row in rows],
        )
        connection.execute(
            "alter table marts.mart_fact_evidence add column is_corrected boolean default false"
        )
        for column in ("corrected_fields", "correction_ids"):
            connection.execute(f"alter table marts.mart_fact_evidence add column {column} varchar")


def _failed_tests(target: Path) -> set[str]:
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    return {
        r["unique_id"].rsplit(".", 1)[0]
        for r in results["results"]
        if r["status"] in {"fail", "error"}
    }


def test_each_structural_breakage_fails_the_dbt_test_that_owns_it(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as connection:
        create_sample_marts(connection)
    _with_dbt_context(warehouse)
    break_candidate(warehouse, *BREAKAGES)

    target = tmp_path / "target"
    # The marts' own tests (cautious: not the intermediate models' tests on dim_organisation).
    with pytest.raises(DbtError):
        run_dbt(
            [
                *("test", "--select", "path:models/marts", "mechanisms"),
                *("--indirect-selection", "cautious"),
            ],
            warehouse,
            target,
        )

    expected = set().union(*BREAKAGES.values())
    assert _failed_tests(target) == expected
