"""Create or update the database connection, datasets, charts and dashboards.

Idempotent: each object is found by its name (dashboards by slug) and updated
in place, so running ``make bi`` again changes nothing but what the code
changed, and chart ids (and URLs) stay the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bi.api import SupersetClient
from bi.dashboards import DASHBOARDS, DATABASE_NAME, DATASETS, json_metadata, position_json
from bi.marts import PublishedMarts


@dataclass(frozen=True)
class Imported:
    database_id: int
    dataset_ids: dict[str, int]
    chart_ids: dict[str, int]
    dashboard_ids: dict[str, int]


def database_payload(marts: PublishedMarts) -> dict[str, Any]:
    extra = {
        "engine_params": {"connect_args": marts.connect_args()},
        "metadata_params": {},
        "schemas_allowed_for_file_upload": [],
    }
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": marts.sqlalchemy_uri(),
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": json.dumps(extra),
    }


def filter_defaults(marts: PublishedMarts) -> dict[str, str | None]:
    """Each filter's default value, asked of the published marts (read-only)."""
    defaults: dict[str, str | None] = {}
    for dashboard in DASHBOARDS:
        for native in dashboard.filters:
            if native.default_sql:
                rows = marts.query(native.default_sql)
                defaults[native.key] = rows[0][0] if rows else None
    return defaults


def _upsert(client: SupersetClient, resource: str, column: str, value: str, body: dict) -> int:
    found = client.find(resource, column, value)
    if found is None:
        return int(client.request("POST", f"/api/v1/{resource}/", body)["id"])
    client.request("PUT", f"/api/v1/{resource}/{found['id']}", body)
    return int(found["id"])


def import_all(client: SupersetClient, marts: PublishedMarts) -> Imported:
    database_id = _upsert(
        client, "database", "database_name", DATABASE_NAME, database_payload(marts)
    )
    dataset_ids: dict[str, int] = {}
    for dataset in DATASETS:
        found = client.find("dataset", "table_name", dataset.name)
        if found is None:
            created = client.request(
                "POST",
                "/api/v1/dataset/",
                {
                    "database": database_id,
                    "table_name": dataset.name,
                    "sql": dataset.sql.strip(),
                    "schema": marts.schema,
                },
            )
            dataset_id = int(created["id"])
        else:
            dataset_id = int(found["id"])
        client.request(
            "PUT",
            f"/api/v1/dataset/{dataset_id}",
            {
                "sql": dataset.sql.strip(),
                "description": dataset.description,
                "schema": marts.schema,
            },
        )
        # Columns follow the SQL: read them again from the published marts.
        client.request("PUT", f"/api/v1/dataset/{dataset_id}/refresh")
        dataset_ids[dataset.name] = dataset_id

    defaults = filter_defaults(marts)
    chart_ids: dict[str, int] = {}
    dashboard_ids: dict[str, int] = {}
    for dashboard in DASHBOARDS:
        dashboard_id = _upsert(
            client,
            "dashboard",
            "slug",
            dashboard.slug,
            {"dashboard_title": dashboard.title, "slug": dashboard.slug, "published": True},
        )
        dashboard_ids[dashboard.slug] = dashboard_id
        for chart in dashboard.charts:
            dataset_id = dataset_ids[chart.dataset]
            chart_ids[chart.key] = _upsert(
                client,
                "chart",
                "slice_name",
                chart.name,
                {
                    "slice_name": chart.name,
                    "viz_type": chart.viz_type,
                    "datasource_id": dataset_id,
                    "datasource_type": "table",
                    "params": json.dumps(chart.form_data(dataset_id)),
                    "query_context": json.dumps(chart.query_context(dataset_id)),
                    "dashboards": [dashboard_id],
                },
            )
        client.request(
            "PUT",
            f"/api/v1/dashboard/{dashboard_id}",
            {
                "dashboard_title": dashboard.title,
                "slug": dashboard.slug,
                "published": True,
                "position_json": json.dumps(position_json(dashboard, chart_ids)),
                "json_metadata": json.dumps(
                    json_metadata(dashboard, chart_ids, dataset_ids, defaults)
                ),
            },
        )
    return Imported(database_id, dataset_ids, chart_ids, dashboard_ids)
