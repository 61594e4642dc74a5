"""The quality tests' default candidate: the sample marts in a fresh DuckDB file
(a module that needs another defines its own ``warehouse``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.warehouse import connect
from tests.sample_marts import create_sample_marts


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as connection:
        create_sample_marts(connection)
    return path
