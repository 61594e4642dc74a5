"""Corrections and retractions reach the marts through a real dbt build, and hold.

Hand-written articles go through the real pipeline (collect, load with the real
extractor, dbt build). Then, one build per step, shared by the module:

1. baseline;
2. a fund's payer corrected, one fact retracted, one article retracted;
3. every article re-extracted by a new extractor version (the corrections hold);
4. every correction undone (the marts are back to the baseline).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingestion import pipeline
from ingestion.config import Settings
from ingestion.corrections import (
    CorrectionError,
    correct_fact,
    list_corrections,
    retract_article,
    retract_fact,
    undo_correction,
)
from ingestion.extract import pipeline as extract_pipeline
from ingestion.landing import LandingStore
from ingestion.load import facts as load_facts
from ingestion.quality.gate import read_marts
from ingestion.transform.dbt_runner import build_models, run_dbt
from ingestion.warehouse import connect
from tests.corrections_site import GOOD_ARTICLES, use_small_gazetteer, write_site

pytestmark = pytest.mark.slow

FACT_MARTS = ("mart_pairings", "mart_funds", "mart_output_value", "mart_poverty_exits")
NEW_VERSION = "patterns-corrections-test"
WHO = "Test Analyst"


@dataclass(frozen=True)
class Snapshot:
    marts: dict[str, list[dict[str, Any]]]

    def rows(self, mart: str, **criteria: Any) -> list[dict[str, Any]]:
        return [r for r in self.marts[mart] if all(r[k] == v for k, v in criteria.items())]

    def one(self, mart: str, **criteria: Any) -> dict[str, Any]:
        rows = self.rows(mart, **criteria)
        assert len(rows) == 1, f"{len(rows)} rows of {mart} match {criteria}"
        return rows[0]

    def fund(self, fact_id: str) -> dict[str, Any]:
        """The mart_funds row a fund fact lands in (through the evidence mart)."""
        evidence = self.one("mart_fact_evidence", mart_name="mart_funds", fact_id=fact_id)
        return self.one("mart_funds", fund_key=evidence["mart_key"])

    def article_ids(self) -> set[str]:
        """Every article any fact mart row cites."""
        return {
            article
            for mart in FACT_MARTS
            for row in self.marts[mart]
            for article in (row["article_ids"] or "").split(",")
            if article
        }


def build_and_read(settings: Settings, *, with_tests: bool = True) -> Snapshot:
    """dbt build (models and their tests), or only ``dbt run`` where a step needs no tests."""
    use_small_gazetteer(settings)
    target_dir = settings.var_dir / "dbt_target"
    if with_tests:
        build_models(settings, target_dir=target_dir)
    else:
        run_dbt(["run"], settings.warehouse_path, target_dir)
    marts = {}
    with connect(settings.warehouse_path) as connection:
        for mart in (*FACT_MARTS, "mart_fact_evidence"):
            cursor = connection.execute(f"select * from marts.{mart} order by 1")
            names = [d[0] for d in cursor.description]
            marts[mart] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return Snapshot(marts)


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with connect(settings.warehouse_path) as connection:
        return connection.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = write_site(tmp_path_factory.mktemp("corrections"), GOOD_ARTICLES)
    pipeline.collect_all(settings)
    pipeline.load(settings)
    return settings


@dataclass(frozen=True)
class Ids:
    jinniu_article: str
    zhejiang_article: str
    jinniu_fund: str
    barley_output: str


@pytest.fixture(scope="module")
def ids(site: Settings) -> Ids:
    def article(url_end: str) -> str:
        rows = query(site, "select article_id from raw.articles where url like ?", [f"%{url_end}"])
        assert len(rows) == 1
        return rows[0][0]

    jinniu = article("jinniu-shiqu.txt")
    fund = query(site, "select fact_id from raw.facts_fund where article_id = ?", [jinniu])
    output = query(site, "select fact_id from raw.facts_output where article_id = ?", [jinniu])
    assert len(fund) == len(output) == 1, "the extractor reads the test article otherwise"
    return Ids(jinniu, article("zhejiang-garze.txt"), fund[0][0], output[0][0])


@pytest.fixture(scope="module")
def baseline(site: Settings, ids: Ids) -> Snapshot:
    return build_and_read(site)


@pytest.fixture(scope="module")
def corrected(site: Settings, ids: Ids, baseline: Snapshot) -> Snapshot:
    with connect(site.warehouse_path) as connection:
        correct_fact(
            connection, ids.jinniu_fund, "payer", "Chengdu City", by=WHO, reason="the city paid"
        )
        retract_fact(connection, ids.barley_output, by=WHO, reason="the area is for 2019")
        retract_article(connection, ids.zhejiang_article, by=WHO, reason="a reprint of a rumour")
    return build_and_read(site)


@pytest.fixture(scope="module")
def reextracted(site: Settings, corrected: Snapshot) -> Iterator[Snapshot]:
    with pytest.MonkeyPatch.context() as patch:
        for module in (extract_pipeline, load_facts):
            patch.setattr(module, "EXTRACTOR_VERSION", NEW_VERSION)
        summary = pipeline.load(site)
        assert summary.facts["articles"] == len(GOOD_ARTICLES)  # every article read again
        yield build_and_read(site, with_tests=False)


@pytest.fixture(scope="module")
def undone(site: Settings, reextracted: Snapshot) -> Snapshot:
    with connect(site.warehouse_path) as connection:
        for status in list_corrections(connection):
            undo_correction(
                connection, status.correction.correction_id, by=WHO, reason="checked again"
            )
    return build_and_read(site, with_tests=False)


def test_baseline_has_the_articles_facts(baseline: Snapshot, ids: Ids) -> None:
    fund = baseline.fund(ids.jinniu_fund)
    assert (fund["payer_name"], fund["region_name"]) == ("Jinniu District", "Shiqu County")
    assert baseline.article_ids() == {ids.jinniu_article, ids.zhejiang_article}
    assert not any(row["is_corrected"] for row in baseline.marts["mart_fact_evidence"])


def test_a_corrected_payer_moves_the_mart_row(
    baseline: Snapshot, corrected: Snapshot, ids: Ids
) -> None:
    before = baseline.fund(ids.jinniu_fund)
    after = corrected.fund(ids.jinniu_fund)
    assert after["payer_name"] == "Chengdu City"
    assert after["payer_kind"] == "region" and after["payer_code"] == "510100000000"
    assert after["fund_key"] != before["fund_key"]  # another payer, another mart row
    assert after["amount_cny"] == before["amount_cny"]
    assert not corrected.rows("mart_funds", fund_key=before["fund_key"])
    evidence = corrected.one("mart_fact_evidence", fact_id=ids.jinniu_fund)
    assert evidence["mart_key"] == after["fund_key"]
    assert evidence["is_corrected"] is True
    assert evidence["corrected_fields"] == "payer"
    assert evidence["correction_ids"] == "c0001"


def test_uncorrected_facts_say_so(corrected: Snapshot, ids: Ids) -> None:
    others = [r for r in corrected.marts["mart_fact_evidence"] if r["fact_id"] != ids.jinniu_fund]
    assert others
    assert all(r["is_corrected"] is False and r["correction_ids"] is None for r in others)


def test_a_retracted_fact_leaves_every_mart(
    baseline: Snapshot, corrected: Snapshot, ids: Ids
) -> None:
    assert baseline.rows("mart_fact_evidence", fact_id=ids.barley_output)
    assert not corrected.rows("mart_fact_evidence", fact_id=ids.barley_output)
    assert not corrected.rows("mart_output_value", product="highland barley")
    # The rest of its article stays.
    assert ids.jinniu_article in corrected.article_ids()


def test_a_retracted_article_leaves_every_mart_and_stays_in_landing(
    site: Settings, baseline: Snapshot, corrected: Snapshot, ids: Ids
) -> None:
    assert ids.zhejiang_article in baseline.article_ids()
    assert ids.zhejiang_article not in corrected.article_ids()
    assert not corrected.rows("mart_fact_evidence", article_id=ids.zhejiang_article)
    assert not corrected.rows("mart_poverty_exits")  # its exit was the only one
    # Nothing is deleted: the article, its facts and its landed payload are all kept.
    ((content_hash,),) = query(
        site, "select content_hash from raw.articles where article_id = ?", [ids.zhejiang_article]
    )
    assert LandingStore(site.landing_dir).read_payload(content_hash).startswith(b"Zhejiang")
    assert query(
        site, "select count(*) from raw.facts_fund where article_id = ?", [ids.zhejiang_article]
    ) == [(1,)]
    # The gate's raw-table suites skip it, so it cannot block a publish any more.
    raw_funds = read_marts(site.warehouse_path, "raw", ["facts_fund"])["facts_fund"]
    assert ids.zhejiang_article not in set(raw_funds["article_id"])
    assert ids.jinniu_fund in set(raw_funds["fact_id"])


def test_corrections_hold_across_re_extraction(
    site: Settings, corrected: Snapshot, reextracted: Snapshot, ids: Ids
) -> None:
    versions = query(site, "select distinct extractor_version from raw.facts_fund")
    assert versions == [(NEW_VERSION,)]
    fund = reextracted.fund(ids.jinniu_fund)
    assert fund["payer_name"] == "Chengdu City"
    evidence = reextracted.one("mart_fact_evidence", fact_id=ids.jinniu_fund)
    assert evidence["extractor_version"] == NEW_VERSION and evidence["is_corrected"]
    assert not reextracted.rows("mart_fact_evidence", fact_id=ids.barley_output)
    assert ids.zhejiang_article not in reextracted.article_ids()
    assert reextracted.marts["mart_funds"] == corrected.marts["mart_funds"]


def test_undo_brings_everything_back(baseline: Snapshot, undone: Snapshot, ids: Ids) -> None:
    assert undone.fund(ids.jinniu_fund)["payer_name"] == ("Jinniu District")
    for mart in FACT_MARTS:
        assert undone.marts[mart] == baseline.marts[mart], mart
    assert undone.article_ids() == baseline.article_ids()
    assert not any(row["is_corrected"] for row in undone.marts["mart_fact_evidence"])


def test_the_record_keeps_every_change_and_its_undo(site: Settings, undone: Snapshot) -> None:
    with connect(site.warehouse_path) as connection:
        statuses = list_corrections(connection)
    assert [s.correction.action for s in statuses] == [
        "correct", "retract_fact", "retract_article", "undo", "undo", "undo",
    ]  # fmt: skip
    payer = statuses[0].correction
    assert (payer.field, payer.value_before, payer.value_after) == (
        "payer",
        "Jinniu District",
        "Chengdu City",
    )
    assert (payer.corrected_by, payer.reason) == (WHO, "the city paid")
    assert [s.undone_by for s in statuses[:3]] == ["c0004", "c0005", "c0006"]
    assert all(s.correction.recorded_at is not None for s in statuses)


def count_corrections(settings: Settings) -> int:
    return query(settings, "select count(*) from raw.corrections")[0][0]


# (command, target, field, value, who, error); FUND stands for the Jinniu fund's id.
BAD_REQUESTS = [
    ("retract_article", "no-such-article", None, None, WHO, "no article"),
    ("retract_fact", "no-such-fact", None, None, WHO, "no fact"),
    ("correct", "no-such-fact", "year", "2020", WHO, "no fact"),
    ("correct", "FUND", "colour", "red", WHO, "unknown field"),
    ("correct", "FUND", "product", "tea", WHO, "has no field 'product'"),
    ("correct", "FUND", "year", "twenty", WHO, "not a year"),
    ("correct", "FUND", "amount", "-5", WHO, "positive"),
    ("correct", "FUND", "amount", "lots", WHO, "not a number"),
    ("correct", "FUND", "year_from", "2021", WHO, "before year"),
    ("correct", "FUND", "year", "2020", WHO, "already has"),
    ("correct", "FUND", "amount", "none", WHO, "cannot be empty"),
    ("correct", "FUND", "year", "2019", " ", "--by"),
    ("undo", "c9999", None, None, WHO, "no correction"),
]


@pytest.mark.parametrize(("command", "target", "field", "value", "who", "error"), BAD_REQUESTS)
def test_bad_requests_store_nothing(
    site: Settings,
    ids: Ids,
    command: str,
    target: str,
    field: str | None,
    value: str | None,
    who: str,
    error: str,
) -> None:
    target = ids.jinniu_fund if target == "FUND" else target
    before = count_corrections(site)
    with connect(site.warehouse_path) as connection, pytest.raises(CorrectionError, match=error):
        if command == "correct":
            correct_fact(connection, target, str(field), str(value), by=who, reason="r")
        elif command == "retract_article":
            retract_article(connection, target, by=who, reason="r")
        elif command == "retract_fact":
            retract_fact(connection, target, by=who, reason="r")
        else:
            undo_correction(connection, target, by=who, reason="r")
    assert count_corrections(site) == before


def test_undo_twice_or_an_undo_is_refused(site: Settings, ids: Ids, tmp_path: Path) -> None:
    with connect(site.warehouse_path) as connection:
        first = correct_fact(connection, ids.jinniu_fund, "year", "2019", by=WHO, reason="r")
        undo = undo_correction(connection, first.correction_id, by=WHO, reason="r")
        with pytest.raises(CorrectionError, match="already undone"):
            undo_correction(connection, first.correction_id, by=WHO, reason="r")
        with pytest.raises(CorrectionError, match="itself an undo"):
            undo_correction(connection, undo.correction_id, by=WHO, reason="r")
        with pytest.raises(CorrectionError, match="already retracted"):
            retract_article(connection, ids.jinniu_article, by=WHO, reason="r")
            retract_article(connection, ids.jinniu_article, by=WHO, reason="r")
        # Leave the shared warehouse as other tests expect it: nothing live.
        for status in list_corrections(connection):
            if status.undone_by is None and status.correction.action != "undo":
                undo_correction(connection, status.correction.correction_id, by=WHO, reason="r")
