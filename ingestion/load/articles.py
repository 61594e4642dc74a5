"""Parse newly landed article payloads into ``raw.articles``.

A payload is parsed once (``raw.parsed_payloads`` remembers it). The article id
is a hash of the parsed text, so the same story landed under two URLs is one
article; a payload that yields no article goes to quarantine with the reason.

Payloads are parsed in batches; each batch's articles, bookkeeping rows and
quarantine rows are written set-based in one transaction, so a crash leaves
whole batches behind and the next run parses the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ingestion.landing import LandingStore
from ingestion.load.bulk import insert_rows
from ingestion.load.quarantine import QuarantineRecord, quarantine_many
from ingestion.parse.document import PARSER_VERSION, ParseError, parse_payload
from ingestion.warehouse import Connection

# Payloads per written batch: large enough that per-statement costs vanish, small
# enough that a batch's parsed texts (~5 KB each) stay a few MB.
BATCH_SIZE = 500

# The first successful fetch of each payload not parsed yet.
_NEW_PAYLOADS_SQL = """
select content_hash, source_id, url, content_type, fetched_at
from (
    select content_hash, source_id, url, content_type, fetched_at,
           row_number() over (partition by content_hash order by fetched_at, attempt_id) as nth
    from raw.fetch_log
    where payload_kind = 'article'
      and content_hash is not null
      and content_hash not in (select content_hash from raw.parsed_payloads)
) as attempts
where nth = 1
order by fetched_at, content_hash
"""

_ARTICLE_COLUMNS = (
    "article_id",
    "source_id",
    "url",
    "content_hash",
    "title",
    "published_date",
    "text",
    "fetched_at",
    "parsed_at",
    "parser_version",
)


@dataclass(frozen=True)
class PendingPayload:
    """A landed article payload not parsed yet (from ``raw.fetch_log``)."""

    content_hash: str
    source_id: str
    url: str
    content_type: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class ParsedPayload:
    """What parsing one payload gave: an article, or the reason there is none."""

    pending: PendingPayload
    parsed_at: datetime
    article_id: str | None = None
    title: str | None = None
    published_date: date | None = None
    text: str | None = None
    reason: str | None = None


def article_id_for(text: str) -> str:
    """Identity of an article: its text with white space folded and case ignored."""
    normalised = " ".join(text.split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def parse_one(pending: PendingPayload, payload: bytes | None) -> ParsedPayload:
    """Parse one payload (``None``: it could not be read); never raises for bad input."""
    now = datetime.now(UTC)
    try:
        if payload is None:
            raise OSError(f"payload {pending.content_hash} is missing from landing")
        document = parse_payload(payload, pending.content_type)
    except (ParseError, OSError, ValueError) as error:
        return ParsedPayload(pending, now, reason=f"{type(error).__name__}: {error}")
    except Exception as error:
        # A parser bug on hostile input must not stop the batch: quarantine it, say so.
        reason = f"unexpected {type(error).__name__} while parsing: {error}"
        return ParsedPayload(pending, now, reason=reason)
    return ParsedPayload(
        pending,
        now,
        article_id=article_id_for(document.text),
        title=document.title,
        published_date=document.published_date,
        text=document.text,
    )


def read_and_parse(landing: LandingStore, pending: PendingPayload) -> ParsedPayload:
    try:
        payload = landing.read_payload(pending.content_hash)
    except OSError as error:
        now = datetime.now(UTC)
        return ParsedPayload(pending, now, reason=f"{type(error).__name__}: {error}")
    return parse_one(pending, payload)


def pending_payloads(connection: Connection) -> list[PendingPayload]:
    return [PendingPayload(*row) for row in connection.execute(_NEW_PAYLOADS_SQL).fetchall()]


def write_parsed(connection: Connection, batch: list[ParsedPayload]) -> int:
    """Write one batch in one transaction; return how many articles were new."""
    articles = [
        (
            p.article_id,
            p.pending.source_id,
            p.pending.url,
            p.pending.content_hash,
            p.title,
            p.published_date,
            p.text,
            p.pending.fetched_at,
            p.parsed_at,
            PARSER_VERSION,
        )
        for p in batch
        if p.reason is None
    ]
    bookkeeping = [(p.pending.content_hash, p.article_id, p.parsed_at) for p in batch]
    refused = [
        QuarantineRecord(
            stage="parse",
            source_id=p.pending.source_id,
            reference=p.pending.url,
            reason=p.reason,
            payload=p.pending.content_hash,
        )
        for p in batch
        if p.reason is not None
    ]
    connection.execute("begin transaction")
    try:
        inserted = insert_rows(
            connection, "raw.articles", _ARTICLE_COLUMNS, articles, key=("article_id",)
        )
        insert_rows(
            connection,
            "raw.parsed_payloads",
            ("content_hash", "article_id", "parsed_at"),
            bookkeeping,
            key=("content_hash",),
        )
        quarantine_many(connection, refused)
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")
    return inserted


def _batches(items: Iterable[ParsedPayload], size: int) -> Iterator[list[ParsedPayload]]:
    batch: list[ParsedPayload] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


Parser = Callable[[list[PendingPayload]], Iterable[ParsedPayload]]


def parse_new_payloads(
    connection: Connection,
    landing: LandingStore,
    *,
    parser: Parser | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict[str, int]:
    """Parse every article payload not parsed before; return counts by outcome.

    ``parser`` turns the pending payloads into parsed ones in order (default: one
    by one in this process); results are written in batches of ``batch_size``.
    """
    counts = {"parsed": 0, "duplicates": 0, "quarantined": 0}
    pending = pending_payloads(connection)
    if parser is None:
        results: Iterable[ParsedPayload] = (read_and_parse(landing, p) for p in pending)
    else:
        results = parser(pending)
    for batch in _batches(results, batch_size):
        inserted = write_parsed(connection, batch)
        ok = sum(1 for p in batch if p.reason is None)
        counts["parsed"] += inserted
        counts["duplicates"] += ok - inserted
        counts["quarantined"] += len(batch) - ok
    return counts
