"""Every path and setting of the pipeline, in one place.

Values come from the environment (prefix ``ASSIST_``) with defaults that make
the embedded demo work from a fresh checkout: everything the pipeline writes
goes under ``var/`` in the project folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The example questions (examples/bi_queries.sql) whose answers end `make demo`'s
# summary: who pays whom by year, the news checked against the statistics, who helps.
SUMMARY_EXAMPLES = (
    "liangshan_funds_by_year_and_helper",
    "counties_that_left_poverty_in_2020",
    "helpers_of_most_counties",
)
# Rows of each example answer the summary prints (the rest: python -m ingestion examples).
SUMMARY_ANSWER_ROWS = 5


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads its inputs and writes its outputs."""

    project_root: Path
    var_dir: Path
    sources_file: Path
    # Processes that parse and extract during load (1: in the loading process itself).
    load_workers: int = 1

    @property
    def landing_dir(self) -> Path:
        """Raw payloads, content-addressed, never deleted, plus the fetch log."""
        return self.var_dir / "landing"

    @property
    def warehouse_path(self) -> Path:
        """The pipeline's working DuckDB file: raw tables, dbt models, candidate marts."""
        return self.var_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        """What BI tools read: replaced atomically, never written in place."""
        return self.var_dir / "published"

    @property
    def published_db_path(self) -> Path:
        return self.published_dir / "marts.duckdb"

    @property
    def superset_dir(self) -> Path:
        """Superset's metadata database, secret key, pid and logs (``make bi``)."""
        return self.var_dir / "superset"

    @property
    def docs_dir(self) -> Path:
        """Generated documentation: dbt docs and Great Expectations Data Docs."""
        return self.var_dir / "docs"

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_root / "dbt_project"

    @property
    def expectations_dir(self) -> Path:
        return self.project_root / "expectations"


def load_settings() -> Settings:
    """Read the settings from the environment, defaulting to the project's ``var/``."""
    var_dir = _path_from_env("ASSIST_VAR_DIR", PROJECT_ROOT / "var")
    sources_file = _path_from_env("ASSIST_SOURCES_FILE", PROJECT_ROOT / "sources.yml")
    # Default: every core this process may use (parse and extract are CPU-bound).
    workers = int(os.environ.get("ASSIST_LOAD_WORKERS") or _usable_cores())
    return Settings(
        project_root=PROJECT_ROOT,
        var_dir=var_dir,
        sources_file=sources_file,
        load_workers=max(1, workers),
    )


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class BiSettings:
    """The local Superset of ``make bi``: where it listens and who logs in.

    Defaults suit one analyst on their own machine; set ``ASSIST_BI_*`` to change them.
    """

    host: str
    port: int
    admin_user: str
    admin_password: str
    admin_email: str


def load_bi_settings() -> BiSettings:
    return BiSettings(
        host="127.0.0.1",  # never on a public interface: the admin password is a default
        port=int(os.environ.get("ASSIST_BI_PORT", "8088")),
        admin_user=os.environ.get("ASSIST_BI_ADMIN_USER", "admin"),
        admin_password=os.environ.get("ASSIST_BI_ADMIN_PASSWORD", "admin"),
        admin_email=os.environ.get("ASSIST_BI_ADMIN_EMAIL", "admin@localhost"),
    )
