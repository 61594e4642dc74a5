"""A batch mixing good and hostile pages through the real load stage on a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

from ingestion.config import PROJECT_ROOT
from ingestion.landing import LandingStore, new_attempt
from ingestion.load.articles import parse_new_payloads
from ingestion.load.facts import extract_new_articles
from ingestion.load.fetch_log import load_fetch_log
from ingestion.warehouse import connect, ensure_raw_schema
from tests.hostile.strategies import JINJA_LIKE, SQL_LIKE

STORY = (
    "Jinniu District signed a basic assistance agreement with Shiqu County and allocated "
    "20 million yuan for yak breeding cooperatives in 2023."
)


def _page(body: str, title: str = "Aid") -> bytes:
    head = f"<html><head><title>{title}</title></head>"
    return f"{head}<body><article>{body}</article></body></html>".encode()


GOOD = sorted((PROJECT_ROOT / "data" / "articles").glob("*.html"))[:3]

# Hostile but usable: these must become articles, their odd text stored verbatim.
USABLE = {
    "sql": _page(f"<p>{STORY} {SQL_LIKE[0]}</p>", title=SQL_LIKE[0]),
    "jinja": _page(f"<p>{STORY} {JINJA_LIKE[0]} {JINJA_LIKE[1]}</p>"),
    "rtl": _page(f"<p>\u202e{STORY}\u200f \u202dShiqu\u202c County.</p>"),
}
# Unusable: each must land in raw.quarantine with a reason.
UNUSABLE = {
    "binary": bytes(range(256)) * 40,
    "nul": b"<html><body><p>" + STORY.encode() + b"\x00\x00</p></body></html>",
    "controls": ("\x01\x02\x03\x04\x05\x06\x07\x08" * 500).encode(),
    "empty": b"",
    "nested": ("<div>" * 100_000 + f"<p>{STORY}</p>" + "</div>" * 100_000).encode(),
    "links": ("<html><body>" + "".join(f"<a href='/{i}'>{i}</a>" for i in range(100_000))).encode(),
    "chrome only": b"<html><body><nav>Home | News | Contact</nav></body></html>",
    "huge": b"<html><body>" + b"<p>yak</p>" * 600_000,
}


def _land(landing: LandingStore, name: str, payload: bytes, content_type: str | None) -> None:
    content_hash = landing.put_payload(payload)
    attempt = new_attempt(
        "hostile",
        f"http://site.example/{name}",
        "article",
        status=200,
        content_hash=content_hash,
        content_type=content_type,
    )
    landing.write_fetch_log("hostile", [attempt])


def test_a_mixed_batch_keeps_the_good_quarantines_the_bad_and_executes_nothing(tmp_path: Path):
    landing = LandingStore(tmp_path / "landing")
    for path in GOOD:
        _land(landing, f"good/{path.name}", path.read_bytes(), "text/html")
    for name, payload in USABLE.items():
        _land(landing, name, payload, "text/html; charset=ISO-8859-1")  # a wrong charset, too
    for name, payload in UNUSABLE.items():
        _land(landing, name, payload, "application/octet-stream")

    with connect(tmp_path / "warehouse.duckdb") as connection:
        ensure_raw_schema(connection)
        load_fetch_log(connection, landing)
        parsed = parse_new_payloads(connection, landing)
        extracted = extract_new_articles(connection)

        assert parsed == {"parsed": len(GOOD) + len(USABLE), "duplicates": 0, "quarantined": 8}
        assert extracted["articles"] == len(GOOD) + len(USABLE)
        urls = dict(connection.execute("select url, text from raw.articles").fetchall())
        quarantined = dict(
            connection.execute(
                "select reference, reason from raw.quarantine where stage = 'parse'"
            ).fetchall()
        )
        titles = [t for (t,) in connection.execute("select title from raw.articles").fetchall()]
        # raw.articles and its neighbours are intact: nothing in a payload was executed.
        tables = {
            t
            for (t,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }

    assert all(f"http://site.example/good/{p.name}" in urls for p in GOOD)
    assert SQL_LIKE[0] in urls["http://site.example/sql"]
    assert SQL_LIKE[0] in titles
    assert JINJA_LIKE[0] in urls["http://site.example/jinja"]
    assert (
        "Yak" not in urls["http://site.example/rtl"] and "Shiqu" in urls["http://site.example/rtl"]
    )
    assert set(quarantined) == {f"http://site.example/{name}" for name in UNUSABLE}
    assert all(reason for reason in quarantined.values())
    assert "binary" in quarantined["http://site.example/nul"]
    assert (
        "levels deep" in quarantined["http://site.example/nested"]
        or "tags" in (quarantined["http://site.example/nested"])
    )
    assert "cap" in quarantined["http://site.example/huge"]
    assert {"articles", "quarantine", "fetch_log", "parsed_payloads"} <= tables
