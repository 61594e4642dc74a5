"""Alerts when a task fails: always a log line; a webhook POST and an email when configured.

Plain arguments in, no Airflow here, so it is tested without a scheduler. The
DAGs' failure callback (``dags/warehouse_assets.py``) looks up the Airflow
connection ``assist_alerts`` and passes its fields to ``WebhookTarget.from_connection``,
and gets the email target of the connection ``assist_alerts_email`` (type smtp:
host, port, login, password, extra ``{"from": ..., "to": [...]}``) from
``email_target_from_airflow`` (the only function here that imports Airflow, lazily).

Secrets never reach a log: the connection's login, password and extra (headers
often carry tokens), and the webhook's path and query (Slack-style webhook URLs
carry their secret in the path) are left out of every log line; the only place
the target is named is ``scheme://host:port``. Sending an alert never raises:
a broken alert channel must not turn one failure into two.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

log = logging.getLogger("assistance_warehouse.alerts")

ALERT_CONNECTION_ID = "assist_alerts"
EMAIL_CONNECTION_ID = "assist_alerts_email"
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
        options = _options(extra)
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


def _options(extra: str | dict | None) -> dict[str, Any]:
    if isinstance(extra, str):
        return json.loads(extra) if extra.strip() else {}
    return dict(extra or {})


@dataclass(frozen=True)
class EmailTarget:
    """An SMTP server and the addresses to mail alerts to.

    ``security``: ``ssl`` (SMTP over TLS, port 465), ``starttls`` (required),
    or ``auto`` (STARTTLS when the server offers it). A login is never sent over
    an unencrypted connection unless ``allow_insecure_auth`` is set.
    """

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    login: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    security: str = "auto"
    allow_insecure_auth: bool = False
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __repr__(self) -> str:
        return f"EmailTarget({self.redacted()})"

    @classmethod
    def from_connection(
        cls,
        *,
        host: str | None,
        port: int | None = None,
        login: str | None = None,
        password: str | None = None,
        extra: str | dict | None = None,
    ) -> EmailTarget | None:
        """A target from an Airflow SMTP connection's fields; None without host or recipients.

        ``extra``: ``from`` (or ``from_email``), ``to`` (a list or a comma-separated
        string), optional ``security``, ``allow_insecure_auth`` and ``timeout``.
        """
        options = _options(extra)
        to = options.get("to") or []
        recipients = tuple(
            a.strip() for a in (to.split(",") if isinstance(to, str) else to) if a.strip()
        )
        sender = str(options.get("from") or options.get("from_email") or login or "")
        if not host or not recipients or not sender:
            return None
        security = str(options.get("security", "auto"))
        if security not in ("auto", "starttls", "ssl"):
            raise ValueError(f"email security must be auto, starttls or ssl, not {security!r}")
        return cls(
            host=host,
            port=int(port or (465 if security == "ssl" else 25)),
            sender=sender,
            recipients=recipients,
            login=login or None,
            password=password,
            security=security,
            allow_insecure_auth=bool(options.get("allow_insecure_auth", False)),
            timeout_seconds=float(options.get("timeout", DEFAULT_TIMEOUT_SECONDS)),
        )

    def redacted(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def secrets(self) -> list[str]:
        return [v for v in (self.login, self.password) if v and len(v) > 1]


def email_target_from_airflow(
    get_connection: Callable[[str], Any] | None = None,
) -> EmailTarget | None:
    """The target of the Airflow connection ``assist_alerts_email``, if usable; never raises."""
    try:
        if get_connection is None:
            from airflow.sdk import BaseHook

            get_connection = BaseHook.get_connection
        connection = get_connection(EMAIL_CONNECTION_ID)
    except Exception:  # no such connection (or no Airflow): no email
        return None
    try:
        return EmailTarget.from_connection(
            host=connection.host,
            port=connection.port,
            login=connection.login,
            password=connection.password,
            extra=connection.extra,
        )
    except Exception as error:
        log.warning(
            "connection %s is not a usable email target: %s", EMAIL_CONNECTION_ID, type(error)
        )
        return None


def send_email(alert: Alert, target: EmailTarget, logger: logging.Logger = log) -> bool:
    """Mail the alert; True when the server accepted it for every recipient. Never raises."""
    message = EmailMessage()
    message["Subject"] = f"[assistance warehouse] task failed: {alert.dag_id}.{alert.task_id}"
    message["From"] = target.sender
    message["To"] = ", ".join(target.recipients)
    payload = alert.as_dict()
    message.set_content(
        "\n".join(f"{k}: {v}" for k, v in payload.items())
        + "\n\n"
        + json.dumps(payload, indent=2, ensure_ascii=False)
        + "\n"
    )
    try:
        context = ssl.create_default_context()
        if target.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                target.host, target.port, timeout=target.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout_seconds)
        with smtp:
            encrypted = target.security == "ssl"
            if not encrypted:
                smtp.ehlo()
                if target.security == "starttls" or smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                    encrypted = True
            if target.login:
                if not encrypted and not target.allow_insecure_auth:
                    logger.warning(
                        "alert email %s not sent: the server offers no TLS and a login "
                        "must not go over plain text (set allow_insecure_auth to allow it)",
                        target.redacted(),
                    )
                    return False
                smtp.login(target.login, target.password or "")
            refused = smtp.send_message(message)
    except Exception as error:
        reason = _scrub(f"{type(error).__name__}: {error}", target.secrets())
        logger.warning("alert email %s failed: %s", target.redacted(), reason)
        return False
    if refused:
        logger.warning("alert email %s refused %d recipients", target.redacted(), len(refused))
        return False
    logger.info("alert emailed via %s to %d recipients", target.redacted(), len(target.recipients))
    return True


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def send_alert(
    alert: Alert,
    target: WebhookTarget | None = None,
    logger: logging.Logger = log,
    email: EmailTarget | None = None,
) -> bool:
    """Log the alert; POST it as JSON to ``target`` and mail it to ``email`` when set.

    Never raises. Returns True when a channel accepted it (webhook 2xx, or the
    mail server).
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
    emailed = send_email(alert, email, logger) if email is not None else False
    if target is None:
        return emailed
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
        return emailed
    if response.is_success:
        logger.info("alert sent to webhook %s", target.redacted())
        return True
    logger.warning("alert webhook %s answered HTTP %s", target.redacted(), response.status_code)
    return emailed
