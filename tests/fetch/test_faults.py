"""Faults a real server produces, fetched for real from 127.0.0.1.

Each fault gets a retry where one can help and a clear error where it cannot,
and every attempt is in the outcome (which the collector writes to the fetch log).
"""

from __future__ import annotations

import contextlib
import time
from email.utils import formatdate
from pathlib import Path

import httpcore
import pytest

from ingestion.fetch.client import _DeadlineBackend, _retry_after_seconds, fetch_http
from ingestion.landing import LandingStore
from ingestion.parse.document import parse_payload
from ingestion.sources import FetchPolicy
from tests.http_server import respond, serve

FAST = FetchPolicy(
    allow_private_addresses=True, backoff_seconds=0.01, max_attempts=2, timeout_seconds=1.0
)
HOSTS = {"127.0.0.1"}
STORY = (
    b"<html><head><title>Aid</title></head><body><article><p>Jinniu District signed a basic "
    b"assistance agreement with Shiqu County and allocated 20 million yuan for yak breeding "
    b"cooperatives in 2023.</p></article></body></html>"
)


def _fetch(url: str, landing: LandingStore, policy: FetchPolicy = FAST):
    return fetch_http(
        url, source_id="s", kind="article", policy=policy, hosts=HOSTS, landing=landing
    )


@pytest.fixture
def landing(tmp_path: Path) -> LandingStore:
    return LandingStore(tmp_path / "landing")


