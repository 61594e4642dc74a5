"""The gate's suites as stored in ``expectations/suites/<name>.json``, loaded and typed.

A suite checks the table ``meta.table`` in the schema the gate is called with
(``marts``) unless ``meta.schema`` names another (``raw``). A suite with
``meta.history`` checks the same mart's values against the region's history
(``ingestion.quality.history``): its expectations read the columns that module
adds, and its failures hold the candidate back for approval instead of
failing it outright. Everything about a suite is in its file; nothing is
added at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.identifiers import checked_identifier
from ingestion.transform.catalogue import mart_keys

SUITES_SUBDIR = "suites"


class SuiteError(ValueError):
    """A suite file that cannot be used as written (the message names the file and field)."""


@dataclass(frozen=True)
class HistoryRule:
    """``meta.history`` of a suite: which value is compared with which history.

    ``value`` is compared with the median of the same group's other rows (``by``:
    the region, and for exits its level), published before or in the candidate.
    """

    value: str
    by: tuple[str, ...]


@dataclass(frozen=True)
class SuiteFile:
    """A suite as stored in ``expectations/suites/<name>.json`` and the table it checks.

    ``schema`` is ``meta.schema`` (``raw`` for the raw-table suites); None means the
    schema the gate was called with (``marts``).
    """

    name: str
    table: str
    key_column: str | None
    config: dict[str, Any]
    schema: str | None = None
    history: HistoryRule | None = None

    @property
    def approvable(self) -> bool:
        """Whether a person's approval may override this suite's failures."""
        return self.history is not None


def load_suites(suites_dir: Path) -> list[SuiteFile]:
    """Read the suite JSON files; a suite's file name, name and table must agree."""
    paths = sorted(suites_dir.glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no expectation suites in {suites_dir}")
    return [load_suite(path) for path in paths]


def load_suite(path: Path) -> SuiteFile:
    config = json.loads(path.read_text(encoding="utf-8"))
    name = config.get("name")
    if name != path.stem:
        # A mismatch would validate one mart and report it under another's name.
        raise ValueError(f"{path}: suite name {name!r} differs from the file name")
    meta = config.get("meta") or {}
    table = checked_identifier(meta.get("table", name))
    schema = checked_identifier(meta["schema"]) if meta.get("schema") else None
    # A mart's key is stated once, in its dbt meta; a raw table's in its suite.
    key_column = meta.get("key_column") if schema else mart_keys().get(table)
    history = _history_rule(path, meta.get("history")) if "history" in meta else None
    return SuiteFile(name, table, key_column, config, schema, history)


def _history_rule(path: Path, raw: Any) -> HistoryRule:
    if not isinstance(raw, Mapping):
        raise SuiteError(f"{path}: meta.history must be an object with 'value' and 'by'")
    value, by = raw.get("value"), raw.get("by")
    if not isinstance(value, str) or not value:
        raise SuiteError(f"{path}: meta.history.value must name the column to compare")
    if not isinstance(by, list) or not by or not all(isinstance(c, str) for c in by):
        raise SuiteError(f"{path}: meta.history.by must list the columns of a group")
    return HistoryRule(checked_identifier(value), tuple(checked_identifier(c) for c in by))
