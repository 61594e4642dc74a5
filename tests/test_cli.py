"""The command line builds only the sub-command it runs, and still knows all of them."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from ingestion.cli import COMMAND_MODULES, build_parser, command_name, pipeline_command_names
from ingestion.config import PROJECT_ROOT


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_table_of_command_modules_names_every_command_once() -> None:
    every = _commands(build_parser())
    listed = [name for names in COMMAND_MODULES.values() for name in names]
    assert len(listed) == len(set(listed))
    assert set(listed) | pipeline_command_names() == set(every)


@pytest.mark.parametrize("command", sorted(_commands(build_parser())))
def test_each_command_parses_alike_from_its_own_module(command: str) -> None:
    assert command_name(["-v", command, "--help"]) == command
    alone = _commands(build_parser(command))[command]
    full = _commands(build_parser())[command]
    assert alone.format_help() == full.format_help()


def test_an_unknown_command_or_none_builds_every_command() -> None:
    assert command_name(["--help"]) is None
    assert command_name(["no-such-command"]) is None


def test_a_correction_command_starts_without_the_pipeline_or_the_extractor() -> None:
    code = (
        "import sys; from ingestion.cli import build_parser; build_parser('corrections'); "
        "print(sorted(m for m in ('ingestion.pipeline', 'ingestion.extract.pipeline', "
        "'scipy', 'dbt') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
