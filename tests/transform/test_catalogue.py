"""The mart catalogue is read from dbt's manifest; every model has an owner, every view a key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingestion.transform.catalogue import (
    mart_keys,
    published_tables,
)
from tools.import_cycles import cycles, import_graph


@pytest.fixture(scope="module")
def nodes(dbt_manifest: Path) -> dict[str, Any]:
    return json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"]


def _tests_on(nodes: dict[str, Any], model_id: str) -> list[dict[str, Any]]:
    return [
        n
        for n in nodes.values()
        if n["resource_type"] == "test" and n.get("attached_node") == model_id
    ]


def test_each_published_mart_states_its_key_once_and_dbt_tests_it_unique(nodes):
    keys = mart_keys()
    assert set(published_tables()) == set(keys) and len(keys) >= 10
    for model_id, node in nodes.items():
        if node["resource_type"] == "model" and node["name"] in keys:
            key = keys[node["name"]]
            unique = {
                t.get("column_name")
                for t in _tests_on(nodes, model_id)
                if (t.get("test_metadata") or {}).get("name") == "unique"
            }
            assert key in unique, f"{node['name']}: its key {key} has no dbt unique test"


def test_every_model_has_an_owner(nodes):
    models = [n for n in nodes.values() if n["resource_type"] == "model"]
    unowned = [n["name"] for n in models if not (n["config"].get("meta") or {}).get("owner")]
    assert models and not unowned, f"models without meta.owner: {unowned}"


def test_every_view_has_a_primary_key_test(nodes):
    views = {
        model_id: n
        for model_id, n in nodes.items()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "view"
    }
    keyless = [
        n["name"]
        for model_id, n in views.items()
        if not any(
            (t.get("test_metadata") or {}).get("name")
            in {"unique", "unique_combination_of_columns"}
            for t in _tests_on(nodes, model_id)
        )
    ]
    assert views and not keyless, f"views without a unique test: {keyless}"


def test_the_product_package_has_no_import_cycle():
    assert cycles(import_graph("ingestion")) == []


def test_the_manifest_is_parsed_once_and_again_when_rewritten(tmp_path) -> None:
    from ingestion.transform.cosmos_config import read_manifest

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {}, "metadata": {"v": 1}}), encoding="utf-8")
    first = read_manifest(manifest)
    assert read_manifest(manifest) is first, "the same file is not parsed twice"
    manifest.write_text(json.dumps({"nodes": {}, "metadata": {"v": 22}}), encoding="utf-8")
    assert read_manifest(manifest)["metadata"] == {"v": 22}
