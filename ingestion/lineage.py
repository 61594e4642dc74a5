"""OpenLineage datasets of the stages dbt does not describe itself.

Airflow's OpenLineage provider emits an event per task. Cosmos gives each
dbt task its inputs and outputs (from dbt's artifacts), named the way
``openlineage-integration-common`` names them: namespace ``duckdb://<file>``
or ``postgres://<host>:<port>``, name ``<database>.<schema>.<table>``. The
Python tasks (collect, load, publish) have no extractor, so the DAGs declare
their inlets and outlets with the datasets below, named the same way: a
lineage graph then runs landing → raw tables → (dbt) → candidate marts →
published marts without gaps.

The raw tables are dbt's sources and the marts the catalogue's published
ones, both read from the manifest: nothing here lists tables by hand.
"""

from __future__ import annotations

import socket
from pathlib import Path

from openlineage.client.event_v2 import Dataset

from ingestion.config import Settings
from ingestion.transform.catalogue import ensure_manifest, published_tables
from ingestion.transform.cosmos_config import read_manifest

# The published DuckDB file holds its marts in DuckDB's default schema.
_PUBLISHED_SCHEMA = "main"


def landing_dataset(settings: Settings) -> Dataset:
    """The landing area of collected payloads (a folder on this host, or a shared volume)."""
    return Dataset(namespace=f"file://{socket.gethostname()}", name=str(settings.landing_dir))


def raw_table_datasets(settings: Settings, manifest: Path | None = None) -> list[Dataset]:
    """The raw tables the loaders write: every dbt source, as dbt's lineage names it."""
    sources = _manifest(manifest)["sources"].values()
    names = sorted({(s["database"], s["schema"], s["identifier"]) for s in sources})
    namespace = warehouse_namespace(settings)
    return [Dataset(namespace=namespace, name=".".join(parts)) for parts in names]


def candidate_mart_datasets(settings: Settings, manifest: Path | None = None) -> list[Dataset]:
    """The marts dbt builds and the gate audits, as dbt's lineage names them."""
    wanted = set(published_tables())
    nodes = _manifest(manifest)["nodes"].values()
    namespace = warehouse_namespace(settings)
    return [
        Dataset(
            namespace=namespace,
            name=f"{node['database']}.{node['schema']}.{node.get('alias') or node['name']}",
        )
        for node in sorted(nodes, key=lambda node: node["name"])
        if node.get("resource_type") == "model" and node["name"] in wanted
    ]


def published_mart_datasets(settings: Settings) -> list[Dataset]:
    """The marts BI tools read: the published file, or the published schema on PostgreSQL."""
    if settings.postgres is not None:
        from ingestion.quality.postgres_tables import PUBLISHED_SCHEMA

        prefix = f"{settings.postgres.dbname}.{PUBLISHED_SCHEMA}"
        namespace = warehouse_namespace(settings)
        return [Dataset(namespace=namespace, name=f"{prefix}.{t}") for t in published_tables()]
    path = settings.published_db_path
    return [
        Dataset(namespace=f"duckdb://{path}", name=f"{path.stem}.{_PUBLISHED_SCHEMA}.{table}")
        for table in published_tables()
    ]


def warehouse_namespace(settings: Settings) -> str:
    """The working warehouse, as dbt's OpenLineage processor names its profile's target."""
    if settings.postgres is not None:
        return f"postgres://{settings.postgres.host}:{settings.postgres.port}"
    # dbt's profile path is ASSIST_WAREHOUSE_PATH, the resolved file (dbt_runner).
    return f"duckdb://{settings.warehouse_path.resolve()}"


def _manifest(manifest: Path | None) -> dict:
    return read_manifest(manifest or ensure_manifest())
