"""Superset's configuration for ``make bi`` (loaded through ``SUPERSET_CONFIG_PATH``).

Everything Superset writes goes under ``var/superset``; nothing is cached, so a
chart asked after a publish reads the new marts.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.config import load_settings

_settings = load_settings()
_home = _settings.superset_dir

# Generated once by ``python -m bi up`` (never committed): sessions survive restarts.
SECRET_KEY = (_home / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home / 'superset.db'}"
DATA_DIR = str(_home / "data")

# No result cache anywhere: a publish must show on the next refresh, not after a timeout.
_NO_CACHE = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = _NO_CACHE
DATA_CACHE_CONFIG = _NO_CACHE
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
RATELIMIT_STORAGE_URI = "memory://"

# One local user on 127.0.0.1: no example data, no telemetry, no outside requests.
SUPERSET_WEBSERVER_TIMEOUT = 120
SQLLAB_TIMEOUT = 120
FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ENABLE_TEMPLATE_PROCESSING": False}
TALISMAN_ENABLED = False
SCARF_ANALYTICS = False
WTF_CSRF_TIME_LIMIT = None


class PublishedMartsMissing(RuntimeError):
    """The published DuckDB file is not there (never published, or ``var/`` was cleaned)."""


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):
    """Say what to do when the published file is missing, instead of DuckDB's IO error.

    Checked on every connection (Superset uses no pool here), so the chart works
    again as soon as a publish brings the file back.
    """
    if uri.drivername == "duckdb" and uri.database and uri.database != ":memory:":
        path = Path(uri.database)
        if not path.exists():
            raise PublishedMartsMissing(
                f"No published marts at {path}: run `make demo` (or the "
                "build_audit_publish DAG) to publish them, then refresh this page."
            )
    return uri, params
