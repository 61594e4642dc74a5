"""A backfill of a past day: re-process what was landed that day.

A feed or a page cannot be fetched as of a past date, so a backfill run of
``collect_sources`` fetches nothing; its logical date names the payloads to
read again instead. The article payloads landed on that day (UTC, by the
fetch log) are forgotten by ``raw.parsed_payloads`` and their articles by
``raw.extraction_runs``; the ``load`` that follows parses them again and
replaces their facts (an improved parser or extractor applied to that day).
Articles are identified by their text and facts replaced per article, so a
backfill adds no duplicate.
"""

from __future__ import annotations

import datetime as dt

from ingestion.warehouse import Connection, scalar

_LANDED_ON = """
select distinct content_hash from raw.fetch_log
where payload_kind = 'article'
  and content_hash is not null
  and cast(timezone('UTC', fetched_at) as date) = ?
"""


def forget_landed_on(connection: Connection, day: dt.date) -> int:
    """Mark the article payloads landed on ``day`` as not yet parsed nor extracted."""
    connection.execute("begin transaction")
    try:
        forgotten = _forget(connection, day)
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")
    return forgotten


def _forget(connection: Connection, day: dt.date) -> int:
    connection.execute(
        "delete from raw.extraction_runs where article_id in ("
        f"select article_id from raw.parsed_payloads where content_hash in ({_LANDED_ON}))",
        [day],
    )
    forgotten = int(
        scalar(
            connection,
            f"select count(*) from raw.parsed_payloads where content_hash in ({_LANDED_ON})",
            [day],
        )
    )
    connection.execute(
        f"delete from raw.parsed_payloads where content_hash in ({_LANDED_ON})", [day]
    )
    return forgotten
