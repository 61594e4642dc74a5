"""Values against their region's history: a 万/亿 slip is held back for approval.

The sample candidate (tests/sample_marts.py) is published; the next candidate
adds a Luding fund of 600 billion yuan (under the gate's absolute cap of one
trillion, so only its history can tell: Luding's published fund is 120 million)
and a Luding count of 450,000 villages out of poverty (45 read as 45 万; its
published count is 45), each with its evidence sentence. Real GX runs the real
history suites; the engineer's approval lets exactly that candidate through.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from random import Random
from statistics import median

import pandas as pd
import pytest

from ingestion import cli
from ingestion.publish.publisher import publish_marts
from ingestion.quality.evidence import RETRACT_COMMAND
from ingestion.quality.gate import GateReport, QualityGateFailed, run_quality_gate
from ingestion.quality.history import HISTORY_MEDIAN, HISTORY_ROWS, with_history
from ingestion.quality.suites import HistoryRule, SuiteError, load_suite
from ingestion.warehouse import connect
from tests.quality.test_quality_gate import EXPECTATIONS_DIR, break_candidate, failed_checks
from tests.sample_marts import create_sample_marts

SUITES = ("history_mart_funds", "history_mart_output_value", "history_mart_poverty_exits")
ARTICLE = "a9a9a9a9a9a9a9a9"
URL = "https://example.org/luding-2021"
FUND_SENTENCE = "In 2021 Zhejiang gave Luding 600 billion yuan for roads."
EXIT_SENTENCE = "In 2020, 450,000 villages of Luding left poverty."
SLIPS = (
    "insert into marts.mart_funds select * replace ('f9' as fund_key, 2021 as year,"
    f" 600000000000.0 as amount_cny, '{ARTICLE}' as article_ids, '{FUND_SENTENCE}' as evidence)"
    " from marts.mart_funds where fund_key = 'f1'",
    "insert into marts.mart_poverty_exits select * replace ('e9' as exit_key, 2020 as year,"
    f" 450000 as exited, null as total, null as remaining, null as rate_pct,"
    f" '{ARTICLE}' as article_ids, '{EXIT_SENTENCE}' as evidence)"
    " from marts.mart_poverty_exits where exit_key = 'e1'",
    "insert into marts.mart_fact_evidence select * replace ('v9' as evidence_key,"
    f" 'f9' as mart_key, 'fact-9' as fact_id, '{ARTICLE}' as article_id,"
    f" '{FUND_SENTENCE}' as evidence, '{URL}' as url)"
    " from marts.mart_fact_evidence where evidence_key = 'v1'",
)


@dataclass(frozen=True)
class Site:
    warehouse: Path
    expectations: Path
    published: Path


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """Published sample marts, the history suites and the change policy's row rule (its
    sum rule would block any new fund in a sample of two; here the history is tested)."""
    warehouse = tmp_path / "var" / "warehouse.duckdb"
    with connect(warehouse) as connection:
        create_sample_marts(connection)
    published = tmp_path / "var" / "published"
    publish_marts(warehouse, published)
    expectations = tmp_path / "expectations"
    (expectations / "suites").mkdir(parents=True)
    policy = json.loads((EXPECTATIONS_DIR / "change_policy.json").read_text(encoding="utf-8"))
    (expectations / "change_policy.json").write_text(
        json.dumps({**policy, "sum_limits": []}), encoding="utf-8"
    )
    for name in SUITES:
        shutil.copy(EXPECTATIONS_DIR / "suites" / f"{name}.json", expectations / "suites")
    return Site(warehouse, expectations, published)


def gate(site: Site, published: Path | None = None) -> GateReport:
    docs = site.warehouse.parent / "docs"
    return run_quality_gate(site.warehouse, site.expectations, docs, published_dir=published)


@pytest.mark.slow
def test_the_published_sample_and_a_tenfold_fund_pass(site: Site) -> None:
    # Within the stated factor (1,000): a large new programme is not a slip.
    break_candidate(
        site.warehouse,
        "insert into marts.mart_funds select * replace ('f8' as fund_key, 2021 as year,"
        " 1200000000.0 as amount_cny) from marts.mart_funds where fund_key = 'f1'",
    )
    report = gate(site, site.published)
    assert report.success, report.summary()
    assert {s.suite for s in report.suites} >= set(SUITES)


@pytest.mark.slow
def test_a_slip_against_the_published_history_is_held_back_until_approved(site: Site) -> None:
    break_candidate(site.warehouse, *SLIPS)

    report = gate(site, site.published)

    assert failed_checks(report) == {
        ("history_mart_funds", "expect_column_values_to_be_between", ("ratio_to_history",)),
        (
            "history_mart_poverty_exits",
            "expect_column_values_to_be_between",
            ("ratio_to_history",),
        ),
    }
    [fund] = [f for f in report.failures if f.suite == "history_mart_funds"]
    # Only the new row: f1, published before, is not judged against the slip.
    [row] = fund.rows
    assert row.key == "f9"
    assert row.value == (
        "ratio_to_history = 5000.0, amount_cny = 600000000000.0, history_median = 120000000.0"
    )
    assert (row.evidence, row.url) == (FUND_SENTENCE, URL)
    with pytest.raises(QualityGateFailed) as caught:
        report.raise_if_failed()
    message = str(caught.value)
    assert "fund_key 'f9': ratio_to_history = 5000.0" in message
    assert f'evidence: "{FUND_SENTENCE}"' in message
    assert f"to retract it: {RETRACT_COMMAND.format(article_id=ARTICLE)}" in message
    assert "exit_key 'e9': ratio_to_history = 10000.0, exited = 450000" in message
    assert f'evidence: "{EXIT_SENTENCE}"' in message
    assert "Held back by the checks against history (history_mart_funds, " in message
    var_dir = site.warehouse.parent.resolve()
    assert f"python -m ingestion approve --var-dir {var_dir} --by" in message
    # Nothing else failed, so there is nothing approval would not override.
    assert "does not override" not in message

    code = cli.main(
        ["approve", "--var-dir", str(var_dir), "--by", "Li Wei", "--reason", "checked: 45 万"]
    )
    assert code == 0
    report = gate(site, site.published)
    assert report.success, report.summary()
    assert report.approval and report.approval["approved_by"] == "Li Wei"

    # The approval is for that candidate only: another slip is held back again.
    break_candidate(site.warehouse, "update marts.mart_funds set year = 2022 where fund_key = 'f9'")
    assert not gate(site, site.published).success


@pytest.mark.slow
def test_on_the_first_publish_the_candidate_is_its_own_history(site: Site) -> None:
    break_candidate(site.warehouse, *SLIPS)

    report = gate(site, published=None)

    [fund] = [f for f in report.failures if f.suite == "history_mart_funds"]
    # Nothing published: f1 and f9 are each other's only history, so both are shown.
    assert {r.key for r in fund.rows} == {"f1", "f9"}
    # No var folder to approve in: no approval is offered.
    assert report.approval_hint is None
    assert "approve" not in report.summary()


@pytest.mark.parametrize(
    ("history", "named"),
    [
        ({"value": "amount_cny"}, "meta.history.by"),
        ({"by": ["region_code"]}, "meta.history.value"),
        ("amount_cny", "meta.history must be an object"),
    ],
)
def test_a_history_suite_written_wrong_is_refused_naming_the_field(
    tmp_path: Path, history: object, named: str
) -> None:
    path = tmp_path / "history_mart_funds.json"
    suite = {"name": path.stem, "meta": {"table": "mart_funds", "history": history}}
    path.write_text(json.dumps({**suite, "expectations": []}), encoding="utf-8")
    with pytest.raises(SuiteError, match=named) as caught:
        load_suite(path)
    assert str(path) in str(caught.value)


def _others_by_definition(
    rule: HistoryRule, candidate: pd.DataFrame, published: pd.DataFrame | None, key: str
) -> tuple[list[int], list[float | None]]:
    """The module doc's words, row by row: the group's other rows, their median."""
    reference = candidate
    if published is not None:
        reference = pd.concat([published[~published[key].isin(candidate[key])], candidate])
    published_keys = set(published[key]) if published is not None else set()
    counts, medians = [], []
    for _, row in candidate.iterrows():
        others = [
            float(other[rule.value])
            for _, other in reference.iterrows()
            if all(other[c] == row[c] for c in rule.by)
            and other[key] != row[key]
            and pd.notna(other[rule.value])
            and other[rule.value] > 0
        ]
        counts.append(len(others))
        medians.append(median(others) if others and row[key] not in published_keys else None)
    return counts, medians


@pytest.mark.parametrize("seed", range(7))
def test_history_columns_match_the_median_of_the_other_rows(seed: int) -> None:
    random = Random(seed)
    rule = HistoryRule("amount", ("region",))

    def rows(keys: range) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "key": [f"k{i}" for i in keys],
                "region": [random.choice(["a", "b", "c", None]) for _ in keys],
                "amount": [
                    random.choice([None, 0.0, -1.0, 5.0, 5.0, *(random.uniform(1, 99),) * 3])
                    for _ in keys
                ],
            }
        )

    candidate = rows(range(0, 60))
    if seed == 5:  # a key twice (dbt forbids it): every row of it is left out
        candidate.loc[3, "key"] = "k4"
    if seed == 6:  # no row is anyone's history
        candidate["amount"] = None
    for published in (None, rows(range(40, 90))):
        out = with_history(rule, candidate, published, "key")
        counts, medians = _others_by_definition(rule, candidate, published, "key")
        assert list(out[HISTORY_ROWS]) == counts
        expected = pd.Series(medians, index=candidate.index, dtype="float64")
        pd.testing.assert_series_equal(out[HISTORY_MEDIAN], expected, check_names=False)
