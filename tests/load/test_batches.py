"""Batches parsed and extracted away from the warehouse load the same raw tables as the
serial load: made in any order, made again after a kill, loaded twice, mixed with new ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingestion import pipeline
from ingestion.bench.corpus import write_corpus
from ingestion.config import PROJECT_ROOT, Settings
from ingestion.landing import LandingStore
from ingestion.load.batches import finished_batches
from tests.load.landed import land, raw_tables

PAGES = 24


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    corpus = tmp_path_factory.mktemp("corpus")
    pages = [p.read_bytes() for p in write_corpus(corpus, 0, PAGES, seed=5)]
    reprint = pages[3].replace(b"Website identification code", b"Site code")  # same story
    return [*pages, reprint, b"\x00\x01 not a page", b"<html><body><p>too short</p></body></html>"]


def _settings(tmp_path: Path, name: str) -> Settings:
    sources = tmp_path / "sources.yml"
    sources.write_text("sources: []\n", encoding="utf-8")
    return Settings(PROJECT_ROOT, tmp_path / name, sources)


def _land_both(reference: Settings, batched: Settings, pages: list[bytes], source: str) -> None:
    """One collection landed for both loads: the same payloads and fetch-log file."""
    land(LandingStore(reference.landing_dir), pages, source=source)
    shutil.copytree(reference.landing_dir, batched.landing_dir, dirs_exist_ok=True)


def _plan(settings: Settings, batch_size: int) -> list[str]:
    return pipeline.plan_load_batches(settings, batch_size=batch_size)


def test_batches_made_in_any_order_load_the_serial_loads_raw_tables(tmp_path, pages):
    reference, settings = _settings(tmp_path, "serial"), _settings(tmp_path, "batched")
    _land_both(reference, settings, pages, "site0")
    serial_summary = pipeline.load(reference).as_dict()

    batch_ids = _plan(settings, batch_size=10)
    assert len(batch_ids) == 3
    made = [pipeline.make_load_batch(settings, batch_id) for batch_id in reversed(batch_ids)]
    assert sum(counts["payloads"] for counts in made) == len(pages)
    summary = pipeline.load(settings).as_dict()

    # The fetch log was loaded when the batches were planned.
    assert summary | {"fetch_attempts": 27} == serial_summary
    assert summary["articles"] == {"parsed": PAGES, "duplicates": 1, "quarantined": 2}
    assert raw_tables(settings.warehouse_path) == raw_tables(reference.warehouse_path)
    assert finished_batches(settings.batches_dir) == []  # loaded, then deleted


def test_a_killed_batch_is_made_again_and_a_made_batch_is_not_made_twice(tmp_path, pages):
    reference, settings = _settings(tmp_path, "serial"), _settings(tmp_path, "batched")
    _land_both(reference, settings, pages, "site0")
    pipeline.load(reference)
    [batch_id] = _plan(settings, batch_size=100)
    # What a worker killed while writing leaves: a part of the batch's folder.
    killed = settings.batches_dir / f"{batch_id}.tmp"
    killed.mkdir()
    (killed / "parsed.parquet").write_bytes(b"PAR1 cut short")
    assert finished_batches(settings.batches_dir) == []

    pipeline.make_load_batch(settings, batch_id)
    assert not killed.exists()
    # Made once: a retry neither reads landing again nor rewrites the batch.
    made = settings.batches_dir / batch_id
    written = {path.name: path.stat().st_mtime_ns for path in made.iterdir()}
    shutil.rmtree(settings.landing_dir / "payloads")
    pipeline.make_load_batch(settings, batch_id)
    assert {path.name: path.stat().st_mtime_ns for path in made.iterdir()} == written

    pipeline.load(settings)
    assert raw_tables(settings.warehouse_path) == raw_tables(reference.warehouse_path)


def test_a_batch_loaded_twice_or_never_made_leaves_the_same_raw_tables(tmp_path, pages):
    reference, settings = _settings(tmp_path, "serial"), _settings(tmp_path, "batched")
    _land_both(reference, settings, pages, "site0")
    pipeline.load(reference)
    first, second, _third = _plan(settings, batch_size=10)
    pipeline.make_load_batch(settings, first)
    pipeline.make_load_batch(settings, second)  # the third batch's task never ran
    kept = tmp_path / "kept"
    shutil.copytree(settings.batches_dir / first, kept)

    summary = pipeline.load(settings).as_dict()
    # The third batch's payloads were parsed by the load itself: nothing is missing.
    assert summary["articles"]["parsed"] == PAGES
    shutil.copytree(kept, settings.batches_dir / first)  # a load that crashed before deleting
    again = pipeline.load(settings).as_dict()

    assert again["articles"]["parsed"] == again["facts"]["facts"] == 0
    assert raw_tables(settings.warehouse_path) == raw_tables(reference.warehouse_path)


def test_a_later_plan_takes_only_new_payloads_and_loads_beside_an_old_batch(tmp_path, pages):
    old, new = pages[:14], pages[14:]
    reference, settings = _settings(tmp_path, "serial"), _settings(tmp_path, "batched")
    _land_both(reference, settings, old, "site0")
    pipeline.load(reference)
    for batch_id in _plan(settings, batch_size=10):
        pipeline.make_load_batch(settings, batch_id)
    old_batch = finished_batches(settings.batches_dir)[0]
    kept = tmp_path / "kept"
    shutil.copytree(old_batch, kept)
    pipeline.load(settings)

    _land_both(reference, settings, new, "site1")
    pipeline.load(reference)
    batch_ids = _plan(settings, batch_size=10)
    made = [pipeline.make_load_batch(settings, batch_id) for batch_id in batch_ids]
    assert sum(counts["payloads"] for counts in made) == len(new)
    shutil.copytree(kept, settings.batches_dir / old_batch.name)  # an old batch, loaded before
    pipeline.load(settings)

    assert raw_tables(settings.warehouse_path) == raw_tables(reference.warehouse_path)
