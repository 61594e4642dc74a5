"""The process pool and the serial load write identical raw tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from ingestion import pipeline
from ingestion.bench.corpus import write_corpus
from ingestion.config import PROJECT_ROOT, Settings
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


def _land(landing: LandingStore, pages: list[bytes]) -> None:
    attempts = []
    for i, page in enumerate(pages):
        content_hash = landing.put_payload(page)
        attempts.append(
            new_attempt("site", f"http://site.example/{i}", "article", content_hash=content_hash)
        )
    landing.write_fetch_log("site", attempts)


def _tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select * exclude ({written}) from raw.{table} order by all"
            ).fetchall()
            for table, written in TABLES.items()
        }


def test_pool_and_serial_loads_write_the_same_raw_tables(tmp_path: Path):
    pages = [p.read_bytes() for p in write_corpus(tmp_path / "corpus", 0, 24, seed=3)]
    reprint = pages[0].replace(b"Website identification code", b"Site code")  # same story
    pages += [reprint, b"\x00\x01 not a page", b"<html><body><p>too short</p></body></html>"]
    sources = tmp_path / "sources.yml"
    sources.write_text("sources: []\n", encoding="utf-8")
    serial = Settings(PROJECT_ROOT, tmp_path / "serial", sources, load_workers=1)
    pooled = Settings(PROJECT_ROOT, tmp_path / "pooled", sources, load_workers=2)
    _land(LandingStore(serial.landing_dir), pages)
    shutil.copytree(serial.landing_dir, pooled.landing_dir)

    serial_summary = pipeline.load(serial)
    pooled_summary = pipeline.load(pooled, min_pool_items=1)

    assert pooled_summary.as_dict() == serial_summary.as_dict()
    assert serial_summary.articles == {"parsed": 24, "duplicates": 1, "quarantined": 2}
    serial_rows, pooled_rows = _tables(serial.warehouse_path), _tables(pooled.warehouse_path)
    assert len(serial_rows["facts_fund"]) > 24
    assert pooled_rows == serial_rows
