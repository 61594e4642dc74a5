"""The recovery the README promises, run as a user runs it: ``python -m ingestion ...``.

A site with one article whose unit slip (6,000 billion yuan) makes the quality gate
block the publish. Retracting that article with the command and re-running build,
audit and publish publishes the rest; the article's payload stays in landing.
The correction commands' errors exit 1 and store nothing.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.landing import LandingStore
from tests.corrections_site import (
    GOOD_ARTICLES,
    UNIT_SLIP,
    site_env,
    use_small_gazetteer,
    write_site,
)
from tests.readme_commands import readme_commands

pytestmark = pytest.mark.slow

WHO = "Test Analyst"

# The README's commands ("Correct or retract a fact"), run here as written, with real
# ids for its placeholders (tests/test_readme_commands.py maps them to this file).
README_RETRACT_BLOCKING = (
    ".venv/bin/python -m ingestion retract --article ARTICLE_ID --by 'Your Name' "
    "--reason 'unit slip'"
)
README_REBUILD = (
    ".venv/bin/python -m ingestion build && .venv/bin/python -m ingestion audit "
    "&& .venv/bin/python -m ingestion publish"
)
README_RETRACT_ARTICLE = (
    ".venv/bin/python -m ingestion retract --article ARTICLE_ID --by 'Your Name' --reason why"
)
README_RETRACT_FACT = (
    ".venv/bin/python -m ingestion retract --fact FACT_ID --by 'Your Name' --reason why"
)
README_CORRECT = (
    ".venv/bin/python -m ingestion correct FACT_ID --field payer --value 'Chengdu City' "
    "--by 'Your Name' --reason why"
)
README_UNDO = ".venv/bin/python -m ingestion undo CORRECTION_ID --by 'Your Name' --reason why"
README_LIST = ".venv/bin/python -m ingestion corrections"


def ingestion(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m ingestion ARGS`` in a shell-like environment pointed at the site."""
    env = {**os.environ, **site_env(settings), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "ingestion", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def readme(settings: Settings, command: str, **ids: str) -> subprocess.CompletedProcess[str]:
    """A README command as a reader types it in the checkout, placeholders filled in."""
    assert command in readme_commands(), f"the README shows no {command!r}"
    for placeholder, value in ids.items():
        command = command.replace(placeholder, shlex.quote(value))
    env = {**os.environ, **site_env(settings), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        ["bash", "-c", command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def blocked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """The site loaded and built; the gate blocks it. Returns the bad article's id."""
    settings = write_site(
        tmp_path_factory.mktemp("recovery"), {**GOOD_ARTICLES, "shanghai-yunnan.txt": UNIT_SLIP}
    )
    for step in ("collect", "load"):
        ok(ingestion(settings, step))
    use_small_gazetteer(settings)  # cheaper dbt builds; the articles' places are in it
    ok(ingestion(settings, "build"))
    audit = ingestion(settings, "audit")
    assert audit.returncode != 0, "the unit slip should fail the gate"
    assert "amount_cny" in audit.stderr
    refused = ingestion(settings, "publish")
    assert refused.returncode == 1 and not settings.published_db_path.exists()
    # What the analyst reads to find the article: the failing fund's evidence.
    ((article_id,),) = query(
        settings.warehouse_path,
        "select e.article_id from marts.mart_fact_evidence as e"
        " join marts.mart_funds as f on e.mart_key = f.fund_key where f.amount_cny > 1e12",
    )
    return settings, article_id


@pytest.fixture(scope="module")
def recovered(blocked: tuple[Settings, str]) -> tuple[Settings, str, str]:
    settings, article_id = blocked
    stored = ok(readme(settings, README_RETRACT_BLOCKING, ARTICLE_ID=article_id))
    ok(readme(settings, README_REBUILD))
    return settings, article_id, stored


def test_retracting_the_blocking_article_lets_the_rest_publish(
    recovered: tuple[Settings, str, str],
) -> None:
    settings, article_id, stored = recovered
    assert "Stored c0001" in stored and "retract article" in stored
    published = settings.published_db_path
    assert query(published, "select count(*) from mart_funds where amount_cny > 1e12") == [(0,)]
    assert query(published, "select count(*) from mart_funds") == [(2,)]  # the good articles'
    cited = query(
        published, "select count(*) from mart_fact_evidence where article_id = ?", [article_id]
    )
    assert cited == [(0,)]
    # Nothing is deleted: the article and its landed payload stay.
    ((content_hash,),) = query(
        settings.warehouse_path,
        "select content_hash from raw.articles where article_id = ?",
        [article_id],
    )
    assert b"6,000 billion" in LandingStore(settings.landing_dir).read_payload(content_hash)


def test_the_listing_shows_who_what_and_why(recovered: tuple[Settings, str, str]) -> None:
    settings, article_id, _ = recovered
    listing = ok(ingestion(settings, "corrections"))
    header, row = listing.splitlines()[:2]
    assert header.split() == ["id", "when", "who", "what", "before", "after", "why", "undone"]
    assert row.startswith("c0001") and "Your Name" in row and article_id in row
    assert "unit slip" in row


def test_correct_and_undo_from_the_command_line(recovered: tuple[Settings, str, str]) -> None:
    settings, _, _ = recovered
    (fact_id,) = query(
        settings.published_db_path,
        "select e.fact_id from mart_fact_evidence as e join mart_funds as f"
        " on e.mart_key = f.fund_key where f.payer_name = 'Jinniu District'",
    )[0]
    stored = ok(
        ingestion(
            settings, "correct", fact_id, "--field", "payer", "--value", "Chengdu City",
            "--by", WHO, "--reason", "the city paid",
        )
    )  # fmt: skip
    assert "Stored c0002" in stored
    ok(ingestion(settings, "undo", "c0002", "--by", WHO, "--reason", "it was the district"))
    listed = json.loads(ok(ingestion(settings, "corrections", "--json")))
    by_id = {c["correction_id"]: c for c in listed}
    assert by_id["c0002"]["value_before"] == "Jinniu District"
    assert by_id["c0002"]["value_after"] == "Chengdu City"
    assert by_id["c0002"]["undone_by"] == "c0003"
    assert by_id["c0003"]["undoes"] == "c0002"
    assert by_id["c0001"]["undone_by"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retract", "--article", "0000000000000000"], "no article"),
        (["retract", "--fact", "nope"], "no fact"),
        (["correct", "nope", "--field", "payer", "--value", "X"], "no fact"),
        (["correct", "FUND", "--field", "product", "--value", "tea"], "has no field 'product'"),
        (["correct", "FUND", "--field", "colour", "--value", "red"], "unknown field"),
        (["correct", "FUND", "--field", "year", "--value", "twenty"], "not a year"),
        (["correct", "FUND", "--field", "amount", "--value", "lots"], "not a number"),
        (["undo", "c9999"], "no correction"),
    ],
)
def test_bad_requests_exit_1_and_store_nothing(
    recovered: tuple[Settings, str, str], args: list[str], message: str
) -> None:
    settings, _, _ = recovered
    ((fund_id,),) = query(settings.warehouse_path, "select min(fact_id) from raw.facts_fund")
    args = [fund_id if a == "FUND" else a for a in args]
    before = query(settings.warehouse_path, "select count(*) from raw.corrections")
    result = ingestion(settings, *args, "--by", WHO, "--reason", "r")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Nothing stored" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert query(settings.warehouse_path, "select count(*) from raw.corrections") == before


def test_the_readme_commands_correct_retract_undo_and_list(
    recovered: tuple[Settings, str, str],
) -> None:
    """Each README command of the section, in turn; every change is undone again."""
    settings, _, _ = recovered
    fact_id, article_id = query(
        settings.warehouse_path,
        "select f.fact_id, f.article_id from raw.facts_fund as f"
        " where f.amount_cny < 1e12 order by f.fact_id limit 1",
    )[0]

    def stored(result: subprocess.CompletedProcess[str]) -> str:
        match = re.search(r"Stored (c\d+)", ok(result))
        assert match, result.stdout
        return match.group(1)

    done = [
        stored(readme(settings, README_CORRECT, FACT_ID=fact_id)),
        stored(readme(settings, README_RETRACT_FACT, FACT_ID=fact_id)),
        stored(readme(settings, README_RETRACT_ARTICLE, ARTICLE_ID=article_id)),
    ]
    for correction_id in done:
        stored(readme(settings, README_UNDO, CORRECTION_ID=correction_id))
    listing = ok(readme(settings, README_LIST))
    for correction_id in done:
        assert re.search(rf"^{correction_id}\b.*\byes \(c\d+\)", listing, re.M), listing
    assert "Chengdu City" in listing
