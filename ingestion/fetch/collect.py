"""Collect one source: fetch everything it lists and land it, logging every attempt.

Collection writes only to the landing folder (payload files and one fetch-log
file), never to the warehouse, so sources can be collected in parallel.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from urllib.parse import quote_from_bytes, urlsplit
from xml.etree.ElementTree import ParseError as XmlParseError

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException

from ingestion.fetch.client import FetchOutcome, fetch_file, fetch_http
from ingestion.fetch.urls import FetchRefused, allowed_hosts, file_path_for, join_url, to_url
from ingestion.landing import FetchAttempt, FileSignature, LandingStore, PayloadKind, new_attempt
from ingestion.sources import (
    TABLE_SOURCE_TYPES,
    CsvTableSource,
    FeedSource,
    LocalFolderSource,
    PageSource,
    Source,
    XlsxTableSource,
)

log = logging.getLogger(__name__)

# A DOCTYPE with an internal subset or any ENTITY declaration: the door to "billion
# laughs" expansion and to external entities (file:///etc/passwd). A feed needs neither.
_DTD_DANGER = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]{0,1000}\[", re.IGNORECASE)


class UnsafeFeed(ValueError):
    """A feed that declares entities: refused before any XML parser expands them."""


@dataclass(frozen=True)
class CollectSummary:
    """What collecting one source did; returned to Airflow as the task's XCom."""

    source_id: str
    urls: int
    landed: int
    failed: int
    fetch_log: str  # the log file written; empty when there was nothing new to log
    unchanged: int = 0  # URLs that landed the same payload as last time: not logged again

    def as_dict(self) -> dict[str, object]:
        return {
            "source_id": self.source_id,
            "urls": self.urls,
            "landed": self.landed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "fetch_log": self.fetch_log,
        }


class _Collector:
    """Fetches URLs of one source, file or HTTP, under the source's policy."""

    def __init__(self, source: Source, project_root: Path, landing: LandingStore) -> None:
        self.source = source
        self.project_root = project_root
        self.landing = landing
        self.outcomes: list[FetchOutcome] = []

    @functools.cached_property
    def kept_payloads(self) -> set[str]:
        """Payloads in the landing area when the source's files were first checked."""
        return self.landing.payload_hashes()

    def fetch(self, url: str, kind: PayloadKind, hosts: set[str]) -> FetchOutcome:
        if urlsplit(url).scheme == "file":
            outcome = fetch_file(
                url,
                source_id=self.source.id,
                kind=kind,
                policy=self.source.fetch,
                project_root=self.project_root,
                landing=self.landing,
            )
        else:
            outcome = fetch_http(
                url,
                source_id=self.source.id,
                kind=kind,
                policy=self.source.fetch,
                hosts=hosts,
                landing=self.landing,
            )
        self.outcomes.append(outcome)
        return outcome

    def refuse(self, url: str, kind: PayloadKind, reason: str) -> None:
        attempt = new_attempt(self.source.id, url, kind, error=reason)
        self.outcomes.append(FetchOutcome(url=url, attempts=[attempt]))

    def attempts(self, previously_landed: dict[str, str]) -> list[FetchAttempt]:
        """The attempts to log: all but the success of a URL that landed the same bytes."""
        logged: list[FetchAttempt] = []
        for outcome in self.outcomes:
            unchanged = outcome.ok and previously_landed.get(outcome.url) == outcome.content_hash
            logged.extend(a for a in outcome.attempts if not (unchanged and a.error is None))
        return logged

    def landed_urls(self, previously_landed: dict[str, str]) -> dict[str, str]:
        landed = dict(previously_landed)
        landed.update({o.url: o.content_hash for o in self.outcomes if o.content_hash})
        return landed


_SETTLE_NS = 2_000_000_000


