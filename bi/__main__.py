"""``python -m bi up|stop|status``: the local Superset on the published marts.

Run with ``.venv-bi/bin/python`` (``make bi`` / ``make bi-stop`` do).
"""

from __future__ import annotations

import argparse
import sys
import time

from bi.api import SupersetClient
from bi.dashboards import DASHBOARDS
from bi.importer import import_all
from bi.marts import published_marts
from bi.server import BiError, ensure_home, initialise, read_state, start, stop
from ingestion.config import (
    BI_ROLE_SETTING,
    WAREHOUSE_SETTING,
    Settings,
    WarehouseSettingError,
    load_bi_settings,
    load_settings,
)


def _settings() -> Settings:
    try:
        return load_settings()
    except ModuleNotFoundError as missing:
        # airflow:<conn_id> is read through Airflow, which Superset's venv has not.
        raise BiError(
            f"{WAREHOUSE_SETTING}: {missing}; in `make bi` give the warehouse as a "
            "postgresql://user@host:port/dbname URL"
        ) from None
    except WarehouseSettingError as wrong:
        raise BiError(str(wrong)) from None


def up() -> int:
    settings, bi = _settings(), load_bi_settings()
    began = time.monotonic()
    # Before anything starts: nothing published (or no BI role to read it as) says what to do.
    marts = published_marts(settings, bi)
    ensure_home(settings)
    initialise(settings, bi)
    state = start(settings, bi)
    client = SupersetClient(state.url)
    client.login(bi.admin_user, bi.admin_password)
    import_all(client, marts)
    print(
        f"Superset is up in {time.monotonic() - began:.0f} s (metadata in {settings.superset_dir})."
    )
    if marts.postgres:
        print(
            f"It reads {marts.describe()} as the read-only role {marts.postgres.user!r} "
            f"({BI_ROLE_SETTING}); a new publish shows on refresh."
        )
    else:
        print(f"It reads {marts.describe()} read-only; a new publish shows on refresh.")
    print(f"Dashboards: {', '.join(d.title for d in DASHBOARDS)}")
    print(f"Log in as {bi.admin_user!r} (password from ASSIST_BI_ADMIN_PASSWORD, default 'admin'):")
    print(f"  {state.url}/dashboard/list/")
    print("Stop it with: make bi-stop")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bi", description=__doc__)
    parser.add_argument("command", choices=["up", "stop", "status", "url"])
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return up()
        settings = _settings()
        if args.command == "stop":
            print("Superset stopped." if stop(settings) else "Superset was not running.")
            return 0
        state = read_state(settings)
        if args.command == "url":
            if state is None:
                raise BiError("Superset is not running: make bi")
            print(state.url)
            return 0
        print(
            f"Superset runs at {state.url} (pid {state.pid})"
            if state
            else "Superset is not running."
        )
        return 0 if state else 1
    except BiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
