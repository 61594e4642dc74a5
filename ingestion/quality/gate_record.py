"""What the quality gate said about a candidate, bound to the candidate's fingerprint.

Publishing is allowed only for a candidate the gate passed. Every audit
records its outcome as ``<var>/audits/<fingerprint>.json``; the fingerprint is
the one approvals use (``ingestion.fingerprint.candidate_fingerprint``:
the ``snapshot_id`` the publisher gives those marts), so a record speaks for
exactly one candidate. A rebuilt candidate has another fingerprint and no
record until it is audited; a candidate whose change-policy block was approved
passes the gate, and its record names the approval.

``require_passed_gate`` is what every publish path calls (the CLI's
``publish``, ``run`` and the DAG's publish task all go through
``ingestion.pipeline.publish``); the publisher then checks, while it holds the
warehouse, that the marts it copies still have that fingerprint.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.config import PostgresWarehouse
from ingestion.fingerprint import candidate_fingerprint
from ingestion.publish.publisher import PublishError
from ingestion.quality.approval import read_candidate_record

if TYPE_CHECKING:
    from ingestion.quality.gate import GateReport

AUDITS_SUBDIR = "audits"


class UnauditedCandidate(PublishError):
    """The candidate has no passed quality gate: nothing was published."""


def audits_dir_for(var_dir: Path) -> Path:
    return var_dir / AUDITS_SUBDIR


def record_gate_outcome(var_dir: Path, fingerprint: str, report: GateReport) -> Path:
    """Write the gate's verdict on the candidate ``fingerprint`` (replacing an older one).

    A failure is recorded too, not just left unrecorded: an earlier pass of the
    same marts (before the suites or the published marts changed) must not let
    them through once the gate has failed them.
    """
    folder = audits_dir_for(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {
        "fingerprint": fingerprint,
        "passed": report.success,
        "audited_at": report.run_time.isoformat(),
        "failed_expectations": [f.describe() for f in report.failures],
        "approval": dict(report.approval) if report.approval else None,
        "data_docs_index": str(report.data_docs_index) if report.data_docs_index else None,
    }
    path = folder / f"{fingerprint}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader sees the old verdict or the new one, never half
    return path


def find_gate_outcome(var_dir: Path, fingerprint: str) -> dict[str, Any] | None:
    """The recorded verdict on this candidate, or None (an unreadable file is no verdict)."""
    return read_candidate_record(audits_dir_for(var_dir), fingerprint)


def require_passed_gate(
    var_dir: Path, warehouse_path: Path | PostgresWarehouse, schema: str = "marts"
) -> tuple[str, dict[str, Any]]:
    """The candidate's fingerprint and its pass record; raises UnauditedCandidate otherwise."""
    try:
        fingerprint, _ = candidate_fingerprint(warehouse_path, schema)
    except FileNotFoundError as error:
        raise UnauditedCandidate(f"Refusing to publish: {error}") from error
    record = find_gate_outcome(var_dir, fingerprint)
    if record is not None and record.get("passed") is True:
        return fingerprint, record
    raise UnauditedCandidate(_refusal(fingerprint, record))


def _refusal(fingerprint: str, record: dict[str, Any] | None) -> str:
    head = f"Refusing to publish candidate {fingerprint}: "
    if record is None:
        reason = "the quality gate has not passed these marts (no audit of this candidate)."
    else:
        failed = record.get("failed_expectations") or []
        reason = (
            f"the quality gate FAILED these marts at {record.get('audited_at')}"
            f" ({len(failed)} failed expectations):"
            + "".join(f"\n- {line}" for line in failed[:10])
        )
    return (
        head
        + reason
        + "\nThe published marts are unchanged. Fix the cause (or approve a change-policy "
        "block), run `python -m ingestion audit` until it passes, then publish."
    )


def gate_summary(record: dict[str, Any]) -> dict[str, Any]:
    """What the published manifest says about the audit that allowed the publication."""
    return {
        "success": True,
        "fingerprint": record["fingerprint"],
        "audited_at": record.get("audited_at"),
        "approval": record.get("approval"),
    }
