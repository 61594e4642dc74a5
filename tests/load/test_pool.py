"""The process pool and the serial load write identical raw tables."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingestion import pipeline
from ingestion.bench.corpus import write_corpus
from ingestion.config import PROJECT_ROOT, Settings
from ingestion.landing import LandingStore
from tests.load.landed import land, raw_tables


def test_pool_and_serial_loads_write_the_same_raw_tables(tmp_path: Path):
    pages = [p.read_bytes() for p in write_corpus(tmp_path / "corpus", 0, 24, seed=3)]
    reprint = pages[0].replace(b"Website identification code", b"Site code")  # same story
    pages += [reprint, b"\x00\x01 not a page", b"<html><body><p>too short</p></body></html>"]
    sources = tmp_path / "sources.yml"
    sources.write_text("sources: []\n", encoding="utf-8")
    serial = Settings(PROJECT_ROOT, tmp_path / "serial", sources, load_workers=1)
    pooled = Settings(PROJECT_ROOT, tmp_path / "pooled", sources, load_workers=2)
    land(LandingStore(serial.landing_dir), pages)
    shutil.copytree(serial.landing_dir, pooled.landing_dir)

    serial_summary = pipeline.load(serial)
    pooled_summary = pipeline.load(pooled, min_pool_items=1)

    assert pooled_summary.as_dict() == serial_summary.as_dict()
    assert serial_summary.articles == {"parsed": 24, "duplicates": 1, "quarantined": 2}
    serial_rows, pooled_rows = raw_tables(serial.warehouse_path), raw_tables(pooled.warehouse_path)
    assert len(serial_rows["facts_fund"]) > 24
    assert pooled_rows == serial_rows
