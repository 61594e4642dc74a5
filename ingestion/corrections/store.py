"""Append corrections and retractions to ``raw.corrections``, after checking them.

Every request is checked before anything is written: an unknown article, fact or
correction id, a field the fact does not have, a value of the wrong type, or a
change that changes nothing raises ``CorrectionError`` and stores nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ingestion.extract.models import FACT_TYPES
from ingestion.identifiers import checked_identifier
from ingestion.load.bulk import insert_rows
from ingestion.warehouse import Connection

ACTIONS = ("correct", "retract_fact", "retract_article", "undo")
EXIT_LEVELS = ("county", "village", "household", "person")
# Words that clear a field that may be empty (a payer nobody named, a single year).
CLEAR_WORDS = frozenset({"", "none", "null"})
MIN_YEAR, MAX_YEAR = 1949, 2100


class CorrectionError(ValueError):
    """A request that cannot be stored; nothing was written."""


@dataclass(frozen=True)
class FieldSpec:
    """One correctable field of one fact type: its raw column and how its values read."""

    column: str
    kind: str  # text, year, amount or level
    nullable: bool


# The fields a person can correct, per fact type, by the names the command takes.
# A pairing's helper is its payer side and its helped place its region side.
FIELDS: dict[str, dict[str, FieldSpec]] = {
    "pairing": {
        "payer": FieldSpec("helper", "text", nullable=False),
        "region": FieldSpec("helped", "text", nullable=False),
        "year": FieldSpec("year", "year", nullable=True),
    },
    "fund": {
        "payer": FieldSpec("payer", "text", nullable=True),
        "region": FieldSpec("region", "text", nullable=True),
        "year": FieldSpec("year", "year", nullable=True),
        "year_from": FieldSpec("year_from", "year", nullable=True),
        "amount": FieldSpec("amount_cny", "amount", nullable=False),
    },
    "output": {
        "region": FieldSpec("region", "text", nullable=True),
        "year": FieldSpec("year", "year", nullable=True),
        "year_from": FieldSpec("year_from", "year", nullable=True),
        "amount": FieldSpec("value", "amount", nullable=False),
        "product": FieldSpec("product", "text", nullable=True),
    },
    "exit": {
        "region": FieldSpec("region", "text", nullable=True),
        "year": FieldSpec("year", "year", nullable=True),
        "year_from": FieldSpec("year_from", "year", nullable=True),
        "level": FieldSpec("level", "level", nullable=False),
    },
}
FIELD_NAMES = ("payer", "region", "year", "year_from", "amount", "product", "level")


@dataclass(frozen=True)
class Correction:
    """One row of ``raw.corrections``."""

    correction_id: str
    action: str
    fact_id: str | None
    fact_type: str | None
    article_id: str | None
    field: str | None
    value_before: str | None
    value_after: str | None
    undoes: str | None
    corrected_by: str
    reason: str
    recorded_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CorrectionStatus:
    """A correction as the ``corrections`` listing shows it."""

    correction: Correction
    undone_by: str | None
    fact_present: bool  # False when re-extraction no longer finds the fact

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.correction.as_dict(),
            "undone_by": self.undone_by,
            "fact_present": self.fact_present,
        }


@dataclass(frozen=True)
class StoredFact:
    fact_id: str
    fact_type: str
    article_id: str
    row: dict[str, Any]

    def describe(self) -> str:
        """The fact in a few words, for the record of a retraction."""
        figure = {
            "pairing": ("helper", "helped"),
            "fund": ("amount_cny", "payer", "region"),
            "output": ("measure", "value", "product", "region"),
            "exit": ("level", "exited", "total", "region"),
        }[self.fact_type]
        parts = [f"{name}={as_text(self.row[name])}" for name in figure if self.row.get(name)]
        if self.row.get("year") is not None:
            parts.append(f"year={self.row['year']}")
        return f"{self.fact_type}: " + ", ".join(parts)


def as_text(value: Any) -> str | None:
    """How a value is stored in value_before/value_after: 20000000, not 20000000.0."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- reading ----------------------------------------------------------------------

CORRECTIONS_TABLE = "corrections"

# Facts the marts no longer take from raw as loaded: retracted (themselves or their
# article), or their figure corrected. What the quality gate's raw-table suites skip.
_SET_ASIDE_SQL = """
with live as (
    select * from raw.corrections
    where action <> 'undo'
      and correction_id not in (
          select undoes from raw.corrections where action = 'undo' and undoes is not null
      )
)
select * from raw.{table}
where fact_id not in (
    select fact_id from live
    where fact_id is not null
      and (action = 'retract_fact' or (action = 'correct' and field = 'amount'))
)
and article_id not in (
    select article_id from live where action = 'retract_article' and article_id is not null
)
"""


def raw_facts_in_force_sql(table: str) -> str:
    """SQL for the rows of ``raw.<table>`` (a facts_* table) still taken as loaded."""
    return _SET_ASIDE_SQL.format(table=checked_identifier(table))


