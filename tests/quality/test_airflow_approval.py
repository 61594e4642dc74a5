"""The approval an engineer gives in Airflow's approval task, written as the gate reads it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingestion.quality.approval import approval_request, find_approval, record_airflow_approval
from ingestion.warehouse import connect
from tests.sample_marts import create_sample_marts


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    with connect(tmp_path / "warehouse.duckdb") as connection:
        create_sample_marts(connection)
    return tmp_path


def _response(reason: str) -> dict:
    # The shape of ApprovalOperator's XCom (HITLTriggerEventSuccessPayload).
    return {
        "chosen_options": ["Approve"],
        "params_input": {"reason": reason},
        "responded_at": dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC),
        "responded_by_user": {"id": "li.wei", "name": "Li Wei"},
    }


def test_the_request_shows_the_candidate_and_the_answer_becomes_its_approval(var_dir):
    request = approval_request(var_dir)
    assert request["fingerprint"] in request["body"]
    assert f"| mart_funds | {request['row_counts']['mart_funds']:,} |" in request["body"]

    record_airflow_approval(var_dir, request, _response("source retired"), "manual__1")
    approval = find_approval(var_dir / "approvals", request["fingerprint"])
    assert approval is not None
    assert (approval["approved_by"], approval["reason"]) == ("Li Wei", "source retired")
    assert (approval["via"], approval["airflow_run_id"]) == ("airflow", "manual__1")


def test_a_candidate_rebuilt_after_the_request_or_a_missing_reason_is_refused(var_dir):
    request = approval_request(var_dir)
    with pytest.raises(ValueError, match="who approved it and why"):
        record_airflow_approval(var_dir, request, _response(""), "manual__1")
    with connect(var_dir / "warehouse.duckdb") as connection:
        connection.execute("delete from marts.mart_funds where fund_key = 'f1'")
    with pytest.raises(ValueError, match="candidate changed since approval was asked"):
        record_airflow_approval(var_dir, request, _response("source retired"), "manual__1")
    assert not (var_dir / "approvals").exists() or not any((var_dir / "approvals").iterdir())
