"""Alerts: always a log line; a JSON POST to a real local webhook and a mail to a real local
SMTP server when their Airflow connections exist (set as Airflow reads them: env vars)."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from ingestion.alerts import (
    ALERT_CONNECTION_ID,
    EMAIL_CONNECTION_ID,
    Alert,
    AlertNotSent,
    WebhookNotifier,
    WebhookTarget,
    email_notifier,
    notify_failure,
)
from ingestion.config import PROJECT_ROOT

ALERT = Alert(
    dag_id="build_audit_publish",
    task_id="audit",
    run_id="scheduled__2026-01-02",
    error="QualityGateFailed: fund totals not unique",
    log_url="http://airflow.local/log?x=1",
)
SECRETS = ("hunter2-password", "tok-SECRET-123", "s3cr3t-userinfo", "T0KEN-PATH")


@contextmanager
def webhook(status: int = 200, delay: float = 0.0) -> Iterator[tuple[str, list[dict]]]:
    """A local webhook receiver: yields its base URL and the requests it got."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
            )
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def _assert_no_secret(caplog) -> None:
    for secret in SECRETS:
        assert secret not in caplog.text


@pytest.fixture(autouse=True)
def no_alert_connections(monkeypatch):
    """Each test sets the Airflow connections it needs (as Airflow reads them: env vars)."""
    for conn_id in (ALERT_CONNECTION_ID, EMAIL_CONNECTION_ID):
        monkeypatch.delenv(f"AIRFLOW_CONN_{conn_id.upper()}", raising=False)


def _set_connection(monkeypatch, conn_id: str, **fields) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


def _set_webhook(monkeypatch, base: str, endpoint: str, **fields) -> None:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    extra = {"endpoint": endpoint, **fields.pop("extra", {})}
    _set_connection(
        monkeypatch,
        ALERT_CONNECTION_ID,
        conn_type="http",
        host=host,
        port=int(port),
        schema="http",
        extra=extra,
        **fields,
    )


CONTEXT = {
    "ti": SimpleNamespace(
        dag_id=ALERT.dag_id, task_id=ALERT.task_id, run_id=ALERT.run_id, log_url=ALERT.log_url
    ),
    "run_id": ALERT.run_id,
    "exception": RuntimeError(ALERT.error),
}


def test_without_a_connection_the_alert_is_a_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        assert notify_failure(CONTEXT) == []
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "ALERT task failed" in record.getMessage() and "dag=build_audit_publish" in (
        record.getMessage()
    )


def test_the_webhook_receives_the_alert_as_json_and_no_secret_is_logged(caplog, monkeypatch):
    with webhook() as (base, received):
        _set_webhook(
            monkeypatch,
            base,
            "/hooks/T0KEN-PATH",
            login="alerts",
            password="s3cr3t-userinfo",
            extra={"headers": {"X-Token": "tok-SECRET-123"}},
        )
        with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
            assert notify_failure(CONTEXT) == ["webhook"]
    [request] = received
    assert request["path"] == "/hooks/T0KEN-PATH"
    assert request["json"] == {
        "event": "task_failed",
        "dag": "build_audit_publish",
        "task": "audit",
        "run": "scheduled__2026-01-02",
        "error": "QualityGateFailed: fund totals not unique",
        "log_url": "http://airflow.local/log?x=1",
    }
    assert request["headers"]["X-Token"] == "tok-SECRET-123"
    assert request["headers"]["Authorization"].startswith("Basic ")
    assert "ALERT task failed" in caplog.text and "alert sent by webhook" in caplog.text
    _assert_no_secret(caplog)


def test_the_webhook_notifier_is_an_airflow_notifier(monkeypatch):
    from airflow.sdk import BaseNotifier

    with webhook() as (base, received):
        _set_webhook(monkeypatch, base, "hook")
        notifier = WebhookNotifier()
        assert isinstance(notifier, BaseNotifier)
        notifier(dict(CONTEXT))  # as Airflow calls an on_failure_callback
    [request] = received
    assert request["json"]["task"] == "audit" and request["json"]["error"] == ALERT.error


