"""A PostgreSQL warehouse that cannot be reached: a clear error naming the setting, exit 1,
no password in any message, nothing published. Needs the service, not dbt (fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.cli import main
from ingestion.publish.postgres_publisher import publish_postgres, rollback_postgres
from ingestion.warehouse_postgres import WarehouseUnavailable
from tests.publish.postgres_warehouse import admin_connection, unique_name

pytestmark = pytest.mark.services

SECRET = "pw-never-shown"


@pytest.fixture
def missing_database_url() -> str:
    admin_connection().close()  # skips when the service is down
    return f"postgresql://postgres:{SECRET}@127.0.0.1:5432/{unique_name('assist_missing')}"


@pytest.mark.parametrize("command", [["publish"], ["rollback"], ["bi-role", "--name", "x_bi"]])
def test_unreachable_warehouse_is_named_and_refused(
    command: list[str],
    missing_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ASSIST_WAREHOUSE", missing_database_url)
    monkeypatch.setenv("ASSIST_VAR_DIR", str(tmp_path))
    assert main(command) == 1
    message = capsys.readouterr().err
    assert "ASSIST_WAREHOUSE" in message and "does not exist" in message
    assert SECRET not in message


def test_the_publisher_names_the_setting(missing_database_url: str) -> None:
    from ingestion.config import parse_warehouse_setting

    warehouse = parse_warehouse_setting(missing_database_url)
    assert warehouse is not None
    for step in (publish_postgres, rollback_postgres):
        with pytest.raises(WarehouseUnavailable, match="ASSIST_WAREHOUSE=") as error:
            step(warehouse)
        assert SECRET not in str(error.value)


def test_bi_role_refuses_a_bad_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_WAREHOUSE", "postgresql://postgres@127.0.0.1:5432/postgres")
    monkeypatch.setenv("ASSIST_VAR_DIR", str(tmp_path))
    assert main(["bi-role", "--name", "Robert'); drop table x;--"]) == 1
    assert "not a valid identifier" in capsys.readouterr().err


def test_bi_role_needs_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_WAREHOUSE", "duckdb")
    monkeypatch.setenv("ASSIST_VAR_DIR", str(tmp_path))
    assert main(["bi-role", "--name", "bi_reader"]) == 1
    assert "ASSIST_WAREHOUSE=postgresql://" in capsys.readouterr().err
