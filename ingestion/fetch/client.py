"""Fetch one URL under a policy: retries with backoff, a size cap, checked redirects.

Every attempt, failed or not, is returned as a FetchAttempt so the caller logs it:
nothing fetched is lost and every failure has a reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from ingestion.fetch.urls import FetchRefused, check_http_url, file_path_for
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


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchRefused(f"response of {declared} bytes is above the {max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(f"response is above the {max_bytes}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


def _get_once(
    client: httpx.Client, url: str, policy: FetchPolicy, hosts: set[str]
) -> tuple[int, bytes, str | None]:
    """One GET following redirects by hand, so each hop is checked against the policy."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
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
                body = _read_capped(response, policy.max_bytes)
                return response.status_code, body, response.headers.get("content-type")
        except (httpx.TimeoutException, httpx.TransportError) as error:
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
    timeout = httpx.Timeout(policy.timeout_seconds)
    with httpx.Client(
        timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    ) as client:
        for attempt_number in range(1, policy.max_attempts + 1):
            try:
                status, body, content_type = _get_once(client, url, policy, hosts)
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
        size = path.stat().st_size
        if size > policy.max_bytes:
            raise FetchRefused(f"file of {size} bytes is above the {policy.max_bytes}-byte cap")
        body = path.read_bytes()
    except (FetchRefused, OSError) as error:
        outcome.attempts.append(new_attempt(source_id, url, kind, error=str(error)))
        return outcome
    content_hash = landing.put_payload(body)
    outcome.content_hash = content_hash
    outcome.attempts.append(
        new_attempt(source_id, url, kind, content_hash=content_hash, size_bytes=len(body))
    )
    return outcome
