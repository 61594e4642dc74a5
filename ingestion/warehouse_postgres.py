"""The one way the pipeline opens a PostgreSQL warehouse (``ASSIST_WAREHOUSE``).

The loaders were written against DuckDB's connection API: ``execute(sql,
[params])`` returning something to fetch from, ``?`` placeholders and explicit
``begin transaction`` / ``commit`` / ``rollback`` statements. ``PostgresConnection``
gives a psycopg2 connection that same shape, so one loader serves both
warehouses: psycopg2 runs in autocommit mode (so the loaders' own ``begin`` opens
the one transaction of a batch, as on DuckDB) and ``?`` becomes ``%s``.

Every connection fault (a wrong host, a role or database that does not exist, a
database that refuses connections, a connection lost in the middle of a load)
leaves ``open_postgres`` as ``WarehouseUnavailable``, whose message names the
setting and where it points, never the password.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions

from ingestion.config import WAREHOUSE_SETTING, PostgresWarehouse

# A server that does not answer must fail the stage, not hang it.
CONNECT_TIMEOUT_SECONDS = 10
# Every timestamp the loaders write or read is UTC, as on DuckDB (the marts' dates
# come from them: a server in another time zone must not shift a day).
_SESSION_OPTIONS = "-c timezone=UTC"


class WarehouseUnavailable(RuntimeError):
    """The PostgreSQL warehouse cannot be reached or was lost; the message says which and why."""


def _scrubbed(text: str, warehouse: PostgresWarehouse) -> str:
    # libpq does not echo passwords, but a message must never carry one whatever it quotes.
    text = " ".join(text.split())
    return text.replace(warehouse.password, "***") if warehouse.password else text


def unavailable(
    warehouse: PostgresWarehouse, error: BaseException, doing: str
) -> WarehouseUnavailable:
    """The error to raise for a psycopg2 connection fault while ``doing`` something."""
    # A lost connection surfaces twice: the statement that found it (the cause) and
    # the rollback that followed (already closed). The cause says more.
    cause = error
    if isinstance(error, psycopg2.InterfaceError) and isinstance(error.__context__, psycopg2.Error):
        cause = error.__context__
    reason = _scrubbed(str(cause), warehouse).rstrip(".") or type(cause).__name__
    return WarehouseUnavailable(
        f"{WAREHOUSE_SETTING}={warehouse.describe()}: {doing} failed: {reason}. "
        "Nothing landed was lost: fix the setting or the server and run the stage again."
    )


def _paramstyle(sql: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg2's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A psycopg2 connection with the subset of DuckDB's connection API the loaders use."""

    def __init__(self, raw: psycopg2.extensions.connection, warehouse: PostgresWarehouse) -> None:
        self.raw = raw
        self.warehouse = warehouse

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        """Run one statement; return the cursor (``fetchone``, ``fetchall``, ``description``)."""
        if self.raw.closed and sql.strip().lower() == "rollback":
            # The server rolled the transaction back when the connection dropped; the
            # fault that dropped it is already on its way up.
            return None
        cursor = self.raw.cursor()
        if parameters:
            cursor.execute(_paramstyle(sql), list(parameters))
        else:
            cursor.execute(sql)
        return cursor

    def cursor(self) -> psycopg2.extensions.cursor:
        return self.raw.cursor()

    @property
    def backend_pid(self) -> int:
        """The server process serving this connection (what ``pg_terminate_backend`` takes)."""
        return int(self.raw.get_backend_pid())

    def close(self) -> None:
        self.raw.close()


def connect_raw(warehouse: PostgresWarehouse) -> psycopg2.extensions.connection:
    """A plain psycopg2 connection (autocommit, UTC); ``WarehouseUnavailable`` if refused."""
    try:
        raw = psycopg2.connect(
            **warehouse.connect_kwargs(),
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            options=_SESSION_OPTIONS,
            application_name="assistance_warehouse",
        )
    except psycopg2.Error as error:
        raise unavailable(warehouse, error, "connecting") from None
    raw.autocommit = True
    return raw


def connect_postgres(
    warehouse: PostgresWarehouse, *, autocommit: bool = False
) -> psycopg2.extensions.connection:
    """A plain psycopg2 connection for the publisher and the gate (its own transactions)."""
    raw = connect_raw(warehouse)
    raw.autocommit = autocommit
    return raw


@contextmanager
def read_snapshot(warehouse: PostgresWarehouse) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on one read-only snapshot: every table read through it is of one moment."""
    connection = connect_postgres(warehouse)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            yield cursor
        connection.rollback()
    finally:
        connection.close()


@contextmanager
def open_postgres(
    warehouse: PostgresWarehouse, doing: str = "the load"
) -> Iterator[PostgresConnection]:
    """Open the warehouse, yield it, close it; connection faults become ``WarehouseUnavailable``.

    Only faults of the connection itself are translated (``OperationalError``:
    refused, terminated, lost; ``InterfaceError``: already closed); a bad
    statement stays the ``psycopg2`` error it is.
    """
    connection = PostgresConnection(connect_raw(warehouse), warehouse)
    try:
        yield connection
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
        raise unavailable(warehouse, error, doing) from None
    finally:
        connection.close()


def check_reachable(warehouse: PostgresWarehouse, doing: str) -> None:
    """Connect and ``select 1``: a fault raises ``WarehouseUnavailable`` before any work."""
    with open_postgres(warehouse, doing) as connection:
        connection.execute("select 1")