def _quietly(write) -> None:
    """The client hangs up on a slow route; the route then stops without a traceback."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        write()


def _drip_body(handler) -> None:
    def write():
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.2)

    _quietly(write)


def _drip_headers(handler) -> None:
    def write():
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.2)

    _quietly(write)


@pytest.mark.parametrize("route", [_drip_body, _drip_headers], ids=["body", "headers"])
def test_a_server_dripping_bytes_hits_the_wall_clock_deadline(tmp_path, landing, route):
    # Each byte arrives well within the per-read timeout: only a deadline ends this.
    start = time.monotonic()
    with serve(tmp_path, {"/drip": route}) as (base, hits):
        outcome = _fetch(f"{base}/drip", landing)
    elapsed = time.monotonic() - start
    assert not outcome.ok
    assert len(outcome.attempts) == FAST.max_attempts == hits["/drip"]
    assert all("deadline exceeded" in a.error for a in outcome.attempts)
    # Two attempts of a 1 s deadline each, plus a little slack for the server thread.
    assert elapsed < 2 * FAST.timeout_seconds + 1.0


def test_a_server_slower_than_the_timeout_is_retried(tmp_path, landing):
    calls = {"n": 0}

    def slow_once(handler):
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(1.5)
            _quietly(lambda: respond(200, b"late")(handler))
        else:
            respond(200, STORY)(handler)

    policy = FAST.model_copy(update={"timeout_seconds": 0.5})
    with serve(tmp_path, {"/slow": slow_once}) as (base, _):
        outcome = _fetch(f"{base}/slow", landing, policy)
    assert outcome.ok
    first, second = outcome.attempts
    assert "Timeout" in first.error or "deadline" in first.error
    assert (second.status, second.error) == (200, None)


def test_a_truncated_body_is_retried_and_logged(tmp_path, landing):
    calls = {"n": 0}

    def truncated_once(handler):
        calls["n"] += 1
        if calls["n"] == 1:
            handler.send_response(200)
            handler.send_header("Content-Length", "5000")
            handler.end_headers()
            handler.wfile.write(STORY[:50])
            handler.close_connection = True
        else:
            respond(200, STORY)(handler)

    with serve(tmp_path, {"/cut": truncated_once}) as (base, _):
        outcome = _fetch(f"{base}/cut", landing)
    assert outcome.ok and landing.read_payload(outcome.content_hash) == STORY
    assert "RemoteProtocolError" in outcome.attempts[0].error
    assert outcome.attempts[0].content_hash is None


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/plain", None])
def test_a_wrong_or_missing_content_type_still_lands_and_parses_as_html(
    tmp_path, landing, content_type
):
    def route(handler):
        handler.send_response(200)
        if content_type:
            handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(STORY)))
        handler.end_headers()
        handler.wfile.write(STORY)

    with serve(tmp_path, {"/page": route}) as (base, _):
        outcome = _fetch(f"{base}/page", landing)
    assert outcome.ok and outcome.content_type == content_type
    document = parse_payload(landing.read_payload(outcome.content_hash), outcome.content_type)
    assert document.title == "Aid" and "Shiqu County" in document.text
    assert "<p>" not in document.text


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_an_http_date_is_honoured(tmp_path, landing, status):
    calls = {"n": 0}

    def busy_once(handler):
        calls["n"] += 1
        if calls["n"] == 1:
            later = formatdate(time.time() + 1, usegmt=True)
            respond(status, b"busy", {"Retry-After": later})(handler)
        else:
            respond(200, STORY)(handler)

    start = time.monotonic()
    with serve(tmp_path, {"/busy": busy_once}) as (base, _):
        outcome = _fetch(f"{base}/busy", landing)
    assert outcome.ok
    assert [a.status for a in outcome.attempts] == [status, 200]
    assert outcome.attempts[0].error == f"HTTP {status}"
    # The date has one-second resolution: the wait is up to a second, not the 0.01 s backoff.
    assert time.monotonic() - start < 3


def test_retry_after_is_parsed_and_capped():
    assert _retry_after_seconds("2") == 2.0
    assert 8 <= _retry_after_seconds(formatdate(time.time() + 10, usegmt=True)) <= 10
    assert _retry_after_seconds(formatdate(time.time() - 100, usegmt=True)) == 0.0
    assert _retry_after_seconds("86400") == 30.0
    assert _retry_after_seconds("soon") is None


def test_a_redirect_to_a_file_url_is_refused(tmp_path, landing):
    away = respond(302, headers={"Location": "file:///etc/passwd"})
    with serve(tmp_path, {"/away": away}) as (base, _):
        outcome = _fetch(f"{base}/away", landing)
    assert not outcome.ok and "scheme 'file'" in outcome.attempts[0].error
    assert len(outcome.attempts) == 1


def test_a_redirect_to_a_private_address_is_refused(tmp_path, landing):
    # The source allows its own host but not private addresses: the second hop is refused.
    policy = FAST.model_copy(update={"allow_private_addresses": False})
    hosts = {"127.0.0.1", "10.0.0.1"}
    outcome = fetch_http(
        "http://10.0.0.1/x",
        source_id="s",
        kind="article",
        policy=policy,
        hosts=hosts,
        landing=landing,
    )
    assert not outcome.ok and "non-public address" in outcome.attempts[0].error


def test_a_two_hop_redirect_loop_is_refused_at_once(tmp_path, landing):
    routes = {
        "/a": respond(302, headers={"Location": "/b"}),
        "/b": respond(302, headers={"Location": "/a"}),
    }
    with serve(tmp_path, routes) as (base, hits):
        outcome = _fetch(f"{base}/a", landing)
    assert not outcome.ok and "loop" in outcome.attempts[0].error
    assert (hits["/a"], hits["/b"]) == (1, 1)


def test_the_connection_itself_is_checked_for_a_private_peer(tmp_path):
    # DNS rebinding: a name checked as public may connect to a private address.
    with serve(tmp_path) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        backend = _DeadlineBackend(allow_private_addresses=False)
        with pytest.raises(httpcore.ConnectError, match="non-public"):
            backend.connect_tcp("127.0.0.1", port, timeout=1)
        _DeadlineBackend(allow_private_addresses=True).connect_tcp("127.0.0.1", port).close()


def test_a_symlink_out_of_the_allowed_folder_is_refused(tmp_path, landing):
    from ingestion.fetch.client import fetch_file

    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "passwd.html").symlink_to("/etc/passwd")
    (project / "data" / "zero.html").symlink_to("/dev/zero")
    policy = FetchPolicy(allowed_folders=("data",))
    for name in ("passwd.html", "zero.html"):
        outcome = fetch_file(
            (project / "data" / name).as_uri(),
            source_id="s",
            kind="article",
            policy=policy,
            project_root=project,
            landing=landing,
        )
        assert not outcome.ok and "outside" in outcome.attempts[0].error


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "::ffff:127.0.0.1", "100.64.0.1", "169.254.169.254", "fd00::1", "224.0.0.1"],
)
def test_every_non_public_address_is_refused(address: str):
    import ipaddress

    from ingestion.fetch.urls import is_non_public

    assert is_non_public(ipaddress.ip_address(address))
    assert not is_non_public(ipaddress.ip_address("8.8.8.8"))
