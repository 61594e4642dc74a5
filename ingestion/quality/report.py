"""What the quality gate found, in the words an engineer acts on.

``GateReport`` holds one ``SuiteReport`` per suite (and the change policy), each
with its ``FailedExpectation``s; ``summary()`` is the gate's failure message: per
failed expectation the first offending rows with key, value, evidence sentence,
article URL and the retract command, then how to approve what an approval may
override (the change policy and the checks against history), and nothing else.
``failures_from_result`` turns a GX validation result into those failures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ingestion.quality.change import SUITE_NAME as CHANGE_SUITE_NAME
from ingestion.quality.evidence import (
    EvidenceLookup,
    OffendingRow,
    data_docs_note,
    value_columns,
)
from ingestion.quality.mart_reader import COLUMN_KWARGS, checked_columns

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult

    from ingestion.quality.suites import SuiteFile

SAMPLE_SIZE = 5
_COLUMN_KWARGS = COLUMN_KWARGS


class QualityGateFailed(Exception):
    """The candidate marts broke at least one expectation; nothing may be published."""

    def __init__(self, report: GateReport) -> None:
        super().__init__(report.summary())
        self.report = report


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold, with enough detail to find the bad rows."""

    suite: str
    expectation_type: str
    kwargs: dict[str, Any]
    unexpected_count: int | None = None
    element_count: int | None = None
    sample_values: tuple[Any, ...] = ()
    sample_keys: tuple[Any, ...] = ()
    key_column: str | None = None
    observed_value: Any = None
    error: str | None = None
    # The first offending rows with their evidence (SAMPLE_SIZE at most).
    rows: tuple[OffendingRow, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return checked_columns(self.kwargs)

    def describe(self) -> str:
        """One line for a log or an alert: suite, check, column(s), what was wrong."""
        params = {k: v for k, v in self.kwargs.items() if k not in _COLUMN_KWARGS}
        head = f"{self.suite}: {self.expectation_type}"
        if self.columns:
            head += f" on {', '.join(self.columns)}"
        if params:
            head += " (" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
        details: list[str] = []
        if self.error:
            details.append(f"error: {self.error}")
        if self.unexpected_count is not None:
            details.append(f"{self.unexpected_count} of {self.element_count} rows unexpected")
        if self.sample_values:
            details.append(f"sample values: {list(self.sample_values)!r}")
        if self.sample_keys and self.key_column:
            details.append(f"rows {self.key_column}: {list(self.sample_keys)!r}")
        if self.observed_value is not None and not self.sample_values:
            details.append(f"observed: {self.observed_value!r}")
        return head + (": " + "; ".join(details) if details else "")

    def explain(self, data_docs_index: Path | None = None) -> list[str]:
        """The failure's block in the gate's message: the headline, then each offending
        row's key, value, evidence sentence, article and retract command."""
        lines = [self.headline()]
        for row in self.rows:
            lines += [f"    {line}" for line in row.lines(self.key_column)]
        hidden = (self.unexpected_count or 0) - len(self.rows) if self.rows else 0
        note = data_docs_note(hidden, data_docs_index)
        if note:
            lines.append(f"    {note}")
        return lines

    def headline(self) -> str:
        """Suite, check, column(s) and how many rows; the rows themselves follow in explain."""
        if not self.rows:
            return self.describe()
        params = {k: v for k, v in self.kwargs.items() if k not in _COLUMN_KWARGS}
        head = f"{self.suite}: {self.expectation_type}"
        if self.columns:
            head += f" on {', '.join(self.columns)}"
        if params:
            head += " (" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
        if self.unexpected_count is not None:
            head += f": {self.unexpected_count} of {self.element_count} rows unexpected"
        return head

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "expectation_type": self.expectation_type,
            "columns": list(self.columns),
            "kwargs": self.kwargs,
            "unexpected_count": self.unexpected_count,
            "element_count": self.element_count,
            "sample_values": list(self.sample_values),
            "key_column": self.key_column,
            "sample_keys": list(self.sample_keys),
            "observed_value": self.observed_value,
            "error": self.error,
            "rows": [r.as_dict() for r in self.rows],
        }


@dataclass(frozen=True)
class SuiteReport:
    """The outcome of one suite on one mart."""

    suite: str
    table: str
    success: bool
    row_count: int | None
    evaluated_expectations: int
    failures: tuple[FailedExpectation, ...] = ()
    # The change policy and the checks against history hold a candidate back for a
    # person to look at; an approval of exactly that candidate lets it through.
    approvable: bool = False
    # Rows validated: fewer than row_count when the others passed this suite before
    # (ingestion.quality.passed_rows); None where no table was read.
    rows_validated: int | None = None


