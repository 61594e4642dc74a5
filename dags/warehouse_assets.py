"""What the DAGs share: the assets that link them, the writer pool and default task args.

Kept in the dags folder (Airflow puts it on sys.path) so the ingestion package
stays free of Airflow and can be tested without it.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from airflow.sdk import Asset

if TYPE_CHECKING:
    from ingestion.alerts import WebhookTarget

# Raw tables refreshed by collection: the build DAG runs when this changes.
RAW_ASSET = Asset("duckdb://assistance-warehouse/raw", group="warehouse")
# The BI-facing published marts: downstream consumers (exports, dashboards) can wait on it.
PUBLISHED_MARTS_ASSET = Asset("duckdb://assistance-warehouse/published-marts", group="warehouse")

# DuckDB allows one writing process per file: every task that opens the working
# warehouse runs in this one-slot pool (created by `make airflow-init`).
WAREHOUSE_POOL = "warehouse_writer"

START_DATE = datetime(2026, 1, 1)

log = logging.getLogger("assistance_warehouse.alerts")


def _alert_target() -> WebhookTarget | None:
    """The webhook of the Airflow connection ``assist_alerts`` (type http), if one is set.

    Only the connection's fields are passed on; nothing about it is logged here
    (ingestion.alerts logs its scheme, host and port, never a secret).
    """
    from airflow.sdk import BaseHook

    from ingestion.alerts import ALERT_CONNECTION_ID, WebhookTarget

    try:
        connection = BaseHook.get_connection(ALERT_CONNECTION_ID)
    except Exception:  # AirflowNotFoundException: no connection, so the log line is the alert
        return None
    try:
        return WebhookTarget.from_connection(
            host=connection.host,
            port=connection.port,
            schema=connection.schema,
            login=connection.login,
            password=connection.password,
            extra=connection.extra,
        )
    except Exception as error:
        log.warning("connection %s is not a usable webhook: %s", ALERT_CONNECTION_ID, type(error))
        return None


def alert_on_failure(context: dict) -> None:
    """Failure callback: always a log line naming the task and the error; webhook, email if set.

    Never raises: an alert channel that is down must not hide the task's own failure.
    """
    try:
        # Imported here: DAG files are parsed often and should import little.
        from ingestion.alerts import Alert, email_target_from_airflow, send_alert

        ti = context.get("task_instance") or context.get("ti")
        alert = Alert(
            dag_id=str(getattr(ti, "dag_id", "?")),
            task_id=str(getattr(ti, "task_id", "?")),
            run_id=str(context.get("run_id") or getattr(ti, "run_id", "?")),
            error=str(context.get("exception")),
            log_url=getattr(ti, "log_url", None),
        )
        send_alert(alert, _alert_target(), log, email=email_target_from_airflow())
    except Exception:
        log.exception(
            "ALERT task failed (and the alert itself failed): run=%s error=%s",
            context.get("run_id"),
            context.get("exception"),
        )


DEFAULT_ARGS = {
    "owner": "data-engineering",
    # Tests set ASSIST_TASK_RETRIES=0 so a failure shows at once, not after the retry delays.
    "retries": int(os.environ.get("ASSIST_TASK_RETRIES", "2")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "on_failure_callback": alert_on_failure,
}
