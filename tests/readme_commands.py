"""The shell commands the README shows, as a test runs them: one per line of a ```bash block.

A trailing ``# comment`` and comment-only lines are dropped; a line ending in
``\\`` continues on the next. A test that runs a README command takes its
command line from here (``readme_argv``), so it runs exactly what a reader types.
"""

from __future__ import annotations

import re
import shlex

from ingestion.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
_BASH_BLOCK = re.compile(r"^```bash\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


def readme_commands(text: str | None = None) -> list[str]:
    """Every command of the README's bash blocks, in order."""
    text = README.read_text(encoding="utf-8") if text is None else text
    commands: list[str] = []
    for block in _BASH_BLOCK.finditer(text):
        # Join continued lines first: shlex reads a line's trailing backslash as an escape.
        joined = re.sub(r"\\\n", " ", block["body"])
        for line in joined.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(" ".join(shlex.quote(w) if _needs_quotes(w) else w for w in words))
    return commands


# Control operators a README line may chain commands with: kept as they are.
_OPERATORS = {"&&", "||", "|", ";"}


def _needs_quotes(word: str) -> bool:
    if word in _OPERATORS:
        return False
    return word == "" or any(c.isspace() or c in "\"'$`;&|<>(){}*?" for c in word)


def readme_argv(command: str) -> list[str]:
    """``command``'s words, after checking that the README shows exactly it."""
    assert command in readme_commands(), f"the README shows no command {command!r}"
    return shlex.split(command)
