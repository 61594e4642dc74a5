"""Every path and setting of the pipeline, in one place.

Values come from the environment (prefix ``ASSIST_``) with defaults that make
the embedded demo work from a fresh checkout: everything the pipeline writes
goes under ``var/`` in the project folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import unquote, urlsplit

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


# How the build DAG runs dbt (ASSIST_DBT_TASKS). "layer": one `dbt build` task per
# folder of the project (seeds, staging, intermediate, marts), dbt's threads inside
# it. "node": one task per seed and model (cosmos's default rendering), each failed
# model its own task, at about twice the layers' build time: the warehouse has one
# writer, so the node tasks run one at a time and each pays dbt's start-up.
DbtTasks = Literal["layer", "node"]
DBT_TASKS_SETTING = "ASSIST_DBT_TASKS"


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads its inputs and writes its outputs."""

    project_root: Path
    var_dir: Path
    sources_file: Path
    # Processes that parse and extract during load (1: in the loading process itself).
    load_workers: int = 1
    # The warehouse: None is the embedded DuckDB file under var/ (the default);
    # a PostgresWarehouse when ASSIST_WAREHOUSE names a PostgreSQL server.
    postgres: PostgresWarehouse | None = None
    dbt_tasks: DbtTasks = "layer"

    @property
    def landing_dir(self) -> Path:
        """Raw payloads, content-addressed, never deleted, plus the fetch log."""
        return self.var_dir / "landing"

    @property
    def batches_dir(self) -> Path:
        """Parsed and extracted batches waiting for the warehouse writer (Airflow's mapped
        tasks write them; the load deletes each once loaded)."""
        return self.var_dir / "batches"

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
    def passed_rows_dir(self) -> Path:
        """Hashes of the rows each suite passed, so the next audit validates only new
        ones (``ingestion.quality.passed_rows``); deleting it makes the next audit whole."""
        return self.var_dir / "quality" / "passed_rows"

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
        postgres=parse_warehouse_setting(os.environ.get(WAREHOUSE_SETTING, "")),
        dbt_tasks=parse_dbt_tasks_setting(os.environ.get(DBT_TASKS_SETTING, "")),
    )


def parse_dbt_tasks_setting(value: str) -> DbtTasks:
    """``''`` (the default, ``layer``), ``layer`` or ``node``; anything else is an error."""
    value = value.strip().lower() or "layer"
    for choice in get_args(DbtTasks):
        if value == choice:
            return choice
    raise ValueError(
        f"{DBT_TASKS_SETTING} must be one of {', '.join(get_args(DbtTasks))}; got {value!r}"
    )


def openlineage_configured() -> bool:
    """Whether Airflow's OpenLineage provider has been given a transport in the environment.

    ``make demo`` sets a file transport (var/lineage/events.jsonl); point
    ``AIRFLOW__OPENLINEAGE__TRANSPORT`` at an HTTP endpoint (Marquez, say) instead.
    dbt's lineage costs each cosmos task its JSON artifacts, so without a
    transport they are not written.
    """
    if os.environ.get("AIRFLOW__OPENLINEAGE__DISABLED", "").lower() == "true":
        return False
    return any(os.environ.get(name) for name in _OPENLINEAGE_TRANSPORT_SETTINGS)


_OPENLINEAGE_TRANSPORT_SETTINGS = (
    "AIRFLOW__OPENLINEAGE__TRANSPORT",
    "AIRFLOW__OPENLINEAGE__CONFIG_PATH",
    "OPENLINEAGE_URL",
    "OPENLINEAGE_CONFIG",
)


# The one setting that selects the warehouse.
WAREHOUSE_SETTING = "ASSIST_WAREHOUSE"


class WarehouseSettingError(ValueError):
    """ASSIST_WAREHOUSE holds something that names no warehouse (the message says what)."""


