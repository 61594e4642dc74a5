"""Parse and extract on any worker: batches of landed payloads as columnar files.

Under Airflow the warehouse has one writer, but parsing and extraction need no
warehouse at all. So the writer plans the work (``plan_batches``: the payloads
not parsed yet, in the serial load's order, cut into batches, each listed in a
small JSON file beside the landing area); one mapped task per batch
(``make_batch``), on any worker, parses and extracts it and writes the rows the
serial load would write, as Parquet files (one per raw table) in
``var/batches/<batch id>/``; then the writer loads every finished batch in bulk
(``load_batches``), in plan order, through the same writers as the serial load,
and deletes it.

Each step can be re-run. A batch is written into ``<batch id>.tmp/`` and
renamed when whole, so a killed task leaves no half batch and its retry starts
the batch again; a finished batch is not made twice; loading a batch again
replaces its rows (the raw tables' keys, facts replaced per article). A batch
whose task failed for good leaves its payloads unparsed, and the load after it
parses them itself: nothing is lost, only done serially.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ingestion.landing import LandingStore, write_atomically
from ingestion.load.articles import (
    BATCH_SIZE,
    ParsedPayload,
    PendingPayload,
    pending_payloads,
    read_and_parse,
    write_parsed,
)
from ingestion.load.bulk import to_arrow
from ingestion.load.facts import (
    ExtractedRows,
    extract_one,
    extracted_already,
    extracted_rows,
    write_extracted_rows,
)
from ingestion.load.quarantine import QuarantineRecord
from ingestion.warehouse import Connection

_PLAN_SUFFIX = ".pending.json"
_UNFINISHED_SUFFIX = ".tmp"
_PARSED = "parsed"
_RUNS = "extraction_runs"
_REFUSED = "quarantine"
_PENDING_FIELDS = [f.name for f in fields(PendingPayload)]
_PARSED_FIELDS = [f.name for f in fields(ParsedPayload) if f.name != "pending"]
_RUN_COLUMNS = ("article_id", "extractor_version", "fact_count", "extracted_at")
_REFUSED_FIELDS = [f.name for f in fields(QuarantineRecord)]


def plan_batches(
    connection: Connection, batches_dir: Path, batch_size: int = BATCH_SIZE
) -> list[str]:
    """Cut the payloads not parsed yet into batches; write each one's list; return their ids.

    Leftovers of an earlier plan are removed first: their payloads are still
    unparsed in the warehouse, so they are planned again here.
    """
    if batches_dir.exists():
        shutil.rmtree(batches_dir)
    batches_dir.mkdir(parents=True)
    pending = pending_payloads(connection)
    batch_ids = []
    for number, start in enumerate(range(0, len(pending), batch_size)):
        chunk = pending[start : start + batch_size]
        digest = hashlib.sha256("".join(p.content_hash for p in chunk).encode()).hexdigest()
        # The number keeps the plan's order when the batches are loaded.
        batch_id = f"{number:05d}-{digest[:12]}"
        listed = [asdict(p) | {"fetched_at": p.fetched_at.isoformat()} for p in chunk]
        write_atomically(batches_dir / f"{batch_id}{_PLAN_SUFFIX}", json.dumps(listed).encode())
        batch_ids.append(batch_id)
    return batch_ids


def _planned(batches_dir: Path, batch_id: str) -> list[PendingPayload]:
    listed = json.loads((batches_dir / f"{batch_id}{_PLAN_SUFFIX}").read_text(encoding="utf-8"))
    return [
        PendingPayload(**(item | {"fetched_at": datetime.fromisoformat(item["fetched_at"])}))
        for item in listed
    ]


def make_batch(landing: LandingStore, batches_dir: Path, batch_id: str) -> dict[str, int]:
    """Parse and extract one planned batch into its folder of Parquet files; return counts.

    Opens no warehouse. A batch already made is left as it is.
    """
    finished = batches_dir / batch_id
    if not finished.is_dir():
        parsed = [read_and_parse(landing, p) for p in _planned(batches_dir, batch_id)]
        # Each article once (a reprint parses to the same one); the first payload names it.
        texts: dict[str, tuple[str, str]] = {}
        for p in parsed:
            if p.reason is None and p.article_id is not None and p.text is not None:
                texts.setdefault(p.article_id, (p.pending.source_id, p.text))
        extracted = [
            extract_one(article_id, *source_text) for article_id, source_text in texts.items()
        ]
        _write_batch(finished, parsed, extracted_rows(extracted, datetime.now(UTC)))
    return _counts(finished)


def _write_batch(finished: Path, parsed: list[ParsedPayload], rows: ExtractedRows) -> None:
    unfinished = finished.with_name(finished.name + _UNFINISHED_SUFFIX)
    if unfinished.exists():  # what a killed attempt left
        shutil.rmtree(unfinished)
    unfinished.mkdir()
    parsed_rows = [
        [getattr(p.pending, name) for name in _PENDING_FIELDS]
        + [getattr(p, name) for name in _PARSED_FIELDS]
        for p in parsed
    ]
    _write_table(unfinished, _PARSED, [*_PENDING_FIELDS, *_PARSED_FIELDS], parsed_rows)
    for fact_type, type_rows in rows.facts.items():
        columns = list(type_rows[0])
        _write_table(unfinished, fact_type, columns, [[r[c] for c in columns] for r in type_rows])
    _write_table(unfinished, _RUNS, _RUN_COLUMNS, rows.runs)
    refused = [[getattr(r, name) for name in _REFUSED_FIELDS] for r in rows.refused]
    _write_table(unfinished, _REFUSED, _REFUSED_FIELDS, refused)
    os.replace(unfinished, finished)


def _write_table(folder: Path, name: str, columns: Any, rows: list[Any]) -> None:
    # The bulk writer's own Arrow conversion: the loaded rows are typed as the
    # serial load's would have been.
    pq.write_table(to_arrow(list(columns), rows), folder / f"{name}.parquet")


def _read_table(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / f"{name}.parquet"
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = pq.read_table(path).drop_columns(["_bulk_ordinal"]).to_pylist()
    return rows


def _counts(finished: Path) -> dict[str, int]:
    def rows(name: str) -> int:
        path = finished / f"{name}.parquet"
        return pq.read_metadata(path).num_rows if path.exists() else 0

    return {"payloads": rows(_PARSED), "articles": rows(_RUNS), "quarantined": rows(_REFUSED)}


def _read_parsed(finished: Path) -> list[ParsedPayload]:
    out = []
    for row in _read_table(finished, _PARSED):
        pending = PendingPayload(**{name: row[name] for name in _PENDING_FIELDS})
        out.append(ParsedPayload(pending, **{name: row[name] for name in _PARSED_FIELDS}))
    return out


def _read_extracted(finished: Path, fact_types: tuple[str, ...]) -> ExtractedRows:
    runs = [tuple(row[c] for c in _RUN_COLUMNS) for row in _read_table(finished, _RUNS)]
    facts = {t: rows for t in fact_types if (rows := _read_table(finished, t))}
    return ExtractedRows(
        facts=facts,
        article_ids=[run[0] for run in runs],
        runs=runs,
        refused=[QuarantineRecord(**row) for row in _read_table(finished, _REFUSED)],
    )


def _not_extracted_yet(connection: Connection, rows: ExtractedRows) -> ExtractedRows:
    done: set[str] = set()
    for version in {run[1] for run in rows.runs}:
        ids = [run[0] for run in rows.runs if run[1] == version]
        done |= extracted_already(connection, ids, version)
    if not done:
        return rows
    return ExtractedRows(
        facts={
            fact_type: [row for row in type_rows if row["article_id"] not in done]
            for fact_type, type_rows in rows.facts.items()
        },
        article_ids=[article_id for article_id in rows.article_ids if article_id not in done],
        runs=[run for run in rows.runs if run[0] not in done],
        refused=rows.refused,
    )


def finished_batches(batches_dir: Path) -> list[Path]:
    """The batch folders made whole, in plan order."""
    if not batches_dir.is_dir():
        return []
    return sorted(
        path
        for path in batches_dir.iterdir()
        if path.is_dir() and not path.name.endswith(_UNFINISHED_SUFFIX)
    )


def load_batches(connection: Connection, batches_dir: Path) -> dict[str, dict[str, int]]:
    """Load every finished batch into the raw tables, then delete it; return counts.

    The counts are those of the serial load (``parse_new_payloads``,
    ``extract_new_articles``), so the two add up in the load's summary.
    """
    from ingestion.extract.models import FACT_TYPES

    articles = {"parsed": 0, "duplicates": 0, "quarantined": 0}
    facts = {"articles": 0, "facts": 0, "quarantined": 0}
    for finished in finished_batches(batches_dir):
        parsed = _read_parsed(finished)
        inserted = write_parsed(connection, parsed)
        ok = sum(1 for p in parsed if p.reason is None)
        articles["parsed"] += inserted
        articles["duplicates"] += ok - inserted
        articles["quarantined"] += len(parsed) - ok
        # An article already read by this extractor (a reprint of an earlier batch's
        # story, or this batch loaded before) is not written again, as the serial load
        # would not read it again.
        rows = _not_extracted_yet(connection, _read_extracted(finished, FACT_TYPES))
        write_extracted_rows(connection, rows)
        facts["articles"] += len(rows.runs)
        facts["facts"] += sum(run[2] for run in rows.runs)
        facts["quarantined"] += len(rows.refused)
        # Loaded (and loading it again would change nothing): no longer needed.
        shutil.rmtree(finished)
        (batches_dir / f"{finished.name}{_PLAN_SUFFIX}").unlink(missing_ok=True)
    return {"articles": articles, "facts": facts}
