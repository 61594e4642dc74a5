"""Open the PostgreSQL warehouse (``ASSIST_WAREHOUSE``) with errors that name the setting.

psycopg2 is imported here, on first use: the embedded DuckDB default never needs it.
The password is never part of a message (``PostgresWarehouse.describe`` leaves it out,
and psycopg2's own message is about the server, not the DSN).
"""

from __future__ import annotations

from typing import Any

from ingestion.config import WAREHOUSE_SETTING, PostgresWarehouse

CONNECT_TIMEOUT_SECONDS = 10


class WarehouseUnavailable(RuntimeError):
    """The PostgreSQL warehouse refused or dropped the connection (the message says which)."""


def connect_postgres(warehouse: PostgresWarehouse, *, autocommit: bool = False) -> Any:
    """A psycopg2 connection to the warehouse; WarehouseUnavailable naming the setting if not."""
    import psycopg2  # type: ignore[import-untyped]

    try:
        connection = psycopg2.connect(
            **warehouse.connect_kwargs(),
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="assistance_warehouse",
        )
    except psycopg2.OperationalError as error:
        raise WarehouseUnavailable(
            f"cannot connect to the PostgreSQL warehouse {warehouse.describe()} "
            f"(setting {WAREHOUSE_SETTING}): {_first_line(error)}"
        ) from None  # the chained error's repr could carry the DSN
    connection.autocommit = autocommit
    return connection


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
