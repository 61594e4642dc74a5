"""Start and stop the Airflow service set natively on one machine, for development.

``up`` checks the metadata database and the broker, runs the init commands
(migrations, the writer pool), starts every service of ``ingestion.services.spec``
in its own process group with its output in ``<var>/services/logs/<name>.log``,
waits until the api-server answers and the scheduler is healthy, and records the
processes in ``<var>/services/state.json``. ``down`` stops them: SIGTERM to each
process group (Celery finishes or hands back its tasks), SIGKILL after a grace period.

Each ``up`` generates the set's secrets (the JWT secret the api-server signs task
tokens with, the API secret key, a Fernet key) and hands them to the processes
only: they are written nowhere.
"""

from __future__ import annotations

import base64
import contextlib
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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ingestion.config import PROJECT_ROOT
from ingestion.services.spec import (
    ENV_FILE,
    LOCATION_KEYS,
    ServiceSpec,
    init_commands,
    read_env_file,
    service_set,
)

AIRFLOW = Path(sys.executable).parent / "airflow"
SQL_ALCHEMY_CONN = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
RESULT_BACKEND = "AIRFLOW__CELERY__RESULT_BACKEND"
BROKER_URL = "AIRFLOW__CELERY__BROKER_URL"
EXECUTION_API_URL = "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"
API_HOST = "127.0.0.1"  # a development set: never on a public interface
STATE_FILE = "state.json"


class ServiceSetError(RuntimeError):
    """The set cannot start or stop; the message names the setting or the log to read."""


@dataclass(frozen=True)
class NativeOptions:
    """What ``up`` needs beyond the env file: where, and which servers."""

    var_dir: Path = PROJECT_ROOT / "var"
    # SQLAlchemy URL of the metadata database (postgresql+psycopg2://...); None: the env file's.
    metadata_db: str | None = None
    broker_url: str | None = None
    api_port: int = 8080
    env_file: Path = ENV_FILE
    # Settings on top of everything else (a test's users, shorter timeouts).
    extra_env: Mapping[str, str] = field(default_factory=dict)
    create_database: bool = False
    # Seconds to wait for the api-server and the scheduler.
    start_timeout: float = 240.0


def services_dir(var_dir: Path) -> Path:
    return var_dir / "services"


def logs_dir(var_dir: Path) -> Path:
    return services_dir(var_dir) / "logs"


def airflow_home(var_dir: Path) -> Path:
    """Airflow's home of the set (task logs in ``logs/``), apart from the demo's ``var/airflow``."""
    return services_dir(var_dir) / "airflow"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def check_metadata_url(url: str) -> str:
    """The metadata database must be PostgreSQL: SQLite serves one process, not a set."""
    if not url.startswith(("postgresql://", "postgresql+psycopg2://")):
        raise ServiceSetError(
            f"{SQL_ALCHEMY_CONN} (--metadata-db) must be a postgresql+psycopg2://user@host:port/db "
            f"URL for the service set, got {redact(url)!r}"
        )
    return url


def generate_secrets() -> dict[str, str]:
    return {
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }


def environment(
    options: NativeOptions, secret_values: Mapping[str, str], base: Mapping[str, str]
) -> dict[str, str]:
    """Every service's environment: the caller's minus Airflow's, the env file, the locations."""
    # An AIRFLOW_* left in the caller's shell (make exports the demo's home) must not leak in...
    env = {k: v for k, v in base.items() if not k.startswith("AIRFLOW")}
    env.update(read_env_file(options.env_file))
    # ... but where the servers are is the deployment's to say, as compose's `environment`.
    env.update({k: base[k] for k in LOCATION_KEYS if base.get(k)})
    var_dir = options.var_dir.resolve()
    if options.metadata_db:
        env[SQL_ALCHEMY_CONN] = options.metadata_db
    if not base.get(RESULT_BACKEND):
        # Celery's results go to the metadata database unless told otherwise.
        env[RESULT_BACKEND] = "db+" + env.get(SQL_ALCHEMY_CONN, "")
    if options.broker_url:
        env[BROKER_URL] = options.broker_url
    check_metadata_url(env.get(SQL_ALCHEMY_CONN, ""))
    env[EXECUTION_API_URL] = f"http://{API_HOST}:{options.api_port}/execution/"
    # Absolute: a task may change its working directory (cosmos copies the dbt project).
    env["ASSIST_VAR_DIR"] = str(var_dir)
    env.update(
        AIRFLOW_HOME=str(airflow_home(var_dir)),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
        AIRFLOW__COSMOS__CACHE_DIR=str(services_dir(var_dir) / "cosmos"),
        PYTHONPATH=str(PROJECT_ROOT),
    )
    env.update(secret_values)
    env.update(options.extra_env)
    return env


