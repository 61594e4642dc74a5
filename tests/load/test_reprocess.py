"""A backfill of a past day re-reads what was landed that day, and only that."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ingestion.landing import LandingStore, new_attempt
from ingestion.load.articles import parse_new_payloads
from ingestion.load.facts import extract_new_articles
from ingestion.load.fetch_log import load_fetch_log
from ingestion.load.reprocess import forget_landed_on
from ingestion.pipeline import backfill_day
from ingestion.warehouse import connect, ensure_raw_schema

BACKFILLED = dt.date(2026, 11, 3)
PAGES = {
    # Landed late in the evening of 3 November in Beijing: still 3 November in UTC.
    "2026-11-03T15:30:00+00:00": "Jinniu District allocated 20 million yuan to Shiqu in 2023.",
    "2026-11-04T09:00:00+00:00": "Beijing allocated 35 million yuan to Hotan Prefecture in 2022.",
}


def _land_on(landing: LandingStore, fetched_at: str, text: str) -> None:
    payload = f"<html><body><article><p>{text} {text}</p></article></body></html>".encode()
    content_hash = landing.put_payload(payload)
    attempt = new_attempt("site", f"http://news.example/{fetched_at}", "article", status=200,
                          content_hash=content_hash)  # fmt: skip
    landing.write_fetch_log("site", [dataclasses.replace(attempt, fetched_at=fetched_at)])


def test_a_backfilled_day_is_parsed_and_extracted_again_without_duplicates(tmp_path):
    landing = LandingStore(tmp_path / "landing")
    for fetched_at, text in PAGES.items():
        _land_on(landing, fetched_at, text)
    with connect(tmp_path / "w.duckdb") as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        assert parse_new_payloads(connection, landing)["parsed"] == 2
        assert extract_new_articles(connection)["articles"] == 2
        facts_before = connection.execute("select count(*) from raw.facts_fund").fetchone()[0]
        assert facts_before >= 2

        assert forget_landed_on(connection, BACKFILLED) == 1
        assert parse_new_payloads(connection, landing) == {
            "parsed": 0, "duplicates": 1, "quarantined": 0,
        }  # fmt: skip
        again = extract_new_articles(connection)
        assert again["articles"] == 1  # the 3 November article only
        facts_after = connection.execute("select count(*) from raw.facts_fund").fetchone()[0]
        articles = connection.execute("select count(*) from raw.articles").fetchone()[0]

        assert forget_landed_on(connection, dt.date(2026, 11, 5)) == 0  # nothing landed then
    assert facts_after == facts_before  # facts replaced per article, never added twice
    assert articles == 2


def test_only_a_backfill_run_names_a_day():
    logical = dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert backfill_day("backfill", logical) == dt.date(2026, 11, 4)  # its UTC day
    assert backfill_day("manual", logical) is None
    assert backfill_day("scheduled", logical) is None
