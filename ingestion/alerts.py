"""Alerts when a task fails: always a log line; a webhook POST and an email when configured.

Airflow's notifiers do the sending. ``notify_failure`` is the DAGs' failure
callback: it logs the alert, then runs a notifier for each alert connection
that exists:

- ``assist_alerts`` (type http): ``WebhookNotifier`` POSTs the alert as JSON to
  ``schema://host:port/<extra.endpoint>`` (or to ``host`` when it is a whole URL),
  with the connection's login as basic auth and ``extra.headers``.
- ``assist_alerts_email`` (type smtp): the SMTP provider's ``SmtpNotifier`` mails
  it to ``extra.to`` (a list or a comma-separated string), from
  ``extra.from_email``. TLS is the hook's: SMTP over TLS unless
  ``extra.disable_ssl``, STARTTLS unless ``extra.disable_tls``.

Secrets never reach a log: the connections' login, password and extra (headers
often carry tokens) and the webhook's path and query (Slack-style webhook URLs
carry their secret in the path) are left out of every log line; a target is
named by ``scheme://host:port`` only. A login is never sent over a connection
with both TLS modes disabled unless ``extra.allow_insecure_auth`` says so.
Sending an alert never raises: a broken alert channel must not turn one failure
into two.

Unlike the rest of the package this module imports Airflow: only the DAGs'
failure callback (``dags/warehouse_assets.py``) imports it, lazily.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import BaseHook, BaseNotifier

log = logging.getLogger("assistance_warehouse.alerts")

ALERT_CONNECTION_ID = "assist_alerts"
EMAIL_CONNECTION_ID = "assist_alerts_email"
DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_ERROR_CHARS = 2000
# Jinja templates rendered by SmtpNotifier with the task's context plus ``alert``.
EMAIL_SUBJECT = "[assistance warehouse] task failed: {{ alert.dag }}.{{ alert.task }}"
EMAIL_BODY = (
    "<pre>{% for key, value in alert.items() %}{{ key }}: {{ value | e }}\n{% endfor %}</pre>"
)


class AlertNotSent(RuntimeError):
    """A channel did not take the alert; the message names no secret."""


@dataclass(frozen=True)
class Alert:
    dag_id: str
    task_id: str
    run_id: str
    error: str
    log_url: str | None = None

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Alert:
        ti = context.get("task_instance") or context.get("ti")
        return cls(
            dag_id=str(getattr(ti, "dag_id", "?")),
            task_id=str(getattr(ti, "task_id", "?")),
            run_id=str(context.get("run_id") or getattr(ti, "run_id", "?")),
            error=str(context.get("exception")),
            log_url=getattr(ti, "log_url", None),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": "task_failed",
            "dag": self.dag_id,
            "task": self.task_id,
            "run": self.run_id,
            "error": self.error[:MAX_ERROR_CHARS],
            "log_url": self.log_url,
        }


def _secrets(connection: Any, *more: str) -> list[str]:
    fields = ("login", "password", "extra")
    values = [str(getattr(connection, name, None) or "") for name in fields] + list(more)
    # Each header value too: a log line may quote one without the rest of the extra.
    values += [str(v) for v in _extra(connection).get("headers", {}).values()]
    return [v for v in values if v and len(v) > 1]


def _extra(connection: Any) -> dict[str, Any]:
    extra = getattr(connection, "extra_dejson", None)
    return dict(extra) if isinstance(extra, Mapping) else {}


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class WebhookTarget:
    """Where to POST alerts, from an Airflow HTTP connection."""

    url: str
    auth: tuple[str, str] | None = field(default=None, repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __repr__(self) -> str:
        return f"WebhookTarget({self.redacted()})"

    @classmethod
    def from_connection(cls, connection: Any) -> WebhookTarget:
        options = _extra(connection)
        host = connection.host or ""
        if "://" in host:
            url = host
        else:
            netloc = f"{host}:{connection.port}" if connection.port else host
            endpoint = str(options.get("endpoint", "")).lstrip("/")
            url = f"{connection.schema or 'http'}://{netloc}/{endpoint}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"alert webhook must be an http(s) URL, not {parts.scheme!r}")
        return cls(
            url=url,
            auth=(connection.login, connection.password or "") if connection.login else None,
            headers={str(k): str(v) for k, v in (options.get("headers") or {}).items()},
            timeout_seconds=float(options.get("timeout", DEFAULT_TIMEOUT_SECONDS)),
        )

    def redacted(self) -> str:
        """Scheme, host and port only: what a log may say about this target."""
        parts = urlsplit(self.url)
        netloc = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        return f"{parts.scheme}://{netloc}"


class WebhookNotifier(BaseNotifier):
    """POST the alert in the context as JSON to an Airflow HTTP connection.

    Errors are raised as ``AlertNotSent`` naming the target by scheme, host and
    port only (``BaseNotifier`` logs them).
    """

    template_fields = ("http_conn_id",)

    def __init__(self, http_conn_id: str = ALERT_CONNECTION_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http_conn_id = http_conn_id

    def notify(self, context: Any) -> None:
        connection = BaseHook.get_connection(self.http_conn_id)
        target = WebhookTarget.from_connection(connection)
        payload = context.get("alert") or Alert.from_context(context).as_dict()
        try:
            response = httpx.post(
                target.url,
                json=payload,
                auth=target.auth,
                headers=target.headers,
                timeout=target.timeout_seconds,
                follow_redirects=False,
            )
        except Exception as error:
            # httpx names the whole URL in its errors: the path may be the secret.
            reason = f"{type(error).__name__}: {error}"
            secrets = _secrets(connection, target.url, urlsplit(target.url).path)
            raise AlertNotSent(f"{target.redacted()}: {_scrub(reason, secrets)}") from None
        if not response.is_success:
            raise AlertNotSent(f"{target.redacted()} answered HTTP {response.status_code}")


def email_notifier(connection: Any) -> SmtpNotifier:
    """The SMTP provider's ``SmtpNotifier`` for an smtp connection; ``AlertNotSent`` if unusable."""
    options = _extra(connection)
    to = options.get("to") or []
    recipients = [a.strip() for a in (to.split(",") if isinstance(to, str) else to) if a.strip()]
    if not recipients:
        raise AlertNotSent(f"connection {connection.conn_id} has no recipients (extra.to)")
    plain_text = options.get("disable_ssl") and options.get("disable_tls")
    if connection.login and plain_text and not options.get("allow_insecure_auth"):
        raise AlertNotSent(
            f"smtp://{connection.host}:{connection.port}: the connection disables TLS and a "
            "login must not go over plain text (set extra.allow_insecure_auth to allow it)"
        )
    return SmtpNotifier(
        to=recipients,
        smtp_conn_id=connection.conn_id,
        subject=EMAIL_SUBJECT,
        html_content=EMAIL_BODY,
    )