def _collect_folder(
    collector: _Collector,
    source: LocalFolderSource,
    previously_landed: dict[str, str],
    signatures: dict[str, FileSignature],
) -> None:
    """Land every file of the folder; ``signatures`` (url -> size and mtime of the file last
    landed) is updated in place.

    A file whose size and modification time are those it had when it landed, and whose
    payload is still in the landing area, is not read again: it counts as landed and
    unchanged, like a file whose bytes hash the same (rsync's and make's quick check). A
    folder of 100,000 articles was otherwise read and hashed whole by every collection.
    A file modified in the last ``_SETTLE_NS`` gets no signature (git's "racy clean"
    rule): file times are coarse, and the same size rewritten within a tick would
    otherwise look unchanged; it is read again next time.
    """
    settled_before = time.time_ns() - _SETTLE_NS
    folder_url = to_url(source.path, collector.project_root)
    try:
        folder = file_path_for(folder_url, source.fetch, collector.project_root)
    except FetchRefused as error:
        collector.refuse(folder_url, "article", str(error))
        return
    if not folder.is_dir():
        collector.refuse(folder_url, "article", f"{folder} is not a folder")
        return
    files = _folder_files(folder, source.patterns)
    for gone in set(signatures) - set(files):
        del signatures[gone]
    for url, (stat, plain) in files.items():
        signature = FileSignature(stat.st_size, stat.st_mtime_ns)
        landed_hash = previously_landed.get(url)
        if signatures.get(url) == signature and _still_landed(collector, url, landed_hash, plain):
            collector.outcomes.append(FetchOutcome(url=url, content_hash=landed_hash))
            continue
        outcome = collector.fetch(url, "article", set())
        if outcome.ok and signature.mtime_ns < settled_before:
            signatures[url] = signature
        else:
            signatures.pop(url, None)


def _folder_files(
    folder: Path, patterns: tuple[str, ...]
) -> dict[str, tuple[os.stat_result, bool]]:
    """The regular files the patterns match in the (resolved) folder, in name order:
    url -> (stat, plain). ``plain``: not a symlink and directly in the folder, so
    certainly inside it without resolving it. Plain strings and ``os`` calls: a folder
    of 100,000 files took 15 s as ``pathlib`` objects, resolved one by one."""
    root = glob.escape(str(folder))
    names = {
        name
        for pattern in patterns
        for name in glob.glob(os.path.join(root, pattern), include_hidden=True)
    }
    files: dict[str, tuple[os.stat_result, bool]] = {}
    for name in sorted(names):
        try:
            link = os.lstat(name)
            stat = os.stat(name) if S_ISLNK(link.st_mode) else link
        except OSError:
            continue  # a dangling symlink, or gone since the listing: not a file
        if S_ISREG(stat.st_mode):
            plain = not S_ISLNK(link.st_mode) and os.path.dirname(name) == str(folder)
            # Path.as_uri()'s own encoding, so the URLs are those earlier collections logged.
            files["file://" + quote_from_bytes(os.fsencode(name))] = (stat, plain)
    return files


def _still_landed(collector: _Collector, url: str, landed_hash: str | None, plain: bool) -> bool:
    """The URL's last payload is in the landing area and the file is still allowed."""
    if landed_hash is None or landed_hash not in collector.kept_payloads:
        return False
    if plain:
        return True
    try:  # a symlink in the folder may have been re-pointed outside the allowed folders
        file_path_for(url, collector.source.fetch, collector.project_root)
    except FetchRefused:
        return False  # read as new: fetch_file logs the refusal
    return True


def check_feed_is_safe(payload: bytes) -> None:
    """Refuse a feed that declares XML entities, before feedparser (or anything) parses it.

    Two checks: a byte scan (also catches a declaration in a feed too broken to
    parse) on the payload as sent and as UTF-16 when it starts with a UTF-16 mark,
    and defusedxml, which parses without expanding anything and raises on any
    entity declaration or external reference. A feed that is merely malformed
    passes here and is left to feedparser's lenient parser.
    """
    texts = [payload]
    if payload[:2] in (b"\xff\xfe", b"\xfe\xff"):
        texts.append(payload.decode("utf-16", errors="replace").encode("utf-8"))
    for text in texts:
        if _DTD_DANGER.search(text):
            raise UnsafeFeed("unsafe feed refused: it declares a DTD with XML entities")
    try:
        defusedxml.ElementTree.fromstring(payload, forbid_dtd=False)
    except DefusedXmlException as error:
        raise UnsafeFeed(f"unsafe feed refused: {error}") from error
    except (XmlParseError, ValueError):
        pass


