"""A fact's id depends on its evidence (article, sentence, figure), not on the extractor.

Corrections are keyed on fact ids, so they hold across re-extraction only if a new
extractor version reading the same sentence gives the same id, whatever payer,
place or period it now attributes.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingestion.extract import extract_facts
from ingestion.extract import pipeline as extract_pipeline
from ingestion.extract.models import Evidence, FundFact
from ingestion.load import facts as load_facts
from ingestion.load.facts import extract_new_articles, fact_id_for, identified_facts
from ingestion.warehouse import connect, ensure_raw_schema
from tests.corrections_site import JINNIU, ZHEJIANG

SENTENCE = "In 2020, Jinniu District invested 20 million yuan in Shiqu County."
FUND = FundFact(
    doc="a1",
    evidence=Evidence(SENTENCE, 10, 10 + len(SENTENCE)),
    extractor_version="patterns-0.4.0",
    confidence=0.75,
    amount_cny=20_000_000.0,
    payer="Jinniu District",
    region="Shiqu County",
    year=2020,
)


def test_attributes_and_extractor_version_do_not_change_the_id() -> None:
    other_opinion = dataclasses.replace(
        FUND,
        extractor_version="patterns-9.9.9",
        confidence=0.4,
        payer="Chengdu",
        region="Garze",
        year=2019,
        year_from=2016,
        qualifier="about",
        region_code="513300000000",
    )
    assert fact_id_for(other_opinion) == fact_id_for(FUND)


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cny": 30_000_000.0},
        {"doc": "a2"},
        {"evidence": Evidence(SENTENCE, 11, 11 + len(SENTENCE))},
    ],
)
def test_other_evidence_gives_another_id(change: dict) -> None:
    assert fact_id_for(dataclasses.replace(FUND, **change)) != fact_id_for(FUND)


def test_facts_sharing_a_figure_in_one_sentence_get_distinct_ids() -> None:
    second = dataclasses.replace(FUND, region="Garze County")
    ids = [fact_id for fact_id, _ in identified_facts([FUND, second, FUND])]
    # The exact repeat is dropped; the first keeps the plain id, the tie is numbered.
    assert len(ids) == 2
    assert ids[0] == fact_id_for(FUND)
    assert ids[1] == fact_id_for(second, 1) != ids[0]


def test_the_real_extractor_gives_the_same_ids_under_a_new_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = [fact_id for fact_id, _ in identified_facts(extract_facts("a1", JINNIU))]
    monkeypatch.setattr(extract_pipeline, "EXTRACTOR_VERSION", "patterns-next")
    again = extract_facts("a1", JINNIU)
    assert {f.extractor_version for f in again} == {"patterns-next"}
    assert [fact_id for fact_id, _ in identified_facts(again)] == before
    assert len(set(before)) == len(before) >= 3


def test_reloading_with_a_new_extractor_version_keeps_the_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fact_rows() -> set[tuple[str, str]]:
        return {
            row
            for table in ("facts_pairing", "facts_fund", "facts_output", "facts_exit")
            for row in connection.execute(
                f"select fact_id, extractor_version from raw.{table}"
            ).fetchall()
        }

    with connect(tmp_path / "warehouse.duckdb") as connection:
        ensure_raw_schema(connection)
        now = datetime.now(UTC)
        for article_id, text in (("a1", JINNIU), ("a2", ZHEJIANG)):
            connection.execute(
                "insert into raw.articles values (?, 'test', ?, ?, null, null, ?, ?, ?, 'p')",
                [article_id, f"https://x.org/{article_id}", f"h-{article_id}", text, now, now],
            )
        assert extract_new_articles(connection)["articles"] == 2
        first = fact_rows()
        for module in (extract_pipeline, load_facts):
            monkeypatch.setattr(module, "EXTRACTOR_VERSION", "patterns-next")
        assert extract_new_articles(connection)["articles"] == 2  # both read again
        second = fact_rows()
    assert {version for _, version in second} == {"patterns-next"}
    assert {fact_id for fact_id, _ in second} == {fact_id for fact_id, _ in first}
