"""Import cycles among a package's modules, lazy (function-level) imports included.

``python -m tools import-cycles [package]`` prints each strongly connected group
of modules; tests/transform/test_catalogue.py keeps ``ingestion`` free of them.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def import_graph(package: str = "ingestion", root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its body."""
    modules: dict[str, Path] = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for target in targets:
                found = resolve(target)
                # A package's own __init__ is not a cycle with its submodules.
                if found and found != name and not name.startswith(found + "."):
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def _run(args: argparse.Namespace) -> int:
    found = cycles(import_graph(args.package))
    print(f"{len(found)} import cycle(s)")
    for group in found:
        print("  " + " <-> ".join(group))
    return 1 if found else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import-cycles", help="import cycles among a package's modules")
    parser.add_argument("package", nargs="?", default="ingestion")
    parser.set_defaults(func=_run)
