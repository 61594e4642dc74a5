"""Extract facts from articles the current extractor has not read yet into ``raw.facts_*``.

When the extractor version changes, every article is read again and its old
facts are replaced, so the raw tables always hold one extractor's opinion.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ingestion.extract import EXTRACTOR_VERSION, extract_facts
from ingestion.extract.models import FACT_TYPES, Fact
from ingestion.identifiers import checked_identifier
from ingestion.load.bulk import delete_where_in, insert_rows
from ingestion.load.quarantine import QuarantineRecord, quarantine_many
from ingestion.parse.limits import TimeLimitExceeded, time_limit
from ingestion.warehouse import Connection
from ingestion.warehouse_postgres import PostgresConnection

# Bounds on one article's extraction. Measured: about 6.5 s per million characters of
# dense news text, linear; a news article is a few thousand characters.
MAX_EXTRACT_CHARS = 1_000_000
EXTRACT_TIME_LIMIT_SECONDS = 30.0
# Articles per written batch (see ingestion.load.articles.BATCH_SIZE); ~24 facts each.
BATCH_SIZE = 500

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
        # The first fact with this identity keeps the plain id (occurrence 0 is
        # hashed as no occurrence): one hash per fact, not two.
        occurrence = used[base]
        identified.append((fact_id_for(fact, occurrence) if occurrence else base, fact))
        used[base] += 1
    return identified


def _fact_row(fact: Fact, fact_id: str, extracted_at: datetime) -> dict[str, Any]:
    row = fact.to_row()
    row["article_id"] = row.pop("doc")
    row["fact_id"] = fact_id
    row["extracted_at"] = extracted_at
    return row


@dataclass(frozen=True)
class ExtractedArticle:
    """What extraction made of one article: its facts, or the reason there are none."""

    article_id: str
    source_id: str
    facts: list[Fact] = field(default_factory=list)
    reason: str | None = None
    excerpt: str = ""


def extract_one(article_id: str, source_id: str, text: str) -> ExtractedArticle:
    """Extract one article's facts under the size and time bounds; never raises."""
    try:
        if len(text) > MAX_EXTRACT_CHARS:
            raise ValueError(
                f"article is {len(text)} characters, above the {MAX_EXTRACT_CHARS} cap"
            )
        with time_limit(EXTRACT_TIME_LIMIT_SECONDS, "extracting facts"):
            facts = extract_facts(article_id, text)
    except (Exception, TimeLimitExceeded) as error:
        return ExtractedArticle(
            article_id,
            source_id,
            reason=f"{type(error).__name__}: {error}",
            excerpt=text[:500],
        )
    return ExtractedArticle(article_id, source_id, facts=facts)


@dataclass(frozen=True)
class ExtractedRows:
    """A batch of extracted articles as the rows they write: what a batch file holds.

    ``facts`` maps a fact type to its rows (``raw.facts_<type>`` columns);
    ``article_ids`` are the articles whose facts the rows replace (those read
    without error, none of their facts dropped); ``runs`` are their
    ``raw.extraction_runs`` rows; ``refused`` the articles extraction quarantined.
    """

    facts: dict[str, list[dict[str, Any]]]
    article_ids: list[str]
    runs: list[tuple[str, str, int, datetime]]
    refused: list[QuarantineRecord]


def extracted_rows(batch: list[ExtractedArticle], now: datetime) -> ExtractedRows:
    """The rows a batch of extracted articles writes (no database: a worker can make them)."""
    done = [article for article in batch if article.reason is None]
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for article in done:
        for fact_id, fact in identified_facts(article.facts):
            by_type[fact.type].append(_fact_row(fact, fact_id, now))
    return ExtractedRows(
        facts=dict(by_type),
        article_ids=[article.article_id for article in done],
        runs=[(a.article_id, EXTRACTOR_VERSION, len(a.facts), now) for a in done],
        refused=[
            QuarantineRecord(
                stage="extract",
                source_id=article.source_id,
                reference=article.article_id,
                reason=article.reason,
                payload=article.excerpt,
            )
            for article in batch
            if article.reason is not None
        ],
    )


