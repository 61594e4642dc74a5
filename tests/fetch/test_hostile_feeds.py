"""Feeds are parsed without entity expansion; one failing source never stops the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion import pipeline
from ingestion.config import PROJECT_ROOT, Settings
from ingestion.fetch import collect
from ingestion.fetch.collect import UnsafeFeed, check_feed_is_safe, collect_source
from ingestion.landing import LandingStore
from ingestion.sources import FeedSource, FetchPolicy
from tests.http_server import respond, serve

LOCAL = FetchPolicy(allow_private_addresses=True, backoff_seconds=0.01)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>ok.html</link></item></channel></rss>"""


def _external_entity_feed(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{target}">]>
<rss version="2.0"><channel><title>x</title>
<item><title>&xxe;</title><link>ok.html?&xxe;</link></item></channel></rss>""".encode()


def _collect_feed(tmp_path: Path, feed: bytes):
    landing = LandingStore(tmp_path / "landing")
    (tmp_path / "ok.html").write_text("<p>fine</p>")
    with serve(tmp_path, {"/feed.xml": respond(200, feed)}) as (base, hits):
        source = FeedSource(id="feed", kind="feed", url=f"{base}/feed.xml", fetch=LOCAL)
        summary = collect_source(source, PROJECT_ROOT, landing)
    return summary, list(landing.iter_fetch_log()), hits, base


def test_a_billion_laughs_feed_is_refused_before_parsing(tmp_path: Path):
    summary, attempts, hits, _ = _collect_feed(tmp_path, BILLION_LAUGHS)
    assert summary.failed == 1 and summary.landed == 1  # the feed payload itself is kept
    [refused] = [a for a in attempts if a.error]
    assert "unsafe feed refused" in refused.error and refused.payload_kind == "feed"
    assert "/ok.html" not in hits  # no item of the refused feed was fetched


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_an_external_entity_is_never_resolved(tmp_path: Path, scheme: str):
    if scheme == "file":
        summary, attempts, hits, _ = _collect_feed(
            tmp_path, _external_entity_feed("file:///etc/passwd")
        )
    else:
        # The entity points at the test server itself: a resolver would show up as a hit.
        with serve(tmp_path) as (other, other_hits):
            summary, attempts, hits, _ = _collect_feed(
                tmp_path, _external_entity_feed(f"{other}/secret.dtd")
            )
        assert "/secret.dtd" not in other_hits
    assert summary.failed == 1
    assert any("unsafe feed refused" in (a.error or "") for a in attempts)
    assert not any("root:" in a.url or "root:" in (a.error or "") for a in attempts)
    assert "/ok.html" not in hits


@pytest.mark.parametrize(
    "feed",
    [
        BILLION_LAUGHS,
        _external_entity_feed("file:///etc/passwd"),
        # Parameter entities, and a declaration hidden in UTF-16.
        b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]><rss/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><rss/>'.encode(
            "utf-16"
        ),
    ],
)
def test_entity_declarations_are_detected(feed: bytes):
    with pytest.raises(UnsafeFeed):
        check_feed_is_safe(feed)


def test_a_plain_or_merely_malformed_feed_passes_the_safety_check():
    check_feed_is_safe((PROJECT_ROOT / "data" / "feed.xml").read_bytes())
    check_feed_is_safe(b"<rss><channel><item>")
    check_feed_is_safe(b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x.dtd"><rss/>')


def test_an_unexpected_error_in_one_source_is_logged_and_does_not_raise(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(collect, "fetch_http", broken)
    landing = LandingStore(tmp_path / "landing")
    source = FeedSource(id="feed", kind="feed", url="http://127.0.0.1:9/feed.xml", fetch=LOCAL)
    summary = collect_source(source, PROJECT_ROOT, landing)
    assert (summary.landed, summary.failed) == (0, 1)
    [attempt] = landing.iter_fetch_log()
    assert "RuntimeError: disk on fire" in attempt.error and attempt.source_id == "feed"


def test_collect_all_goes_on_after_a_source_that_raises(tmp_path, monkeypatch):
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n"
        "  - {id: first, kind: page, url: data/pages/2023-11-kizilsu-jiangsu-apricot.html}\n"
        "  - {id: broken, kind: page, url: data/pages/2023-11-kizilsu-jiangsu-apricot.html}\n"
        "  - {id: last, kind: local_folder, path: data/articles}\n"
    )
    settings = Settings(project_root=PROJECT_ROOT, var_dir=tmp_path / "var", sources_file=sources)
    real = collect.collect_source

    def sometimes_broken(source, *args):
        if source.id == "broken":
            raise OSError("landing folder unwritable")
        return real(source, *args)

    monkeypatch.setattr(collect, "collect_source", sometimes_broken)
    summaries = {s.source_id: s for s in pipeline.collect_all(settings)}
    assert list(summaries) == ["first", "broken", "last"]
    assert summaries["first"].landed == 1 and summaries["last"].landed >= 20
    assert (summaries["broken"].landed, summaries["broken"].failed) == (0, 1)
    errors = [a for a in LandingStore(settings.landing_dir).iter_fetch_log() if a.error]
    assert [(a.source_id, a.error) for a in errors] == [
        ("broken", "collection failed: OSError: landing folder unwritable")
    ]
