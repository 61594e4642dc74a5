"""Each rule has one owner: dbt states the marts' structure, the gate their plausibility.

Read from the dbt manifest (the one the suite's session fixture parses) and the
suite files; no database. The table of which rule lives where is in
expectations/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingestion.config import PROJECT_ROOT
from tests.quality.rule_owners import (
    PLAUSIBILITY,
    STRUCTURE,
    Rule,
    dbt_rules,
    gx_rules,
    overlaps,
)

SUITES = PROJECT_ROOT / "expectations" / "suites"


def _rules(dbt_manifest: Path) -> tuple[list[Rule], list[Rule]]:
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    gx = gx_rules(SUITES)
    return dbt_rules(manifest, {r.table for r in gx}), gx


def test_no_rule_is_stated_by_both_dbt_and_the_gate(dbt_manifest: Path) -> None:
    dbt, gx = _rules(dbt_manifest)
    both = overlaps(dbt + gx)
    assert not both, "stated twice: " + "; ".join(
        f"{table}{list(columns)} {kind}: {[r.name for r in found]}"
        for (table, columns, kind), found in both.items()
    )


def test_dbt_states_structure_and_the_gate_plausibility_of_the_marts(
    dbt_manifest: Path,
) -> None:
    dbt, gx = _rules(dbt_manifest)
    marts = {r.table for r in gx if "." not in r.table}
    assert not [r for r in dbt if r.table in marts and r.kind in PLAUSIBILITY]
    assert not [r for r in gx if r.table in marts and r.kind in STRUCTURE]
    # Every mart's structure is in dbt: an enforced contract, its key unique and not null.
    for mart in marts:
        kinds = {(r.columns, r.kind) for r in dbt if r.table == mart}
        assert ((), "columns") in kinds, f"{mart} has no enforced contract"
        assert any(k == "unique" for _, k in kinds), f"{mart} has no key test"
    # The history suites hold values against the region's history (approvable).
    assert {r.table for r in gx if r.kind == "history"} >= {
        "mart_funds",
        "mart_output_value",
        "mart_poverty_exits",
    }
