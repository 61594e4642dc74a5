"""What the DAGs share: the assets that link them, where writers run, and default task args.

Kept in the dags folder (Airflow puts it on sys.path) so the ingestion package
stays free of Airflow and can be tested without it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import Asset

from ingestion.services import queues

# Raw tables refreshed by collection: the build DAG runs when this changes.
RAW_ASSET = Asset("duckdb://assistance-warehouse/raw", group="warehouse")
# The BI-facing published marts: downstream consumers (exports, dashboards) can wait on it.
PUBLISHED_MARTS_ASSET = Asset("duckdb://assistance-warehouse/published-marts", group="warehouse")

# DuckDB allows one writing process per file: every task that opens the working
# warehouse runs in this one-slot pool (created by `make airflow-init`) ...
WAREHOUSE_POOL = queues.WAREHOUSE_POOL
# ... and, under the CeleryExecutor, on the warehouse queue (ingestion/services/queues.py;
# ignored by `airflow dags test`). Collection runs on the default queue, on any worker.
WAREHOUSE_QUEUE = queues.warehouse_queue()

START_DATE = datetime(2026, 1, 1)


def alert_on_failure(context: dict) -> None:
    """Failure callback: a log line naming the task and the error; webhook and email if set.

    The notifiers live in ``ingestion.alerts`` (imported here: DAG files are
    parsed often and should import little). Never raises.
    """
    from ingestion.alerts import notify_failure

    notify_failure(context)


DEFAULT_ARGS = {
    "owner": "data-engineering",
    # Tests set ASSIST_TASK_RETRIES=0 so a failure shows at once, not after the retry delays.
    "retries": int(os.environ.get("ASSIST_TASK_RETRIES", "2")),
    # The service tests shorten it to see a retry on another worker within seconds.
    "retry_delay": timedelta(seconds=int(os.environ.get("ASSIST_RETRY_DELAY_SECONDS", "120"))),
    "retry_exponential_backoff": True,
    "on_failure_callback": alert_on_failure,
}
