"""The one check for names pasted into SQL text.

SQL is never built by pasting values (those are always ``?`` parameters); the
only names put into SQL text are identifiers from validated configuration, the
dbt manifest or the code's own constants, and each passes through here first.
File paths, which DuckDB's ATTACH, COPY and read_parquet take only as literals,
are quoted here too.
"""

from __future__ import annotations

import re
from pathlib import Path

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_identifier(name: str) -> str:
    """``name`` if it is a plain lower-case SQL identifier; otherwise ValueError."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a valid identifier ({IDENTIFIER.pattern})")
    return name


def path_literal(path: Path) -> str:
    """A file path as a SQL string literal (ATTACH, COPY and read_parquet take no
    bound parameters for it)."""
    return "'" + str(path).replace("'", "''") + "'"
