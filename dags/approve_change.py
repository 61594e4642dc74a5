"""
### Approve a change the quality gate blocked

The change policy blocks a candidate that loses many rows or doubles a fund
total against the published marts (`build_audit_publish.quality_gate` fails
and says so). If the change is expected, trigger this DAG:

1. **describe_candidate**: the candidate's fingerprint and row counts.
2. **approve**: a human-in-the-loop approval (Airflow's *Required actions*, or
   the REST API: `PATCH /api/v2/dags/approve_change/dagRuns/<run>/taskInstances/
   approve/-1/hitlDetails` with `{"chosen_options": ["Approve"], "params_input":
   {"reason": "..."}}`).
   Airflow keeps who responded, when and why.
3. **record_approval**: writes `var/approvals/<fingerprint>.json`, the record
   the gate reads; refused if the candidate was rebuilt meanwhile.

Then clear the blocked run's `quality_gate`: it passes with the approval and
publish follows. *Reject* skips the recording. The command line
(`python -m ingestion approve`) does the same without Airflow.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param, dag, task
from warehouse_assets import DEFAULT_ARGS, START_DATE, WAREHOUSE_POOL, WAREHOUSE_QUEUE

# Jinja for the request describe_candidate returned (rendered when the approval task runs).
REQUEST = "ti.xcom_pull(task_ids='describe_candidate')"
SUBJECT = "Publish candidate {{ " + REQUEST + "['fingerprint'][:12] }} despite the change policy?"


@dag(
    dag_id="approve_change",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 0},
    doc_md=__doc__,
    tags=["assistance-warehouse", "quality"],
)
def approve_change():
    @task(pool=WAREHOUSE_POOL, queue=WAREHOUSE_QUEUE, multiple_outputs=False)
    def describe_candidate() -> dict:
        from ingestion.config import load_settings
        from ingestion.quality.approval import approval_request

        return approval_request(load_settings().var_dir)

    approve = ApprovalOperator(
        task_id="approve",
        subject=SUBJECT,
        body="{{ " + REQUEST + "['body'] }}",
        # An empty reason is refused by record_approval (a Param without a default
        # would fail the task before it asks).
        params={"reason": Param("", type="string", description="Why the change is expected")},
        response_timeout=timedelta(days=7),
    )

    @task(pool=WAREHOUSE_POOL, queue=WAREHOUSE_QUEUE)
    def record_approval(request: dict, *, ti=None, run_id=None) -> str:
        from ingestion.config import load_settings
        from ingestion.quality.approval import record_airflow_approval

        response = ti.xcom_pull(task_ids="approve")
        return str(record_airflow_approval(load_settings().var_dir, request, response, run_id))

    request = describe_candidate()
    # At run time the XComArg is the dict describe_candidate returned.
    request >> approve >> record_approval(request)  # type: ignore[arg-type]


approve_change()