def extracted_already(connection: Connection, article_ids: list[str], version: str) -> set[str]:
    """Those of ``article_ids`` that extractor ``version`` has read (``raw.extraction_runs``)."""
    if not article_ids:
        return set()
    # One statement with the ids as one array parameter, in each warehouse's dialect.
    listed = (
        "article_id = any(?)"
        if isinstance(connection, PostgresConnection)
        else "list_contains(?, article_id)"
    )
    rows = connection.execute(
        f"select article_id from raw.extraction_runs where extractor_version = ? and {listed}",
        [version, article_ids],
    ).fetchall()
    return {row[0] for row in rows}


def write_extracted(connection: Connection, batch: list[ExtractedArticle]) -> None:
    """Replace the facts of a batch of articles set-based, in one transaction."""
    write_extracted_rows(connection, extracted_rows(batch, datetime.now(UTC)))


def write_extracted_rows(connection: Connection, rows: ExtractedRows) -> None:
    """Write a batch's rows in one transaction.

    Per fact table: one delete of the batch's articles, one insert of their facts;
    then one upsert of their extraction runs. Re-running a batch replaces its rows;
    a batch that fails part-way is rolled back whole and redone by the next run.
    """
    connection.execute("begin transaction")
    try:
        _write_rows(connection, rows)
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")


def _write_rows(connection: Connection, rows: ExtractedRows) -> None:
    for fact_type in FACT_TYPES:
        # fact_type comes from our own constant, never from input: safe in an identifier.
        table = f"raw.{checked_identifier(f'facts_{fact_type}')}"
        delete_where_in(connection, table, "article_id", rows.article_ids)
        type_rows = rows.facts.get(fact_type)
        if type_rows:
            columns = list(type_rows[0])
            values = [[row[c] for c in columns] for row in type_rows]
            insert_rows(connection, table, columns, values, key=("fact_id",))
    insert_rows(
        connection,
        "raw.extraction_runs",
        ("article_id", "extractor_version", "fact_count", "extracted_at"),
        rows.runs,
        key=("article_id", "extractor_version"),
        on_conflict="replace",
    )
    quarantine_many(connection, rows.refused)


def _replace_facts(connection: Connection, article_id: str, facts: list[Fact]) -> None:
    """Replace one article's facts inside the caller's transaction (a batch of one)."""
    batch = [ExtractedArticle(article_id, "", facts=facts)]
    _write_rows(connection, extracted_rows(batch, datetime.now(UTC)))


Extractor = Callable[[list[tuple[str, str, str]]], Iterable[ExtractedArticle]]


def extract_new_articles(
    connection: Connection,
    *,
    extractor: Extractor | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict[str, int]:
    """Extract every article not read by this extractor version; return counts.

    ``extractor`` turns (article_id, source_id, text) rows into extracted articles
    in order (default: one by one in this process); written in batches.
    """
    counts = {"articles": 0, "facts": 0, "quarantined": 0}
    pending = connection.execute(_PENDING_SQL, [EXTRACTOR_VERSION]).fetchall()
    if extractor is None:
        results: Iterable[ExtractedArticle] = (extract_one(*row) for row in pending)
    else:
        results = extractor(pending)
    batch: list[ExtractedArticle] = []
    for article in results:
        batch.append(article)
        if len(batch) >= batch_size:
            _write_and_count(connection, batch, counts)
            batch = []
    if batch:
        _write_and_count(connection, batch, counts)
    return counts


def _write_and_count(
    connection: Connection, batch: list[ExtractedArticle], counts: dict[str, int]
) -> None:
    write_extracted(connection, batch)
    for article in batch:
        if article.reason is None:
            counts["articles"] += 1
            counts["facts"] += len(article.facts)
        else:
            counts["quarantined"] += 1
