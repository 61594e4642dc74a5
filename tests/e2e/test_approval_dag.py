"""The change-policy approval in Airflow: a human-in-the-loop task answered over the REST API.

A real Airflow: ``airflow dags test approve_change`` parks the approval task in
``awaiting_input``; a real ``airflow api-server`` on loopback, sharing the
metadata database, takes the engineer's answer (a named user of the simple auth
manager); the run then writes the approval file the quality gate reads. The
command line fallback is tested in tests/quality/test_gate_rules.py.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ingestion.config import PROJECT_ROOT
from ingestion.quality.approval import candidate_fingerprint, find_approval
from ingestion.warehouse import connect
from tests.e2e.airflow_runner import AIRFLOW, AirflowSandbox
from tests.sample_marts import create_sample_marts

pytestmark = pytest.mark.slow

DAY = "2026-11-21"
USER, PASSWORD = "li.wei", "approval-test-password"
REASON = "the retired source explains the lost rows"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _running(args: list[str], sandbox: AirflowSandbox, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(AIRFLOW), *args], env=sandbox.env(), cwd=PROJECT_ROOT, stdout=out, stderr=out
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_for(probe, seconds: float, what: str, log: Path, process=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            found = probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(2)
    raise AssertionError(f"{what} not within {seconds}s:\n{log.read_text()[-4000:]}")


@pytest.fixture
def sandbox(tmp_path: Path, dbt_manifest: Path) -> AirflowSandbox:
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}), encoding="utf-8")
    sandbox = AirflowSandbox(
        tmp_path / "airflow-approval",
        extra_env={
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        },
    )
    sandbox.init()
    # A candidate in the working warehouse, as the blocked build left it.
    with connect(sandbox.var_dir / "warehouse.duckdb") as connection:
        create_sample_marts(connection)
    return sandbox


def test_an_engineer_approves_in_airflow_and_the_gate_gets_the_approval(sandbox, tmp_path):
    warehouse = sandbox.var_dir / "warehouse.duckdb"
    fingerprint, _ = candidate_fingerprint(warehouse)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    api_log, run_log = tmp_path / "api-server.log", tmp_path / "dags-test.log"
    with (
        _running(["api-server", "--host", "127.0.0.1", "--port", str(port)], sandbox, api_log),
        _running(["dags", "test", "approve_change", DAY], sandbox, run_log) as run,
    ):
        token = _wait_for(
            lambda: httpx.post(
                f"{base}/auth/token", json={"username": USER, "password": PASSWORD}, timeout=10
            ).json()["access_token"],
            240,
            "the api-server",
            api_log,
        )
        assert run.poll() is None, run_log.read_text()[-4000:]
        client = httpx.Client(
            base_url=f"{base}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

        def waiting():
            details = client.get("/dags/approve_change/dagRuns/~/hitlDetails").json()
            return [d for d in details["hitl_details"] if not d["response_received"]]

        [detail] = _wait_for(waiting, 300, "the approval task", run_log, run)
        assert detail["options"] == ["Approve", "Reject"]
        assert fingerprint[:12] in detail["subject"]
        assert "mart_funds" in detail["body"], "the engineer sees the candidate's row counts"
        run_id = detail["task_instance"]["dag_run_id"]
        path = f"/dags/approve_change/dagRuns/{run_id}/taskInstances/approve/-1/hitlDetails"

        answer = client.patch(
            path, json={"chosen_options": ["Approve"], "params_input": {"reason": REASON}}
        )
        assert answer.status_code == 200, answer.text
        run.wait(timeout=300)
        # Airflow keeps who answered and why.
        recorded = client.get(path).json()
        assert recorded["responded_by_user"]["name"] == USER
        assert recorded["params_input"] == {"reason": REASON}
    assert run.returncode == 0, run_log.read_text()[-4000:]

    # ... and the record the quality gate reads names the same person and reason.
    approval = find_approval(sandbox.var_dir / "approvals", fingerprint)
    assert approval is not None, run_log.read_text()[-4000:]
    assert (approval["approved_by"], approval["reason"]) == (USER, REASON)
    assert (approval["via"], approval["airflow_run_id"]) == ("airflow", run_id)
