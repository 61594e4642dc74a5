"""`make lint` passes: CI runs `make test`, so the lint runs wherever the tests do.

It runs the Makefile's own target (with this interpreter's tools and without
reinstalling), so there is one list of lint commands.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.config import PROJECT_ROOT
from tests.readme_commands import readme_commands

pytestmark = pytest.mark.lint

# The README's command; run below as its Makefile target, without reinstalling and
# with this interpreter's tools (tests/test_readme_commands.py maps it here).
README_LINT = "make lint"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lint_passes() -> None:
    assert README_LINT in readme_commands()
    tools = Path(sys.executable).parent
    completed = subprocess.run(
        ["make", "--no-print-directory", "-o", "install", "lint", f"BIN={tools}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    # Every linter ran (a missing tool fails make; this guards a shortened target).
    for tool in ("ruff check", "ruff format --check", "yamllint --strict", "sqlfluff lint", "mypy"):
        assert f"{tools}/{tool}" in completed.stdout, tool
