"""ASSIST_WAREHOUSE: one setting selects DuckDB (default) or a PostgreSQL server."""

from __future__ import annotations

import pytest

from ingestion.config import (
    PostgresWarehouse,
    WarehouseSettingError,
    load_settings,
    parse_warehouse_setting,
)


def test_unset_or_duckdb_is_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSIST_WAREHOUSE", raising=False)
    assert load_settings().postgres is None
    assert parse_warehouse_setting("duckdb") is None


def test_a_postgresql_url_names_server_database_and_user() -> None:
    target = parse_warehouse_setting("postgresql://bi%20user:s3cret@db.internal:6543/assist")
    assert target == PostgresWarehouse(
        host="db.internal", port=6543, user="bi user", dbname="assist", password="s3cret"
    )
    assert target.connect_kwargs()["password"] == "s3cret"


def test_the_password_is_never_in_what_is_logged() -> None:
    target = parse_warehouse_setting("postgresql://u:s3cret@localhost/assist")
    assert target is not None
    assert "s3cret" not in repr(target)
    assert "s3cret" not in target.describe()


@pytest.mark.parametrize(
    "value",
    [
        "mysql://u@h/db",
        "postgresql://u@h",
        "postgresql:///db",
        "postgresql://u@h:port/db",
        "warehouse.duckdb",
    ],
)
def test_a_value_naming_no_warehouse_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(WarehouseSettingError, match="ASSIST_WAREHOUSE"):
        parse_warehouse_setting(value)
