"""What Superset reads: the published DuckDB file, or the ``published`` schema of a
PostgreSQL warehouse as its read-only BI role.

``ASSIST_WAREHOUSE`` chooses, as for the pipeline. On PostgreSQL, Superset never
logs in as the warehouse's owner: ``make bi`` creates or updates the role named
by ``ASSIST_BI_ROLE`` (``ensure_bi_role``, as ``python -m ingestion bi-role``
does) with the password in ``ASSIST_BI_ROLE_PASSWORD``, and the connection is
that role's. The password goes only into Superset's own metadata database
(encrypted with its ``SECRET_KEY``), never into a message, a log or a file of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bi.server import BiError
from ingestion.config import (
    BI_ROLE_PASSWORD_SETTING,
    BI_ROLE_SETTING,
    WAREHOUSE_SETTING,
    BiSettings,
    PostgresWarehouse,
    Settings,
)

PUBLISHED_SCHEMA = "published"  # ingestion.publish.postgres_publisher's, without its imports
DUCKDB_SCHEMA = "main"  # the published DuckDB file keeps its marts in the default schema


@dataclass(frozen=True)
class PublishedMarts:
    """One of the two: ``duckdb_file``, or ``postgres`` (logged in as the BI role)."""

    duckdb_file: Path | None = None
    postgres: PostgresWarehouse | None = field(default=None, repr=False)

    @property
    def schema(self) -> str:
        return PUBLISHED_SCHEMA if self.postgres else DUCKDB_SCHEMA

    def describe(self) -> str:
        """Where the marts are, for messages (no password)."""
        if self.postgres:
            return f"schema {PUBLISHED_SCHEMA} of {self.postgres.describe()}"
        return str(self.duckdb_file)

    def sqlalchemy_uri(self) -> str:
        if self.postgres:
            login = self.postgres
            user = quote(login.user, safe="")
            secret = f":{quote(login.password, safe='')}" if login.password else ""
            return (
                f"postgresql+psycopg2://{user}{secret}@{login.host}:{login.port}/"
                f"{quote(login.dbname, safe='')}"
            )
        # The stable link published/marts.duckdb -> current/marts.duckdb: each new
        # connection resolves it again, so a query after a publish reads the new file.
        return f"duckdb:///{self.duckdb_file}"

    def connect_args(self) -> dict[str, Any]:
        if self.postgres:
            # Unqualified names in SQL Lab resolve in the published schema too (the
            # datasets name their schema; Superset then sets search_path itself).
            return {"options": f"-c search_path={PUBLISHED_SCHEMA}", "connect_timeout": 10}
        # read_only: a BI tool can never take DuckDB's write lock on a published file.
        return {"read_only": True}

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on the published marts, read-only, as Superset's connection sees them."""
        if self.postgres:
            import psycopg2

            connection = psycopg2.connect(
                **self.postgres.connect_kwargs(), options=self.connect_args()["options"]
            )
            try:
                connection.set_session(readonly=True)
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return list(cursor.fetchall())
            finally:
                connection.close()
        import duckdb

        with duckdb.connect(str(self.duckdb_file), read_only=True) as duck:
            return duck.execute(sql).fetchall()


def published_marts(settings: Settings, bi: BiSettings) -> PublishedMarts:
    """The marts ``make bi`` connects Superset to; on PostgreSQL, makes sure of the BI role.

    Raises ``BiError`` saying what to run or set when there is nothing to read yet.
    """
    if settings.postgres is None:
        if not settings.published_db_path.exists():
            # Superset tests a connection before saving it: without a published file there
            # is nothing to connect to, so say what to run instead of failing in the API.
            raise BiError(
                f"no published marts at {settings.published_db_path}: run `make demo` (or the "
                "build_audit_publish DAG) first, then `make bi` again"
            )
        return PublishedMarts(duckdb_file=settings.published_db_path)
    return PublishedMarts(postgres=_bi_role_login(settings.postgres, bi))


def _bi_role_login(owner: PostgresWarehouse, bi: BiSettings) -> PostgresWarehouse:
    if not bi.role or not bi.role_password:
        raise BiError(
            f"{WAREHOUSE_SETTING} selects PostgreSQL ({owner.describe()}): Superset reads it "
            f"as a read-only role; set {BI_ROLE_SETTING} (its name: made or updated now) and "
            f"{BI_ROLE_PASSWORD_SETTING} (its password), then `make bi` again"
        )
    import psycopg2

    from ingestion.publish.bi_role import ensure_bi_role
    from ingestion.warehouse_postgres import WarehouseUnavailable, connect_postgres

    try:
        connection = connect_postgres(owner)
        try:
            with connection.cursor() as cursor:
                cursor.execute("select 1 from pg_namespace where nspname = %s", [PUBLISHED_SCHEMA])
                published = cursor.fetchone() is not None
        finally:
            connection.close()
        if not published:
            raise BiError(
                f"no published marts in {owner.describe()} (no schema {PUBLISHED_SCHEMA}): run "
                "`python -m ingestion audit && python -m ingestion publish` (or the "
                f"build_audit_publish DAG) with {WAREHOUSE_SETTING} set, then `make bi` again"
            )
        ensure_bi_role(owner, bi.role, bi.role_password)
    except WarehouseUnavailable as unreachable:  # says where, never the password
        raise BiError(str(unreachable)) from None
    except psycopg2.Error as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        for secret in (owner.password, bi.role_password):
            reason = reason.replace(secret, "***") if secret else reason
        raise BiError(
            f"could not make or update the BI role {bi.role!r} on {owner.describe()}: {reason}"
        ) from None
    except ValueError as refusal:  # a role name that is no plain identifier
        raise BiError(f"{BI_ROLE_SETTING}: {refusal}") from None
    return replace(owner, user=bi.role, password=bi.role_password)
