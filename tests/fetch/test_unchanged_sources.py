"""Collecting unchanged sources again logs nothing new, and a load reads only new log files."""

from __future__ import annotations

from pathlib import Path

from ingestion.config import PROJECT_ROOT
from ingestion.fetch.collect import collect_source
from ingestion.landing import LandingStore
from ingestion.load.articles import parse_new_payloads
from ingestion.load.fetch_log import load_fetch_log
from ingestion.sources import FeedSource, FetchPolicy
from ingestion.warehouse import connect, ensure_raw_schema
from tests.http_server import respond, serve

LOCAL = FetchPolicy(allow_private_addresses=True, backoff_seconds=0.01, max_attempts=2)
PAGES = ("one", "two", "three")


def _page(name: str, words: str) -> str:
    story = " ".join(f"The {name} cooperative {words} sentence {i}." for i in range(12))
    body = f"<body><article><p>{story}</p></article></body>"
    return f"<html><head><title>{name}</title></head>{body}</html>"


def _site(folder: Path) -> None:
    items = "".join(f"<item><title>{n}</title><link>{n}.html</link></item>" for n in PAGES)
    items += "<item><title>gone</title><link>gone.html</link></item>"
    (folder / "feed.xml").write_text(f'<rss version="2.0"><channel>{items}</channel></rss>')
    for name in PAGES:
        (folder / f"{name}.html").write_text(_page(name, "sells honey online"))


def _attempt_rows(connection) -> list[tuple]:
    return connection.execute(
        "select url, error is null from raw.fetch_log order by fetched_at, url"
    ).fetchall()


def test_a_second_collection_of_unchanged_pages_adds_no_attempts(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    _site(site)
    landing = LandingStore(tmp_path / "landing")
    warehouse = tmp_path / "w.duckdb"
    with serve(site, {"/gone.html": respond(404)}) as (base, hits):
        source = FeedSource(id="feed", kind="feed", url=f"{base}/feed.xml", fetch=LOCAL)
        first = collect_source(source, PROJECT_ROOT, landing)
        with connect(warehouse) as connection:
            ensure_raw_schema(connection)
            assert load_fetch_log(connection, landing) == 5  # feed, three pages, one refusal
            assert parse_new_payloads(connection, landing)["parsed"] == 3
            after_first = _attempt_rows(connection)

        second = collect_source(source, PROJECT_ROOT, landing)
        with connect(warehouse) as connection:
            new_rows = load_fetch_log(connection, landing)
            after_second = _attempt_rows(connection)

        (site / "two.html").write_text(_page("two", "opened a packing line"))
        third = collect_source(source, PROJECT_ROOT, landing)
        with connect(warehouse) as connection:
            third_rows = load_fetch_log(connection, landing)
            parsed = parse_new_payloads(connection, landing)
            files_loaded = connection.execute(
                "select count(*), sum(attempts) from raw.fetch_log_files"
            ).fetchone()
            reloaded = load_fetch_log(connection, landing)

    assert hits["/one.html"] == 3  # every collection still fetched every page
    assert (first.landed, first.unchanged, first.failed) == (4, 0, 1)
    # Nothing changed: the feed and the pages land the same bytes and are not logged;
    # the page that fails is logged again, with its reason.
    assert (second.landed, second.unchanged, second.failed) == (4, 4, 1)
    assert new_rows == 1
    assert after_second[: len(after_first)] == after_first
    assert [url for url, ok in after_second[len(after_first) :]] == [f"{base}/gone.html"]
    # One page changed: exactly its attempt is new, and only it is parsed.
    assert (third.unchanged, third_rows) == (3, 2)
    assert parsed == {"parsed": 1, "duplicates": 0, "quarantined": 0}
    # Three log files, each loaded once; a further load re-offers none of them.
    assert files_loaded == (3, 5 + 1 + 2)
    assert reloaded == 0
    assert len(landing.fetch_log_files()) == 3


def test_a_source_with_nothing_new_writes_no_log_file(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    _site(site)
    (site / "feed.xml").write_text(
        '<rss version="2.0"><channel><item><link>one.html</link></item></channel></rss>'
    )
    landing = LandingStore(tmp_path / "landing")
    with serve(site) as (base, _):
        source = FeedSource(id="feed", kind="feed", url=f"{base}/feed.xml", fetch=LOCAL)
        assert collect_source(source, PROJECT_ROOT, landing).fetch_log
        again = collect_source(source, PROJECT_ROOT, landing)
    assert again.fetch_log == "" and again.unchanged == 2
    assert len(landing.fetch_log_files()) == 1
