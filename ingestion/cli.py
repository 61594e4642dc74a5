"""``python -m ingestion``: the pipeline from a command line, no scheduler needed."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ingestion.config import load_settings

# The modules that register more sub-commands, and the commands each registers.
# Only the module of the command being run is imported (all of them for the
# top-level --help): `python -m ingestion corrections` then starts without
# importing the extractor, dbt's runner or scipy first.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "ingestion.quality.approval": ("approve",),
    "ingestion.extract.cli": ("extract",),
    "ingestion.corrections.cli": ("retract", "correct", "undo", "corrections"),
    "ingestion.evaluation.cli": ("evaluate",),
    "ingestion.evaluation.scoreboard": ("attribution", "scoreboard"),
    "ingestion.extract.bench": ("bench",),
    "ingestion.services.cli": ("services",),
}
# The benchmarks that register under `bench` (made by ingestion.extract.bench).
BENCH_MODULES = ("ingestion.bench.pipeline", "ingestion.bench.airflow_build")


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, default=str))


def _command(step_name: str) -> Callable[[argparse.Namespace], int]:
    """A command that runs ``ingestion.pipeline.<step_name>`` on the settings."""

    def run(_: argparse.Namespace) -> int:
        from ingestion import pipeline

        result = getattr(pipeline, step_name)(load_settings())
        if result is not None and hasattr(result, "as_dict"):
            _print_json(result.as_dict())
        return 0

    return run


def _audit(args: argparse.Namespace) -> int:
    from ingestion import pipeline

    pipeline.audit(load_settings(), all_rows=args.all_rows)
    return 0


def _run(_: argparse.Namespace) -> int:
    from ingestion import pipeline
    from ingestion.summary import describe_published

    settings = load_settings()
    pipeline.run_all(settings)
    if settings.postgres is not None:
        # The summary reads the published DuckDB file; on PostgreSQL, say where to look.
        print(f"Published marts: {settings.postgres.describe()}, schema published.")
        return 0
    print(describe_published(settings))
    return 0


def _collect(args: argparse.Namespace) -> int:
    from ingestion import pipeline

    settings = load_settings()
    ids = args.source or pipeline.source_ids(settings)
    _print_json([pipeline.collect(settings, source_id).as_dict() for source_id in ids])
    return 0


def _build(args: argparse.Namespace) -> int:
    from ingestion import pipeline

    pipeline.build(load_settings(), full_refresh=args.full_refresh)
    return 0


def _publish(_: argparse.Namespace) -> int:
    from ingestion import pipeline
    from ingestion.publish.publisher import PublishError
    from ingestion.warehouse_postgres import WarehouseUnavailable

    try:
        result = pipeline.publish(load_settings())
    except (PublishError, WarehouseUnavailable) as refusal:
        # A refusal is an answer, not a crash: the reason, no traceback, exit 1.
        print(refusal, file=sys.stderr)
        return 1
    _print_json(result.as_dict())
    return 0


def _rollback(_: argparse.Namespace) -> int:
    from ingestion import pipeline
    from ingestion.publish.publisher import PublishError
    from ingestion.warehouse_postgres import WarehouseUnavailable

    try:
        _print_json(pipeline.rollback(load_settings()))
    except (PublishError, WarehouseUnavailable) as refusal:
        print(refusal, file=sys.stderr)
        return 1
    return 0


def _bi_role(args: argparse.Namespace) -> int:
    import os

    from ingestion.config import WAREHOUSE_SETTING
    from ingestion.publish.bi_role import ensure_bi_role

    settings = load_settings()
    if settings.postgres is None:
        print(
            f"bi-role needs the PostgreSQL warehouse ({WAREHOUSE_SETTING}=postgresql://...); "
            "on DuckDB, BI tools open var/published/marts.duckdb read-only",
            file=sys.stderr,
        )
        return 1
    from ingestion.warehouse_postgres import WarehouseUnavailable

    password = os.environ.get(args.password_env) or None
    try:
        role = ensure_bi_role(settings.postgres, args.name, password)
    except (ValueError, WarehouseUnavailable) as refusal:
        print(f"no role made: {refusal}", file=sys.stderr)
        return 1
    _print_json(role.as_dict())
    return 0


def _summary(args: argparse.Namespace) -> int:
    from ingestion.summary import describe_published

    print(describe_published(load_settings(), log_path=args.log))
    return 0


def _examples(_: argparse.Namespace) -> int:
    from ingestion.examples import answer_examples, describe_answers, read_examples

    settings = load_settings()
    if not settings.published_db_path.exists():
        print(f"No published marts yet at {settings.published_db_path}: run the pipeline first.")
        return 1
    print(describe_answers(answer_examples(settings.published_db_path, read_examples())))
    return 0


def _register_pipeline_commands(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("run", help="the whole pipeline: collect, load, build, audit, publish")
    subparsers.choices["run"].set_defaults(func=_run)
    collect = subparsers.add_parser("collect", help="fetch and land sources")
    collect.add_argument("--source", action="append", help="a source id (default: all)")
    collect.set_defaults(func=_collect)
    steps = {
        "load": ("load", "parse, extract and load everything landed into raw tables"),
        "docs": ("generate_docs", "generate dbt docs"),
    }
    for name, (step, help_text) in steps.items():
        subparsers.add_parser(name, help=help_text).set_defaults(func=_command(step))
    audit = subparsers.add_parser(
        "audit", help="run the Great Expectations gate on the candidate marts"
    )
    audit.add_argument(
        "--all-rows",
        action="store_true",
        help="validate every row, also those each suite passed before",
    )
    audit.set_defaults(func=_audit)
    subparsers.add_parser(
        "publish", help="publish the candidate marts atomically (only after a passed audit)"
    ).set_defaults(func=_publish)
    subparsers.add_parser(
        "rollback", help="publish again the version before the current one (both warehouses)"
    ).set_defaults(func=_rollback)
    bi_role = subparsers.add_parser(
        "bi-role", help="create or update a read-only BI role on the PostgreSQL warehouse"
    )
    bi_role.add_argument("--name", required=True, help="the role's name (a lower-case identifier)")
    bi_role.add_argument(
        "--password-env",
        default="ASSIST_BI_ROLE_PASSWORD",
        help="the environment variable holding its password (unset: no password)",
    )
    bi_role.set_defaults(func=_bi_role)
    build = subparsers.add_parser(
        "build", help="dbt build: staging (incremental), intermediate, candidate marts"
    )
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental article and fact models from the raw tables",
    )
    build.set_defaults(func=_build)
    summary = subparsers.add_parser(
        "summary", help="where the published marts are, what each holds, three answers"
    )
    summary.add_argument(
        "--log", type=Path, default=None, help="the run's log file, printed at the end"
    )
    summary.set_defaults(func=_summary)
    examples = subparsers.add_parser(
        "examples", help="answer the example BI questions (examples/bi_queries.sql)"
    )
    examples.set_defaults(func=_examples)


def _targets(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    """The sub-commands of ``parser`` (``bench extract``, ``bench pipeline``, ...)."""
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: every sub-command, or (``command`` given) the
    pipeline's own and the one module's that registers ``command``."""
    parser = argparse.ArgumentParser(prog="python -m ingestion", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _register_pipeline_commands(subparsers)
    for module, commands in COMMAND_MODULES.items():
        if command is None or command in commands:
            importlib.import_module(module).register(subparsers)
    if "bench" in subparsers.choices:
        for module in BENCH_MODULES:
            importlib.import_module(module).register(_targets(subparsers.choices["bench"]))
    return parser


def command_name(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names, if it is a known one (None: build every command)."""
    words = [word for word in argv if not word.startswith("-")]
    known = {name for names in COMMAND_MODULES.values() for name in names}
    if words and words[0] in known | pipeline_command_names():
        return words[0]
    return None


def pipeline_command_names() -> set[str]:
    """The commands this module registers itself (cheap: no module is imported)."""
    subparsers = argparse.ArgumentParser().add_subparsers()
    _register_pipeline_commands(subparsers)
    return set(subparsers.choices)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(command_name(argv)).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
