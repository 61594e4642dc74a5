"""``python -m ingestion retract | correct | undo | corrections``: fix what extraction got wrong.

    retract --article ARTICLE_ID --by WHO --reason WHY
    retract --fact FACT_ID --by WHO --reason WHY
    correct FACT_ID --field FIELD --value V --by WHO --reason WHY
    undo CORRECTION_ID --by WHO --reason WHY
    corrections [--json]

Each change is stored in the warehouse and reaches the marts at the next build
(``python -m ingestion build``, then ``audit`` and ``publish``, or the DAG).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from ingestion.config import Settings, load_settings
from ingestion.corrections.store import (
    FIELD_NAMES,
    Correction,
    CorrectionError,
    CorrectionStatus,
    correct_fact,
    list_corrections,
    retract_article,
    retract_fact,
    undo_correction,
)
from ingestion.warehouse import Connection, ensure_raw_schema, open_warehouse

NEXT_STEP = (
    "It applies at the next build: python -m ingestion build, then audit and publish "
    "(or the build_audit_publish DAG)."
)
# Columns of the listing, and how wide a cell may grow before it is cut.
LISTING_COLUMNS = ("id", "when", "who", "what", "before", "after", "why", "undone")
MAX_CELL = 48


def _with_warehouse(settings: Settings, change: Callable[[Connection], Correction]) -> int:
    if settings.postgres is None and not settings.warehouse_path.exists():
        print(
            f"No warehouse at {settings.warehouse_path}: run `python -m ingestion load` first.",
            file=sys.stderr,
        )
        return 1
    with open_warehouse(settings, "recording a correction") as connection:
        ensure_raw_schema(connection)
        try:
            correction = change(connection)
        except CorrectionError as error:
            print(f"Nothing stored: {error}", file=sys.stderr)
            return 1
    print(f"Stored {correction.correction_id}: {describe_action(correction)}.")
    print(NEXT_STEP)
    return 0


def describe_action(correction: Correction) -> str:
    """What a correction does, in words."""
    match correction.action:
        case "correct":
            return f"{correction.fact_type} fact {correction.fact_id}: {correction.field}"
        case "retract_fact":
            return f"retract {correction.fact_type} fact {correction.fact_id}"
        case "retract_article":
            return f"retract article {correction.article_id}"
        case _:
            return f"undo {correction.undoes}"


def _retract(args: argparse.Namespace) -> int:
    if args.article:
        return _with_warehouse(
            load_settings(),
            lambda c: retract_article(c, args.article, by=args.by, reason=args.reason),
        )
    return _with_warehouse(
        load_settings(), lambda c: retract_fact(c, args.fact, by=args.by, reason=args.reason)
    )


def _correct(args: argparse.Namespace) -> int:
    return _with_warehouse(
        load_settings(),
        lambda c: correct_fact(
            c, args.fact_id, args.field, args.value, by=args.by, reason=args.reason
        ),
    )


def _undo(args: argparse.Namespace) -> int:
    return _with_warehouse(
        load_settings(),
        lambda c: undo_correction(c, args.correction_id, by=args.by, reason=args.reason),
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def listing_rows(statuses: list[CorrectionStatus]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for status in statuses:
        c = status.correction
        what = describe_action(c)
        if not status.fact_present:
            what += " (fact no longer extracted)"
        rows.append(
            (
                c.correction_id,
                c.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                c.corrected_by,
                what,
                _cell(c.value_before),
                _cell(c.value_after),
                _cell(c.reason),
                f"yes ({status.undone_by})" if status.undone_by else "",
            )
        )
    return rows


def format_listing(statuses: list[CorrectionStatus]) -> str:
    if not statuses:
        return "No corrections yet."
    rows = [LISTING_COLUMNS, *listing_rows(statuses)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(LISTING_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _corrections(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.postgres is None and not settings.warehouse_path.exists():
        print("No corrections yet (no warehouse).")
        return 0
    with open_warehouse(settings, "listing corrections") as connection:
        ensure_raw_schema(connection)
        statuses = list_corrections(connection)
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], indent=2, default=str))
    else:
        print(format_listing(statuses))
    return 0


def _who_and_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", required=True, help="who makes the change (a name)")
    parser.add_argument("--reason", required=True, help="why (kept with the change)")


def register(subparsers: argparse._SubParsersAction) -> None:
    retract = subparsers.add_parser(
        "retract", help="take an article's facts, or one fact, out of every mart"
    )
    target = retract.add_mutually_exclusive_group(required=True)
    target.add_argument("--article", metavar="ARTICLE_ID", help="retract all facts of an article")
    target.add_argument("--fact", metavar="FACT_ID", help="retract one fact")
    _who_and_why(retract)
    retract.set_defaults(func=_retract)

    correct = subparsers.add_parser("correct", help="correct one field of one fact")
    correct.add_argument("fact_id", metavar="FACT_ID")
    # Checked by correct_fact, not argparse: a wrong field is an error like any other (exit 1).
    correct.add_argument("--field", required=True, metavar="{" + ",".join(FIELD_NAMES) + "}")
    correct.add_argument(
        "--value", required=True, help="the right value ('none' clears a field that may be empty)"
    )
    _who_and_why(correct)
    correct.set_defaults(func=_correct)

    undo = subparsers.add_parser("undo", help="cancel a correction or retraction")
    undo.add_argument("correction_id", metavar="CORRECTION_ID")
    _who_and_why(undo)
    undo.set_defaults(func=_undo)

    listing = subparsers.add_parser(
        "corrections", help="list corrections and retractions: who, when, what, why"
    )
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(func=_corrections)
