"""Parse newly landed article payloads into ``raw.articles``.

A payload is parsed once (``raw.parsed_payloads`` remembers it). The article id
is a hash of the parsed text, so the same story landed under two URLs is one
article; a payload that yields no article goes to quarantine with the reason.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb

from ingestion.landing import LandingStore
from ingestion.load.quarantine import quarantine
from ingestion.parse.document import PARSER_VERSION, ParseError, parse_payload

# The first successful fetch of each payload not parsed yet.
_NEW_PAYLOADS_SQL = """
select content_hash, source_id, url, content_type, fetched_at
from raw.fetch_log
where payload_kind = 'article'
  and content_hash is not null
  and content_hash not in (select content_hash from raw.parsed_payloads)
qualify row_number() over (partition by content_hash order by fetched_at, attempt_id) = 1
order by fetched_at, content_hash
"""


def article_id_for(text: str) -> str:
    """Identity of an article: its text with white space folded and case ignored."""
    normalised = " ".join(text.split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def parse_new_payloads(
    connection: duckdb.DuckDBPyConnection, landing: LandingStore
) -> dict[str, int]:
    """Parse every article payload not parsed before; return counts by outcome."""
    counts = {"parsed": 0, "duplicates": 0, "quarantined": 0}
    pending = connection.execute(_NEW_PAYLOADS_SQL).fetchall()
    for content_hash, source_id, url, content_type, fetched_at in pending:
        now = datetime.now(UTC)
        reason: str | None
        try:
            document = parse_payload(landing.read_payload(content_hash), content_type)
        except (ParseError, OSError, ValueError) as error:
            reason = f"{type(error).__name__}: {error}"
        except Exception as error:
            # A parser bug on hostile input must not stop the batch: quarantine it, say so.
            reason = f"unexpected {type(error).__name__} while parsing: {error}"
        else:
            reason = None
        if reason is not None:
            quarantine(
                connection,
                stage="parse",
                source_id=source_id,
                reference=url,
                reason=reason,
                payload=content_hash,
            )
            connection.execute(
                "insert into raw.parsed_payloads values (?, null, ?) on conflict do nothing",
                [content_hash, now],
            )
            counts["quarantined"] += 1
            continue
        article_id = article_id_for(document.text)
        inserted = connection.execute(
            """
            insert into raw.articles
                (article_id, source_id, url, content_hash, title, published_date, text,
                 fetched_at, parsed_at, parser_version)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict do nothing
            returning article_id
            """,
            [
                article_id,
                source_id,
                url,
                content_hash,
                document.title,
                document.published_date,
                document.text,
                fetched_at,
                now,
                PARSER_VERSION,
            ],
        ).fetchall()
        connection.execute(
            "insert into raw.parsed_payloads values (?, ?, ?) on conflict do nothing",
            [content_hash, article_id, now],
        )
        counts["parsed" if inserted else "duplicates"] += 1
    return counts