def _rows(connection: Connection, sql: str, params: list[Any]) -> list[dict]:
    cursor = connection.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_fact(connection: Connection, fact_id: str) -> StoredFact | None:
    """The fact with this id in the raw fact tables, whatever its type."""
    for fact_type in FACT_TYPES:
        table = checked_identifier(f"facts_{fact_type}")  # our constant, never input
        rows = _rows(connection, f"select * from raw.{table} where fact_id = ?", [fact_id])
        if rows:
            return StoredFact(fact_id, fact_type, rows[0]["article_id"], rows[0])
    return None


def _article(connection: Connection, article_id: str) -> dict | None:
    sql = "select article_id, url, title from raw.articles where article_id = ?"
    rows = _rows(connection, sql, [article_id])
    return rows[0] if rows else None


def all_corrections(connection: Connection) -> list[Correction]:
    sql = "select * from raw.corrections order by recorded_at, correction_id"
    rows = _rows(connection, sql, [])
    return [Correction(**row) for row in rows]


def _undone(corrections: list[Correction]) -> dict[str, str]:
    """correction_id -> the undo that cancelled it."""
    return {c.undoes: c.correction_id for c in corrections if c.action == "undo" and c.undoes}


def live_corrections(corrections: list[Correction]) -> list[Correction]:
    """The corrections in force: not undos, not undone."""
    undone = _undone(corrections)
    return [c for c in corrections if c.action != "undo" and c.correction_id not in undone]


def list_corrections(connection: Connection) -> list[CorrectionStatus]:
    """Every correction in the order recorded, with whether it was undone."""
    corrections = all_corrections(connection)
    undone = _undone(corrections)
    fact_ids = {c.fact_id for c in corrections if c.fact_id}
    present = {fact_id: find_fact(connection, fact_id) is not None for fact_id in fact_ids}
    return [
        CorrectionStatus(c, undone.get(c.correction_id), present.get(c.fact_id or "", True))
        for c in corrections
    ]


# --- values -----------------------------------------------------------------------


def _parse_year(raw: str) -> int:
    try:
        year = int(raw.strip())
    except ValueError:
        raise CorrectionError(f"{raw!r} is not a year (a whole number like 2020)") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CorrectionError(f"{year} is not a plausible year ({MIN_YEAR}-{MAX_YEAR})")
    return year


