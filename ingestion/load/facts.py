"""Extract facts from articles the current extractor has not read yet into ``raw.facts_*``.

When the extractor version changes, every article is read again and its old
facts are replaced, so the raw tables always hold one extractor's opinion.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import duckdb

from ingestion.extract import EXTRACTOR_VERSION, extract_facts
from ingestion.extract.models import FACT_TYPES, Fact
from ingestion.identifiers import checked_identifier
from ingestion.load.quarantine import quarantine
from ingestion.parse.limits import TimeLimitExceeded, time_limit

# Bounds on one article's extraction. Measured: about 6.5 s per million characters of
# dense news text, linear; a news article is a few thousand characters.
MAX_EXTRACT_CHARS = 1_000_000
EXTRACT_TIME_LIMIT_SECONDS = 30.0

_PENDING_SQL = """
select article_id, source_id, text
from raw.articles
where article_id not in (
    select article_id from raw.extraction_runs where extractor_version = ?
)
order by article_id
"""


def fact_id_for(fact: Fact) -> str:
    """A stable id: the same fact read from the same sentence gets the same id."""
    contract = fact.to_contract()
    for provenance in ("extractor_version", "confidence", "evidence"):
        contract.pop(provenance, None)
    digest = hashlib.sha256(json.dumps(contract, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]


def _fact_row(fact: Fact, extracted_at: datetime) -> dict[str, Any]:
    row = fact.to_row()
    row["article_id"] = row.pop("doc")
    row["fact_id"] = fact_id_for(fact)
    row["extracted_at"] = extracted_at
    return row


def _insert_rows(connection: duckdb.DuckDBPyConnection, fact_type: str, rows: list[dict]) -> None:
    # Identifiers only: the fact type is our constant and the columns are the fields of
    # our Fact rows, each checked; every value is a ? parameter.
    table = checked_identifier(f"facts_{fact_type}")
    columns = [checked_identifier(c) for c in rows[0]]
    connection.executemany(
        f"insert into raw.{table} ({', '.join(columns)}) "
        f"values ({', '.join('?' for _ in columns)}) on conflict do nothing",
        [[row[c] for c in columns] for row in rows],
    )


def _replace_facts(
    connection: duckdb.DuckDBPyConnection, article_id: str, facts: list[Fact]
) -> None:
    now = datetime.now(UTC)
    by_type: dict[str, list[dict]] = defaultdict(list)
    for fact in facts:
        by_type[fact.type].append(_fact_row(fact, now))
    for fact_type in FACT_TYPES:
        # fact_type comes from our own constant, never from input: safe in an identifier.
        table = checked_identifier(f"facts_{fact_type}")
        connection.execute(f"delete from raw.{table} where article_id = ?", [article_id])
        if by_type[fact_type]:
            _insert_rows(connection, fact_type, by_type[fact_type])
    connection.execute(
        """
        insert or replace into raw.extraction_runs
            (article_id, extractor_version, fact_count, extracted_at)
        values (?, ?, ?, ?)
        """,
        [article_id, EXTRACTOR_VERSION, len(facts), now],
    )


def extract_new_articles(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Extract every article not read by this extractor version; return counts."""
    counts = {"articles": 0, "facts": 0, "quarantined": 0}
    pending = connection.execute(_PENDING_SQL, [EXTRACTOR_VERSION]).fetchall()
    for article_id, source_id, text in pending:
        try:
            if len(text) > MAX_EXTRACT_CHARS:
                raise ValueError(
                    f"article is {len(text)} characters, above the {MAX_EXTRACT_CHARS} cap"
                )
            with time_limit(EXTRACT_TIME_LIMIT_SECONDS, "extracting facts"):
                facts = extract_facts(article_id, text)
        except (Exception, TimeLimitExceeded) as error:
            quarantine(
                connection,
                stage="extract",
                source_id=source_id,
                reference=article_id,
                reason=f"{type(error).__name__}: {error}",
                payload=text[:500],
            )
            counts["quarantined"] += 1
            continue
        connection.execute("begin transaction")
        _replace_facts(connection, article_id, facts)
        connection.execute("commit")
        counts["articles"] += 1
        counts["facts"] += len(facts)
    return counts
