"""Fetch one URL under a policy: retries with backoff, a size cap, checked redirects.

Every attempt, failed or not, is returned as a FetchAttempt so the caller logs it:
nothing fetched is lost and every failure has a reason.

``policy.timeout_seconds`` is a wall-clock deadline for one attempt (connect,
headers, every redirect hop and the whole body), not only a per-read timeout:
httpx's timeouts apply to each read, so a server dripping one byte a second
would otherwise hold a fetch forever. The deadline is enforced under httpx, in
the network stream every socket read goes through (``_DeadlineBackend``), and
again between body chunks. The same stream checks the peer address of every
connection, so a host that resolves to a public address when checked and to a
private one when connected (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpcore
import httpx

from ingestion.fetch.urls import FetchRefused, check_http_url, file_path_for, is_non_public
from ingestion.landing import FetchAttempt, LandingStore, PayloadKind, new_attempt
from ingestion.sources import FetchPolicy

USER_AGENT = "assistance-warehouse/0.1 (+https://example.invalid/assistance-warehouse)"
MAX_REDIRECTS = 5
MAX_RETRY_AFTER_SECONDS = 30.0
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class FetchOutcome:
    """The landed payload (if any) of one URL and every attempt made to get it."""

    url: str
    content_hash: str | None = None
    content_type: str | None = None
    attempts: list[FetchAttempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.content_hash is not None


class _Retryable(Exception):
    def __init__(self, message: str, status: int | None = None, wait: float | None = None):
        super().__init__(message)
        self.status = status
        self.wait = wait


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        pass
    try:
        delay = parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
    return max(0.0, min(delay, MAX_RETRY_AFTER_SECONDS))


class _DeadlineExceeded(httpcore.ReadTimeout):
    """The attempt's wall-clock deadline passed (httpx maps it to ``httpx.ReadTimeout``)."""


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, backend: _DeadlineBackend) -> None:
        self._stream = stream
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._backend.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._backend.clamp(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(*args, **kwargs), self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with a wall-clock deadline and a peer-address check."""

    def __init__(self, allow_private_addresses: bool) -> None:
        self._backend = httpcore.SyncBackend()
        self._allow_private = allow_private_addresses
        self.deadline = float("inf")  # time.monotonic() value; set per attempt

    def clamp(self, timeout: float | None) -> float | None:
        if self.deadline == float("inf"):
            return timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded("the fetch deadline passed")
        return remaining if timeout is None else min(timeout, remaining)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, self.clamp(timeout), local_address, socket_options
        )
        if not self._allow_private:
            peer = stream.get_extra_info("server_addr")
            address = ipaddress.ip_address(peer[0]) if peer else None
            if address is None or is_non_public(address):
                stream.close()
                raise httpcore.ConnectError(
                    f"connected to the non-public address {address}; refused by the policy"
                )
        return _DeadlineStream(stream, self)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _client(policy: FetchPolicy) -> tuple[httpx.Client, _DeadlineBackend]:
    backend = _DeadlineBackend(policy.allow_private_addresses)
    transport = httpx.HTTPTransport()
    # httpx does not take a network backend as an argument; its pool does (httpcore 1.x,
    # pinned). Without it the deadline still holds between body chunks.
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = backend
    client = httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(policy.timeout_seconds),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=False,  # no proxy from the environment: the policy decides where we connect
    )
    return client, backend


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchRefused(f"response of {declared} bytes is above the {max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(f"response is above the {max_bytes}-byte cap")
        if time.monotonic() > deadline:
            raise _Retryable(f"deadline exceeded: body still arriving after {size} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _get_once(
    client: httpx.Client, url: str, policy: FetchPolicy, hosts: set[str], deadline: float
) -> tuple[int, bytes, str | None]:
    """One GET following redirects by hand, so each hop is checked against the policy."""
    current = url
    seen: set[str] = set()
    for _ in range(MAX_REDIRECTS + 1):
        if current in seen:
            raise FetchRefused(f"redirects loop: {current} was already visited from {url}")
        seen.add(current)
        check_http_url(current, policy, hosts)
        try:
            with client.stream("GET", current) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchRefused(f"redirect without a Location from {current}")
                    current = str(response.url.join(location))
                    continue
                if response.status_code in RETRYABLE_STATUSES:
                    wait = _retry_after_seconds(response.headers.get("retry-after"))
                    raise _Retryable(f"HTTP {response.status_code}", response.status_code, wait)
                if response.status_code >= 400:
                    raise FetchRefused(f"HTTP {response.status_code} from {current}")
                body = _read_capped(response, policy.max_bytes, deadline)
                return response.status_code, body, response.headers.get("content-type")
        except httpx.TimeoutException as error:
            if time.monotonic() >= deadline:
                raise _Retryable(
                    f"deadline exceeded: no complete response within {policy.timeout_seconds} s"
                ) from error
            raise _Retryable(f"{type(error).__name__}: {error}") from error
        except httpx.TransportError as error:
            if "non-public address" in str(error):
                raise FetchRefused(f"{current}: {error}") from error
            raise _Retryable(f"{type(error).__name__}: {error}") from error
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects from {url}")


def fetch_http(
    url: str,
    *,
    source_id: str,
    kind: PayloadKind,
    policy: FetchPolicy,
    hosts: set[str],
    landing: LandingStore,
) -> FetchOutcome:
    """Fetch a URL with retries; land the payload; log every attempt."""
    outcome = FetchOutcome(url=url)
    client, backend = _client(policy)
    with client:
        for attempt_number in range(1, policy.max_attempts + 1):
            backend.deadline = time.monotonic() + policy.timeout_seconds
            try:
                status, body, content_type = _get_once(client, url, policy, hosts, backend.deadline)
            except FetchRefused as error:
                outcome.attempts.append(new_attempt(source_id, url, kind, error=str(error)))
                return outcome
            except _Retryable as error:
                outcome.attempts.append(
                    new_attempt(source_id, url, kind, status=error.status, error=str(error))
                )
                if attempt_number < policy.max_attempts:
                    backoff = policy.backoff_seconds * 2 ** (attempt_number - 1)
                    time.sleep(error.wait if error.wait is not None else backoff)
                continue
            content_hash = landing.put_payload(body)
            outcome.content_hash, outcome.content_type = content_hash, content_type
            outcome.attempts.append(
                new_attempt(
                    source_id,
                    url,
                    kind,
                    status=status,
                    content_hash=content_hash,
                    size_bytes=len(body),
                    content_type=content_type,
                )
            )
            return outcome
    return outcome


def fetch_file(
    url: str,
    *,
    source_id: str,
    kind: PayloadKind,
    policy: FetchPolicy,
    project_root: Path,
    landing: LandingStore,
) -> FetchOutcome:
    """Read a ``file://`` URL inside the source's folders and land it."""
    outcome = FetchOutcome(url=url)
    try:
        path = file_path_for(url, policy, project_root)
        if not path.is_file():
            raise FetchRefused(f"{path} is not a regular file")
        size = path.stat().st_size
        if size > policy.max_bytes:
            raise FetchRefused(f"file of {size} bytes is above the {policy.max_bytes}-byte cap")
        with path.open("rb") as handle:  # capped again: the file may grow after stat()
            body = handle.read(policy.max_bytes + 1)
        if len(body) > policy.max_bytes:
            raise FetchRefused(f"file is above the {policy.max_bytes}-byte cap")
    except (FetchRefused, OSError) as error:
        outcome.attempts.append(new_attempt(source_id, url, kind, error=str(error)))
        return outcome
    content_hash = landing.put_payload(body)
    outcome.content_hash = content_hash
    outcome.attempts.append(
        new_attempt(source_id, url, kind, content_hash=content_hash, size_bytes=len(body))
    )
    return outcome
