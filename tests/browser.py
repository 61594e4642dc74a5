"""Render a page in headless Chromium (Debian's ``chromium``): the DOM after its scripts ran.

A harness beside the tests, for any test that must see a page as a browser
shows it (offline docs, BI dashboards)::

    page = render("file:///.../index.html", screenshot=tmp_path / "page.png")
    assert "<table" in page.dom

Each call starts a fresh browser with its own empty profile and no background
network (no updates, no first-run pages); ``--virtual-time-budget`` lets the
page's scripts run to completion before the DOM is dumped.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
VIRTUAL_TIME_BUDGET_MS = 10_000
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class RenderedPage:
    url: str
    dom: str  # the serialised DOM after scripts ran (--dump-dom)
    screenshot: Path | None
    stderr: str


def chromium() -> Path | None:
    """The browser, or None where it is not installed."""
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    return Path(found) if found else None


def require_chromium() -> Path:
    """The browser; skips the calling test where it is missing (`make install` adds it)."""
    path = chromium()
    if path is None:
        pytest.skip("chromium is not installed (make install: apt-get install -y chromium)")
    return path


def render(
    url: str,
    screenshot: Path | None = None,
    *,
    window_size: tuple[int, int] = (1280, 900),
    budget_ms: int = VIRTUAL_TIME_BUDGET_MS,
) -> RenderedPage:
    """The DOM of ``url`` once its scripts ran; with ``screenshot``, also a PNG of it."""
    browser = require_chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        base = [
            str(browser),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={window_size[0]},{window_size[1]}",
        ]
        dumped = _run([*base, "--dump-dom", url])
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            _run([*base, f"--screenshot={screenshot}", url])
            if not screenshot.exists():
                raise RuntimeError(
                    f"chromium wrote no screenshot of {url}: {dumped.stderr[-2000:]}"
                )
    return RenderedPage(url, dumped.stdout, screenshot, dumped.stderr)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"chromium exited {completed.returncode}: {completed.stderr[-2000:]}")
    return completed
