"""Alerts: always a log line; a JSON POST to a real local webhook when one is configured."""

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

import pytest

from ingestion.alerts import (
    Alert,
    EmailTarget,
    WebhookTarget,
    email_target_from_airflow,
    send_alert,
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


def test_without_a_target_the_alert_is_a_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        assert send_alert(ALERT) is False
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "ALERT task failed" in record.getMessage() and "dag=build_audit_publish" in (
        record.getMessage()
    )


def test_the_webhook_receives_the_alert_as_json_and_no_secret_is_logged(caplog):
    with webhook() as (base, received):
        host_port = base.removeprefix("http://")
        target = WebhookTarget.from_url(
            f"http://alerts:s3cr3t-userinfo@{host_port}/hooks/T0KEN-PATH?k=tok-SECRET-123",
            headers={"X-Token": "tok-SECRET-123"},
        )
        with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
            assert send_alert(ALERT, target) is True
    [request] = received
    assert request["path"] == "/hooks/T0KEN-PATH?k=tok-SECRET-123"
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
    assert "ALERT task failed" in caplog.text and f"sent to webhook {base}" in caplog.text
    _assert_no_secret(caplog)
    assert "s3cr3t" not in repr(target)


def test_a_target_from_airflow_connection_fields():
    target = WebhookTarget.from_connection(
        host="hooks.example.org",
        port=8443,
        schema="https",
        login="bot",
        password="hunter2-password",
        extra='{"endpoint": "/alerts/T0KEN-PATH", "headers": {"X-Token": "t"}, "timeout": 2}',
    )
    assert target.url == "https://hooks.example.org:8443/alerts/T0KEN-PATH"
    assert target.auth == ("bot", "hunter2-password")
    assert (target.headers, target.timeout_seconds) == ({"X-Token": "t"}, 2.0)
    assert target.redacted() == "https://hooks.example.org:8443"
    assert WebhookTarget.from_connection(host=None) is None
    with pytest.raises(ValueError, match="http"):
        WebhookTarget.from_url("file:///etc/passwd")


@pytest.mark.parametrize("case", ["down", "error", "slow"])
def test_a_failing_webhook_never_raises_and_leaks_nothing(caplog, case):
    start = time.monotonic()
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        if case == "down":
            target = WebhookTarget.from_url(
                "http://bot:hunter2-password@127.0.0.1:9/T0KEN-PATH", timeout_seconds=1
            )
            assert send_alert(ALERT, target) is False
        else:
            status, delay = (500, 0.0) if case == "error" else (200, 2.0)
            with webhook(status, delay) as (base, _):
                host_port = base.removeprefix("http://")
                target = WebhookTarget.from_url(
                    f"http://bot:hunter2-password@{host_port}/T0KEN-PATH", timeout_seconds=0.5
                )
                assert send_alert(ALERT, target) is False
    assert time.monotonic() - start < 4
    assert "ALERT task failed" in caplog.text and "alert webhook" in caplog.text
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


def test_the_dag_callback_logs_without_a_connection(warehouse_assets, monkeypatch, caplog):
    from airflow.sdk import BaseHook

    def missing(conn_id):
        raise LookupError(f"no connection {conn_id}")

    monkeypatch.setattr(BaseHook, "get_connection", staticmethod(missing))
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        warehouse_assets.alert_on_failure(
            {"ti": _TaskInstance(), "run_id": "manual__1", "exception": RuntimeError("boom")}
        )
    assert "ALERT task failed: dag=collect_sources task=collect run=manual__1" in caplog.text
    assert "error=boom" in caplog.text


def test_the_dag_callback_posts_to_the_assist_alerts_connection(
    warehouse_assets, monkeypatch, caplog
):
    from airflow.sdk import BaseHook, Connection

    with webhook() as (base, received):
        port = int(base.rsplit(":", 1)[1])
        looked_up = []

        def connection(conn_id):
            looked_up.append(conn_id)
            return Connection(
                conn_id=conn_id,
                conn_type="http",
                host="127.0.0.1",
                port=port,
                schema="http",
                login="bot",
                password="hunter2-password",
                extra=json.dumps({"endpoint": "hook", "headers": {"X-Token": "tok-SECRET-123"}}),
            )

        monkeypatch.setattr(BaseHook, "get_connection", staticmethod(connection))
        with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
            warehouse_assets.alert_on_failure(
                {"ti": _TaskInstance(), "run_id": "manual__1", "exception": RuntimeError("boom")}
            )
    # The email connection is looked up too; an http connection has no recipients: no mail.
    assert looked_up == ["assist_alerts", "assist_alerts_email"]
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


def test_the_email_reaches_a_real_smtp_server(caplog):
    with smtp_server() as (port, received):
        target = EmailTarget.from_connection(
            host="127.0.0.1",
            port=port,
            extra={"from": "airflow@example.org", "to": "ops@example.org, data@example.org"},
        )
        with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
            assert send_alert(ALERT, None, email=target) is True
    [envelope] = received
    assert envelope.mail_from == "airflow@example.org"
    assert envelope.rcpt_tos == ["ops@example.org", "data@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "[assistance warehouse] task failed: build_audit_publish.audit"
    body = message.get_content()
    assert "error: QualityGateFailed: fund totals not unique" in body
    assert f"alert emailed via smtp://127.0.0.1:{port}" in caplog.text


def test_email_and_webhook_both_get_the_alert():
    with smtp_server() as (port, mails), webhook() as (base, posts):
        target = WebhookTarget.from_url(f"{base}/hook")
        email_target = EmailTarget.from_connection(
            host="127.0.0.1", port=port, extra={"from": "a@example.org", "to": ["b@example.org"]}
        )
        assert send_alert(ALERT, target, email=email_target) is True
    assert len(mails) == 1 and len(posts) == 1


def test_a_login_is_never_sent_in_plain_text_and_no_secret_is_logged(caplog):
    with smtp_server() as (port, received):
        target = EmailTarget.from_connection(
            host="127.0.0.1",
            port=port,
            login="s3cr3t-userinfo",
            password="hunter2-password",
            extra={"from": "a@example.org", "to": ["b@example.org"]},
        )
        with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
            assert send_alert(ALERT, None, email=target) is False
    assert received == []
    assert "offers no TLS" in caplog.text
    assert "hunter2-password" not in repr(target)
    _assert_no_secret(caplog)


def test_an_unreachable_mail_server_never_raises(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    target = EmailTarget.from_connection(
        host="127.0.0.1",
        port=port,
        login="s3cr3t-userinfo",
        password="hunter2-password",
        extra={"from": "a@example.org", "to": ["b@example.org"], "timeout": 1},
    )
    with caplog.at_level(logging.INFO, logger="assistance_warehouse.alerts"):
        assert send_alert(ALERT, None, email=target) is False
    assert f"alert email smtp://127.0.0.1:{port} failed" in caplog.text
    _assert_no_secret(caplog)


def test_the_email_target_from_an_airflow_connection():
    class Connection:
        host, port, login, password = "mail.example.org", 587, "bot", "hunter2-password"
        extra = json.dumps({"from": "airflow@example.org", "to": ["ops@example.org"]})

    looked_up = []

    def get_connection(conn_id):
        looked_up.append(conn_id)
        return Connection()

    target = email_target_from_airflow(get_connection)
    assert looked_up == ["assist_alerts_email"]
    assert target is not None and target.recipients == ("ops@example.org",)
    assert (target.host, target.port, target.security) == ("mail.example.org", 587, "auto")
    assert repr(target) == "EmailTarget(smtp://mail.example.org:587)"

    def missing(conn_id):
        raise LookupError(conn_id)

    assert email_target_from_airflow(missing) is None
    # Without recipients there is nobody to mail.
    Connection.extra = json.dumps({"from": "airflow@example.org"})
    assert email_target_from_airflow(get_connection) is None