def _parse_amount(raw: str) -> float:
    try:
        amount = float(raw.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise CorrectionError(
            f"{raw!r} is not a number (an amount in yuan or the figure's unit, e.g. 20000000)"
        ) from None
    if not math.isfinite(amount) or amount <= 0:
        raise CorrectionError(f"{raw!r}: an amount must be a positive number")
    return amount


def _parse_level(raw: str) -> str:
    level = raw.strip().lower()
    if level not in EXIT_LEVELS:
        raise CorrectionError(f"{raw!r} is not an exit level ({', '.join(EXIT_LEVELS)})")
    return level


def _parse_text(raw: str) -> str:
    return " ".join(raw.split())


PARSERS: dict[str, Callable[[str], Any]] = {
    "text": _parse_text,
    "year": _parse_year,
    "amount": _parse_amount,
    "level": _parse_level,
}


def parse_value(spec: FieldSpec, field: str, raw: str) -> str | None:
    """The value as stored (text), or None to clear the field; CorrectionError if invalid."""
    if raw.strip().lower() in CLEAR_WORDS:
        if not spec.nullable:
            raise CorrectionError(f"{field} cannot be empty for this fact")
        return None
    return as_text(PARSERS[spec.kind](raw))


# --- writing ----------------------------------------------------------------------


def _required(value: str | None, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise CorrectionError(f"{what} is required (who makes the change, and why)")
    return text


def _next_id(connection: Connection) -> str:
    count = connection.execute("select count(*) from raw.corrections").fetchone()
    return f"c{(count[0] if count else 0) + 1:04d}"


def _append(connection: Connection, **values: Any) -> Correction:
    correction = Correction(
        correction_id=_next_id(connection),
        action=values["action"],
        fact_id=values.get("fact_id"),
        fact_type=values.get("fact_type"),
        article_id=values.get("article_id"),
        field=values.get("field"),
        value_before=values.get("value_before"),
        value_after=values.get("value_after"),
        undoes=values.get("undoes"),
        corrected_by=_required(values.get("corrected_by"), "--by"),
        reason=_required(values.get("reason"), "--reason"),
        recorded_at=datetime.now(UTC),
    )
    row = correction.as_dict()
    # The shared bulk writer: COPY on PostgreSQL, an Arrow batch on DuckDB. An id
    # taken twice (two people at once) is an error, never an overwrite.
    insert_rows(connection, "raw.corrections", list(row), [list(row.values())], on_conflict="error")
    return correction


def _require_fact(connection: Connection, fact_id: str) -> StoredFact:
    fact = find_fact(connection, fact_id)
    if fact is None:
        raise CorrectionError(
            f"no fact {fact_id!r} in the warehouse (see mart_fact_evidence.fact_id; "
            "a re-extraction may have dropped it)"
        )
    return fact


def current_value(connection: Connection, fact: StoredFact, field: str) -> str | None:
    """What the marts show for the field: the latest live correction, else the raw value."""
    latest = [
        c
        for c in live_corrections(all_corrections(connection))
        if c.action == "correct" and c.fact_id == fact.fact_id and c.field == field
    ]
    if latest:
        return latest[-1].value_after
    return as_text(fact.row[FIELDS[fact.fact_type][field].column])


def correct_fact(
    connection: Connection,
    fact_id: str,
    field: str,
    value: str,
    *,
    by: str,
    reason: str,
) -> Correction:
    """Correct one field of one fact; the correction holds until undone."""
    if field not in FIELD_NAMES:
        raise CorrectionError(f"unknown field {field!r}; one of {', '.join(FIELD_NAMES)}")
    fact = _require_fact(connection, fact_id)
    fields = FIELDS[fact.fact_type]
    if field not in fields:
        raise CorrectionError(
            f"a {fact.fact_type} fact has no field {field!r}; correctable: {', '.join(fields)}"
        )
    after = parse_value(fields[field], field, value)
    before = current_value(connection, fact, field)
    if field in ("year", "year_from"):
        _check_period(connection, fact, field, after)
    if after == before:
        raise CorrectionError(f"fact {fact_id} already has {field} = {before!r}; nothing to change")
    return _append(
        connection,
        action="correct",
        fact_id=fact.fact_id,
        fact_type=fact.fact_type,
        article_id=fact.article_id,
        field=field,
        value_before=before,
        value_after=after,
        corrected_by=by,
        reason=reason,
    )


def _check_period(connection: Connection, fact: StoredFact, field: str, after: str | None) -> None:
    """A period's first year comes before its last (``year``): else it is no period."""
    if "year_from" not in FIELDS[fact.fact_type] or after is None:
        return
    other = "year" if field == "year_from" else "year_from"
    other_value = current_value(connection, fact, other)
    if other_value is None:
        return
    first, last = (
        (int(after), int(other_value))
        if field == "year_from"
        else (
            int(other_value),
            int(after),
        )
    )
    if first >= last:
        raise CorrectionError(
            f"year_from ({first}) must come before year ({last}); "
            "for a single-year figure correct year_from to none"
        )


def retract_fact(connection: Connection, fact_id: str, *, by: str, reason: str) -> Correction:
    """Take one fact out of every mart (it stays in raw, and the retraction in the record)."""
    fact = _require_fact(connection, fact_id)
    for live in live_corrections(all_corrections(connection)):
        if live.action == "retract_fact" and live.fact_id == fact_id:
            raise CorrectionError(f"fact {fact_id} is already retracted ({live.correction_id})")
    return _append(
        connection,
        action="retract_fact",
        fact_id=fact.fact_id,
        fact_type=fact.fact_type,
        article_id=fact.article_id,
        value_before=fact.describe(),
        value_after="(retracted)",
        corrected_by=by,
        reason=reason,
    )


def retract_article(connection: Connection, article_id: str, *, by: str, reason: str) -> Correction:
    """Take every fact of an article out of the marts; its payload stays in landing."""
    article = _article(connection, article_id)
    if article is None:
        raise CorrectionError(
            f"no article {article_id!r} in the warehouse (see mart_fact_evidence.article_id)"
        )
    for live in live_corrections(all_corrections(connection)):
        if live.action == "retract_article" and live.article_id == article_id:
            raise CorrectionError(
                f"article {article_id} is already retracted ({live.correction_id})"
            )
    return _append(
        connection,
        action="retract_article",
        article_id=article_id,
        value_before=article["url"],
        value_after="(retracted)",
        corrected_by=by,
        reason=reason,
    )


def undo_correction(
    connection: Connection, correction_id: str, *, by: str, reason: str
) -> Correction:
    """Cancel a correction or retraction with a row of its own (nothing is deleted)."""
    corrections = all_corrections(connection)
    target = next((c for c in corrections if c.correction_id == correction_id), None)
    if target is None:
        raise CorrectionError(
            f"no correction {correction_id!r} (see `python -m ingestion corrections`)"
        )
    if target.action == "undo":
        raise CorrectionError(
            f"{correction_id} is itself an undo; to restore what it cancelled, "
            "make that correction again"
        )
    undone_by = _undone(corrections).get(correction_id)
    if undone_by:
        raise CorrectionError(f"{correction_id} is already undone ({undone_by})")
    return _append(
        connection,
        action="undo",
        fact_id=target.fact_id,
        fact_type=target.fact_type,
        article_id=target.article_id,
        field=target.field,
        value_before=target.value_after,
        value_after=target.value_before,
        undoes=correction_id,
        corrected_by=by,
        reason=reason,
    )
