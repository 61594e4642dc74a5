"""Where Airflow runs each task: its Celery queue and the warehouse's one-slot pool.

The DAG files import these names (``dags/warehouse_assets.py``), the service set
subscribes its workers to them (``ingestion.services.spec``): one place for both.
With ``airflow dags test`` or the LocalExecutor (the embedded default) queues are
ignored and only the pool counts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

# Airflow's own default ([operators] default_queue): collection and parsing tasks,
# which write files only, run on any worker.
DEFAULT_QUEUE = "default"
# Tasks that write the warehouse (load raw, every dbt node, the gate, publish, docs).
WAREHOUSE_QUEUE_SETTING = "ASSIST_WAREHOUSE_QUEUE"
WAREHOUSE_QUEUE_DEFAULT = "warehouse"
# One slot across every worker: DuckDB allows one writing process per file, and a
# pool is enforced by the scheduler whichever worker (or how many) serves the queue.
WAREHOUSE_POOL = "warehouse_writer"
WAREHOUSE_POOL_DESCRIPTION = "One warehouse writer at a time (DuckDB allows one writing process)"

_QUEUE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class QueueSettingError(ValueError):
    """The warehouse queue setting is not a usable Celery queue name."""


def warehouse_queue(environ: Mapping[str, str] | None = None) -> str:
    """The queue of warehouse-writing tasks: ``ASSIST_WAREHOUSE_QUEUE``, else ``warehouse``."""
    source = os.environ if environ is None else environ
    value = source.get(WAREHOUSE_QUEUE_SETTING, "").strip() or WAREHOUSE_QUEUE_DEFAULT
    if not _QUEUE_NAME.fullmatch(value) or value == DEFAULT_QUEUE:
        # A comma would subscribe a worker to two queues; the default queue would
        # let collection tasks take the writer's worker slot.
        raise QueueSettingError(
            f"{WAREHOUSE_QUEUE_SETTING}={value!r} is not a queue name of its own: use letters, "
            f"digits, '_', '.' or '-', other than {DEFAULT_QUEUE!r}"
        )
    return value