def _connection(conn_id: str) -> Any | None:
    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException: no such channel
        return None


def _channels() -> list[tuple[str, Any, Callable[[], Any]]]:
    """(name, connection, notifier factory) of each alert connection that exists."""
    channels: list[tuple[str, Any, Callable[[], Any]]] = []
    webhook = _connection(ALERT_CONNECTION_ID)
    if webhook is not None:
        channels.append(("webhook", webhook, lambda: WebhookNotifier(ALERT_CONNECTION_ID)))
    mail = _connection(EMAIL_CONNECTION_ID)
    if mail is not None:
        channels.append(("email", mail, lambda: email_notifier(mail)))
    return channels


def notify_failure(context: Mapping[str, Any], logger: logging.Logger = log) -> list[str]:
    """Log the alert and send it to every configured channel; the channels that took it.

    Never raises.
    """
    try:
        alert = Alert.from_context(context)
        # Logging handlers report their own errors (Handler.handleError) and do not raise.
        logger.error(
            "ALERT task failed: dag=%s task=%s run=%s error=%s log=%s",
            alert.dag_id,
            alert.task_id,
            alert.run_id,
            alert.error[:MAX_ERROR_CHARS],
            alert.log_url,
        )
        channels = _channels()
    except Exception:
        logger.exception("ALERT task failed (and the alert itself failed)")
        return []
    sent = []
    for name, connection, make_notifier in channels:
        try:
            make_notifier()({**context, "alert": alert.as_dict()})
        except Exception as error:
            reason = _scrub(f"{type(error).__name__}: {error}", _secrets(connection))
            logger.warning("alert %s not sent: %s", name, reason)
            continue
        logger.info("alert sent by %s", name)
        sent.append(name)
    return sent
