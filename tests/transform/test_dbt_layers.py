"""The build DAG's layer rendering: which dbt nodes each layer task builds, in which order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.config import DBT_TASKS_SETTING, parse_dbt_tasks_setting
from ingestion.transform.cosmos_config import DbtLayer, ManifestError, dbt_layers


def _node(kind: str, name: str, path: str, parents: tuple[str, ...] = ()) -> dict:
    return {
        "resource_type": kind,
        "name": name,
        "original_file_path": path,
        "depends_on": {"nodes": [f"model.p.{p}" if "." not in p else p for p in parents]},
    }


def _manifest(tmp_path: Path, *nodes: tuple[str, dict]) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": dict(nodes)}), encoding="utf-8")
    return path


def test_layers_come_after_the_layers_their_models_read(tmp_path) -> None:
    manifest = _manifest(
        tmp_path,
        # Listed out of order on purpose: the order comes from the reads.
        ("model.p.mart_a", _node("model", "mart_a", "models/marts/mart_a.sql", ("int_a",))),
        ("model.p.dim_b", _node("model", "dim_b", "models/marts/dim_b.sql", ("mart_a",))),
        (
            "model.p.int_a",
            _node("model", "int_a", "models/intermediate/int_a.sql", ("stg_a", "seed.p.codes")),
        ),
        ("model.p.stg_a", _node("model", "stg_a", "models/staging/stg_a.sql")),
        ("seed.p.codes", _node("seed", "codes", "seeds/codes.csv")),
        # A test is no layer of its own, whatever it reads.
        ("test.p.t", _node("test", "t", "models/marts/_m.yml", ("mart_a", "stg_a"))),
    )
    layers = dbt_layers(manifest)
    order = [layer.name for layer in layers]
    assert sorted(order) == ["intermediate", "marts", "seeds", "staging"]
    assert order.index("intermediate") > max(order.index("staging"), order.index("seeds"))
    assert order.index("marts") > order.index("intermediate")
    by_name = {layer.name: layer for layer in layers}
    assert by_name["marts"] == DbtLayer(
        "marts", "path:models/marts", ("intermediate",), ("dim_b", "mart_a")
    )
    assert by_name["intermediate"].upstream == ("seeds", "staging")
    assert by_name["seeds"] == DbtLayer("seeds", "resource_type:seed", (), ("codes",))


def test_layers_that_read_each_other_are_an_error_naming_them(tmp_path) -> None:
    manifest = _manifest(
        tmp_path,
        ("model.p.stg_a", _node("model", "stg_a", "models/staging/stg_a.sql", ("dim_c",))),
        ("model.p.dim_c", _node("model", "dim_c", "models/marts/dim_c.sql", ("stg_a",))),
    )
    with pytest.raises(ManifestError, match=r"(staging|marts) -> .*ASSIST_DBT_TASKS=node"):
        dbt_layers(manifest)


def test_a_model_outside_a_layer_folder_is_an_error_naming_it(tmp_path) -> None:
    manifest = _manifest(tmp_path, ("model.p.loose", _node("model", "loose", "models/loose.sql")))
    with pytest.raises(ManifestError, match=r"model loose \(models/loose.sql\)"):
        dbt_layers(manifest)


def test_the_project_layers_are_its_folders(dbt_manifest) -> None:
    layers = {layer.name: layer for layer in dbt_layers(dbt_manifest)}
    assert set(layers) == {"seeds", "staging", "intermediate", "marts"}
    assert layers["marts"].upstream == ("intermediate", "staging")


def test_the_rendering_setting_defaults_to_layers_and_refuses_anything_else() -> None:
    assert parse_dbt_tasks_setting("") == "layer"
    assert parse_dbt_tasks_setting(" Node ") == "node"
    with pytest.raises(ValueError, match=f"{DBT_TASKS_SETTING} must be one of layer, node"):
        parse_dbt_tasks_setting("model")
