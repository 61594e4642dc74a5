"""Poverty exits: one row per statement, and the news checked against the statistics.

A real dbt build of the raw fixture plus a few exit facts written for this test:
county-level exits that name the county (agreeing with, differing from and
missing in the statistical source ``dim_region.poverty_exit_year``), then one
sentence read as two county rows of the same place, which the mart's data test
must refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.examples import read_examples
from ingestion.transform.dbt_runner import DbtError, DbtResult, build_models, run_dbt
from ingestion.warehouse import connect
from tests.transform.raw_fixture import LOADED_AT, load_fixture

pytestmark = pytest.mark.slow

TEST_NAME = "assert_one_exit_row_per_sentence_level_and_place"
QUERY = "counties_that_left_poverty_in_2020"

# (fact_id, article, level, exited, total, remaining, rate_pct, region, region_code, year, sentence)
COUNTY_EXITS = [
    # The statistics say 2020 too.
    ("x1", "a3", "county", 1, None, None, None, "Zhaojue County", None, 2020,
     "Zhaojue County was removed from the list of poor counties in 2020."),
    # No statistic for Garze County.
    ("x2", "a4", "county", 1, None, None, None, "Garze County", None, 2020,
     "Garze County left the poverty list in 2020."),
    # The statistics say 2020; this article says 2019.
    ("x3", "a5", "county", 1, None, None, None, "Hotan County", None, 2019,
     "Hotan County shook off poverty in 2019."),
]  # fmt: skip
# One sentence, read as two county rows of one place: "the last eight ... all 54".
TWO_ROWS_ONE_SENTENCE = (
    "With its last eight counties exiting in 2020, all 54 poor counties of the region are out."
)
DOUBLE_READ = [
    ("x4", "a6", "county", 8, None, None, None, "Xinjiang Uygur Autonomous Region", None, 2020),
    ("x5", "a6", "county", 54, None, None, None, "Xinjiang Uygur Autonomous Region", None, 2020),
]  # fmt: skip


@dataclass(frozen=True)
class Built:
    warehouse: Path
    result: DbtResult
    target_dir: Path


def _insert_exits(warehouse: Path, rows: list[tuple[Any, ...]], loaded_at: datetime) -> None:
    with connect(warehouse) as connection:
        for *fact, sentence in rows:
            connection.execute(
                "insert into raw.facts_exit values"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, 0, ?, 'test-1', 0.8, ?)",
                [*fact, sentence, len(sentence), loaded_at],
            )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    var_dir = tmp_path_factory.mktemp("exits") / "var"
    settings = Settings(
        project_root=PROJECT_ROOT, var_dir=var_dir, sources_file=PROJECT_ROOT / "sources.yml"
    )
    with connect(settings.warehouse_path) as connection:
        load_fixture(connection)
    _insert_exits(settings.warehouse_path, COUNTY_EXITS, LOADED_AT)
    target = var_dir / "dbt_target"
    return Built(settings.warehouse_path, build_models(settings, target_dir=target), target)


def _answer(warehouse: Path, name: str) -> list[dict[str, Any]]:
    [example] = [e for e in read_examples() if e.name == name]
    with connect(warehouse) as connection:
        connection.execute("set schema = 'marts'")
        cursor = connection.execute(example.sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_counties_that_left_poverty_in_2020_are_checked_against_the_statistics(
    built: Built,
) -> None:
    rows = _answer(built.warehouse, QUERY)
    columns = ("news_exit_year", "statistical_exit_year", "check_against_statistics")
    found = {r["county"]: tuple(r[c] for c in columns) for r in rows}
    assert found == {
        "Zhaojue County": (2020, 2020, "same"),
        "Garze County": (2020, None, "news only"),
        "Hotan County": (2019, 2020, "differs"),
        # In the statistics, not in the news (the fixture's Shiqu exit is no county-level figure).
        "Shiqu County": (None, 2020, "statistics only"),
    }
    garze = next(r for r in rows if r["county"] == "Garze County")
    assert garze["article_ids"] == "a4" and garze["province"] == "Sichuan Province"
    # Where both sources give a year, the answer is the statistics' unless flagged.
    for county, (news, stats, check) in found.items():
        if news is not None and stats is not None:
            assert (news == stats) == (check == "same"), county


def test_one_exit_row_per_sentence_test_passes_then_catches_a_double_reading(
    built: Built,
) -> None:
    [node] = [n for n in built.result.nodes if n.unique_id.endswith(f".{TEST_NAME}")]
    assert node.status == "pass"
    # The extractor reads one sentence as two county rows of Xinjiang (8 and 54).
    _insert_exits(
        built.warehouse,
        [(*row, TWO_ROWS_ONE_SENTENCE) for row in DOUBLE_READ],
        datetime.now(UTC),
    )
    with pytest.raises(DbtError) as caught:
        run_dbt(["build", "--select", "stg_facts_exit+"], built.warehouse, built.target_dir)
    failed = [n for n in caught.value.result.nodes if n.status in ("fail", "error")]
    assert [n.unique_id.rsplit(".", 1)[-1] for n in failed] == [TEST_NAME]
    with connect(built.warehouse) as connection:
        rows = connection.execute(
            "select exited from marts.mart_poverty_exits where evidence = ? order by exited",
            [TWO_ROWS_ONE_SENTENCE],
        ).fetchall()
    assert rows == [(8,), (54,)]  # what the test found: two rows from one sentence
