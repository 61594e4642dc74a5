"""Superset's configuration for ``make bi`` (loaded through ``SUPERSET_CONFIG_PATH``).

Everything Superset writes goes under ``var/superset``; nothing is cached, so a
chart asked after a publish reads the new marts; no password is written in clear.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine.url import make_url
from superset.utils.log import DBEventLogger

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


def _without_secrets(value: Any) -> Any:
    """``value`` with every password masked: a connection URI's, and any ``*password*`` key's."""
    if isinstance(value, dict):
        return {key: _item_without_secrets(str(key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _item_without_secrets(key: str, item: Any) -> Any:
    if "password" in key.lower() and item:
        return "XXXXXXXXXX"
    if key == "sqlalchemy_uri" and isinstance(item, str):
        return _uri_masked(item)
    return _without_secrets(item)


def _uri_masked(uri: str) -> str:
    try:
        return make_url(uri).render_as_string(hide_password=True)
    except Exception:  # not a URI SQLAlchemy reads: nothing of it is kept
        return "(not logged)"


class EventLoggerWithoutSecrets(DBEventLogger):
    """Superset's event log (table ``logs``) keeps the JSON body of each API request,
    the database connection's ``sqlalchemy_uri`` -- with the BI role's password --
    among them. Masked here, before it is written; the connection itself keeps the
    password only in its encrypted column."""

    def log(self, *args: Any, **kwargs: Any) -> None:
        for name in ("records", "curated_payload"):
            if kwargs.get(name):
                kwargs[name] = _without_secrets(kwargs[name])
        super().log(*args, **kwargs)


EVENT_LOGGER = EventLoggerWithoutSecrets()
