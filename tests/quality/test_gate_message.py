"""The gate's failure message shows each offending row: key, value, sentence, article, fix.

One small candidate (the sample marts, a few rows broken) is gated twice by real
GX on a handful of the real suites: once against published marts it lost rows
from (the change policy blocks too), once on its own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion.publish.publisher import publish_marts
from ingestion.quality.evidence import RETRACT_COMMAND
from ingestion.quality.gate import (
    FailedExpectation,
    GateReport,
    QualityGateFailed,
    run_quality_gate,
)
from ingestion.warehouse import connect
from tests.quality.test_quality_gate import EXPECTATIONS_DIR, break_candidate
from tests.sample_marts import create_sample_marts

SUITES = ("mart_funds", "mart_pairings", "raw_facts_fund")
# The raw article behind f1 and raw fact ff1 (tests/sample_marts.py).
ARTICLE = "0123456789abcdef"
ARTICLE_URL = "https://example.org/a1"
F1_SENTENCE = "Zhejiang provided 120 million yuan of assistance funds."
# Nine negative fund rows: five are listed, four left to the Data Docs.
EXTRA_FUNDS = 7


@dataclass(frozen=True)
class Gated:
    blocked: GateReport  # data failures and a change-policy block
    data_only: GateReport  # the same data failures, no published marts to compare with


def _expectations(folder: Path) -> Path:
    (folder / "suites").mkdir(parents=True)
    shutil.copy(EXPECTATIONS_DIR / "change_policy.json", folder)
    for name in SUITES:
        shutil.copy(EXPECTATIONS_DIR / "suites" / f"{name}.json", folder / "suites")
    return folder


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Gated:
    root = tmp_path_factory.mktemp("gate_message")
    warehouse = root / "var" / "warehouse.duckdb"
    with connect(warehouse) as connection:
        create_sample_marts(connection)
        # f1's evidence row names the raw article; its URL comes from the mart itself.
        connection.execute(
            "update marts.mart_fact_evidence set article_id = ?, url = ? where mart_key = 'f1'",
            [ARTICLE, ARTICLE_URL],
        )
    published = root / "var" / "published"
    publish_marts(warehouse, published)
    extra = ", ".join(
        f"('f1{i}', null, null, null, 'Garze', null, 2020, null, 'single_year', null, null,"
        f" -{i + 1}.0, 1, 'a9', null, null, 'A sentence of our own, number {i}.')"
        for i in range(EXTRA_FUNDS)
    )
    break_candidate(
        warehouse,
        "update marts.mart_funds set amount_cny = -5 where fund_key in ('f1', 'f2')",
        f"insert into marts.mart_funds (fund_key, payer_kind, payer_code, payer_name,"
        f" region_name, region_code, year, year_from, period_kind, measure, qualifier,"
        f" amount_cny, article_count, article_ids, first_reported_date, last_reported_date,"
        f" evidence) values {extra}",
        "update raw.facts_fund set amount_cny = 0 where fact_id = 'ff1'",
        "delete from marts.mart_pairings where pairing_key = 'p2'",
    )
    expectations = _expectations(root / "expectations")
    blocked = run_quality_gate(
        warehouse, expectations, root / "docs_blocked", published_dir=published
    )
    data_only = run_quality_gate(warehouse, expectations, root / "docs")
    return Gated(blocked, data_only)


def _failure(report: GateReport, suite: str, column: str) -> FailedExpectation:
    [found] = [f for f in report.failures if f.suite == suite and column in f.columns]
    return found


@pytest.mark.slow
def test_each_offending_row_shows_key_value_sentence_and_article(gated: Gated) -> None:
    funds = _failure(gated.data_only, "mart_funds", "amount_cny")
    assert funds.unexpected_count == 2 + EXTRA_FUNDS
    assert len(funds.rows) == 5
    f1 = next(r for r in funds.rows if r.key == "f1")
    # Evidence and URL come from mart_fact_evidence, joined on the mart key.
    assert (f1.value, f1.evidence, f1.url) == ("amount_cny = -5.0", F1_SENTENCE, ARTICLE_URL)
    assert f1.single_article == ARTICLE

    message = gated.data_only.summary()
    assert "fund_key 'f1': amount_cny = -5.0" in message
    assert f'evidence: "{F1_SENTENCE}"' in message
    assert f"article: {ARTICLE_URL}" in message
    expected = RETRACT_COMMAND.format(article_id=ARTICLE)
    assert expected == (
        f'python -m ingestion retract --article {ARTICLE} --by <you> --reason "<why>"'
    )
    assert f"to retract it: {expected}" in message
    docs = gated.data_only.data_docs_index
    assert docs is not None and docs.is_file()
    assert f"and {2 + EXTRA_FUNDS - 5} more in Data Docs: {docs.as_uri()}" in message


@pytest.mark.slow
def test_row_merged_from_several_articles_gets_no_retract_command(gated: Gated) -> None:
    funds = _failure(gated.data_only, "mart_funds", "amount_cny")
    f2 = next(r for r in funds.rows if r.key == "f2")
    # f2 has no mart_fact_evidence row: its own sentence and article list are used.
    assert f2.evidence == "More than 5 million yuan was donated."
    assert f2.article_ids == ("a2", "a3")
    assert f2.retract_command() is None
    block = "\n".join(funds.explain())
    assert "merged from 2 articles (a2, a3)" in block


@pytest.mark.slow
def test_raw_fact_row_names_its_article_url_from_raw_articles(gated: Gated) -> None:
    fact = _failure(gated.data_only, "raw_facts_fund", "amount_cny")
    [row] = fact.rows
    assert row.key == "ff1" and row.value == "amount_cny = 0.0"
    assert row.evidence == "Zhejiang provided 120 million yuan."
    assert row.url == ARTICLE_URL  # looked up in raw.articles by the fact's article_id
    assert row.retract_command() == RETRACT_COMMAND.format(article_id=ARTICLE)


@pytest.mark.slow
def test_approval_hint_only_for_the_change_policy_and_says_what_it_does_not_override(
    gated: Gated,
) -> None:
    with pytest.raises(QualityGateFailed) as caught:
        gated.blocked.raise_if_failed()
    message = str(caught.value)
    assert "mart_pairings lost 50% of its rows" in message
    assert "python -m ingestion approve --var-dir" in message
    tail = message.split("Approval overrides only the change policy", 1)[1]
    assert "does not override these 2 failed expectations" in tail
    assert "mart_funds: expect_column_values_to_be_between on amount_cny" in tail
    assert "raw_facts_fund: expect_column_values_to_be_between on amount_cny" in tail
    assert "change_against_published" not in tail

    # No change-policy failure: approving could not help, so no approval is offered.
    message = gated.data_only.summary()
    assert "approval" not in message.lower()
    assert "to retract it:" in message
