"""Parse and extract on every core: a process pool feeding the one warehouse writer.

Parsing (trafilatura) and extraction are pure CPU work on one article at a
time; writing is set-based and cheap. So the CLI load hands both to a pool of
worker processes and writes their results, in the order the serial path would
have produced them (``Executor.map`` keeps order), in the same batches: the raw
tables come out identical to the serial load's. Only the parent process opens
the warehouse. Workers are spawned, not forked, so none inherits the parent's
open DuckDB connection or its threads.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from ingestion.landing import LandingStore
from ingestion.load.articles import ParsedPayload, PendingPayload, read_and_parse
from ingestion.load.facts import ExtractedArticle, extract_one

# Below this many items a pool costs more (spawning workers, importing trafilatura
# and loading the gazetteer in each) than it saves.
MIN_POOL_ITEMS = 200
# Items per task sent to a worker: amortises pickling without starving a worker.
CHUNK_SIZE = 16


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A pool of ``workers`` processes, or None for the serial path (``workers`` <= 1)."""
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        yield executor


def _parse_task(task: tuple[str, PendingPayload]) -> ParsedPayload:
    root, pending = task
    return read_and_parse(LandingStore(Path(root)), pending)


def _extract_task(row: tuple[str, str, str]) -> ExtractedArticle:
    return extract_one(*row)


class PooledParser:
    """``parse_new_payloads``'s parser: the pending payloads parsed in the pool, in order."""

    def __init__(self, executor: Executor, landing: LandingStore, min_items: int) -> None:
        self.executor, self.landing, self.min_items = executor, landing, min_items

    def __call__(self, pending: list[PendingPayload]) -> Iterable[ParsedPayload]:
        if len(pending) < self.min_items:
            return (read_and_parse(self.landing, p) for p in pending)
        tasks = [(str(self.landing.root), p) for p in pending]
        return self.executor.map(_parse_task, tasks, chunksize=CHUNK_SIZE)


class PooledExtractor:
    """``extract_new_articles``'s extractor: the articles read in the pool, in order."""

    def __init__(self, executor: Executor, min_items: int) -> None:
        self.executor, self.min_items = executor, min_items

    def __call__(self, rows: list[tuple[str, str, str]]) -> Iterable[ExtractedArticle]:
        if len(rows) < self.min_items:
            return (extract_one(*row) for row in rows)
        return self.executor.map(_extract_task, rows, chunksize=CHUNK_SIZE)
