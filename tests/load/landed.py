"""Harness of the load tests: pages landed as a source would land them, raw tables read back."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.landing import LandingStore, new_attempt

# Every raw table the parse and extract steps write, without the time it was written.
TABLES = {
    "articles": "parsed_at",
    "parsed_payloads": "parsed_at",
    "facts_pairing": "extracted_at",
    "facts_fund": "extracted_at",
    "facts_output": "extracted_at",
    "facts_exit": "extracted_at",
    "extraction_runs": "extracted_at",
    "quarantine": "recorded_at",
}


def land(landing: LandingStore, pages: list[bytes], source: str = "site") -> None:
    """Land ``pages`` as one collection of ``source`` would (payloads and a fetch-log file)."""
    attempts = []
    for i, page in enumerate(pages):
        content_hash = landing.put_payload(page)
        url = f"http://{source}.example/{i}"
        attempts.append(new_attempt(source, url, "article", content_hash=content_hash))
    landing.write_fetch_log(source, attempts)


def raw_tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select * exclude ({written}) from raw.{table} order by all"
            ).fetchall()
            for table, written in TABLES.items()
        }
