"""The marts, their keys and which are published: read once from dbt's manifest.

Each mart states it in its own dbt YAML, under ``config.meta``::

    config:
      meta: {owner: analytics, published: true, key: fund_key}

The publisher, the fingerprint, the quality gate and the reliability checks
all ask this module; nothing else lists marts. (Which columns hold a region
code is dbt's alone: its ``relationships`` tests to ``dim_region``.)

The manifest is the one ``make dbt-manifest`` writes (``dbt parse``, no
database); where it is missing or older than the project, it is parsed here
once, under the same lock the test suite's fixture takes.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ingestion.config import Settings, load_settings
from ingestion.identifiers import checked_identifier
from ingestion.transform.cosmos_config import (
    MANIFEST_PATH,
    ManifestError,
    checked_manifest_path,
    read_manifest,
    write_manifest,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mart:
    name: str
    key: str
    owner: str
    published: bool


def ensure_manifest(manifest: Path = MANIFEST_PATH) -> Path:
    """A current manifest: the existing one, or one parsed now (no database needed)."""
    with manifest_lock(manifest):
        try:
            return checked_manifest_path(manifest)
        except ManifestError as missing:
            log.warning("%s; parsing the dbt project now", missing)
            return write_manifest(load_settings())


def rewrite_manifest(settings: Settings, manifest: Path = MANIFEST_PATH) -> Path:
    """Parse the project again with ``settings`` (``make dbt-manifest`` for those settings).

    The partial-parse file dbt leaves beside the manifest then matches the dbt tasks
    run with these settings (``write_manifest``).
    """
    with manifest_lock(manifest):
        return write_manifest(settings)


@contextmanager
def manifest_lock(manifest: Path = MANIFEST_PATH) -> Iterator[None]:
    """Held while the manifest is checked or written.

    Parallel test workers and tasks share dbt_project/target: one parses, the
    others wait and take its manifest (never one half rewritten).
    """
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def marts_from_manifest(nodes: dict[str, Any]) -> tuple[Mart, ...]:
    """Every model whose ``meta`` names a key, sorted by name."""
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
            )
        )
    return tuple(sorted(marts, key=lambda m: m.name))


@cache
def marts() -> tuple[Mart, ...]:
    return marts_from_manifest(read_manifest(ensure_manifest())["nodes"])


def published_marts() -> tuple[Mart, ...]:
    return tuple(m for m in marts() if m.published)


def published_tables() -> tuple[str, ...]:
    """What a publish copies for BI tools (and what the fingerprint covers)."""
    return tuple(m.name for m in published_marts())


def mart_keys() -> dict[str, str]:
    """Published mart -> its key column (one row per key value)."""
    return {m.name: m.key for m in published_marts()}