@dataclass(frozen=True)
class PostgresWarehouse:
    """A PostgreSQL server and database that holds raw, the candidate and the published marts.

    The password never appears in ``repr`` or ``describe()``: both end up in logs.
    """

    host: str
    port: int
    user: str
    dbname: str
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        """Where the warehouse is, for messages and logs (no password)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def connect_kwargs(self) -> dict[str, object]:
        """Keyword arguments of ``psycopg2.connect``."""
        kwargs: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": self.dbname,
        }
        if self.password:
            kwargs["password"] = self.password
        return kwargs


def parse_warehouse_setting(value: str) -> PostgresWarehouse | None:
    """``''`` or ``duckdb``: the embedded DuckDB file; ``postgresql://user[:pw]@host[:port]/db``.

    ``airflow:<conn_id>`` reads a PostgreSQL connection from Airflow (its
    secrets backend or ``AIRFLOW_CONN_<ID>``), so credentials stay out of the
    repository and out of the environment of anything but Airflow's workers.
    """
    value = value.strip()
    if value in ("", "duckdb"):
        return None
    if value.startswith("airflow:"):
        return _postgres_from_airflow_connection(value.removeprefix("airflow:"))
    return _postgres_from_url(value)


def _postgres_from_url(value: str) -> PostgresWarehouse:
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres"):
        raise WarehouseSettingError(
            f"{WAREHOUSE_SETTING} must be 'duckdb', a postgresql://user@host:port/dbname URL "
            f"or airflow:<connection id>; got a value of scheme {parts.scheme or '(none)'!r}"
        )
    dbname = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not dbname:
        raise WarehouseSettingError(
            f"{WAREHOUSE_SETTING} must name a host and a database: postgresql://user@host:port/dbname"
        )
    try:
        port = parts.port or 5432
    except ValueError as error:  # a port that is not a number
        raise WarehouseSettingError(f"{WAREHOUSE_SETTING}: the port is not a number") from error
    return PostgresWarehouse(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or "postgres"),
        dbname=dbname,
        password=unquote(parts.password or ""),
    )


def _postgres_from_airflow_connection(conn_id: str) -> PostgresWarehouse:
    # Imported here: the CLI and the extractor must not need Airflow to start.
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(conn_id)
    if connection.conn_type not in ("postgres", "postgresql"):
        raise WarehouseSettingError(
            f"{WAREHOUSE_SETTING}=airflow:{conn_id}: the connection is of type "
            f"{connection.conn_type!r}, not postgres"
        )
    return PostgresWarehouse(
        host=connection.host or "localhost",
        port=int(connection.port or 5432),
        user=connection.login or "postgres",
        dbname=connection.schema or "postgres",
        password=connection.password or "",
    )


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# The read-only PostgreSQL role BI tools log in as (``python -m ingestion bi-role``,
# and ``make bi`` on the PostgreSQL warehouse): its name and its password.
BI_ROLE_SETTING = "ASSIST_BI_ROLE"
BI_ROLE_PASSWORD_SETTING = "ASSIST_BI_ROLE_PASSWORD"


@dataclass(frozen=True)
class BiSettings:
    """The local Superset of ``make bi``: where it listens, who logs in, which role it reads as.

    Defaults suit one analyst on their own machine; set ``ASSIST_BI_*`` to change them.
    ``role``/``role_password`` matter only on the PostgreSQL warehouse (empty: unset).
    """

    host: str
    port: int
    admin_user: str
    admin_password: str = field(repr=False)
    admin_email: str
    role: str = ""
    role_password: str = field(default="", repr=False)


def load_bi_settings() -> BiSettings:
    return BiSettings(
        host="127.0.0.1",  # never on a public interface: the admin password is a default
        port=int(os.environ.get("ASSIST_BI_PORT", "8088")),
        admin_user=os.environ.get("ASSIST_BI_ADMIN_USER", "admin"),
        admin_password=os.environ.get("ASSIST_BI_ADMIN_PASSWORD", "admin"),
        admin_email=os.environ.get("ASSIST_BI_ADMIN_EMAIL", "admin@localhost"),
        role=os.environ.get(BI_ROLE_SETTING, "").strip(),
        role_password=os.environ.get(BI_ROLE_PASSWORD_SETTING, ""),
    )
