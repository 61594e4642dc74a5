"""``python -m tools reliability``: the fault, crash, reader and fuzz matrix.

Runs every scenario in temporary ``ASSIST_VAR_DIR`` folders (never the
project's ``var/``) and prints one table: scenario, outcome, rows lost,
duplicates, published marts intact, seconds. Exits 1 if any scenario did not
meet its expectation (``make reliability`` runs it). Takes a few minutes (each
crash scenario re-runs the
pipeline, dbt and Great Expectations included).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tools.reliability.faults import fault_scenarios, fuzz_scenario
from tools.reliability.scenarios import (
    Row,
    clean_run,
    crash_scenarios,
    format_table,
    reader_scenario,
    rerun_scenarios,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reliability",
        help="the crash, re-run, reader, fault and fuzz matrix (make reliability)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--work-dir", type=Path, help="keep the scenario folders here")
    parser.add_argument("--publishes", type=int, default=20, help="publishes under the reader")
    parser.add_argument("--fuzz", type=int, default=400, help="hostile inputs to generate")
    parser.add_argument("--backfill-days", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=["crash", "rerun", "reader", "fault", "fuzz"],
        action="append",
        help="run only these groups (default: all)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    groups = set(args.only or ["crash", "rerun", "reader", "fault", "fuzz"])
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="assist-reliability-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows: list[Row] = []

    def progress(new: list[Row]) -> None:
        rows.extend(new)
        for row in new:
            print(f"  {'ok  ' if row.ok else 'FAIL'} {row.scenario}", file=sys.stderr, flush=True)

    try:
        if groups & {"crash", "rerun", "reader"}:
            baseline_row, baseline = clean_run(work / "baseline")
            progress([baseline_row])
            if "crash" in groups:
                progress(crash_scenarios(work, work / "baseline", baseline))
            if "rerun" in groups:
                progress(rerun_scenarios(work, baseline, backfill_days=args.backfill_days))
            if "reader" in groups:
                progress([reader_scenario(work, work / "baseline", args.publishes)])
        if "fault" in groups:
            progress(fault_scenarios())
        if "fuzz" in groups:
            progress([fuzz_scenario(args.fuzz)])
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(format_table(rows))
    failed = [row.scenario for row in rows if not row.ok]
    print(
        f"\n{len(rows) - len(failed)}/{len(rows)} scenarios as expected "
        f"in {time.monotonic() - started:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0
