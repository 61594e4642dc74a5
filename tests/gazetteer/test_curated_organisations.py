"""Curated organisation kinds (dbt seed curated_organisations): right, and consistent.

The seed is what dim_organisation's kind comes from for a name whose shape says
nothing about its owner; the dbt unit test on int_party_names (run by every dbt
build) proves the model applies it to every spelling.
"""

from __future__ import annotations

import csv

import yaml

from ingestion.gazetteer import load_gazetteer
from ingestion.transform.dbt_runner import DBT_PROJECT_DIR

SEED = DBT_PROJECT_DIR / "seeds" / "curated_organisations.csv"
DIM_ORGANISATION_YML = DBT_PROJECT_DIR / "models" / "marts" / "dim_organisation.yml"


def _rows() -> dict[str, dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


def _dim_organisation_kinds() -> set[str]:
    [model] = yaml.safe_load(DIM_ORGANISATION_YML.read_text(encoding="utf-8"))["models"]
    [kind] = [c for c in model["columns"] if c["name"] == "kind"]
    [accepted] = [t["accepted_values"] for t in kind["data_tests"] if "accepted_values" in t]
    return set(accepted["arguments"]["values"])


def test_shudao_is_a_sichuan_provincial_soe() -> None:
    shudao = _rows()["Shudao Investment Group"]
    assert shudao["kind"] == "provincial_soe"
    assert load_gazetteer().get(shudao["home_region_code"]).name_en == "Sichuan Province"


def test_every_curated_kind_and_home_is_one_the_marts_accept() -> None:
    gazetteer = load_gazetteer()
    kinds = _dim_organisation_kinds()
    for name, row in _rows().items():
        assert row["kind"] in kinds and row["kind"] != "central_soe", name  # central: own seed
        home = row["home_region_code"]
        assert not home or gazetteer.get(home).level in ("province", "prefecture"), name
        assert row["note"], f"{name}: say why this kind"
