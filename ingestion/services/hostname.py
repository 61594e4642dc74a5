"""The host name Airflow records for a task instance (``[core] hostname_callable``).

Two workers on one machine would both record the machine's name; a worker started
with ``ASSIST_WORKER_NAME`` records ``<name>.<host>``, so a task instance says which
worker ran it (the native service set names its workers; in containers the host
name differs anyway).
"""

from __future__ import annotations

import os
import socket

WORKER_NAME_SETTING = "ASSIST_WORKER_NAME"


def worker_hostname() -> str:
    host = socket.getfqdn()
    name = os.environ.get(WORKER_NAME_SETTING, "").strip()
    return f"{name}.{host}" if name else host
