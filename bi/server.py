"""Start, find and stop the local Superset (gunicorn on 127.0.0.1, state under var/superset).

Run with ``.venv-bi/bin/python``: the ``superset`` and ``gunicorn`` commands are
taken from the interpreter's own environment.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from ingestion.config import BI_ROLE_PASSWORD_SETTING, WAREHOUSE_SETTING, BiSettings, Settings

CONFIG_FILE = Path(__file__).resolve().parent / "superset_config.py"
STATE_FILE = "server.json"
INIT_STAMP = ".initialized"
_NOT_FOR_SUPERSET = frozenset({WAREHOUSE_SETTING, BI_ROLE_PASSWORD_SETTING})


class BiError(RuntimeError):
    """A problem the analyst can fix, said in one sentence."""


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    url: str


def superset_env(settings: Settings) -> dict[str, str]:
    # Superset's processes need neither the warehouse's owner login nor the BI role's
    # password: ``make bi`` hands the connection over through the API.
    env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_SUPERSET}
    env.update(
        {
            "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
            "FLASK_APP": "superset.app:create_app()",
            "PYTHONPATH": str(settings.project_root),
            "ASSIST_VAR_DIR": str(settings.var_dir),
            "SUPERSET_HOME": str(settings.superset_dir),
            "SCARF_ANALYTICS": "false",
        }
    )
    return env


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def ensure_home(settings: Settings) -> None:
    home = settings.superset_dir
    (home / "data").mkdir(parents=True, exist_ok=True)
    key = home / "secret_key"
    if not key.exists():
        key.write_text(secrets.token_urlsafe(48) + "\n")
        key.chmod(0o600)


def _superset(settings: Settings, *args: str) -> None:
    log = settings.superset_dir / "init.log"
    with log.open("a") as out:
        done = subprocess.run(
            [_bin("superset"), *args], env=superset_env(settings), stdout=out, stderr=out
        )
    if done.returncode != 0:
        raise BiError(f"`superset {' '.join(args[:2])}` failed: see {log}")


def initialise(settings: Settings, bi: BiSettings) -> None:
    """Create the metadata database, the roles and the admin user (once per Superset version)."""
    from importlib.metadata import version

    stamp = settings.superset_dir / f"{INIT_STAMP}-{version('apache-superset')}"
    if stamp.exists():
        return
    _superset(settings, "db", "upgrade")
    _superset(
        settings,
        "fab",
        "create-admin",
        "--username",
        bi.admin_user,
        "--password",
        bi.admin_password,
        "--firstname",
        "Assistance",
        "--lastname",
        "Analyst",
        "--email",
        bi.admin_email,
    )
    _superset(settings, "init")
    stamp.touch()


def read_state(settings: Settings) -> ServerState | None:
    path = settings.superset_dir / STATE_FILE
    if not path.exists():
        return None
    state = ServerState(**json.loads(path.read_text()))
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return None
    return state


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(bi: BiSettings) -> int:
    if _port_free(bi.host, bi.port):
        return bi.port
    if "ASSIST_BI_PORT" in os.environ:
        raise BiError(f"port {bi.port} on {bi.host} is taken: set ASSIST_BI_PORT to a free one")
    with socket.socket() as probe:
        probe.bind((bi.host, 0))
        return int(probe.getsockname()[1])


def start(settings: Settings, bi: BiSettings, timeout: float = 300.0) -> ServerState:
    """Start gunicorn in its own session (it outlives this command) and wait for /health."""
    state = read_state(settings)
    if state and healthy(state.url):
        return state
    if state:
        stop(settings)
    port = choose_port(bi)
    url = f"http://{bi.host}:{port}"
    log = (settings.superset_dir / "server.log").open("a")
    process = subprocess.Popen(
        [
            _bin("gunicorn"),
            "--bind",
            f"{bi.host}:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "300",
            "--limit-request-line",
            "0",
            "--limit-request-field_size",
            "0",
            "superset.app:create_app()",
        ],
        env=superset_env(settings),
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=settings.superset_dir,
    )
    state = ServerState(process.pid, port, url)
    (settings.superset_dir / STATE_FILE).write_text(json.dumps(asdict(state)))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BiError(
                f"Superset exited at start-up: see {settings.superset_dir / 'server.log'}"
            )
        if healthy(url):
            return state
        time.sleep(1)
    stop(settings)
    raise BiError(f"Superset did not answer in {timeout:.0f} s: see server.log")


def stop(settings: Settings) -> bool:
    """Stop the server this project started (its process group), if it runs."""
    state = read_state(settings)
    (settings.superset_dir / STATE_FILE).unlink(missing_ok=True)
    if state is None:
        return False
    try:
        os.killpg(state.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(60):
        try:
            os.kill(state.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.5)
    os.killpg(state.pid, signal.SIGKILL)
    return True
