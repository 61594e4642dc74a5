"""
### Collect sources

Fetches every source declared in `sources.yml` (one mapped task per source,
so one failing source never stops the others), lands each payload
content-addressed under `var/landing/` with a fetch log, then loads what was
landed into the warehouse's `raw` schema: parse new pages, extract facts from
new articles, load statistical tables.

Parsing and extraction run on any worker: **plan_batches** (the warehouse
writer) cuts the payloads not parsed yet into batches of 500; one mapped
**parse_extract** task per batch parses and extracts it into Parquet files
under `var/batches/` without opening the warehouse; **load_raw** (the writer
again) loads each finished batch in bulk, then whatever is left (a batch whose
task failed is parsed there, so nothing is lost), the statistical tables, and
a backfill's day.

- **Trigger**: `airflow dags test collect_sources 2026-11-21` (fetches now).
  Re-running a day is idempotent: unchanged payloads are not parsed again.
- **Backfill**: `airflow backfill create --dag-id collect_sources --from-date
  2026-11-01 --to-date 2026-11-07` (the scheduler runs the runs it creates).
  A feed cannot be fetched as of a past date, so a backfill run fetches
  nothing: its logical date names the day whose landed article payloads
  (`raw.fetch_log.fetched_at`, UTC) are parsed and extracted again, their facts
  replaced per article (`ingestion/load/reprocess.py`). Use it after improving
  the parser or extractor for a period; it never adds duplicates.
- **Produces** the asset `duckdb://assistance-warehouse/raw`, which schedules
  `build_audit_publish`.
- **Failures**: a source's fetch errors are in `raw.fetch_log.error`; pages
  that could not be parsed or extracted are in `raw.quarantine` with the reason.
"""

from __future__ import annotations

from airflow.sdk import dag, task
from warehouse_assets import DEFAULT_ARGS, RAW_ASSET, START_DATE, WAREHOUSE_POOL, WAREHOUSE_QUEUE

from ingestion import lineage
from ingestion.config import load_settings

SETTINGS = load_settings()
# OpenLineage datasets (ingestion/lineage.py): landing, then the raw tables dbt reads.
LANDING = lineage.landing_dataset(SETTINGS)


@dag(
    dag_id="collect_sources",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["assistance-warehouse", "collection"],
)
def collect_sources():
    @task
    def list_sources(dag_run=None) -> list[str]:
        from ingestion import pipeline
        from ingestion.config import load_settings

        if pipeline.backfill_day(dag_run.run_type, dag_run.logical_date) is not None:
            return []  # a backfill re-processes what was landed; it fetches nothing
        return pipeline.source_ids(load_settings())

    # Collection writes files only, so sources run in parallel (up to 4 at once).
    # Each returns one summary dict, kept whole as one XCom (not one per key).
    @task(
        max_active_tis_per_dag=4,
        map_index_template="{{ task.op_kwargs['source_id'] }}",
        outlets=[LANDING],
        multiple_outputs=False,
    )
    def collect(source_id: str) -> dict:
        from ingestion import pipeline
        from ingestion.config import load_settings

        return pipeline.collect(load_settings(), source_id).as_dict()

    # all_done: what did land is planned and loaded even when a source failed outright.
    @task(pool=WAREHOUSE_POOL, queue=WAREHOUSE_QUEUE, trigger_rule="all_done")
    def plan_batches(dag_run=None) -> list[str]:
        from ingestion import pipeline
        from ingestion.config import load_settings

        day = pipeline.backfill_day(dag_run.run_type, dag_run.logical_date)
        return pipeline.plan_load_batches(load_settings(), reprocess_day=day)

    # No warehouse here: any worker takes a batch, as many at once as there are slots.
    @task(map_index_template="{{ task.op_kwargs['batch_id'] }}", multiple_outputs=False)
    def parse_extract(batch_id: str) -> dict:
        from ingestion import pipeline
        from ingestion.config import load_settings

        return pipeline.make_load_batch(load_settings(), batch_id)

    @task(
        pool=WAREHOUSE_POOL,
        queue=WAREHOUSE_QUEUE,
        inlets=[LANDING],
        outlets=[RAW_ASSET, *lineage.raw_table_datasets(SETTINGS)],
        trigger_rule="all_done",
        multiple_outputs=False,
    )
    def load_raw(summaries: list[dict], dag_run=None) -> dict:
        from ingestion import pipeline
        from ingestion.config import load_settings

        day = pipeline.backfill_day(dag_run.run_type, dag_run.logical_date)
        result = pipeline.load(load_settings(), reprocess_day=day).as_dict()
        result["collected"] = list(summaries)
        return result

    # At run time the mapped XComArg resolves to the list of summaries.
    collected = collect.expand(source_id=list_sources())
    batches = plan_batches()
    collected >> batches
    # The batches' counts are in load_raw's summary: their XComs are not read here.
    parse_extract.expand(batch_id=batches) >> load_raw(collected)  # type: ignore[arg-type]


collect_sources()
