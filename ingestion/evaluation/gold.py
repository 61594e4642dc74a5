"""Load gold annotations and check them against the extraction contract.

A gold file that silently drifts from the contract (a count written as a
string, a misspelt alias field) would make the scorer lie, so every line is
checked before it is scored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from ingestion.extract.models import ExitLevel, FundMeasure, Mechanism, OutputMeasure, Qualifier

# The contract's enumerations, from the fact models' Literal types.
MECHANISMS = frozenset(get_args(Mechanism))
QUALIFIERS = frozenset(get_args(Qualifier))
FUND_MEASURES = frozenset(get_args(FundMeasure))
OUTPUT_MEASURES = frozenset(get_args(OutputMeasure))
EXIT_LEVELS = frozenset(get_args(ExitLevel))

# Fields a gold line may carry beyond the contract: notes for the annotator
# (the contract's free-text ``note``; scoring ignores both).
_ANNOTATION_FIELDS = frozenset({"evidence", "note"})
# The names each type carries; any of them may list other names in ``<name>_aliases``.
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "pairing": ("helper", "helped"),
    "fund": ("payer", "region"),
    "output": ("product", "region"),
    "exit": ("region",),
}
_OTHER_FIELDS: dict[str, frozenset[str]] = {
    "pairing": frozenset({"mechanism", "year"}),
    "fund": frozenset({"amount_cny", "qualifier", "measure", "year", "year_from"}),
    "output": frozenset({"measure", "value", "qualifier", "year", "year_from"}),
    "exit": frozenset({"level", "exited", "total", "remaining", "rate_pct", "year", "year_from"}),
}
_FIELDS: dict[str, frozenset[str]] = {
    kind: _OTHER_FIELDS[kind] | frozenset(names) | frozenset(f"{name}_aliases" for name in names)
    for kind, names in NAME_FIELDS.items()
}


class GoldError(ValueError):
    """A gold file that cannot be scored."""


@dataclass(frozen=True)
class GoldLine:
    line_no: int
    fact: dict[str, Any]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return _is_number(value) and float(value) >= 0 and float(value).is_integer()


def _check_enum(fact: Mapping[str, Any], name: str, allowed: frozenset[str], *, many: bool):
    value = fact.get(name)
    if value is None:
        return []
    values = value if many and isinstance(value, list) else [value]
    if many and isinstance(value, list) and not value:
        return [f"{name}: empty list"]
    bad = [v for v in values if v not in allowed]
    return [f"{name}: {v!r} is not one of {sorted(allowed)}" for v in bad]


def _check_name(fact: Mapping[str, Any], name: str, *, required: bool) -> list[str]:
    value = fact.get(name)
    if value is None:
        return [f"{name}: missing"] if required else []
    if not isinstance(value, str) or not value.strip():
        return [f"{name}: must be a non-empty string"]
    return []


def _check_aliases(fact: Mapping[str, Any], name: str) -> list[str]:
    value = fact.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return [f"{name}: must be a list of non-empty strings"]
    return []


def _check_year(fact: Mapping[str, Any]) -> list[str]:
    """``year`` and ``year_from`` are plausible years; a period ends after it starts."""
    problems = [
        f"{name}: {fact[name]!r} is not a plausible year number"
        for name in ("year", "year_from")
        if fact.get(name) is not None and not (_is_count(fact[name]) and 1949 <= fact[name] <= 2100)
    ]
    year, year_from = fact.get("year"), fact.get("year_from")
    # A period may lack its last year ("since 2012" in an undated text): year_from alone.
    if not problems and year_from is not None and year is not None and year_from > year:
        problems.append(f"year_from: {year_from} is after year {year}")
    return problems


def _check_all_aliases(fact: Mapping[str, Any], kind: str) -> list[str]:
    return [p for name in NAME_FIELDS[kind] for p in _check_aliases(fact, f"{name}_aliases")]


def _check_pairing(fact: Mapping[str, Any]) -> list[str]:
    return [
        *_check_name(fact, "helper", required=True),
        *_check_name(fact, "helped", required=True),
        *_check_enum(fact, "mechanism", MECHANISMS, many=True),
    ]


def _check_fund(fact: Mapping[str, Any]) -> list[str]:
    problems = []
    amount = fact.get("amount_cny")
    if not (isinstance(amount, int | float) and _is_number(amount) and amount > 0):
        problems.append(f"amount_cny: {amount!r} is not a positive number")
    return [
        *problems,
        *_check_enum(fact, "qualifier", QUALIFIERS, many=False),
        *_check_enum(fact, "measure", FUND_MEASURES, many=True),
        *_check_name(fact, "payer", required=False),
        *_check_name(fact, "region", required=False),
    ]


def _check_output(fact: Mapping[str, Any]) -> list[str]:
    problems = []
    if fact.get("measure") not in OUTPUT_MEASURES:
        problems.append(f"measure: {fact.get('measure')!r} is not one of {sorted(OUTPUT_MEASURES)}")
    value = fact.get("value")
    if not (isinstance(value, int | float) and _is_number(value) and value > 0):
        problems.append(f"value: {value!r} is not a positive number")
    return [
        *problems,
        *_check_enum(fact, "qualifier", QUALIFIERS, many=False),
        *_check_name(fact, "product", required=False),
        *_check_name(fact, "region", required=False),
    ]


def _check_exit(fact: Mapping[str, Any]) -> list[str]:
    problems = []
    if fact.get("level") not in EXIT_LEVELS:
        problems.append(f"level: {fact.get('level')!r} is not one of {sorted(EXIT_LEVELS)}")
    counts = [c for c in ("exited", "total", "remaining") if fact.get(c) is not None]
    if not counts:
        problems.append("exit: needs at least one of exited, total, remaining")
    problems += [
        f"{c}: {fact.get(c)!r} is not a whole number" for c in counts if not _is_count(fact[c])
    ]
    rate = fact.get("rate_pct")
    if rate is not None and not (_is_number(rate) and 0 <= rate <= 100):
        problems.append(f"rate_pct: {rate!r} is not a percentage")
    return [*problems, *_check_name(fact, "region", required=False)]


_CHECKS = {
    "pairing": _check_pairing,
    "fund": _check_fund,
    "output": _check_output,
    "exit": _check_exit,
}


def validate_gold_fact(fact: Any) -> list[str]:
    """Every way ``fact`` departs from the contract (empty when it is valid)."""
    if not isinstance(fact, dict):
        return ["line is not a JSON object"]
    problems = _check_name(fact, "doc", required=True)
    kind = fact.get("type")
    if kind not in _CHECKS:
        return [*problems, f"type: {kind!r} is not one of {sorted(_CHECKS)}"]
    allowed = _FIELDS[kind] | _ANNOTATION_FIELDS | {"doc", "type"}
    problems += [f"{name}: not a field of {kind} facts" for name in fact if name not in allowed]
    return [*problems, *_check_year(fact), *_check_all_aliases(fact, kind), *_CHECKS[kind](fact)]


def read_gold(path: Path) -> list[GoldLine]:
    """The gold file's facts with their line numbers; blank lines are skipped."""
    lines: list[GoldLine] = []
    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            lines.append(GoldLine(line_no, json.loads(raw)))
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{line_no}: not JSON: {exc}") from exc
    return lines


def load_gold(path: Path) -> list[dict[str, Any]]:
    """The gold facts of ``path``, refusing a file with any line off the contract."""
    facts: list[dict[str, Any]] = []
    problems: list[str] = []
    for line in read_gold(path):
        problems += [f"{path}:{line.line_no}: {p}" for p in validate_gold_fact(line.fact)]
        facts.append(line.fact)
    if problems:
        raise GoldError("invalid gold annotations:\n" + "\n".join(problems))
    return facts