def _feed_links(payload: bytes, feed_url: str, max_items: int) -> list[str]:
    check_feed_is_safe(payload)
    parsed = feedparser.parse(payload)
    links = [join_url(feed_url, entry.link) for entry in parsed.entries if entry.get("link")]
    # A feed with a small defect (an undeclared encoding) still lists usable items.
    if parsed.bozo and not links:
        raise ValueError(f"malformed feed: {parsed.get('bozo_exception')}")
    return list(dict.fromkeys(links))[:max_items]


def _collect_feed(collector: _Collector, source: FeedSource) -> None:
    feed_url = to_url(source.url, collector.project_root)
    hosts = allowed_hosts(source.fetch, feed_url)
    outcome = collector.fetch(feed_url, "feed", hosts)
    if not outcome.ok or outcome.content_hash is None:
        return
    try:
        links = _feed_links(
            collector.landing.read_payload(outcome.content_hash), feed_url, source.max_items
        )
    except ValueError as error:
        collector.refuse(feed_url, "feed", str(error))
        return
    for link in links:
        collector.fetch(link, "article", hosts)


def _source_location(source: Source) -> str:
    return source.path if isinstance(source, LocalFolderSource) else source.url


def collect_source(source: Source, project_root: Path, landing: LandingStore) -> CollectSummary:
    """Fetch and land everything one source lists; write its fetch log.

    An unexpected error (a bug, a full disk, a library raising something new) ends
    this source's collection with the reason in its fetch log, after whatever was
    already landed; it is not raised, so the other sources are collected.
    """
    collector = _Collector(source, project_root, landing)
    previously_landed = landing.read_landed_urls(source.id)
    folder = isinstance(source, LocalFolderSource)
    signatures = landing.read_file_signatures(source.id) if folder else {}
    try:
        match source:
            case LocalFolderSource():
                _collect_folder(collector, source, previously_landed, signatures)
            case FeedSource():
                _collect_feed(collector, source)
            case PageSource():
                url = to_url(source.url, project_root)
                collector.fetch(url, "article", allowed_hosts(source.fetch, url))
            case CsvTableSource() | XlsxTableSource():
                url = to_url(source.url, project_root)
                collector.fetch(url, "table", allowed_hosts(source.fetch, url))
    except Exception as error:
        log.exception("collecting source %s failed unexpectedly", source.id)
        kind: PayloadKind = "table" if isinstance(source, TABLE_SOURCE_TYPES) else "article"
        reason = f"collection stopped by an unexpected error: {type(error).__name__}: {error}"
        collector.refuse(_source_location(source), kind, reason)
    attempts = collector.attempts(previously_landed)
    log_path = str(landing.write_fetch_log(source.id, attempts)) if attempts else ""
    # After the log: a crash in between logs these URLs once more next time; none is lost.
    landing.write_landed_urls(source.id, collector.landed_urls(previously_landed))
    if folder:
        landing.write_file_signatures(source.id, signatures)
    landed = sum(1 for outcome in collector.outcomes if outcome.ok)
    unchanged = sum(
        1
        for outcome in collector.outcomes
        if outcome.ok and previously_landed.get(outcome.url) == outcome.content_hash
    )
    return CollectSummary(
        source_id=source.id,
        urls=len(collector.outcomes),
        landed=landed,
        failed=len(collector.outcomes) - landed,
        fetch_log=log_path,
        unchanged=unchanged,
    )
