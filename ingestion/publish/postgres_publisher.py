"""Publish the audited candidate on PostgreSQL: one transaction swaps schemas.

dbt builds the candidate marts into schema ``marts`` (BI roles have no USAGE on
it). A publish, in ONE transaction:

1. takes a transaction-level advisory lock (one publish or rollback at a time);
2. copies each published mart of ``marts`` into a fresh schema
   ``publishing_<version>`` -- a copy, not a rename of ``marts``, so dbt keeps
   its schema (and the models in it that are not published) for the next build;
3. checks the copies' fingerprint against the audited one (``expected_snapshot``)
   and writes ``_publish_manifest`` (the reader invariant, as in the DuckDB
   file) and ``_publication`` (the manifest, as ``manifest.json`` on DuckDB);
4. takes ACCESS EXCLUSIVE locks on every table of ``published``. PostgreSQL
   resolves a name before it locks the table: without the locks, a query that
   already resolved ``published.a`` could read the old ``a`` and the new ``b``.
   With them, a reader waits, then resolves the names again and sees only the
   new tables. The locks are tried with a short ``lock_timeout`` and retried,
   so the publisher, not a BI query, gives way if their locks ever cross;
5. renames ``published`` to ``published_<its version>`` and the new schema to
   ``published``, moves the BI group's grants (revoked on the old schema,
   granted on the new), drops the versions beyond ``KEEP_VERSIONS``;
6. commits. A failure or a lost connection anywhere before the commit rolls
   everything back: the published schema stays as it was.

Versions sort by their name (publication time first), so ``published_<v>``
schemas order themselves; ``rollback_postgres`` renames the one before back.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingestion.config import WAREHOUSE_SETTING, PostgresWarehouse
from ingestion.fingerprint import postgres_content_hash, postgres_row_count, snapshot_id
from ingestion.identifiers import checked_identifier
from ingestion.publish.publisher import (
    INVARIANT_TABLE,
    KEEP_VERSIONS,
    Checkpoint,
    PublishedTable,
    PublishError,
    manifest_content,
    validated_tables,
    version_before,
)
from ingestion.quality.postgres_tables import PUBLISHED_SCHEMA, postgres_table_names
from ingestion.transform.catalogue import published_tables
from ingestion.warehouse_postgres import WarehouseUnavailable, connect_postgres

VERSION_PREFIX = "published_"
STAGING_PREFIX = "publishing_"
PUBLICATION_TABLE = "_publication"
# Any constant: the key of the advisory lock that serialises publishes and rollbacks.
PUBLISH_LOCK_KEY = 4_711_2024
# Below PostgreSQL's default deadlock_timeout (1 s): if a reader's locks and ours ever
# cross, our wait ends first and we retry, instead of the server cancelling the reader.
LOCK_TIMEOUT = "200ms"
LOCK_DEADLINE_SECONDS = 60.0


def _no_checkpoint(name: str) -> None:
    return None


@dataclass(frozen=True)
class PostgresPublishResult:
    warehouse: str  # PostgresWarehouse.describe(): no password
    schema: str
    published_at: dt.datetime
    tables: tuple[PublishedTable, ...]
    version: str
    previous_version: str | None

    @property
    def row_counts(self) -> dict[str, int]:
        return {t.name: t.row_count for t in self.tables}

    def as_dict(self) -> dict[str, Any]:
        return {
            "warehouse": self.warehouse,
            "schema": self.schema,
            "published_at": self.published_at.isoformat(),
            "version": self.version,
            "previous_version": self.previous_version,
            "tables": {
                t.name: {"row_count": t.row_count, "content_hash": t.content_hash}
                for t in self.tables
            },
        }


def bi_group_role(warehouse: PostgresWarehouse) -> str:
    """The NOLOGIN role every BI role of this warehouse is a member of; grants go to it.

    Roles are server-wide, so it is named after the database: two warehouses
    on one server keep their BI users apart.
    """
    base = "".join(c if c.isalnum() else "_" for c in warehouse.dbname.lower())
    return checked_identifier(f"{base[:50]}_bi_readers")


def publish_postgres(
    warehouse: PostgresWarehouse,
    tables: Sequence[str] | None = None,
    schema: str = "marts",
    manifest_extra: Mapping[str, Any] | None = None,
    expected_snapshot: str | None = None,
    checkpoint: Checkpoint | None = None,
) -> PostgresPublishResult:
    """Make the candidate in ``schema`` the ``published`` schema, atomically (see module doc)."""
    checkpoint = checkpoint or _no_checkpoint
    schema = checked_identifier(schema)
    names = validated_tables(published_tables() if tables is None else tables)
    published_at = dt.datetime.now(dt.UTC)
    version = f"{published_at.strftime('%Y%m%dt%H%M%S%fz')}_{uuid.uuid4().hex[:12]}"
    staging = checked_identifier(STAGING_PREFIX + version)

    def steps(cursor: Any) -> PostgresPublishResult:
        existing = postgres_table_names(cursor, schema)
        missing = [name for name in names if name not in existing]
        if missing:
            raise PublishError(f"not in {schema}: {', '.join(missing)}; nothing published")
        cursor.execute(f'create schema "{staging}"')
        built: dict[str, tuple[int, str]] = {}
        for name in names:
            target = f'"{staging}"."{name}"'
            cursor.execute(f'create table {target} as select * from "{schema}"."{name}"')
            built[name] = (
                postgres_row_count(cursor, target),
                postgres_content_hash(cursor, target),
            )
            checkpoint("publish:building")
        if expected_snapshot is not None and snapshot_id(built) != expected_snapshot:
            raise PublishError(
                f"the candidate marts changed since they were audited (audited "
                f"{expected_snapshot}, now {snapshot_id(built)}): run the audit again; "
                "nothing published"
            )
        published = tuple(PublishedTable(n, rows, h, None) for n, (rows, h) in built.items())
        source = {"warehouse": warehouse.describe(), "schema": schema}
        manifest = manifest_content(
            published_at, version, source, published, manifest_extra, database=warehouse.dbname
        )
        _write_invariant_tables(cursor, staging, built, manifest)
        checkpoint("publish:staged")
        previous = _swap(cursor, warehouse, staging, version)
        _prune_versions(cursor)
        checkpoint("publish:before-commit")
        return PostgresPublishResult(
            warehouse.describe(), PUBLISHED_SCHEMA, published_at, published, version, previous
        )

    return _in_one_transaction(warehouse, "publish", steps)


def rollback_postgres(warehouse: PostgresWarehouse) -> tuple[str, str]:
    """Make the version published before the current one ``published`` again; (from, to)."""

    def steps(cursor: Any) -> tuple[str, str]:
        current = _published_version(cursor)
        if current is None:
            raise PublishError(f"nothing published in {warehouse.describe()}: nothing to roll back")
        target = version_before(current, _kept_versions(cursor), warehouse.describe())
        _swap(cursor, warehouse, checked_identifier(VERSION_PREFIX + target), target)
        return current, target

    return _in_one_transaction(warehouse, "rollback", steps)


def published_versions_postgres(warehouse: PostgresWarehouse) -> tuple[str | None, list[str]]:
    """(the published version, the earlier versions kept, oldest first)."""
    connection = connect_postgres(warehouse)
    try:
        with connection.cursor() as cursor:
            return _published_version(cursor), _kept_versions(cursor)
    finally:
        connection.close()


def _in_one_transaction(warehouse: PostgresWarehouse, what: str, steps: Any) -> Any:
    """Run ``steps(cursor)`` in one transaction; commit only if all of it ran."""
    import psycopg2

    connection = connect_postgres(warehouse)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_xact_lock(%s)", [PUBLISH_LOCK_KEY])
            result = steps(cursor)
        connection.commit()
        return result
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
        # The server rolls back a transaction whose connection is gone: nothing changed.
        raise WarehouseUnavailable(
            f"lost the connection to the PostgreSQL warehouse {warehouse.describe()} "
            f"(setting {WAREHOUSE_SETTING}) during {what}: {' '.join(str(error).split())[:200]}; "
            "the transaction was rolled back, the published marts are as they were"
        ) from None
    finally:
        if not connection.closed:
            connection.rollback()  # a no-op after the commit
            connection.close()


def _write_invariant_tables(
    cursor: Any, schema: str, built: Mapping[str, tuple[int, str]], manifest: Mapping[str, Any]
) -> None:
    """``_publish_manifest`` (a reader's invariant, as in the DuckDB file) and ``_publication``."""
    snapshot = snapshot_id(built)
    cursor.execute(
        f'create table "{schema}".{INVARIANT_TABLE} (table_name text primary key, '
        "row_count bigint not null, content_hash text not null, snapshot_id text not null)"
    )
    cursor.executemany(
        f'insert into "{schema}".{INVARIANT_TABLE} values (%s, %s, %s, %s)',
        [[name, rows, digest, snapshot] for name, (rows, digest) in built.items()],
    )
    cursor.execute(
        f'create table "{schema}".{PUBLICATION_TABLE} (version text primary key, '
        "published_at timestamptz not null, snapshot_id text not null, manifest jsonb not null)"
    )
    cursor.execute(
        f'insert into "{schema}".{PUBLICATION_TABLE} values (%s, %s, %s, %s)',
        [
            manifest["version"],
            manifest["published_at"],
            snapshot,
            json.dumps(manifest, ensure_ascii=False, default=str),
        ],
    )


def _swap(cursor: Any, warehouse: PostgresWarehouse, incoming: str, version: str) -> str | None:
    """``incoming`` becomes ``published``; the current one is kept as ``published_<version>``."""
    group = _existing_group(cursor, warehouse)
    previous = _published_version(cursor)
    if previous is not None or _schema_exists(cursor, PUBLISHED_SCHEMA):
        _lock_published_tables(cursor)
        kept = checked_identifier(VERSION_PREFIX + (previous or f"unversioned_{version}"))
        cursor.execute(f'alter schema "{PUBLISHED_SCHEMA}" rename to "{kept}"')
        if group:
            # An old version is not for BI: only the published schema is readable.
            cursor.execute(f'revoke all on all tables in schema "{kept}" from "{group}"')
            cursor.execute(f'revoke all on schema "{kept}" from "{group}"')
    cursor.execute(f'alter schema "{incoming}" rename to "{PUBLISHED_SCHEMA}"')
    if group:
        grant_published(cursor, group)
    return previous


def grant_published(cursor: Any, group: str) -> None:
    """What a BI role may do: look into the published schema and read its tables."""
    cursor.execute(f'grant usage on schema "{PUBLISHED_SCHEMA}" to "{group}"')
    cursor.execute(f'grant select on all tables in schema "{PUBLISHED_SCHEMA}" to "{group}"')


def _lock_published_tables(cursor: Any) -> None:
    """ACCESS EXCLUSIVE on every published table, in name order; retried on a short timeout."""
    import psycopg2.errors

    names = sorted(postgres_table_names(cursor, PUBLISHED_SCHEMA))
    if not names:
        return
    tables = ", ".join(f'"{PUBLISHED_SCHEMA}"."{checked_identifier(n)}"' for n in names)
    deadline = time.monotonic() + LOCK_DEADLINE_SECONDS
    while True:
        cursor.execute("savepoint lock_published")
        cursor.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            cursor.execute(f"lock table {tables} in access exclusive mode")
        except psycopg2.errors.LockNotAvailable:
            # Releases whatever part of the locks we got, so the readers go on.
            cursor.execute("rollback to savepoint lock_published")
            if time.monotonic() > deadline:
                raise PublishError(
                    f"readers held the published marts for {LOCK_DEADLINE_SECONDS:.0f} s; "
                    "nothing published, try again"
                ) from None
            time.sleep(0.05)
            continue
        cursor.execute("set local lock_timeout = 0")
        cursor.execute("release savepoint lock_published")
        return


def _prune_versions(cursor: Any) -> None:
    for version in _kept_versions(cursor)[:-KEEP_VERSIONS]:
        cursor.execute(f'drop schema "{checked_identifier(VERSION_PREFIX + version)}" cascade')


def _kept_versions(cursor: Any) -> list[str]:
    """Earlier versions kept as ``published_<version>`` schemas, oldest first."""
    cursor.execute(
        "select nspname from pg_namespace where nspname like %s order by nspname",
        [VERSION_PREFIX.replace("_", "\\_") + "%"],
    )
    return [str(row[0])[len(VERSION_PREFIX) :] for row in cursor.fetchall()]


def _published_version(cursor: Any) -> str | None:
    if PUBLICATION_TABLE not in postgres_table_names(cursor, PUBLISHED_SCHEMA):
        return None
    cursor.execute(f'select version from "{PUBLISHED_SCHEMA}".{PUBLICATION_TABLE}')
    row = cursor.fetchone()
    return str(row[0]) if row else None


def _schema_exists(cursor: Any, schema: str) -> bool:
    cursor.execute("select 1 from pg_namespace where nspname = %s", [schema])
    return cursor.fetchone() is not None


def _existing_group(cursor: Any, warehouse: PostgresWarehouse) -> str | None:
    """The BI group role if ``bi-role`` made it; before that there is nobody to grant to."""
    group = bi_group_role(warehouse)
    cursor.execute("select 1 from pg_roles where rolname = %s", [group])
    return group if cursor.fetchone() else None