def test_a_target_from_airflow_connection_fields():
    from airflow.sdk import Connection

    target = WebhookTarget.from_connection(
        Connection(
            conn_id="x",
            conn_type="http",
            host="hooks.example.org",
            port=8443,
            schema="https",
            login="bot",
            password="hunter2-password",
            extra='{"endpoint": "/alerts/T0KEN-PATH", "headers": {"X-Token": "t"}, "timeout": 2}',
        )
    )
    assert target.url == "https://hooks.example.org:8443/alerts/T0KEN-PATH"
    assert target.auth == ("bot", "hunter2-password")
    assert (target.headers, target.timeout_seconds) == ({"X-Token": "t"}, 2.0)
    assert target.redacted() == "https://hooks.example.org:8443"
    assert "hunter2" not in repr(target) and "T0KEN" not in repr(target)
    with pytest.raises(ValueError, match="http"):
        WebhookTarget.from_connection(Connection(conn_id="x", conn_type="http", host="file:///x"))


@pytest.mark.parametrize("case", ["down", "error", "slow"])
def test_a_failing_webhook_never_raises_and_leaks_nothing(caplog, monkeypatch, case):
    start = time.monotonic()
    secrets = {"login": "bot", "password": "hunter2-password", "extra": {"timeout": 0.5}}
    with caplog.at_level(logging.INFO):
        if case == "down":
            _set_webhook(monkeypatch, "http://127.0.0.1:9", "T0KEN-PATH", **secrets)
            assert notify_failure(CONTEXT) == []
        else:
            status, delay = (500, 0.0) if case == "error" else (200, 2.0)
            with webhook(status, delay) as (base, _):
                _set_webhook(monkeypatch, base, "T0KEN-PATH", **secrets)
                assert notify_failure(CONTEXT) == []
    assert time.monotonic() - start < 4
    assert "ALERT task failed" in caplog.text and "alert webhook not sent" in caplog.text
    _assert_no_secret(caplog)


@pytest.fixture
def warehouse_assets():
    sys.path.insert(0, str(PROJECT_ROOT / "dags"))
    try:
        import warehouse_assets

        yield warehouse_assets
    finally:
        sys.path.remove(str(PROJECT_ROOT / "dags"))


class _TaskInstance:
    dag_id, task_id, run_id, log_url = "collect_sources", "collect", "manual__1", None


def test_the_dag_callback_logs_without_a_connection(warehouse_assets, caplog):
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        warehouse_assets.alert_on_failure(
            {"ti": _TaskInstance(), "run_id": "manual__1", "exception": RuntimeError("boom")}
        )
    assert "ALERT task failed: dag=collect_sources task=collect run=manual__1" in caplog.text
    assert "error=boom" in caplog.text


def test_the_dag_callback_posts_to_the_assist_alerts_connection(
    warehouse_assets, monkeypatch, caplog
):
    with webhook() as (base, received):
        _set_webhook(
            monkeypatch,
            base,
            "hook",
            login="bot",
            password="hunter2-password",
            extra={"headers": {"X-Token": "tok-SECRET-123"}},
        )
        with caplog.at_level(logging.INFO):
            warehouse_assets.alert_on_failure(
                {"ti": _TaskInstance(), "run_id": "manual__1", "exception": RuntimeError("boom")}
            )
    [request] = received
    assert request["path"] == "/hook"
    assert request["json"]["dag"] == "collect_sources" and request["json"]["error"] == "boom"
    _assert_no_secret(caplog)


def test_the_dag_callback_never_raises(warehouse_assets, monkeypatch, caplog):
    from airflow.sdk import BaseHook

    def broken(conn_id):
        return object()  # not a connection at all

    monkeypatch.setattr(BaseHook, "get_connection", staticmethod(broken))
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        warehouse_assets.alert_on_failure({})
    assert "ALERT task failed" in caplog.text
    assert "alert webhook not sent" in caplog.text and "alert email not sent" in caplog.text


# --- email -----------------------------------------------------------------------


