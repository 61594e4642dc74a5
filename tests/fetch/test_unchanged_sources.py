"""Collecting unchanged sources again logs nothing new, and a load reads only new log files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.fetch import collect
from ingestion.fetch.client import FetchOutcome
from ingestion.fetch.collect import collect_source
from ingestion.landing import LandingStore
from ingestion.load.articles import parse_new_payloads
from ingestion.load.fetch_log import load_fetch_log
from ingestion.sources import FeedSource, FetchPolicy, LocalFolderSource
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


def _folder_source(folder: Path) -> LocalFolderSource:
    policy = FetchPolicy(allowed_folders=(str(folder),))
    return LocalFolderSource(id="folder", kind="local_folder", path=str(folder), fetch=policy)


def _age(path: Path, seconds: float = 60.0) -> None:
    """Give a file the modification time it would have if written a minute ago."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))


def test_a_folder_file_unchanged_since_it_landed_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in PAGES:
        (folder / f"{name}.html").write_text(_page(name, "sells honey online"))
        _age(folder / f"{name}.html")
    landing = LandingStore(tmp_path / "landing")
    source = _folder_source(folder)
    read: list[str] = []
    real_fetch_file = collect.fetch_file

    def counted(url: str, **kwargs: object) -> FetchOutcome:
        read.append(Path(url).name)
        return real_fetch_file(url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(collect, "fetch_file", counted)
    first = collect_source(source, PROJECT_ROOT, landing)
    assert sorted(read) == ["one.html", "three.html", "two.html"]
    assert (first.landed, first.unchanged) == (3, 0)

    read.clear()
    second = collect_source(source, PROJECT_ROOT, landing)
    assert read == []  # size and time as landed: not opened
    assert (second.landed, second.unchanged, second.fetch_log) == (3, 3, "")

    # Rewritten with the same size: the new time makes it read, landed and logged.
    two = folder / "two.html"
    two.write_text(_page("two", "sells honey inline"))
    third = collect_source(source, PROJECT_ROOT, landing)
    assert read == ["two.html"]
    assert (third.landed, third.unchanged) == (3, 2)
    logged = Path(third.fetch_log).relative_to(landing.fetch_log_dir).as_posix()
    assert [a.url for a in landing.read_fetch_log_file(logged)] == [two.as_uri()]
    # Just modified, so not trusted by its time yet (file times are coarse): read again
    # until it has settled, but not logged (same bytes).
    read.clear()
    fourth = collect_source(source, PROJECT_ROOT, landing)
    assert read == ["two.html"] and fourth.fetch_log == ""

    # A payload gone from the landing area is read again from the file.
    _age(two)
    collect_source(source, PROJECT_ROOT, landing)
    read.clear()
    landing.payload_path(first_hash(landing, folder / "one.html")).unlink()
    collect_source(source, PROJECT_ROOT, landing)
    assert read == ["one.html"]
    assert landing.payload_path(first_hash(landing, folder / "one.html")).is_file()


def first_hash(landing: LandingStore, path: Path) -> str:
    return landing.read_landed_urls("folder")[path.as_uri()]


def test_payload_hashes_lists_what_payload_path_would_find(tmp_path: Path) -> None:
    landing = LandingStore(tmp_path / "landing")
    assert landing.payload_hashes() == set()  # nothing landed yet: no folder at all
    kept = {landing.put_payload(body) for body in (b"one", b"two", b"three")}
    assert landing.payload_hashes() == kept
    # What payload_path never names is no payload: a name outside its fan-out
    # folder, a folder where a payload would be.
    some = sorted(kept)[0]
    fan_out = landing.payload_path(some).parent
    (fan_out / ("zz" + some[2:])).write_bytes(b"misplaced")
    (fan_out / (some[:2] + "0" * 62)).mkdir()
    assert landing.payload_hashes() == kept
    landing.payload_path(some).unlink()
    assert landing.payload_hashes() == kept - {some}
