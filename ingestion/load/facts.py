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
from ingestion.load.quarantine import quarantine
from ingestion.parse.limits import TimeLimitExceeded, time_limit
from ingestion.sources import checked_identifier

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


# What a fact *is*, as opposed to what an extractor concluded about it: the figure
# (or, for a pairing, the two parties) read from one sentence of one article.
# Payer, place, period, qualifier and codes are left out: they are the conclusions
# a better extractor changes, and an analyst's correction of them (keyed on the
# fact id, see ingestion/corrections) must survive re-extraction.
IDENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "pairing": ("helper", "helped"),
    "fund": ("amount_cny",),
    "output": ("measure", "value"),
    "exit": ("level", "exited", "total", "remaining", "rate_pct"),
}


def fact_id_for(fact: Fact, occurrence: int = 0) -> str:
    """A stable id: the same figure read from the same sentence gets the same id.

    Independent of the extractor version and of the attributes it chose (payer,
    region, year, ...). ``occurrence`` tells apart facts of one sentence that share
    their figure (the second gets 1, ...); the first keeps the plain id.
    """
    identity: dict[str, Any] = {
        "doc": fact.doc,
        "type": fact.type,
        "start_char": fact.evidence.start_char,
        "end_char": fact.evidence.end_char,
    }
    for name in IDENTITY_FIELDS[fact.type]:
        identity[name] = getattr(fact, name)
    if occurrence:
        identity["occurrence"] = occurrence
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]


def _contract_key(fact: Fact) -> str:
    contract = fact.to_contract()
    for provenance in ("extractor_version", "confidence"):
        contract.pop(provenance, None)
    return json.dumps(contract, sort_keys=True, default=str)


def identified_facts(facts: list[Fact]) -> list[tuple[str, Fact]]:
    """One article's facts with their ids, exact repeats dropped, ties numbered in order."""
    seen: set[str] = set()
    used: dict[str, int] = defaultdict(int)
    identified = []
    for fact in facts:
        key = _contract_key(fact)
        if key in seen:
            continue
        seen.add(key)
        base = fact_id_for(fact)
        identified.append((fact_id_for(fact, used[base]), fact))
        used[base] += 1
    return identified


def _fact_row(fact: Fact, fact_id: str, extracted_at: datetime) -> dict[str, Any]:
    row = fact.to_row()
    row["article_id"] = row.pop("doc")
    row["fact_id"] = fact_id
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
    for fact_id, fact in identified_facts(facts):
        by_type[fact.type].append(_fact_row(fact, fact_id, now))
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
