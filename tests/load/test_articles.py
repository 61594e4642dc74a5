"""Parsing landed payloads: duplicates kept once, bad payloads quarantined, nothing twice."""

from __future__ import annotations

from ingestion.landing import LandingStore, new_attempt
from ingestion.load.articles import article_id_for, parse_new_payloads
from ingestion.load.fetch_log import load_fetch_log
from ingestion.warehouse import connect, ensure_raw_schema

STORY = (
    "<p>Jinniu District signed a basic assistance agreement with Shiqu County and "
    "allocated 20 million yuan for yak breeding cooperatives in 2023.</p>"
)


def _page(chrome: str) -> bytes:
    return (
        f"<html><head><title>Aid</title></head><body><nav>{chrome}</nav>"
        f"<article>{STORY}</article><footer>print】【close</footer></body></html>"
    ).encode()


def _land(landing: LandingStore, url: str, payload: bytes) -> None:
    content_hash = landing.put_payload(payload)
    attempt = new_attempt("site", url, "article", status=200, content_hash=content_hash)
    landing.write_fetch_log("site", [attempt])


def test_same_story_under_two_urls_is_one_article_and_binary_is_quarantined(tmp_path):
    landing = LandingStore(tmp_path / "landing")
    _land(landing, "http://a.example/1", _page("Home | News"))
    _land(landing, "http://b.example/reprint", _page("Start | Politics | Economy"))
    _land(landing, "http://a.example/blob", b"\x00\x01\x02binary")
    with connect(tmp_path / "w.duckdb") as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        counts = parse_new_payloads(connection, landing)
        assert counts == {"parsed": 1, "duplicates": 1, "quarantined": 1}
        # A second run finds nothing new: unchanged content is not processed twice.
        assert parse_new_payloads(connection, landing) == {
            "parsed": 0,
            "duplicates": 0,
            "quarantined": 0,
        }
        [(article_id, text)] = connection.execute(
            "select article_id, text from raw.articles"
        ).fetchall()
        [(reason,)] = connection.execute("select reason from raw.quarantine").fetchall()
    assert "Shiqu County" in text and "print" not in text
    assert article_id == article_id_for(text)
    assert "binary" in reason


def test_article_identity_ignores_white_space_and_case():
    assert article_id_for("Aid  to\nShiqu") == article_id_for("aid to shiqu")
    assert article_id_for("Aid to Shiqu") != article_id_for("Aid to Zhaojue")
