"""Airflow as a service: the CeleryExecutor set on PostgreSQL and Redis.

``queues`` says which Celery queue and pool a task goes to (read by the DAGs);
``spec`` defines the service set once (the native runner starts it, the
compose file is checked against it); ``native`` starts and stops it on one
machine (``python -m ingestion services up|down|status``). Nothing here imports
Airflow: the set is started through Airflow's command line.
"""