@dataclass(frozen=True)
class GateReport:
    """The outcome of the whole gate: one report per suite and where the Data Docs are."""

    suites: tuple[SuiteReport, ...]
    data_docs_index: Path | None = None
    run_time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # How to approve a candidate the change policy blocked (None when nothing to approve).
    approval_hint: str | None = None
    # The recorded approval that let a blocked candidate through, if one did.
    approval: Mapping[str, Any] | None = None
    # The audited candidate's fingerprint (the snapshot_id its publication would
    # have): a pass binds to it, so only these exact marts may be published.
    fingerprint: str | None = None

    @property
    def success(self) -> bool:
        return all(s.success for s in self.suites)

    @property
    def failures(self) -> tuple[FailedExpectation, ...]:
        return tuple(f for s in self.suites for f in s.failures)

    def summary(self) -> str:
        failed = [s for s in self.suites if not s.success]
        if not failed:
            head = f"Quality gate passed: {len(self.suites)} suites"
        else:
            head = (
                f"Quality gate FAILED: {len(failed)} of {len(self.suites)} suites, "
                f"{len(self.failures)} failed expectations"
            )
        lines = [head]
        for failure in self.failures:
            first, *rest = failure.explain(self.data_docs_index)
            lines += [f"- {first}", *rest]
        if self.approval_hint and failed:
            lines.append(self.approval_hint)
            others = [f for s in self.suites if not s.approvable for f in s.failures]
            if others:
                lines.append(
                    f"Approval overrides only {self._approvable_names()}; it does not override "
                    f"these {len(others)} failed expectations (fix or retract the rows): "
                    + "; ".join(_short_name(f) for f in others)
                )
        if self.approval:
            lines.append(
                f"Change policy overridden: approved by {self.approval.get('approved_by')!r}"
                f" ({self.approval.get('reason')!r})"
            )
        if self.data_docs_index is not None:
            lines.append(f"Data Docs: {self.data_docs_index.as_uri()}")
        return "\n".join(lines)

    def _approvable_names(self) -> str:
        blocked = {s.suite for s in self.suites if s.approvable and not s.success}
        names = ["the change policy"] if CHANGE_SUITE_NAME in blocked else []
        if blocked - {CHANGE_SUITE_NAME}:
            names.append("the checks against history")
        return " and ".join(names) or "the change policy"

    def raise_if_failed(self) -> None:
        if not self.success:
            raise QualityGateFailed(self)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for an Airflow XCom, an alert payload or a manifest)."""
        return {
            "success": self.success,
            "run_time": self.run_time.isoformat(),
            "data_docs_index": str(self.data_docs_index) if self.data_docs_index else None,
            "approval_hint": self.approval_hint,
            "approval": dict(self.approval) if self.approval else None,
            "fingerprint": self.fingerprint,
            "suites": [
                {
                    "suite": s.suite,
                    "table": s.table,
                    "success": s.success,
                    "row_count": s.row_count,
                    "rows_validated": s.rows_validated,
                    "evaluated_expectations": s.evaluated_expectations,
                    "failures": [f.as_dict() for f in s.failures],
                    "approvable": s.approvable,
                }
                for s in self.suites
            ],
        }


def _short_name(failure: FailedExpectation) -> str:
    name = f"{failure.suite}: {failure.expectation_type}"
    return name + (f" on {', '.join(failure.columns)}" if failure.columns else "")


def failures_from_result(
    suite_file: SuiteFile,
    result: ExpectationSuiteValidationResult,
    frame: pd.DataFrame,
    evidence: EvidenceLookup,
    schema: str = "marts",
) -> Iterable[FailedExpectation]:
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        assert config is not None  # a result of a suite's expectation names it
        details: Mapping[str, Any] = item.result or {}
        kwargs = {k: _plain(v) for k, v in config.kwargs.items() if k != "batch_id"}
        indexes = list(details.get("partial_unexpected_index_list") or ())[:SAMPLE_SIZE]
        failure = FailedExpectation(suite_file.name, config.type, kwargs)
        rows = evidence.rows(
            schema,
            suite_file.table,
            frame,
            suite_file.key_column,
            indexes,
            value_columns(kwargs, failure.columns, frame, suite_file.key_column),
        )
        yield FailedExpectation(
            suite=suite_file.name,
            expectation_type=config.type,
            kwargs=kwargs,
            unexpected_count=details.get("unexpected_count"),
            element_count=details.get("element_count"),
            sample_values=tuple(_plain(v) for v in details.get("partial_unexpected_list") or ()),
            sample_keys=_sample_keys(
                frame, suite_file.key_column, details.get("partial_unexpected_index_list")
            ),
            key_column=suite_file.key_column,
            observed_value=_plain(details.get("observed_value", details.get("details"))),
            error=_exception_message(item.exception_info),
            rows=rows,
        )


def _sample_keys(
    frame: pd.DataFrame, key_column: str | None, indexes: Sequence[Any] | None
) -> tuple[Any, ...]:
    """The key of each sampled offending row, so an engineer can look the row up."""
    if not key_column or key_column not in frame.columns or not indexes:
        return ()
    keys = frame[key_column]
    return tuple(_plain(keys.loc[i]) for i in indexes[:SAMPLE_SIZE] if i in keys.index)


def _exception_message(info: Mapping[str, Any] | None) -> str | None:
    """GX reports errors either flat or keyed by metric; take the first message either way."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _plain(value: Any) -> Any:
    """numpy/pandas scalars to Python ones, so reports print cleanly and serialise to JSON."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
