"""The marts, their keys and which are published: read once from dbt's manifest.

Each mart states it in its own dbt YAML, under ``config.meta``::

    config:
      meta: {owner: analytics, published: true, key: fund_key}

and its region-code columns are the columns with a dbt ``relationships`` test
to ``dim_region.region_code`` (with that test's ``where``, if any). The
publisher, the fingerprint, the quality gate and the reliability checks all
ask this module; nothing else lists marts.

The manifest is the one ``make dbt-manifest`` writes (``dbt parse``, no
database); where it is missing or older than the project, it is parsed here
once, under the same lock the test suite's fixture takes.
"""

from __future__ import annotations

import fcntl
import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ingestion.config import load_settings
from ingestion.identifiers import checked_identifier
from ingestion.transform.cosmos_config import (
    MANIFEST_PATH,
    ManifestError,
    checked_manifest_path,
    write_manifest,
)

log = logging.getLogger(__name__)

REGION_DIMENSION = "dim_region"
REGION_KEY = "region_code"
# A relationships test's `where` the gate can apply as a pandas row condition.
_SIMPLE_WHERE = re.compile(r"^\s*(?P<column>[a-z_][a-z0-9_]*)\s*=\s*'(?P<value>[^']*)'\s*$")


@dataclass(frozen=True)
class RegionCodeColumn:
    """A column holding ``dim_region.region_code`` values (where ``condition`` holds)."""

    column: str
    condition: str | None = None  # pandas query syntax, e.g. helper_kind=="region"


@dataclass(frozen=True)
class Mart:
    name: str
    key: str
    owner: str
    published: bool
    region_code_columns: tuple[RegionCodeColumn, ...] = ()


def ensure_manifest(manifest: Path = MANIFEST_PATH) -> Path:
    """A current manifest: the existing one, or one parsed now (no database needed)."""
    manifest.parent.mkdir(parents=True, exist_ok=True)
    # Parallel test workers and tasks share dbt_project/target: one parses, the
    # others wait and take its manifest (never one half rewritten).
    with open(manifest.parent / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return checked_manifest_path(manifest)
        except ManifestError as missing:
            log.warning("%s; parsing the dbt project now", missing)
            return write_manifest(load_settings())


def marts_from_manifest(nodes: dict[str, Any]) -> tuple[Mart, ...]:
    """Every model whose ``meta`` names a key, sorted by name."""
    columns: dict[str, list[RegionCodeColumn]] = {}
    for node in nodes.values():
        test = node.get("test_metadata") or {}
        kwargs = test.get("kwargs") or {}
        attached = (node.get("attached_node") or "").rpartition(".")[2]
        if (
            node.get("resource_type") == "test"
            and test.get("name") == "relationships"
            and kwargs.get("to") == f"ref('{REGION_DIMENSION}')"
            and kwargs.get("field") == REGION_KEY
            and attached
            and attached != REGION_DIMENSION  # its own parent codes are dbt's alone
        ):
            where = (node.get("config") or {}).get("where")
            columns.setdefault(attached, []).append(
                RegionCodeColumn(
                    checked_identifier(kwargs["column_name"]), _pandas_condition(where)
                )
            )
    marts = []
    for node in nodes.values():
        meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        if node.get("resource_type") != "model" or "key" not in meta:
            continue
        name = checked_identifier(node["name"])
        marts.append(
            Mart(
                name=name,
                key=checked_identifier(meta["key"]),
                owner=str(meta.get("owner") or ""),
                published=bool(meta.get("published", False)),
                region_code_columns=tuple(sorted(columns.get(name, []), key=lambda c: c.column)),
            )
        )
    return tuple(sorted(marts, key=lambda m: m.name))


def _pandas_condition(where: str | None) -> str | None:
    if not where:
        return None
    match = _SIMPLE_WHERE.match(where)
    if match is None:
        raise ValueError(f"relationships test condition {where!r} is not `column = 'value'`")
    return f'{match["column"]}=="{match["value"]}"'


@cache
def marts() -> tuple[Mart, ...]:
    manifest = ensure_manifest()
    return marts_from_manifest(json.loads(manifest.read_text(encoding="utf-8"))["nodes"])


def published_marts() -> tuple[Mart, ...]:
    return tuple(m for m in marts() if m.published)


def published_tables() -> tuple[str, ...]:
    """What a publish copies for BI tools (and what the fingerprint covers)."""
    return tuple(m.name for m in published_marts())


def mart_keys() -> dict[str, str]:
    """Published mart -> its key column (one row per key value)."""
    return {m.name: m.key for m in published_marts()}


def region_code_columns() -> dict[str, tuple[RegionCodeColumn, ...]]:
    return {m.name: m.region_code_columns for m in marts() if m.region_code_columns}
