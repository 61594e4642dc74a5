"""The sources file: validated on load, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ingestion.config import PROJECT_ROOT
from ingestion.identifiers import checked_identifier
from ingestion.sources import CsvTableSource, FeedSource, load_sources


def test_the_project_sources_file_is_valid_and_has_every_kind():
    sources = load_sources(PROJECT_ROOT / "sources.yml")
    kinds = {source.kind for source in sources}
    assert kinds == {"local_folder", "feed", "page", "csv_table", "xlsx_table"}
    feed = next(s for s in sources if isinstance(s, FeedSource))
    assert feed.fetch.allow_private_addresses is False


def test_every_sample_source_points_at_a_file_that_exists():
    for source in load_sources(PROJECT_ROOT / "sources.yml"):
        location = getattr(source, "path", None) or getattr(source, "url", "")
        assert (PROJECT_ROOT / location).exists(), f"{source.id}: {location} is missing"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("sources: [{id: Bad-Id, kind: page, url: x}]", "must match"),
        ("sources: [{id: a, kind: ftp, url: x}]", "kind"),
        ("sources: [{id: a, kind: page, url: x}, {id: a, kind: page, url: y}]", "duplicate"),
        ("sources: [{id: a, kind: page, url: x, colour: red}]", "colour"),
        (
            "sources: [{id: a, kind: csv_table, url: x, table: 'x; drop table y', key: [k],"
            " columns: [{name: k, type: varchar}]}]",
            "stat_",
        ),
        (
            "sources: [{id: a, kind: xlsx_table, url: x, table: stat_a, key: [year],"
            " columns: [{name: k, type: varchar}]}]",
            "key \\['year'\\] must name declared columns",
        ),
        (
            "sources: [{id: a, kind: xlsx_table, url: x, table: stat_a, key: [k], header_row: 0,"
            " columns: [{name: k, type: varchar}]}]",
            "header_row",
        ),
    ],
)
def test_a_bad_sources_file_fails_with_a_message_naming_the_problem(
    tmp_path: Path, yaml_text: str, message: str
):
    path = tmp_path / "sources.yml"
    path.write_text(yaml_text)
    with pytest.raises(ValidationError, match=message):
        load_sources(path)


def test_csv_column_names_must_be_identifiers(tmp_path: Path):
    path = tmp_path / "sources.yml"
    path.write_text(
        "sources: [{id: a, kind: csv_table, url: x, table: stat_a, key: [k],"
        " columns: [{name: 'k\"; --', type: varchar}]}]"
    )
    with pytest.raises(ValidationError, match="column name"):
        load_sources(path)
    assert CsvTableSource  # imported for the type the file declares


@pytest.mark.parametrize(
    "name", ["raw.articles", "x; drop table raw.articles", 'a"b', "Upper", "", "1abc", "a" * 64]
)
def test_identifiers_pasted_into_sql_are_checked(name: str):
    with pytest.raises(ValueError, match="not a valid identifier"):
        checked_identifier(name)


def test_a_plain_identifier_passes():
    assert checked_identifier("facts_pairing") == "facts_pairing"


@pytest.mark.parametrize("url", ["https://bot:hunter2@news.example/feed.xml", "http://u:p@h/x"])
def test_credentials_in_a_source_url_are_refused(url: str):
    with pytest.raises(ValidationError, match="credentials"):
        FeedSource(id="feed", kind="feed", url=url)
