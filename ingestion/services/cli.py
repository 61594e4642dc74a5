"""``python -m ingestion services up|down|status``: the Airflow service set on this machine."""

from __future__ import annotations

import argparse
from pathlib import Path

from ingestion.config import load_settings


def _var_dir(args: argparse.Namespace) -> Path:
    return Path(args.var_dir) if args.var_dir else load_settings().var_dir


def _up(args: argparse.Namespace) -> int:
    from ingestion.services.native import NativeOptions, ServiceSetError, up

    options = NativeOptions(
        var_dir=_var_dir(args),
        metadata_db=args.metadata_db,
        broker_url=args.broker,
        api_port=args.port,
        create_database=args.create_database,
    )
    try:
        running = up(options)
    except ServiceSetError as error:
        print(f"services up: {error}")
        return 1
    print(running.describe())
    return 0


def _down(args: argparse.Namespace) -> int:
    from ingestion.services.native import down

    outcome = down(_var_dir(args))
    if not outcome:
        print("services down: no service set recorded under", _var_dir(args))
    for name, how in outcome.items():
        print(f"{name}: {how}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from ingestion.services.native import iter_status

    rows = list(iter_status(_var_dir(args)))
    for name, pid, alive in rows:
        print(f"{name:<17} pid {pid:<8} {'running' if alive else 'stopped'}")
    return 0 if rows and all(alive for _, _, alive in rows) else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    services = subparsers.add_parser(
        "services", help="Airflow as a service (CeleryExecutor) on this machine, for development"
    )
    actions = services.add_subparsers(dest="action", required=True)
    for name, func, text in (
        ("up", _up, "start api-server, scheduler, dag-processor, triggerer and two workers"),
        ("down", _down, "stop the set started by up"),
        ("status", _status, "which services of the set run"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--var-dir", help="the folder every service shares (default: ASSIST_VAR_DIR or var/)"
        )
        action.set_defaults(func=func)
    up = actions.choices["up"]
    up.add_argument(
        "--metadata-db",
        help="SQLAlchemy URL of Airflow's metadata database, "
        "postgresql+psycopg2://user@host:port/db "
        "(default: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN of docker/airflow.env)",
    )
    up.add_argument("--broker", help="Celery broker URL (default: the env file's Redis)")
    up.add_argument("--port", type=int, default=8080, help="api-server port on 127.0.0.1")
    up.add_argument(
        "--create-database", action="store_true", help="create the metadata database if missing"
    )
