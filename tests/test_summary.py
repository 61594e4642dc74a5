"""The end of `make demo`: each mart, its rows and what it holds, three answers, the log.

Run on the sample marts as published by the real publisher, with the manifest
a real `dbt parse` writes (the descriptions are read from it, not copied).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import SUMMARY_EXAMPLES
from ingestion.examples import read_examples
from ingestion.publish.publisher import publish_marts
from ingestion.summary import first_sentence, mart_summaries, newcomer_summary
from ingestion.transform.dbt_runner import DBT_PROJECT_DIR, run_dbt
from ingestion.warehouse import connect
from tests.sample_marts import create_sample_marts


@dataclass(frozen=True)
class Published:
    db: Path
    manifest: Path


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("summary")
    warehouse = root / "warehouse.duckdb"
    with connect(warehouse) as connection:
        create_sample_marts(connection)
    result = publish_marts(warehouse, root / "published")
    target = root / "dbt_target"
    run_dbt(["parse", "--no-static-parser"], warehouse, target)
    db = root / "published" / "marts.duckdb"
    assert db.exists(), result
    return Published(db, target / "manifest.json")


def _yml_description(model: str) -> str:
    [path] = list((DBT_PROJECT_DIR / "models").rglob(f"{model}.yml"))
    [entry] = yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
    return entry["description"]


def test_first_sentence_stops_at_the_first_full_stop() -> None:
    assert first_sentence("Funds paid.  More text. Even more.") == "Funds paid."
    assert first_sentence("Sums (e.g. 4.6 bn) by year. Rest.") == "Sums (e.g. 4.6 bn) by year."
    assert first_sentence("No full stop") == "No full stop"


@pytest.mark.slow
def test_each_mart_has_its_row_count_and_its_dbt_description(published: Published) -> None:
    marts = {m.name: m for m in mart_summaries(published.db, published.manifest)}
    with duckdb.connect(str(published.db), read_only=True) as connection:
        for name, mart in marts.items():
            [(rows,)] = connection.execute(f'select count(*) from "{name}"').fetchall()
            assert mart.rows == rows
    assert {"mart_funds", "mart_poverty_exits", "dim_region"} <= set(marts)
    for name, mart in marts.items():
        expected = first_sentence(_yml_description(name))
        assert mart.description == expected and expected.endswith("."), name


@pytest.mark.slow
def test_summary_ends_with_three_answered_questions_and_the_log(
    published: Published, tmp_path: Path
) -> None:
    log = tmp_path / "demo.log"
    text = newcomer_summary(published.db, published.manifest, log_path=log)

    marts = mart_summaries(published.db, published.manifest)
    for mart in marts:
        [line] = [x for x in text.splitlines() if x.startswith(f"  {mart.name} ")]
        unit = "row" if mart.rows == 1 else "rows"
        assert line.split()[1:3] == [f"{mart.rows:,}", unit]
        assert line.endswith(f"  {mart.description}")
    questions = {e.name: e.question for e in read_examples()}
    assert len(SUMMARY_EXAMPLES) == 3
    positions = [text.index(questions[name]) for name in SUMMARY_EXAMPLES]
    assert positions == sorted(positions)
    # The answers themselves, from the published sample marts.
    assert "Zhejiang | region | 1" in text  # helpers_of_most_counties: Zhejiang helps Luding
    # No Liangshan county in the sample marts: said so, not an empty table.
    assert "(no rows in these marts)" in text
    assert text.rstrip().endswith(f"Airflow and dbt logs of this run: {log}")
