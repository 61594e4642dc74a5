"""Alerts when a task fails: always a log line; a webhook POST too when one is configured.

Plain arguments in, no Airflow here, so it is tested without a scheduler. The
DAGs' failure callback (``dags/warehouse_assets.py``) looks up the Airflow
connection ``assist_alerts`` and passes its fields to ``WebhookTarget.from_connection``.

Secrets never reach a log: the connection's login, password and extra (headers
often carry tokens), and the webhook's path and query (Slack-style webhook URLs
carry their secret in the path) are left out of every log line; the only place
the target is named is ``scheme://host:port``. Sending an alert never raises:
a broken alert channel must not turn one failure into two.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

log = logging.getLogger("assistance_warehouse.alerts")

ALERT_CONNECTION_ID = "assist_alerts"
DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Alert:
    dag_id: str
    task_id: str
    run_id: str
    error: str
    log_url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": "task_failed",
            "dag": self.dag_id,
            "task": self.task_id,
            "run": self.run_id,
            "error": self.error[:MAX_ERROR_CHARS],
            "log_url": self.log_url,
        }


@dataclass(frozen=True)
class WebhookTarget:
    """Where to POST alerts. ``url`` carries no credentials; they are in ``auth``/``headers``."""

    url: str
    auth: tuple[str, str] | None = field(default=None, repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __repr__(self) -> str:
        return f"WebhookTarget({self.redacted()})"

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> WebhookTarget:
        """A target from a URL; credentials in its userinfo become basic auth."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"alert webhook must be an http(s) URL, not {parts.scheme!r}")
        auth = kwargs.pop("auth", None)
        if parts.username is not None:
            auth = (parts.username, parts.password or "")
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        return cls(url=clean, auth=auth, **kwargs)

    @classmethod
    def from_connection(
        cls,
        *,
        host: str | None,
        port: int | None = None,
        schema: str | None = None,
        login: str | None = None,
        password: str | None = None,
        extra: str | dict | None = None,
    ) -> WebhookTarget | None:
        """A target from an Airflow HTTP connection's fields, or None when it has no host.

        ``host`` is a host name (with ``schema`` as the scheme, http by default, and
        ``extra.endpoint`` as the path) or a whole URL. ``extra`` may add ``headers``
        and ``timeout``.
        """
        if not host:
            return None
        options = json.loads(extra) if isinstance(extra, str) and extra.strip() else extra or {}
        if "://" in host:
            url = host
        else:
            scheme = schema or "http"
            endpoint = str(options.get("endpoint", ""))
            netloc = f"{host}:{port}" if port else host
            url = f"{scheme}://{netloc}/{endpoint.lstrip('/')}"
        auth = (login, password or "") if login else None
        return cls.from_url(
            url,
            auth=auth,
            headers={str(k): str(v) for k, v in (options.get("headers") or {}).items()},
            timeout_seconds=float(options.get("timeout", DEFAULT_TIMEOUT_SECONDS)),
        )

    def redacted(self) -> str:
        """Scheme, host and port only: what a log may say about this target."""
        parts = urlsplit(self.url)
        netloc = parts.hostname or "?"
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        return f"{parts.scheme}://{netloc}"

    def secrets(self) -> list[str]:
        values = [self.url, urlsplit(self.url).path, urlsplit(self.url).query]
        if self.auth:
            values.extend(self.auth)
        values.extend(self.headers.values())
        return [v for v in values if v and len(v) > 1]


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def send_alert(
    alert: Alert, target: WebhookTarget | None = None, logger: logging.Logger = log
) -> bool:
    """Log the alert; POST it as JSON to ``target`` when there is one. Never raises.

    Returns True when the webhook accepted it (a 2xx answer).
    """
    # Logging handlers report their own errors (Handler.handleError) and do not raise.
    logger.error(
        "ALERT task failed: dag=%s task=%s run=%s error=%s log=%s",
        alert.dag_id,
        alert.task_id,
        alert.run_id,
        alert.error[:MAX_ERROR_CHARS],
        alert.log_url,
    )
    if target is None:
        return False
    try:
        response = httpx.post(
            target.url,
            json=alert.as_dict(),
            auth=target.auth,
            headers=target.headers,
            timeout=target.timeout_seconds,
            follow_redirects=False,
        )
    except Exception as error:
        reason = _scrub(f"{type(error).__name__}: {error}", target.secrets())
        logger.warning("alert webhook %s failed: %s", target.redacted(), reason)
        return False
    if response.is_success:
        logger.info("alert sent to webhook %s", target.redacted())
        return True
    logger.warning("alert webhook %s answered HTTP %s", target.redacted(), response.status_code)
    return False
