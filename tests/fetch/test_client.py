"""Fetching over real HTTP from a local server: retries, caps, redirects, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.fetch.client import fetch_file, fetch_http
from ingestion.fetch.urls import FetchRefused, check_http_url, file_path_for
from ingestion.landing import LandingStore, sha256_hex
from ingestion.sources import FetchPolicy
from tests.http_server import respond, serve

LOCAL = FetchPolicy(allow_private_addresses=True, backoff_seconds=0.01, max_attempts=3)
HOSTS = {"127.0.0.1"}


def _fetch(url: str, landing: LandingStore, policy: FetchPolicy = LOCAL):
    return fetch_http(
        url, source_id="s", kind="article", policy=policy, hosts=HOSTS, landing=landing
    )


@pytest.fixture
def landing(tmp_path: Path) -> LandingStore:
    return LandingStore(tmp_path / "landing")


def test_a_page_is_landed_content_addressed_and_logged(tmp_path: Path, landing: LandingStore):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.html").write_bytes(b"<p>hello</p>")
    with serve(tmp_path / "site") as (base, _):
        outcome = _fetch(f"{base}/a.html", landing)
    assert outcome.ok
    assert outcome.content_hash == sha256_hex(b"<p>hello</p>")
    assert landing.read_payload(outcome.content_hash) == b"<p>hello</p>"
    [attempt] = outcome.attempts
    assert (attempt.status, attempt.size_bytes, attempt.error) == (200, 12, None)


def test_503_with_retry_after_is_retried_until_it_succeeds(tmp_path: Path, landing):
    calls = {"n": 0}

    def flaky(handler):
        calls["n"] += 1
        if calls["n"] < 3:
            respond(503, b"busy", {"Retry-After": "0"})(handler)
        else:
            respond(200, b"finally")(handler)

    with serve(tmp_path, {"/flaky": flaky}) as (base, _):
        outcome = _fetch(f"{base}/flaky", landing)
    assert outcome.ok
    assert [a.status for a in outcome.attempts] == [503, 503, 200]
    assert outcome.attempts[0].error == "HTTP 503"


def test_a_persistent_500_gives_up_after_max_attempts_with_every_attempt_logged(tmp_path, landing):
    with serve(tmp_path, {"/down": respond(500, b"oops")}) as (base, hits):
        outcome = _fetch(f"{base}/down", landing)
    assert not outcome.ok
    assert len(outcome.attempts) == LOCAL.max_attempts == hits["/down"]
    assert all(a.error == "HTTP 500" for a in outcome.attempts)


def test_404_is_not_retried(tmp_path, landing):
    with serve(tmp_path) as (base, hits):
        outcome = _fetch(f"{base}/missing", landing)
    assert not outcome.ok and len(outcome.attempts) == 1 == hits["/missing"]
    assert "HTTP 404" in outcome.attempts[0].error


def test_redirect_to_a_host_the_source_does_not_allow_is_refused(tmp_path, landing):
    away = respond(302, headers={"Location": "http://example.org/elsewhere"})
    with serve(tmp_path, {"/away": away}) as (base, _):
        outcome = _fetch(f"{base}/away", landing)
    assert not outcome.ok
    assert "example.org" in outcome.attempts[0].error


def test_a_redirect_loop_is_refused(tmp_path, landing):
    with serve(tmp_path, {"/loop": respond(302, headers={"Location": "/loop"})}) as (base, _):
        outcome = _fetch(f"{base}/loop", landing)
    assert not outcome.ok and "redirects" in outcome.attempts[0].error


def test_a_response_above_the_size_cap_is_refused(tmp_path, landing):
    policy = LOCAL.model_copy(update={"max_bytes": 1000})
    with serve(tmp_path, {"/big": respond(200, b"x" * 5000)}) as (base, _):
        outcome = _fetch(f"{base}/big", landing, policy)
    assert not outcome.ok and "cap" in outcome.attempts[0].error
    assert not list((landing.root).glob("payloads/*/*"))


def test_loopback_is_refused_unless_the_source_allows_private_addresses():
    with pytest.raises(FetchRefused, match="non-public address"):
        check_http_url("http://127.0.0.1:9/x", FetchPolicy(), HOSTS)
    check_http_url("http://127.0.0.1:9/x", LOCAL, HOSTS)


def test_files_outside_the_source_folders_are_refused(tmp_path: Path, landing):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "ok.txt").write_text("fine")
    (project / "secret.txt").write_text("no")
    policy = FetchPolicy(allowed_folders=("data",))
    assert file_path_for((project / "data" / "ok.txt").as_uri(), policy, project).exists()
    with pytest.raises(FetchRefused, match="outside"):
        file_path_for((project / "data" / ".." / "secret.txt").as_uri(), policy, project)
    outcome = fetch_file(
        (project / "secret.txt").as_uri(),
        source_id="s",
        kind="article",
        policy=policy,
        project_root=project,
        landing=landing,
    )
    assert not outcome.ok and "outside" in outcome.attempts[0].error
