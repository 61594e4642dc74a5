"""
### Build, audit, publish

Write–audit–publish of the BI-facing marts:

1. **dbt_source_freshness**: `dbt source freshness` on the raw tables; a
   source past its `warn_after` is a warning in the log, not a failure.
2. **dbt**: the dbt project built in the working warehouse
   (`var/warehouse.duckdb`) by astronomer-cosmos, from dbt's manifest. By
   default one task per layer (`seeds`, `staging`, `intermediate`, `marts`),
   each `dbt build` of its folder: its models in dependency order, each
   model's tests right after it; the task's log names every model and test
   with its result. A failed model fails its layer's task (dbt still builds
   the layer's models that do not need it); the layers after it wait.
   `ASSIST_DBT_TASKS=node` renders one task per seed and model instead, each
   cleared and re-run on its own (about twice as slow: the warehouse
   has one writer, so they run one at a time).
3. **dbt_cross_model_tests**: the tests that read two models (a relationship
   from a mart to a dimension), in one `dbt test` after every model is built;
   its log names each test's result.
4. **quality_gate**: Great Expectations suites (`expectations/suites/`) run on
   every candidate mart. On failure the task fails with each failed
   expectation and sample offending values in its log; nothing is published;
   Data Docs (`var/docs/great_expectations/index.html`) show the run.
5. **publish**: the marts are written into a new version folder (DuckDB file
   and Parquet files) and `var/published/current` is switched to it in one
   atomic rename. BI tools read only `var/published/`. The asset event of
   `duckdb://assistance-warehouse/published-marts` carries `snapshot_id`,
   `version` and `row_counts` (per mart) in its extra: a consumer DAG reads
   them from `triggering_asset_events` and can open
   `var/published/versions/<version>/` to read exactly that snapshot.
6. **dbt_docs**: dbt docs for the analysts (`var/docs/dbt/index.html`).

Trigger with `{"full_refresh": true}` to rebuild the incremental article and
fact models from the raw tables (after a change to their columns).

Runs daily and whenever `collect_sources` refreshes the raw asset.
"""

from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, TaskGroup, dag, task
from cosmos import DbtTaskGroup
from cosmos.operators.local import (
    DbtBuildLocalOperator,
    DbtDocsLocalOperator,
    DbtSourceLocalOperator,
    DbtTestLocalOperator,
)
from warehouse_assets import (
    DEFAULT_ARGS,
    PUBLISHED_MARTS_ASSET,
    RAW_ASSET,
    START_DATE,
    WAREHOUSE_POOL,
    WAREHOUSE_QUEUE,
)

from ingestion import lineage
from ingestion.config import load_settings
from ingestion.transform import cosmos_config

SETTINGS = load_settings()
# Checked once per parse (no dbt command): a missing or stale manifest is an
# import error saying how to make it.
MANIFEST = cosmos_config.checked_manifest_path()


@dag(
    dag_id="build_audit_publish",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 4 * * *", timezone="UTC"), assets=RAW_ASSET
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "full_refresh": Param(
            False,
            type="boolean",
            description="Rebuild the incremental article and fact models from the raw tables.",
        )
    },
    doc_md=__doc__,
    tags=["assistance-warehouse", "dbt", "quality"],
)
def build_audit_publish():
    freshness = DbtSourceLocalOperator(
        task_id="dbt_source_freshness",
        **cosmos_config.source_freshness_args(SETTINGS, WAREHOUSE_POOL, WAREHOUSE_QUEUE),
    )
    if SETTINGS.dbt_tasks == "node":
        dbt_models = DbtTaskGroup(
            group_id="dbt",
            **cosmos_config.task_group_args(SETTINGS, MANIFEST, WAREHOUSE_POOL, WAREHOUSE_QUEUE),
        )
    else:
        with TaskGroup(group_id="dbt") as dbt_models:
            layers = cosmos_config.dbt_layers(MANIFEST)
            layer_tasks = {
                layer.name: DbtBuildLocalOperator(
                    **cosmos_config.layer_task_args(
                        SETTINGS, MANIFEST, layer, WAREHOUSE_POOL, WAREHOUSE_QUEUE
                    )
                )
                for layer in layers
            }
            for layer in layers:
                for upstream in layer.upstream:
                    layer_tasks[upstream] >> layer_tasks[layer.name]

    cross_model_tests = DbtTestLocalOperator(
        task_id=cosmos_config.CROSS_MODEL_TESTS_TASK,
        **cosmos_config.cross_model_test_args(SETTINGS, MANIFEST, WAREHOUSE_POOL, WAREHOUSE_QUEUE),
    )

    # A failed gate is a data problem, not a flaky one: retrying cannot fix it.
    @task(pool=WAREHOUSE_POOL, queue=WAREHOUSE_QUEUE, retries=0)
    def quality_gate() -> None:
        from ingestion import pipeline
        from ingestion.config import load_settings

        pipeline.audit(load_settings())

    # The publication's summary stays one XCom (not one per key). The OpenLineage
    # datasets name the candidate and published marts as dbt's lineage does (ingestion/lineage.py).
    @task(
        pool=WAREHOUSE_POOL,
        queue=WAREHOUSE_QUEUE,
        inlets=lineage.candidate_mart_datasets(SETTINGS, MANIFEST),
        outlets=[PUBLISHED_MARTS_ASSET, *lineage.published_mart_datasets(SETTINGS)],
        multiple_outputs=False,
    )
    def publish(*, outlet_events=None) -> dict:
        from ingestion import pipeline
        from ingestion.config import load_settings

        result = pipeline.publish(load_settings())
        # The asset event names the snapshot: a consumer can pin the version it read.
        outlet_events[PUBLISHED_MARTS_ASSET].extra = pipeline.published_asset_extra(result)
        return result.as_dict()

    dbt_docs = DbtDocsLocalOperator(
        task_id="dbt_docs", **cosmos_config.docs_args(SETTINGS, WAREHOUSE_POOL, WAREHOUSE_QUEUE)
    )

    freshness >> dbt_models >> cross_model_tests >> quality_gate() >> publish() >> dbt_docs


build_audit_publish()
