"""The load stage bounds parse and extract time; what goes wrong is quarantined with a reason."""

from __future__ import annotations

import time

from ingestion.landing import LandingStore, new_attempt
from ingestion.load import articles, facts
from ingestion.load.fetch_log import load_fetch_log
from ingestion.warehouse import connect, ensure_raw_schema

STORY = (
    "<html><body><article><p>Jinniu District signed a basic assistance agreement with Shiqu "
    "County and allocated 20 million yuan for yak breeding cooperatives in 2023.</p>"
    "</article></body></html>"
)


def _land(landing: LandingStore, url: str, payload: bytes) -> None:
    content_hash = landing.put_payload(payload)
    landing.write_fetch_log(
        "site", [new_attempt("site", url, "article", status=200, content_hash=content_hash)]
    )


def test_an_unexpected_parser_error_is_quarantined_and_the_batch_goes_on(tmp_path, monkeypatch):
    landing = LandingStore(tmp_path / "landing")
    _land(landing, "http://a.example/bad", b"<html><body><p>trigger</p></body></html>")
    _land(landing, "http://a.example/good", STORY.encode())
    real = articles.parse_payload

    def buggy(payload, content_type=None):
        if b"trigger" in payload:
            raise KeyError("a parser bug")
        return real(payload, content_type)

    monkeypatch.setattr(articles, "parse_payload", buggy)
    with connect(tmp_path / "w.duckdb") as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        assert articles.parse_new_payloads(connection, landing) == {
            "parsed": 1,
            "duplicates": 0,
            "quarantined": 1,
        }
        [(reference, reason)] = connection.execute(
            "select reference, reason from raw.quarantine"
        ).fetchall()
    assert reference == "http://a.example/bad"
    assert reason.startswith("unexpected KeyError while parsing")


def test_a_slow_or_oversized_extraction_is_quarantined(tmp_path, monkeypatch):
    landing = LandingStore(tmp_path / "landing")
    _land(landing, "http://a.example/slow", STORY.encode())
    _land(landing, "http://a.example/long", STORY.replace("2023", "2024 " + "yak " * 300).encode())

    def slow(article_id, text):
        if "2023" in text:
            end = time.monotonic() + 10
            while time.monotonic() < end:  # pure Python: the timer interrupts it
                pass
        return []

    monkeypatch.setattr(facts, "extract_facts", slow)
    monkeypatch.setattr(facts, "EXTRACT_TIME_LIMIT_SECONDS", 0.3)
    monkeypatch.setattr(facts, "MAX_EXTRACT_CHARS", 1000)
    start = time.monotonic()
    with connect(tmp_path / "w.duckdb") as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        articles.parse_new_payloads(connection, landing)
        counts = facts.extract_new_articles(connection)
        reasons = sorted(
            r
            for (r,) in connection.execute(
                "select reason from raw.quarantine where stage = 'extract'"
            ).fetchall()
        )
    assert time.monotonic() - start < 5
    assert counts["quarantined"] == 2
    assert any("above the 1000 cap" in r for r in reasons)
    assert any("TimeLimitExceeded: extracting facts took longer than 0.3 s" in r for r in reasons)
