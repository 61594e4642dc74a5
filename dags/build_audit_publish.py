"""
### Build, audit, publish

Write–audit–publish of the BI-facing marts:

1. **dbt_build**: `dbt build` of staging, intermediate and candidate marts in
   the working warehouse (`var/warehouse.duckdb`), with dbt's data tests.
2. **quality_gate**: Great Expectations suites (`expectations/suites/`) run on
   every candidate mart. On failure the task fails with each failed
   expectation and sample offending values in its log; nothing is published;
   Data Docs (`var/docs/great_expectations/index.html`) show the run.
3. **publish**: the marts are written into a new version folder (DuckDB file
   and Parquet files) and `var/published/current` is switched to it in one
   atomic rename. BI tools read only `var/published/`.
4. **dbt_docs**: dbt docs for the analysts.

Runs daily and whenever `collect_sources` refreshes the raw asset.
"""

from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from warehouse_assets import (
    DEFAULT_ARGS,
    PUBLISHED_MARTS_ASSET,
    RAW_ASSET,
    START_DATE,
    WAREHOUSE_POOL,
)


@dag(
    dag_id="build_audit_publish",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 4 * * *", timezone="UTC"), assets=RAW_ASSET
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["assistance-warehouse", "dbt", "quality"],
)
def build_audit_publish():
    @task(pool=WAREHOUSE_POOL)
    def dbt_build() -> None:
        from ingestion import pipeline
        from ingestion.config import load_settings

        pipeline.build(load_settings())

    # A failed gate is a data problem, not a flaky one: retrying cannot fix it.
    @task(pool=WAREHOUSE_POOL, retries=0)
    def quality_gate() -> None:
        from ingestion import pipeline
        from ingestion.config import load_settings

        pipeline.audit(load_settings())

    @task(pool=WAREHOUSE_POOL, outlets=[PUBLISHED_MARTS_ASSET])
    def publish() -> dict:
        from ingestion import pipeline
        from ingestion.config import load_settings

        return pipeline.publish(load_settings()).as_dict()

    @task(pool=WAREHOUSE_POOL)
    def dbt_docs() -> None:
        from ingestion import pipeline
        from ingestion.config import load_settings

        pipeline.generate_docs(load_settings())

    dbt_build() >> quality_gate() >> publish() >> dbt_docs()


build_audit_publish()
