"""``rollback`` on DuckDB: the version before the current one becomes current again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.cli import main
from ingestion.config import load_settings
from ingestion.publish.publisher import (
    PublishError,
    current_version,
    publish_marts,
    published_versions,
    rollback_marts,
)
from ingestion.warehouse import connect
from tests.publish.test_publisher import published_counts
from tests.sample_marts import create_sample_marts


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    with connect(tmp_path / "warehouse.duckdb") as connection:
        create_sample_marts(connection)
    return tmp_path


def test_rollback_restores_the_version_before(var_dir: Path) -> None:
    warehouse, published = var_dir / "warehouse.duckdb", var_dir / "published"
    first = publish_marts(warehouse, published)
    with connect(warehouse) as connection:
        connection.execute("delete from marts.mart_funds where fund_key = 'f2'")
    second = publish_marts(warehouse, published)
    assert published_counts(published / "marts.duckdb")["mart_funds"] == 1

    assert rollback_marts(published) == (second.version, first.version)
    assert current_version(published) == first.version
    assert published_counts(published / "marts.duckdb")["mart_funds"] == 2
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == first.version
    # The version rolled back from is kept; nothing older is left to go back to.
    assert published_versions(published) == [first.version, second.version]
    with pytest.raises(PublishError, match="no version before"):
        rollback_marts(published)
    assert current_version(published) == first.version


def test_rollback_command(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_VAR_DIR", str(var_dir))
    monkeypatch.delenv("ASSIST_WAREHOUSE", raising=False)
    settings = load_settings()
    assert main(["rollback"]) == 1  # nothing published yet: said, not a traceback
    assert "nothing to roll back" in capsys.readouterr().err
    first = publish_marts(settings.warehouse_path, settings.published_dir)
    publish_marts(settings.warehouse_path, settings.published_dir)
    assert main(["rollback"]) == 0
    assert json.loads(capsys.readouterr().out)["restored"] == first.version
    assert current_version(settings.published_dir) == first.version
