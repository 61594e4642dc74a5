"""Approving a candidate the gate held back: the change policy (``ingestion.quality.change``)
or a value far from its region's history (``ingestion.quality.history``).

A refresh that loses many rows, or doubles a fund total, against the last
published marts may be right (a source was retired, a large programme was
announced) or a bug. The gate blocks it until a person looks and approves
*this* candidate: the approval is ``<var>/approvals/<fingerprint>.json``, where
the fingerprint is the ``snapshot_id`` the publisher would give the candidate
marts (sha256 over each mart's row count and content hash). Any change to the
candidate changes the fingerprint, so an approval never carries over to a
different build.

In Airflow, trigger the DAG ``approve_change``: it shows the candidate's
fingerprint and row counts in a human-in-the-loop approval task (Airflow's
Required Actions page, or ``PATCH .../hitlDetails`` of the REST API); the
engineer approves with a reason, Airflow keeps who responded and why, and the
next task writes the same approval file (``record_airflow_approval``). Then
clear the blocked run's ``quality_gate``. The command line stays as a fallback::

    python -m ingestion approve --var-dir var --by "Li Wei" \\
        --reason "source X retired; the lost rows are expected"
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingestion.config import PostgresWarehouse, load_settings
from ingestion.fingerprint import candidate_fingerprint

log = logging.getLogger("assistance_warehouse.quality")

APPROVALS_SUBDIR = "approvals"
WAREHOUSE_NAME = "warehouse.duckdb"
COMMAND = "python -m ingestion approve"
APPROVAL_DAG_ID = "approve_change"


def approvals_dir_for(var_dir: Path) -> Path:
    return var_dir / APPROVALS_SUBDIR


def read_candidate_record(folder: Path, fingerprint: str) -> dict[str, Any] | None:
    """The JSON record kept for this candidate in ``folder`` (an approval, an audit
    verdict), or None: an unreadable file or one about another candidate is no record."""
    path = folder / f"{fingerprint}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("fingerprint") != fingerprint:
        return None
    return record


def find_approval(approvals_dir: Path, fingerprint: str) -> dict[str, Any] | None:
    """The recorded approval of this candidate, or None."""
    return read_candidate_record(approvals_dir, fingerprint)


def approve(
    var_dir: Path,
    *,
    approved_by: str,
    reason: str,
    warehouse_path: Path | PostgresWarehouse | None = None,
    schema: str = "marts",
    expected_fingerprint: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Record that ``approved_by`` accepts the current candidate marts, and why.

    With ``expected_fingerprint`` (the candidate a person was shown), a candidate
    rebuilt since is refused: nobody approved it.
    """
    if not approved_by.strip() or not reason.strip():
        raise ValueError("an approval needs who approved it and why")
    warehouse_path = warehouse_path or default_warehouse(var_dir)
    fingerprint, row_counts = candidate_fingerprint(warehouse_path, schema)
    if expected_fingerprint is not None and fingerprint != expected_fingerprint:
        raise ValueError(
            f"the candidate changed since approval was asked ({expected_fingerprint[:12]}, "
            f"now {fingerprint[:12]}): ask again"
        )
    folder = approvals_dir_for(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "fingerprint": fingerprint,
        "approved_by": approved_by.strip(),
        "reason": reason.strip(),
        "approved_at": dt.datetime.now(dt.UTC).isoformat(),
        "warehouse": (
            warehouse_path.describe()  # no password in a file
            if isinstance(warehouse_path, PostgresWarehouse)
            else str(warehouse_path)
        ),
        "schema": schema,
        "row_counts": row_counts,
        **dict(extra or {}),
    }
    path = folder / f"{fingerprint}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader sees no approval or a whole one
    log.warning("candidate %s approved by %s: %s", fingerprint, record["approved_by"], reason)
    return path


def default_warehouse(var_dir: Path) -> Path | PostgresWarehouse:
    """The candidate's warehouse: PostgreSQL when ``ASSIST_WAREHOUSE`` names it, else the
    DuckDB file in ``var_dir``."""
    return load_settings().postgres or var_dir / WAREHOUSE_NAME


def approve_command(var_dir: Path) -> str:
    """How a person approves the current candidate: in Airflow, or the exact command."""
    return (
        f"approve in Airflow (trigger the DAG {APPROVAL_DAG_ID}), or run: {COMMAND} "
        f'--var-dir {var_dir} --by "<your name>" --reason "<why this change is expected>"'
    )


def approval_request(
    var_dir: Path, warehouse_path: Path | PostgresWarehouse | None = None
) -> dict[str, Any]:
    """What the Airflow approval task shows: the candidate's fingerprint and row counts."""
    fingerprint, row_counts = candidate_fingerprint(warehouse_path or default_warehouse(var_dir))
    rows = "\n".join(f"| {name} | {count:,} |" for name, count in sorted(row_counts.items()))
    body = (
        "The change policy or the checks against history held back candidate "
        f"`{fingerprint}` (see the failed "
        "`quality_gate` of `build_audit_publish`). Approve only if the change is "
        "expected, and say why.\n\n| mart | rows |\n| --- | ---: |\n" + rows
    )
    return {"fingerprint": fingerprint, "row_counts": row_counts, "body": body}


def record_airflow_approval(
    var_dir: Path, request: Mapping[str, Any], response: Mapping[str, Any], run_id: str
) -> Path:
    """Write the approval a person gave in Airflow's approval task (its XCom: the response)."""
    user = response.get("responded_by_user") or {}
    return approve(
        var_dir,
        approved_by=str(user.get("name") or user.get("id") or ""),
        reason=str((response.get("params_input") or {}).get("reason") or ""),
        expected_fingerprint=str(request["fingerprint"]),
        extra={
            "via": "airflow",
            "airflow_user_id": user.get("id"),
            "airflow_run_id": run_id,
            "responded_at": str(response.get("responded_at")),
        },
    )


def _approve(args: argparse.Namespace) -> int:
    try:
        path = approve(
            args.var_dir,
            approved_by=args.by or getpass.getuser(),
            reason=args.reason,
            warehouse_path=args.warehouse,
            schema=args.schema,
        )
    except (OSError, ValueError) as error:
        print(f"not approved: {error}", file=sys.stderr)
        return 1
    print(f"approved: {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "approve",
        help="approve the current candidate marts the change policy or history held back",
        description="Approve the current candidate marts the change policy or the checks "
        "against history held back.",
    )
    parser.add_argument("--var-dir", type=Path, required=True, help="the pipeline's var folder")
    parser.add_argument("--by", default=None, help="who approves (default: the login name)")
    parser.add_argument("--reason", required=True, help="why the change is expected")
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="default: ASSIST_WAREHOUSE's PostgreSQL warehouse, else <var-dir>/warehouse.duckdb",
    )
    parser.add_argument("--schema", default="marts")
    parser.set_defaults(func=_approve)
