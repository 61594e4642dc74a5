"""The pipeline's stages, callable from Airflow tasks and from the command line alike.

collect (per source, files only) → load (the one raw writer) → build (dbt) →
audit (Great Expectations on the candidate marts) → publish (atomic swap).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingestion.config import Settings
from ingestion.landing import LandingStore, new_attempt
from ingestion.sources import get_source, load_sources

# The collect and load modules (trafilatura, the extractor, pyarrow: about 1 s to
# import) are imported by the steps that use them, like dbt, GX and the publisher
# below: the build, audit and publish processes never need them.
if TYPE_CHECKING:
    from pathlib import Path

    from ingestion.config import PostgresWarehouse
    from ingestion.fetch.collect import CollectSummary
    from ingestion.publish.postgres_publisher import PostgresPublishResult
    from ingestion.publish.publisher import PublishResult
    from ingestion.sources import Source

log = logging.getLogger(__name__)


@dataclass
class LoadSummary:
    fetch_attempts: int = 0
    gazetteer_regions: int = 0
    articles: dict[str, int] = field(default_factory=dict)
    facts: dict[str, int] = field(default_factory=dict)
    reprocessed_payloads: int = 0
    tables: dict[str, dict[str, int] | None] = field(default_factory=dict)
    table_errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "fetch_attempts": self.fetch_attempts,
            "gazetteer_regions": self.gazetteer_regions,
            "articles": self.articles,
            "facts": self.facts,
            "reprocessed_payloads": self.reprocessed_payloads,
            "tables": self.tables,
            "table_errors": self.table_errors,
        }


class TableLoadFailed(RuntimeError):
    """One or more statistical tables could not be loaded; the others were."""


def source_ids(settings: Settings) -> list[str]:
    return [source.id for source in load_sources(settings.sources_file)]


def _collect(settings: Settings, source: Source, landing: LandingStore) -> CollectSummary:
    from ingestion.fetch.collect import collect_source

    summary = collect_source(source, settings.project_root, landing)
    log.info("collected %s: %s", source.id, summary.as_dict())
    return summary


def collect(settings: Settings, source_id: str) -> CollectSummary:
    """Fetch and land one source (writes files only; safe to run in parallel)."""
    source = get_source(settings.sources_file, source_id)
    return _collect(settings, source, LandingStore(settings.landing_dir))


def backfill_day(run_type: str, logical_date: dt.datetime | None) -> dt.date | None:
    """The day a ``collect_sources`` run re-processes: its logical date, for a backfill only.

    A feed cannot be fetched as of a past date: a backfill run fetches nothing
    and reads again what was landed on its logical date (``load.reprocess``).
    """
    if run_type != "backfill" or logical_date is None:
        return None
    return logical_date.astimezone(dt.UTC).date()


def load(
    settings: Settings,
    *,
    reprocess_day: dt.date | None = None,
    min_pool_items: int | None = None,
) -> LoadSummary:
    """Bring everything landed into the raw schema: the one warehouse writer.

    Parsing and extraction run in ``settings.load_workers`` processes when there
    are at least ``min_pool_items`` to do; the results are written here, in order.
    With ``reprocess_day``, the article payloads landed that day are parsed and
    extracted again (a backfill of that day).
    """
    from ingestion.load.articles import parse_new_payloads
    from ingestion.load.batches import load_batches
    from ingestion.load.facts import extract_new_articles
    from ingestion.load.fetch_log import load_fetch_log
    from ingestion.load.pool import MIN_POOL_ITEMS, PooledExtractor, PooledParser, worker_pool
    from ingestion.load.reference import load_gazetteer
    from ingestion.load.reprocess import forget_landed_on
    from ingestion.load.statistics import TableRefused, load_table
    from ingestion.sources import TABLE_SOURCE_TYPES
    from ingestion.warehouse import ensure_raw_schema, open_warehouse

    if min_pool_items is None:
        min_pool_items = MIN_POOL_ITEMS
    landing = LandingStore(settings.landing_dir)
    summary = LoadSummary()
    sources = load_sources(settings.sources_file)
    table_sources = [source for source in sources if isinstance(source, TABLE_SOURCE_TYPES)]
    with (
        open_warehouse(settings, "the load") as connection,
        worker_pool(settings.load_workers) as executor,
    ):
        # Every raw table, empty until its first load: a build after collecting only
        # some sources finds every table dbt reads.
        ensure_raw_schema(connection, table_sources)
        summary.fetch_attempts = load_fetch_log(connection, landing)
        if reprocess_day is not None:
            summary.reprocessed_payloads = forget_landed_on(connection, reprocess_day)
        summary.gazetteer_regions = load_gazetteer(connection)
        # What workers made in batches first (Airflow's mapped tasks); then what is left.
        batched = load_batches(connection, settings.batches_dir)
        parser = PooledParser(executor, landing, min_pool_items) if executor else None
        extractor = PooledExtractor(executor, min_pool_items) if executor else None
        summary.articles = _added(
            batched["articles"], parse_new_payloads(connection, landing, parser=parser)
        )
        summary.facts = _added(
            batched["facts"], extract_new_articles(connection, extractor=extractor)
        )
        for table_source in table_sources:
            try:
                summary.tables[table_source.id] = load_table(connection, table_source, landing)
            except TableRefused as error:
                # A changed layout or an unreadable file, found before anything is
                # written: the other tables still load, then the step fails loudly.
                summary.table_errors[table_source.id] = str(error)
    log.info("loaded: %s", summary.as_dict())
    if summary.table_errors:
        raise TableLoadFailed("; ".join(summary.table_errors.values()))
    return summary


def _added(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    return {key: first.get(key, 0) + second.get(key, 0) for key in {**first, **second}}


def plan_load_batches(
    settings: Settings, reprocess_day: dt.date | None = None, batch_size: int | None = None
) -> list[str]:
    """The writer's first step under Airflow: the fetch log loaded, the unparsed payloads
    cut into batches for ``make_load_batch`` (``ingestion.load.batches``); their ids.

    A backfill (``reprocess_day``) plans nothing: its load reads that day again itself.
    """
    from ingestion.load.articles import BATCH_SIZE
    from ingestion.load.batches import plan_batches
    from ingestion.load.fetch_log import load_fetch_log
    from ingestion.sources import TABLE_SOURCE_TYPES
    from ingestion.warehouse import ensure_raw_schema, open_warehouse

    if reprocess_day is not None:
        return []
    sources = load_sources(settings.sources_file)
    table_sources = [source for source in sources if isinstance(source, TABLE_SOURCE_TYPES)]
    with open_warehouse(settings, "planning the load") as connection:
        ensure_raw_schema(connection, table_sources)
        load_fetch_log(connection, LandingStore(settings.landing_dir))
        return plan_batches(connection, settings.batches_dir, batch_size or BATCH_SIZE)


def make_load_batch(settings: Settings, batch_id: str) -> dict[str, int]:
    """Parse and extract one planned batch into columnar files; no warehouse (any worker)."""
    from ingestion.load.batches import make_batch

    return make_batch(LandingStore(settings.landing_dir), settings.batches_dir, batch_id)


def collect_all(settings: Settings) -> list[CollectSummary]:
    """Collect every source; one source failing, however it fails, never stops the others.

    ``collect_source`` already logs its own errors; anything escaping it (the landing
    folder unwritable, a bug) is written to that source's fetch log here, with the reason.
    """
    from ingestion.fetch.collect import CollectSummary

    landing = LandingStore(settings.landing_dir)
    summaries = []
    for source in load_sources(settings.sources_file):
        source_id = source.id
        try:
            summaries.append(_collect(settings, source, landing))
        except Exception as error:
            log.exception("collecting %s failed; going on with the other sources", source_id)
            reason = f"collection failed: {type(error).__name__}: {error}"
            fetch_log = ""
            try:
                attempt = new_attempt(source_id, f"source:{source_id}", "article", error=reason)
                fetch_log = str(landing.write_fetch_log(source_id, [attempt]))
            except Exception:
                log.exception("could not write the fetch log of %s either", source_id)
            summaries.append(CollectSummary(source_id, 0, 0, 1, fetch_log))
    return summaries


# dbt, Great Expectations and the publisher are imported inside the steps that use
# them too: Airflow imports this module in every task, and GX alone takes seconds to load.


def build(settings: Settings, *, full_refresh: bool = False) -> None:
    """Build staging, intermediate and candidate marts with dbt (raises on a failed node).

    Incremental by default; ``full_refresh`` rebuilds the incremental models from raw.
    """
    from ingestion.transform.dbt_runner import build_models

    build_models(settings, full_refresh=full_refresh)


def audit(settings: Settings, all_rows: bool = False) -> None:
    """Validate the candidate marts; raises QualityGateFailed naming each failed expectation.

    The verdict, pass or fail, is recorded against the candidate's fingerprint:
    ``publish`` accepts only a candidate whose latest verdict is a pass. Rows a suite
    passed before are not validated again unless ``all_rows``
    (``ingestion.quality.passed_rows``).
    """
    from ingestion.quality.gate import run_quality_gate
    from ingestion.quality.gate_record import record_gate_outcome

    report = run_quality_gate(
        candidate_warehouse(settings),
        settings.expectations_dir,
        settings.docs_dir / "great_expectations",
        published_dir=settings.published_dir,
        passed_rows_dir=None if all_rows else settings.passed_rows_dir,
    )
    if report.fingerprint is not None:
        record_gate_outcome(settings.var_dir, report.fingerprint, report)
    report.raise_if_failed()


def candidate_warehouse(settings: Settings) -> Path | PostgresWarehouse:
    """Where the candidate marts are: the PostgreSQL warehouse if set, else the DuckDB file."""
    return settings.postgres or settings.warehouse_path


def publish(settings: Settings) -> PublishResult | PostgresPublishResult:
    """Swap the BI-facing marts atomically for the audited candidate.

    Raises UnauditedCandidate (nothing published) unless the gate passed exactly
    these marts: every entry point (CLI ``publish``, ``run``, the DAG) comes here.
    On PostgreSQL the candidate schema is published in one transaction
    (``ingestion.publish.postgres_publisher``); the audit records stay under var/.
    """
    from ingestion.quality.gate_record import gate_summary, require_passed_gate

    fingerprint, record = require_passed_gate(settings.var_dir, candidate_warehouse(settings))
    extra = {"quality_gate": gate_summary(record)}
    if settings.postgres is not None:
        from ingestion.publish.postgres_publisher import publish_postgres

        return publish_postgres(
            settings.postgres, manifest_extra=extra, expected_snapshot=fingerprint
        )
    from ingestion.publish.publisher import publish_marts

    return publish_marts(
        settings.warehouse_path,
        settings.published_dir,
        manifest_extra=extra,
        expected_snapshot=fingerprint,
    )


def rollback(settings: Settings) -> dict[str, str]:
    """Publish again the version published before the current one (kept by every publish)."""
    if settings.postgres is not None:
        from ingestion.publish.postgres_publisher import rollback_postgres

        current, restored = rollback_postgres(settings.postgres)
        where = f"{settings.postgres.describe()} schema published"
    else:
        from ingestion.publish.publisher import rollback_marts

        current, restored = rollback_marts(settings.published_dir)
        where = str(settings.published_dir)
    log.warning("rolled back %s from version %s to %s", where, current, restored)
    return {"published": where, "rolled_back_from": current, "restored": restored}


def published_asset_extra(result: PublishResult | PostgresPublishResult) -> dict[str, object]:
    """What the published-marts asset event carries, so a consumer can pin what it read.

    ``snapshot_id`` is the one in every published ``_publish_manifest`` row and in
    ``manifest.json``; ``version`` names ``published/versions/<version>/``, which
    stays readable after later publishes (the last few are kept).
    """
    from ingestion.publish.publisher import snapshot_id

    return {
        "snapshot_id": snapshot_id({t.name: (t.row_count, t.content_hash) for t in result.tables}),
        "version": result.version,
        "published_at": result.published_at.isoformat(),
        "row_counts": result.row_counts,
    }


def generate_docs(settings: Settings) -> None:
    from ingestion.transform.dbt_runner import generate_docs as dbt_docs

    dbt_docs(settings, settings.docs_dir / "dbt")


def run_all(settings: Settings) -> None:
    """The whole pipeline without a scheduler: the same steps the DAGs run."""
    collect_all(settings)
    load(settings)
    build(settings)
    audit(settings)
    publish(settings)
    generate_docs(settings)
