"""Collecting the sample sources: from files, and from a real local HTTP server."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.fetch.collect import collect_source
from ingestion.landing import LandingStore
from ingestion.sources import FeedSource, FetchPolicy, LocalFolderSource, PageSource, load_sources
from tests.http_server import respond, serve

DATA = PROJECT_ROOT / "data"
LOCAL = FetchPolicy(allow_private_addresses=True, backoff_seconds=0.01)


def _feed_item_count() -> int:
    return len(feedparser.parse((DATA / "feed.xml").read_bytes()).entries)


def test_the_sample_feed_and_its_pages_are_collected_over_http(tmp_path: Path):
    landing = LandingStore(tmp_path / "landing")
    with serve(DATA) as (base, hits):
        source = FeedSource(id="feed", kind="feed", url=f"{base}/feed.xml", fetch=LOCAL)
        summary = collect_source(source, PROJECT_ROOT, landing)
    assert summary.failed == 0
    assert summary.landed == 1 + _feed_item_count()
    attempts = list(landing.iter_fetch_log())
    assert {a.payload_kind for a in attempts} == {"feed", "article"}
    assert all(a.url.startswith(base) and a.status == 200 for a in attempts)
    assert hits["/feed.xml"] == 1


def test_one_failing_item_does_not_stop_the_rest_of_the_feed(tmp_path: Path):
    items = "".join(
        f"<item><title>{name}</title><link>{name}</link></item>"
        for name in ("ok.html", "broken.html")
    )
    (tmp_path / "feed.xml").write_text(f'<rss version="2.0"><channel>{items}</channel></rss>')
    (tmp_path / "ok.html").write_text("<p>fine</p>")
    landing = LandingStore(tmp_path / "landing")
    with serve(tmp_path, {"/broken.html": respond(500)}) as (base, _):
        source = FeedSource(id="feed", kind="feed", url=f"{base}/feed.xml", fetch=LOCAL)
        summary = collect_source(source, PROJECT_ROOT, landing)
    assert (summary.landed, summary.failed) == (2, 1)
    errors = [a for a in landing.iter_fetch_log() if a.error]
    assert len(errors) == LOCAL.max_attempts and all("500" in a.error for a in errors)


def test_a_malformed_feed_is_logged_with_the_reason(tmp_path: Path):
    landing = LandingStore(tmp_path / "landing")
    with serve(tmp_path, {"/feed.xml": respond(200, b"<rss><channel><item>")}) as (base, _):
        source = FeedSource(id="feed", kind="feed", url=f"{base}/feed.xml", fetch=LOCAL)
        summary = collect_source(source, PROJECT_ROOT, landing)
    reasons = [a.error for a in landing.iter_fetch_log() if a.error]
    assert summary.failed == 1 and reasons and "malformed feed" in reasons[0]


def test_the_sample_folder_and_page_sources_land_every_file(tmp_path: Path):
    landing = LandingStore(tmp_path / "landing")
    sources = {s.id: s for s in load_sources(PROJECT_ROOT / "sources.yml")}
    folder = sources["sample_articles"]
    assert isinstance(folder, LocalFolderSource)
    summary = collect_source(folder, PROJECT_ROOT, landing)
    assert summary.landed == len(list((DATA / "articles").glob("*.*"))) >= 20
    page = sources["sample_page"]
    assert isinstance(page, PageSource)
    assert collect_source(page, PROJECT_ROOT, landing).landed == 1
    # Landing the same files again adds log lines, not payloads.
    payloads = sorted(p.name for p in landing.payloads_dir.glob("*/*"))
    collect_source(folder, PROJECT_ROOT, landing)
    assert sorted(p.name for p in landing.payloads_dir.glob("*/*")) == payloads


@pytest.mark.parametrize("folder", ["..", "/etc"])
def test_a_folder_source_outside_the_allowed_folders_is_refused(tmp_path: Path, folder: str):
    landing = LandingStore(tmp_path / "landing")
    source = LocalFolderSource(id="x", kind="local_folder", path=folder)
    summary = collect_source(source, PROJECT_ROOT, landing)
    assert (summary.landed, summary.failed) == (0, 1)
    assert "outside" in next(landing.iter_fetch_log()).error