@contextmanager
def smtp_server() -> Iterator[tuple[int, list]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: yields its port and the envelopes it got."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_module.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def _set_mail(monkeypatch, port: int, **extra) -> None:
    fields = {k: extra.pop(k) for k in ("login", "password") if k in extra}
    _set_connection(
        monkeypatch,
        EMAIL_CONNECTION_ID,
        conn_type="smtp",
        host="127.0.0.1",
        port=port,
        # aiosmtpd speaks plain SMTP: neither SMTP over TLS nor STARTTLS.
        extra={"disable_ssl": True, "disable_tls": True, "retry_limit": 0, **extra},
        **fields,
    )


def _html_body(envelope) -> str:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return message.get_body(preferencelist=("html",)).get_content()


def test_the_email_reaches_a_real_smtp_server(caplog, monkeypatch):
    with smtp_server() as (port, received):
        _set_mail(
            monkeypatch,
            port,
            from_email="airflow@example.org",
            to="ops@example.org, data@example.org",
        )
        with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
            assert notify_failure(CONTEXT) == ["email"]
    [envelope] = received
    assert envelope.mail_from == "airflow@example.org"
    assert envelope.rcpt_tos == ["ops@example.org", "data@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "[assistance warehouse] task failed: build_audit_publish.audit"
    assert "error: QualityGateFailed: fund totals not unique" in _html_body(envelope)
    assert "alert sent by email" in caplog.text


def test_an_error_with_template_or_html_syntax_is_mailed_as_written(monkeypatch):
    # The error text is data: Jinja must not render it, and it is escaped in the HTML.
    context = {**CONTEXT, "exception": RuntimeError("bad {{ value }} <b>here</b>")}
    with smtp_server() as (port, received):
        _set_mail(monkeypatch, port, from_email="a@example.org", to=["b@example.org"])
        assert notify_failure(context) == ["email"]
    [envelope] = received
    assert "error: bad {{ value }} &lt;b&gt;here&lt;/b&gt;" in _html_body(envelope)


def test_email_and_webhook_both_get_the_alert(monkeypatch):
    with smtp_server() as (port, mails), webhook() as (base, posts):
        _set_webhook(monkeypatch, base, "hook")
        _set_mail(monkeypatch, port, from_email="a@example.org", to=["b@example.org"])
        assert notify_failure(CONTEXT) == ["webhook", "email"]
    assert len(mails) == 1 and len(posts) == 1


def test_a_login_is_never_sent_in_plain_text_and_no_secret_is_logged(caplog, monkeypatch):
    with smtp_server() as (port, received):
        _set_mail(
            monkeypatch,
            port,
            login="s3cr3t-userinfo",
            password="hunter2-password",
            from_email="a@example.org",
            to=["b@example.org"],
        )
        with caplog.at_level(logging.INFO):
            assert notify_failure(CONTEXT) == []
    assert received == []
    assert "login must not go over plain text" in caplog.text
    _assert_no_secret(caplog)


def test_an_unreachable_mail_server_never_raises(caplog, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    _set_mail(
        monkeypatch,
        port,
        login="s3cr3t-userinfo",
        password="hunter2-password",
        allow_insecure_auth=True,
        from_email="a@example.org",
        to=["b@example.org"],
        timeout=1,
    )
    with caplog.at_level(logging.INFO):
        assert notify_failure(CONTEXT) == []
    assert "alert email not sent: ConnectionRefusedError" in caplog.text
    _assert_no_secret(caplog)


def test_the_email_notifier_is_the_smtp_providers():
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier
    from airflow.sdk import Connection

    def connection(extra: dict) -> Connection:
        return Connection(
            conn_id=EMAIL_CONNECTION_ID,
            conn_type="smtp",
            host="mail.example.org",
            port=587,
            login="bot",
            password="hunter2-password",
            extra=json.dumps(extra),
        )

    notifier = email_notifier(connection({"from_email": "a@example.org", "to": ["ops@x.org"]}))
    assert isinstance(notifier, SmtpNotifier)
    assert (notifier.to, notifier.smtp_conn_id) == (["ops@x.org"], EMAIL_CONNECTION_ID)
    # Without recipients there is nobody to mail.
    with pytest.raises(AlertNotSent, match="no recipients"):
        email_notifier(connection({"from_email": "a@example.org"}))
