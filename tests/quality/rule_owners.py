"""Which rules dbt states and which the Great Expectations suites state, side by side.

Each rule is normalised to (table, columns, kind): a dbt ``unique`` test on
``mart_funds.fund_key`` and a GX ``expect_column_values_to_be_unique`` on the
same column are the same rule. Kinds are split by owner (expectations/README.md,
"Which rule lives where"): structure belongs to dbt, plausibility to the gate.
Used by tests/quality/test_rule_owners.py and to count overlaps before/after.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# dbt owns these: a violation is a bug in the models (or a broken load) and fails dbt build.
STRUCTURE = frozenset(
    {
        "columns",
        "not_null",
        "not_null_where",
        "unique",
        "accepted_values",
        "relationship",
        "code",
        "derivation",
    }
)
# The gate owns these: a violation is a bad number read from a source; it holds the publish.
PLAUSIBILITY = frozenset({"range", "row_count", "cross_column", "history"})
# Rules restating how a model derives a column (period_kind from the years, the report
# dates, the conflict flag): structure, tested in dbt as an expression.
DERIVATION_COLUMNS = frozenset({"period_kind", "first_reported_date", "has_conflicting_values"})
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_SQL_WORDS = frozenset(
    {"is", "null", "not", "or", "and", "case", "when", "then", "else", "end", "coalesce",
     "length", "translate", "period", "single_year", "unknown"}
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    table: str
    columns: tuple[str, ...]
    kind: str
    owner: str  # dbt or gx
    name: str  # the test or expectation, for messages

    @property
    def subject(self) -> tuple[str, tuple[str, ...], str]:
        return (self.table, self.columns, self.kind)


def dbt_rules(manifest: Mapping[str, Any], tables: Iterable[str]) -> list[Rule]:
    """The dbt tests and contracts on these models (or raw sources, named ``raw.<table>``)."""
    wanted = set(tables)
    rules: list[Rule] = []
    for node in manifest["nodes"].values():
        contract = (node.get("config") or {}).get("contract") or {}
        if node["resource_type"] == "model" and node["name"] in wanted and contract.get("enforced"):
            rules.append(Rule(node["name"], (), "columns", "dbt", "contract"))
        if node["resource_type"] != "test":
            continue
        table = _tested_table(node)
        if table not in wanted:
            continue
        meta = node.get("test_metadata") or {}
        kwargs = meta.get("kwargs") or {}
        name = str(meta.get("name") or node["name"])
        column = node.get("column_name") or kwargs.get("column_name")
        where = (node.get("config") or {}).get("where")
        if name == "expression_is_true":
            columns = _expression_columns(str(kwargs.get("expression", "")))
            kind = (
                "code"
                if "translate" in str(kwargs.get("expression", ""))
                else ("cross_column" if not DERIVATION_COLUMNS & set(columns) else "derivation")
            )
            rules.append(Rule(table, columns, kind, "dbt", name))
            continue
        kind = {
            "not_null": "not_null_where" if where else "not_null",
            "unique": "unique",
            "unique_combination_of_columns": "unique",
            "accepted_values": "accepted_values",
            "relationships": "relationship",
            "accepted_range": "range",
        }.get(name, name)
        if name == "unique_combination_of_columns":
            columns = tuple(sorted(kwargs.get("combination") or ()))
        else:
            columns = (str(column),) if column else ()
        rules.append(Rule(table, columns, kind, "dbt", name))
    return rules


def gx_rules(suites_dir: Path) -> list[Rule]:
    """The expectations of every suite, on its table (raw suites: ``raw.<table>``)."""
    rules: list[Rule] = []
    for path in sorted(suites_dir.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        meta = suite.get("meta") or {}
        table = meta.get("table", suite["name"])
        if meta.get("schema"):
            table = f"{meta['schema']}.{table}"
        history = "history" in meta
        for expectation in suite["expectations"]:
            kind, columns = _gx_kind(expectation["type"], expectation["kwargs"])
            if history:
                kind = "history"
            rules.append(Rule(table, columns, kind, "gx", f"{path.stem}: {expectation['type']}"))
    return rules


def overlaps(rules: Iterable[Rule]) -> dict[tuple[str, tuple[str, ...], str], list[Rule]]:
    """Rules stated by both dbt and the gate (same table, columns and kind)."""
    by_subject: dict[tuple[str, tuple[str, ...], str], list[Rule]] = {}
    for rule in rules:
        table, columns, kind = rule.subject
        # A code in a relationships test to dim_region has the code's form as well.
        kind = "code" if kind == "relationship" else kind
        by_subject.setdefault((table, columns, kind), []).append(rule)
    return {
        subject: found
        for subject, found in by_subject.items()
        if {r.owner for r in found} == {"dbt", "gx"}
    }


def _tested_table(node: Mapping[str, Any]) -> str | None:
    attached = node.get("attached_node")
    if attached:
        return str(attached).split(".")[-1]
    sources = node.get("sources") or []
    if sources:
        schema, table = sources[0]
        return f"{schema}.{table}"
    return None


def _expression_columns(expression: str) -> tuple[str, ...]:
    names = {n for n in _NAME.findall(expression.lower()) if n not in _SQL_WORDS}
    return tuple(sorted(names))


def _gx_kind(kind: str, kwargs: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    column = kwargs.get("column")
    columns = (column,) if column else ()
    conditional = bool(kwargs.get("row_condition"))
    if kind == "expect_table_columns_to_match_set":
        return "columns", ()
    if kind == "expect_table_row_count_to_be_between":
        return "row_count", ()
    if kind == "expect_column_values_to_not_be_null":
        condition = str(kwargs.get("row_condition") or "")
        if "isnull()" in condition or "notnull()" in condition:
            # "a figure where the others are missing": a rule across the figures.
            return "cross_column", columns
        return ("not_null_where" if conditional else "not_null"), columns
    if kind == "expect_column_values_to_be_unique":
        return "unique", columns
    if kind == "expect_compound_columns_to_be_unique":
        return "unique", tuple(sorted(kwargs["column_list"]))
    if kind == "expect_column_values_to_be_in_set":
        return "accepted_values", columns
    if kind == "expect_column_values_to_match_regex":
        return "code", columns
    if kind == "expect_column_values_to_be_between":
        return "range", columns
    pair = tuple(sorted(c for c in (kwargs.get("column_A"), kwargs.get("column_B"), column) if c))
    return ("derivation" if DERIVATION_COLUMNS & set(pair) else "cross_column"), pair
