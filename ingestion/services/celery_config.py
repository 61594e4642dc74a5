"""Celery settings of the service set: Airflow's own, plus modules each worker imports once.

``[celery] celery_config_options`` names ``CELERY_CONFIG`` (docker/airflow.env). Every
task process is forked from a worker's pool process; a dbt task then imports the
DAG file, cosmos and dbt. Imported once in the worker before its pool forks
(Celery's ``imports``), they are inherited instead: seconds of CPU saved per task,
and the build DAG has a task per dbt layer (or node). Only Airflow's worker processes load
this module (the rest of the package stays free of Airflow).
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

PRELOADED_MODULES = ("cosmos", "cosmos.operators.local", "dbt.cli.main")

CELERY_CONFIG: dict[str, Any] = {**DEFAULT_CELERY_CONFIG, "imports": PRELOADED_MODULES}
