"""``python -m tools``: one argparse tree for the harnesses."""

from __future__ import annotations

import argparse

from tools import import_cycles
from tools.reliability import matrix, pg_reader, reader, stage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    matrix.register(subparsers)
    stage.register(subparsers)
    reader.register(subparsers)
    pg_reader.register(subparsers)
    import_cycles.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
