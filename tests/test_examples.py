"""The example BI queries file parses into named questions (run for real in tests/e2e)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.examples import read_examples
from ingestion.transform.catalogue import published_tables


def test_the_shipped_examples_cover_every_published_mart(dbt_manifest: Path):
    examples = read_examples()
    names = [example.name for example in examples]
    assert len(names) == len(set(names))
    text = " ".join(example.sql for example in examples)
    marts = published_tables()
    assert len(marts) >= 10  # the catalogue read every mart's dbt meta
    for mart in marts:
        assert mart in text, mart
    assert all(example.question and not example.sql.endswith(";") for example in examples)


def test_a_block_without_a_question_is_refused(tmp_path: Path):
    path = tmp_path / "queries.sql"
    path.write_text("-- name: first\n-- question: Q?\nselect 1;\n\n-- name: second\nselect 2;\n")
    with pytest.raises(ValueError, match="second"):
        read_examples(path)
    path.write_text("-- name: only\n-- question: How many?\nselect 1 as n;\n")
    [example] = read_examples(path)
    assert (example.name, example.question, example.sql) == ("only", "How many?", "select 1 as n")
