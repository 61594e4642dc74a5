"""The one check for names pasted into SQL text.

SQL is never built by pasting values (those are always ``?`` parameters); the
only names put into SQL text are identifiers from validated configuration, the
dbt manifest or the code's own constants, and each passes through here first.
"""

from __future__ import annotations

import re

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_identifier(name: str) -> str:
    """``name`` if it is a plain lower-case SQL identifier; otherwise ValueError."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a valid identifier ({IDENTIFIER.pattern})")
    return name
