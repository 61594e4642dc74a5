"""Opt-in pause points, so a crash test can SIGKILL a stage at a named place.

Nothing happens unless ``ASSIST_PAUSE_AT`` names the point. Then the process
writes ``ASSIST_PAUSE_MARKER`` (a file path; default ``<tmp>/assist-paused-<pid>``)
and sleeps until it is killed. Production code pays one ``os.environ`` lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_ENV = "ASSIST_PAUSE_AT"
MARKER_ENV = "ASSIST_PAUSE_MARKER"


def pause_point(name: str) -> None:
    """Sleep here (after writing the marker) if ``ASSIST_PAUSE_AT`` is ``name``."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    marker = Path(os.environ.get(MARKER_ENV) or f"/tmp/assist-paused-{os.getpid()}")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{name} {os.getpid()}\n", encoding="utf-8")
    while True:  # until SIGKILL
        time.sleep(3600)