def _psycopg2_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def check_database(url: str, create: bool = False) -> None:
    """Connect to the metadata database (creating it first if asked); a clear error if not."""
    import psycopg2

    dsn = _psycopg2_dsn(url)
    try:
        psycopg2.connect(dsn, connect_timeout=10).close()
        return
    except psycopg2.OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        missing = "does not exist" in reason
        if not (create and missing):
            hint = " (or pass --create-database)" if missing else ""
            raise ServiceSetError(
                f"the metadata database {redact(url)} ({SQL_ALCHEMY_CONN}, --metadata-db) "
                f"cannot be used: {reason}{hint}"
            ) from None
    parts = urlsplit(dsn)
    admin = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(admin, connect_timeout=10)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            # Identifier quoting by the driver: the name comes from a URL.
            from psycopg2 import sql

            name = parts.path.lstrip("/")
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def check_broker(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except (redis.RedisError, ValueError) as error:
        raise ServiceSetError(
            f"the Celery broker {redact(url)} ({BROKER_URL}, --broker) does not answer: {error}"
        ) from None


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((API_HOST, port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class RunningService:
    name: str
    pid: int
    create_time: float
    log: Path

    def alive(self) -> bool:
        import psutil

        try:
            process = psutil.Process(self.pid)
            # The same process, not a later one that reused the pid.
            return (
                abs(process.create_time() - self.create_time) < 1.0
                and process.status() != psutil.STATUS_ZOMBIE
            )
        except psutil.NoSuchProcess:
            return False


@dataclass
class ServiceSet:
    """A started set: its api-server URL, its logs and its processes."""

    var_dir: Path
    api_url: str
    services: list[RunningService]

    @property
    def logs(self) -> Path:
        return logs_dir(self.var_dir)

    def service(self, name: str) -> RunningService:
        return next(s for s in self.services if s.name == name)

    def describe(self) -> str:
        home = airflow_home(self.var_dir)
        lines = [
            f"Airflow api-server: {self.api_url}",
            f"  users: [core] simple_auth_manager_users; generated passwords in "
            f"{home / 'simple_auth_manager_passwords.json.generated'}",
            f"Service logs: {self.logs}/<service>.log; task logs: {home / 'logs'}",
        ]
        lines += [f"  {s.name:<17} pid {s.pid:<8} {s.log}" for s in self.services]
        lines.append("Stop with: make services-down (python -m ingestion services down)")
        return "\n".join(lines)


def _state_path(var_dir: Path) -> Path:
    return services_dir(var_dir) / STATE_FILE


def write_state(running: ServiceSet) -> None:
    state = {
        "api_url": running.api_url,
        "services": [
            {"name": s.name, "pid": s.pid, "create_time": s.create_time, "log": str(s.log)}
            for s in running.services
        ],
    }
    _state_path(running.var_dir).write_text(json.dumps(state, indent=2), encoding="utf-8")


def read_state(var_dir: Path) -> ServiceSet | None:
    path = _state_path(var_dir)
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    services = [
        RunningService(s["name"], int(s["pid"]), float(s["create_time"]), Path(s["log"]))
        for s in state["services"]
    ]
    return ServiceSet(var_dir, state["api_url"], services)


def _run_init(env: Mapping[str, str], log: Path) -> None:
    with log.open("a") as out:
        for args in init_commands():
            out.write(f"$ airflow {' '.join(args)}\n")
            out.flush()
            result = subprocess.run(
                [str(AIRFLOW), *args], env=dict(env), cwd=PROJECT_ROOT, stdout=out, stderr=out
            )
            if result.returncode != 0:
                raise ServiceSetError(
                    f"`airflow {' '.join(args[:2])}` failed (exit {result.returncode}); "
                    f"{log}:\n{_tail(log)}"
                )


def _start(spec: ServiceSpec, env: Mapping[str, str], log_dir: Path) -> RunningService:
    import psutil

    log = log_dir / f"{spec.name}.log"
    with log.open("a") as out:
        process = subprocess.Popen(
            [str(AIRFLOW), *spec.args],
            env={**env, **spec.env},
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: down (or a test's SIGKILL) reaches its children too.
            start_new_session=True,
        )
    return RunningService(spec.name, process.pid, psutil.Process(process.pid).create_time(), log)


def _healthy(api_url: str) -> bool:
    """The api-server answers and the scheduler and dag-processor have a recent heartbeat."""
    try:
        with urllib.request.urlopen(f"{api_url}/api/v2/monitor/health", timeout=5) as response:
            health = json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    parts = ("metadatabase", "scheduler", "dag_processor", "triggerer")
    return all((health.get(p) or {}).get("status") == "healthy" for p in parts)


def _wait_until_healthy(running: ServiceSet, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [s for s in running.services if not s.alive()]
        if dead:
            raise ServiceSetError(
                f"{dead[0].name} exited while starting; {dead[0].log}:\n{_tail(dead[0].log)}"
            )
        if _healthy(running.api_url):
            return
        time.sleep(2)
    api_log = running.service("api-server").log
    raise ServiceSetError(
        f"the set was not healthy within {timeout:.0f}s ({running.api_url}/api/v2/monitor/health); "
        f"logs in {running.logs}:\n{_tail(api_log)}"
    )


def up(options: NativeOptions, base_env: Mapping[str, str] | None = None) -> ServiceSet:
    """Start the whole set; on any failure, stop what was started and say why."""
    from ingestion.transform.cosmos_config import ManifestError, checked_manifest_path

    var_dir = options.var_dir.resolve()
    previous = read_state(var_dir)
    if previous is not None and any(s.alive() for s in previous.services):
        raise ServiceSetError(
            f"a service set is already running from {var_dir} ({previous.api_url}): "
            "make services-down first"
        )
    if not _port_free(options.api_port):
        raise ServiceSetError(f"port {options.api_port} on {API_HOST} is taken: pass --port")
    try:
        checked_manifest_path()
    except ManifestError as error:
        raise ServiceSetError(str(error)) from None
    env = environment(options, generate_secrets(), os.environ if base_env is None else base_env)
    check_database(env[SQL_ALCHEMY_CONN], create=options.create_database)
    check_broker(env[BROKER_URL])
    log_dir = logs_dir(var_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    airflow_home(var_dir).mkdir(parents=True, exist_ok=True)
    _run_init(env, log_dir / "init.log")
    running = ServiceSet(var_dir, f"http://{API_HOST}:{options.api_port}", [])
    try:
        for spec in service_set(env, API_HOST, options.api_port):
            running.services.append(_start(spec, env, log_dir))
            write_state(running)
        _wait_until_healthy(running, options.start_timeout)
    except BaseException:
        stop(running)
        raise
    return running


def _group_alive(pgid: int) -> bool:
    # Reap the leader if it is this process's child (a test that started the set).
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def stop(running: ServiceSet, grace: float = 45.0) -> dict[str, str]:
    """Stop every service (SIGTERM, then SIGKILL after ``grace`` seconds): name -> how."""
    # Each service leads its own process group (start_new_session); only groups whose
    # leader is still the process we started are signalled.
    groups = {s.name: s.pid for s in running.services if s.alive()}
    outcome = {s.name: "not running" for s in running.services if s.name not in groups}
    # Workers first: they stop taking tasks while the scheduler can still see them go.
    for _, pgid in sorted(groups.items(), key=lambda item: "worker" not in item[0]):
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(g) for g in groups.values()):
        time.sleep(0.5)
    for name, pgid in groups.items():
        if _group_alive(pgid):
            _signal_group(pgid, signal.SIGKILL)
            outcome[name] = f"killed after {grace:.0f}s"
        else:
            outcome[name] = "stopped"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_group_alive(g) for g in groups.values()):
        time.sleep(0.2)
    state = _state_path(running.var_dir)
    if state.exists():
        state.unlink()
    return outcome


def down(var_dir: Path, grace: float = 45.0) -> dict[str, str]:
    running = read_state(var_dir.resolve())
    if running is None:
        return {}
    return stop(running, grace)


def iter_status(var_dir: Path) -> Iterator[tuple[str, int, bool]]:
    running = read_state(var_dir.resolve())
    for service in running.services if running else []:
        yield service.name, service.pid, service.alive()
