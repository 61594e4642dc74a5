"""Run the project's DAGs for real with ``airflow dags test`` in an isolated Airflow home.

The sandbox lives in the package (``ingestion.airflow_sandbox``): the pipeline
benchmark runs the build DAG the same way.
"""

from __future__ import annotations

from ingestion.airflow_sandbox import AIRFLOW, AirflowSandbox

__all__ = ["AIRFLOW", "AirflowSandbox"]
