"""``python -m tools stage <command ...>``: the product CLI, with pause hooks armed.

It runs ``python -m ingestion <command ...>`` in this process, after wrapping a
few functions so that ``ASSIST_PAUSE_AT`` can stop a stage at a real point in
the middle of its work (see ``hooks.pause_point``), without any hook in the
product's code:

- ``collect:payload:<n>``  after the n-th payload is landed (before the fetch log);
- ``load:extract:<n>``     after the n-th article's facts are extracted and committed;
- ``publish:<point>``      at a named checkpoint of ``publish_marts`` (which takes
  the pause function as its ``checkpoint`` parameter).

``pipeline`` runs the whole pipeline (collect, load, build, audit, publish)
without the docs step, which the reliability checks do not need.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable
from typing import Any

from tools.reliability.hooks import PAUSE_ENV, pause_point


def _pause_after(count: int, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = function(*args, **kwargs)
        calls += 1
        if calls == count:
            pause_point(name)
        return result

    return wrapper


def _pause_before(count: int, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == count:
            pause_point(name)
        return function(*args, **kwargs)

    return wrapper


def install_hooks() -> None:
    """Wrap the functions named by ``ASSIST_PAUSE_AT`` (``<stage>:<what>:<n>``)."""
    point = os.environ.get(PAUSE_ENV, "")
    if point.startswith("publish:"):
        import ingestion.publish.publisher as publisher

        # pipeline.publish looks publish_marts up when it runs: it finds this one.
        publisher.publish_marts = functools.partial(publisher.publish_marts, checkpoint=pause_point)
        return
    parts = point.split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        return
    count = int(parts[2])
    if parts[:2] == ["collect", "payload"]:
        from ingestion.landing import LandingStore

        LandingStore.put_payload = _pause_after(count, point, LandingStore.put_payload)
    elif parts[:2] == ["load", "extract"]:
        import ingestion.load.facts as facts

        # Paused before extracting article n: articles 1..n-1 are committed.
        facts.extract_facts = _pause_before(count, point, facts.extract_facts)
    else:
        raise SystemExit(f"unknown pause point {point!r}")


def run_pipeline() -> int:
    from ingestion import pipeline
    from ingestion.config import load_settings

    settings = load_settings()
    pipeline.collect_all(settings)
    pipeline.load(settings)
    pipeline.build(settings)
    pipeline.audit(settings)
    pipeline.publish(settings)
    return 0


def run(argv: list[str]) -> int:
    install_hooks()
    if argv == ["pipeline"]:
        return run_pipeline()
    from ingestion.cli import main as cli_main

    return cli_main(argv)


def register(subparsers: argparse._SubParsersAction) -> None:
    stage = subparsers.add_parser(
        "stage",
        help="run `python -m ingestion <command ...>` (or `pipeline`) with pause hooks armed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stage.add_argument("argv", nargs=argparse.REMAINDER, help="the ingestion command line")
    stage.set_defaults(func=lambda args: run(args.argv))
