"""Nothing unaudited is published: every publish path needs a passed gate for exactly
this candidate (its fingerprint), whatever ran before it by hand.

Real DuckDB warehouse, real Great Expectations gate, the real CLI entry point.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingestion import pipeline
from ingestion.cli import main
from ingestion.config import Settings
from ingestion.fingerprint import candidate_fingerprint
from ingestion.publish.publisher import PublishError, publish_marts
from ingestion.quality.gate import QualityGateFailed, run_quality_gate
from ingestion.quality.gate_record import (
    UnauditedCandidate,
    find_gate_outcome,
    record_gate_outcome,
)
from ingestion.warehouse import connect
from tests.publish.test_publisher import execute, sha256_tree
from tests.sample_marts import create_sample_marts

pytestmark = pytest.mark.slow

# A change the gate passes (no rule, no row lost), so only the fingerprint tells it apart.
RELABEL_EXIT = (
    "update marts.mart_poverty_exits set evidence = 'Luding County left poverty.' "
    "where exit_key = 'e3'"
)


@pytest.fixture
def audited(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A warehouse whose good candidate passed the gate and was published once."""
    monkeypatch.setenv("ASSIST_VAR_DIR", str(settings.var_dir))
    with connect(settings.warehouse_path) as connection:
        create_sample_marts(connection)
    pipeline.audit(settings)
    pipeline.publish(settings)
    return settings


def publish_by_hand(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``python -m ingestion publish``, as a person would run it after an audit."""
    capsys.readouterr()
    code = main(["publish"])
    return code, capsys.readouterr().err


def test_publish_after_a_failed_audit_is_refused_and_changes_nothing(
    audited: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sha256_tree(audited.published_dir)
    execute(
        audited.warehouse_path, "update marts.mart_funds set amount_cny = -1 where fund_key = 'f1'"
    )
    with pytest.raises(QualityGateFailed, match="amount_cny"):
        pipeline.audit(audited)

    code, message = publish_by_hand(capsys)

    assert code == 1
    assert "Refusing to publish candidate" in message
    assert "quality gate FAILED" in message and "amount_cny" in message
    assert "published marts are unchanged" in message
    assert sha256_tree(audited.published_dir) == before
    # The library entry point (the DAG's task) refuses the same way.
    with pytest.raises(UnauditedCandidate, match="FAILED"):
        pipeline.publish(audited)
    assert sha256_tree(audited.published_dir) == before


def test_a_candidate_rebuilt_after_its_audit_is_refused(
    audited: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sha256_tree(audited.published_dir)
    # A plausible change the gate would pass, but has not seen: the pass was for other marts.
    execute(audited.warehouse_path, RELABEL_EXIT)

    code, message = publish_by_hand(capsys)

    assert code == 1
    assert "no audit of this candidate" in message
    assert sha256_tree(audited.published_dir) == before


def test_a_passing_audit_then_publish_publishes_that_candidate(
    audited: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    execute(audited.warehouse_path, RELABEL_EXIT)
    pipeline.audit(audited)
    fingerprint, _ = candidate_fingerprint(audited.warehouse_path)
    assert find_gate_outcome(audited.var_dir, fingerprint)["passed"] is True

    code, _ = publish_by_hand(capsys)

    assert code == 0
    manifest = json.loads((audited.published_dir / "manifest.json").read_text())
    assert manifest["snapshot_id"] == fingerprint
    assert manifest["quality_gate"]["fingerprint"] == fingerprint
    with duckdb.connect(str(audited.published_dir / "marts.duckdb"), read_only=True) as published:
        evidence = published.execute(
            "select evidence from mart_poverty_exits where exit_key = 'e3'"
        ).fetchone()
    assert evidence == ("Luding County left poverty.",)


def test_a_pass_is_withdrawn_when_the_same_candidate_later_fails(
    audited: Settings, tmp_path: Path
) -> None:
    # The same marts, audited again against stricter suites: the later verdict counts.
    strict = tmp_path / "expectations"
    suites = strict / "suites"
    suites.mkdir(parents=True)
    for path in (audited.expectations_dir / "suites").glob("*.json"):
        (suites / path.name).write_text(path.read_text())
    (strict / "change_policy.json").write_text(
        (audited.expectations_dir / "change_policy.json").read_text()
    )
    funds = json.loads((suites / "mart_funds.json").read_text())
    funds["expectations"].append(
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount_cny", "min_value": 1e12},
            "meta": {},
        }
    )
    (suites / "mart_funds.json").write_text(json.dumps(funds))
    report = run_quality_gate(
        audited.warehouse_path, strict, tmp_path / "docs", published_dir=audited.published_dir
    )
    assert not report.success and report.fingerprint is not None
    record_gate_outcome(audited.var_dir, report.fingerprint, report)

    with pytest.raises(UnauditedCandidate, match="FAILED"):
        pipeline.publish(audited)


def test_marts_changed_between_check_and_copy_are_not_switched_in(audited: Settings) -> None:
    before = sha256_tree(audited.published_dir)
    with pytest.raises(PublishError, match="changed since they were audited"):
        publish_marts(audited.warehouse_path, audited.published_dir, expected_snapshot="0" * 64)
    assert sha256_tree(audited.published_dir) == before
