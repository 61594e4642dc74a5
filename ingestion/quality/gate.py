"""The quality gate: validate the candidate marts with Great Expectations before publishing.

GX 1.24 has no DuckDB datasource, so each mart is read from the working
warehouse into a pandas DataFrame (through ``ingestion.warehouse.connect``,
closed before GX runs) and validated on an ephemeral GX context with the
suites stored as JSON under ``expectations/suites/``. The gate never writes
the warehouse; it writes only the Data Docs site.

Suites check the marts (schema ``marts``) or, when their ``meta.schema`` says
so, the raw tables. The region-code-in-``dim_region`` checks are built at run
time from the candidate's ``dim_region``. With ``published_dir``, the change
policy (``ingestion.quality.change``) compares the candidate with the published
marts; a blocked candidate passes once approved (``python -m ingestion approve``,
``ingestion.quality.approval``).

Usage::

    report = run_quality_gate(
        s.warehouse_path, s.expectations_dir, s.docs_dir / "great_expectations"
    )
    report.raise_if_failed()  # QualityGateFailed names every failed check
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from ingestion.config import PostgresWarehouse
from ingestion.fingerprint import candidate_fingerprint
from ingestion.identifiers import checked_identifier

# The change policy's pseudo-suite: the only failures an approval overrides.
from ingestion.quality.change import SUITE_NAME as CHANGE_SUITE_NAME
from ingestion.quality.data_docs import make_offline
from ingestion.quality.evidence import (
    EvidenceLookup,
    OffendingRow,
    data_docs_note,
    value_columns,
)
from ingestion.transform.catalogue import RegionCodeColumn, mart_keys, region_code_columns
from ingestion.warehouse import connect, table_names

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.datasource.fluent import PandasDatasource

# GX logs hundreds of INFO/DEBUG lines (type registration, store setup) through the
# standard logging tree; under Airflow's INFO root logger they would bury the task log.
logging.getLogger("great_expectations").setLevel(logging.WARNING)
# The documented opt-out; a scheduled job must never wait on an analytics endpoint.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SUITES_SUBDIR = "suites"
RUN_NAME = "quality_gate"
SAMPLE_SIZE = 5
DATA_DOCS_SITE = "local_site"
# SUMMARY keeps a few offending values and their row indexes without dumping whole
# columns into the results (COMPLETE would list every unexpected value).
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": SAMPLE_SIZE,
}
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")


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
        found: list[str] = []
        for name in _COLUMN_KWARGS:
            value = self.kwargs.get(name)
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, list):
                found.extend(str(v) for v in value)
        return tuple(found)

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
            others = [f for f in self.failures if f.suite != CHANGE_SUITE_NAME]
            if others:
                lines.append(
                    "Approval overrides only the change policy; it does not override "
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
                    "evaluated_expectations": s.evaluated_expectations,
                    "failures": [f.as_dict() for f in s.failures],
                }
                for s in self.suites
            ],
        }


def _short_name(failure: FailedExpectation) -> str:
    name = f"{failure.suite}: {failure.expectation_type}"
    return name + (f" on {', '.join(failure.columns)}" if failure.columns else "")


@dataclass(frozen=True)
class SuiteFile:
    """A suite as stored in ``expectations/suites/<name>.json`` and the table it checks.

    ``schema`` is ``meta.schema`` (``raw`` for the raw-table suites); None means the
    schema the gate was called with (``marts``).
    """

    name: str
    table: str
    key_column: str | None
    config: dict[str, Any]
    schema: str | None = None


def run_quality_gate(
    warehouse_path: Path | PostgresWarehouse,
    expectations_dir: Path,
    data_docs_dir: Path,
    schema: str = "marts",
    published_dir: Path | None = None,
    approvals_dir: Path | None = None,
) -> GateReport:
    """Validate every table that has a suite; build Data Docs; report (never raises on data).

    With ``published_dir``, the candidate is also compared with the last published
    marts (``ingestion.quality.change``); a blocked candidate passes only with an
    approval in ``approvals_dir`` (default: ``approvals`` next to ``published_dir``).
    """
    # Taken before the marts are read: the publisher checks the marts it copies
    # against it, so marts rebuilt after this point are never published on this pass.
    fingerprint = (
        candidate_fingerprint(warehouse_path, schema)[0] if _exists(warehouse_path) else None
    )
    suites = load_suites(expectations_dir / SUITES_SUBDIR)
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    for suite_schema in sorted({s.schema or schema for s in suites}):
        tables = [s.table for s in suites if (s.schema or schema) == suite_schema]
        for table, frame in read_marts(warehouse_path, suite_schema, tables).items():
            frames[(suite_schema, table)] = frame
    region_codes = _region_codes(frames.get((schema, "dim_region")))
    run_time = dt.datetime.now(dt.UTC)
    evidence = EvidenceLookup(frames, _table_reader(warehouse_path), schema)
    context = _new_context(data_docs_dir)
    datasource = context.data_sources.add_pandas(name=schema)
    reports: list[SuiteReport] = []
    for suite in suites:
        suite_schema = suite.schema or schema
        frame = frames.get((suite_schema, suite.table))
        if suite_schema == schema and frame is not None:
            suite = _with_region_checks(suite, frame, region_codes)
        reports.append(
            _validate(context, datasource, suite, frame, suite_schema, run_time, evidence)
        )
    approval_hint = approval = None
    if published_dir is not None:
        change_report, approval_hint, approval = _check_change(
            warehouse_path, expectations_dir, published_dir, approvals_dir, schema, fingerprint
        )
        reports.append(change_report)
    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    make_offline(data_docs_dir)  # readable from file:// with no network
    index = data_docs_dir / "index.html"
    return GateReport(
        suites=tuple(reports),
        data_docs_index=index if index.exists() else None,
        run_time=run_time,
        approval_hint=approval_hint,
        approval=approval,
        fingerprint=fingerprint,
    )


# Every region code must be a dim_region.region_code. The allowed set is data
# (the candidate's own dim_region), so these expectations are added at run time,
# not stored in JSON. Which columns hold a region code (and, for a helper or payer
# code, under which row condition) is read from the dbt relationships tests to
# dim_region: ``ingestion.transform.catalogue.region_code_columns``.
def _region_code_kwargs(column: RegionCodeColumn, region_codes: list[str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"column": column.column, "value_set": region_codes}
    if column.condition is not None:
        kwargs |= {"row_condition": column.condition, "condition_parser": "pandas"}
    return kwargs


def _region_codes(dim_region: pd.DataFrame | None) -> list[str] | None:
    if dim_region is None or "region_code" not in dim_region.columns:
        return None  # the dim_region suite reports the missing table or column
    return sorted({str(v) for v in dim_region["region_code"].dropna()})


def _with_region_checks(
    suite: SuiteFile, frame: pd.DataFrame, region_codes: list[str] | None
) -> SuiteFile:
    columns = [c for c in region_code_columns().get(suite.table, ()) if c.column in frame.columns]
    if region_codes is None or not columns:
        return suite
    added = [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": _region_code_kwargs(column, region_codes),
            "meta": {"added_by": "quality gate at run time", "values_from": "dim_region"},
            "notes": "Every region code must be in dim_region (nulls allowed: unresolved).",
        }
        for column in columns
    ]
    config = {**suite.config, "expectations": [*suite.config.get("expectations", []), *added]}
    return SuiteFile(suite.name, suite.table, suite.key_column, config, suite.schema)


def _check_change(
    warehouse_path: Path | PostgresWarehouse,
    expectations_dir: Path,
    published_dir: Path,
    approvals_dir: Path | None,
    schema: str,
    fingerprint: str | None = None,
) -> tuple[SuiteReport, str | None, Mapping[str, Any] | None]:
    """The change policy as one pseudo-suite; plus how to approve, or the approval used."""
    from ingestion.quality import change
    from ingestion.quality.approval import (
        approvals_dir_for,
        approve_command,
        find_approval,
    )

    policy = change.load_policy(expectations_dir)
    violations = change.find_violations(published_dir, warehouse_path, schema, policy)
    rules = 1 + len(policy.get("sum_limits") or ())
    name = change.SUITE_NAME
    if not violations:
        return SuiteReport(name, "(published marts)", True, None, rules), None, None
    var_dir = (approvals_dir.parent if approvals_dir else published_dir.parent).resolve()
    approvals_dir = approvals_dir or approvals_dir_for(var_dir)
    if fingerprint is None:
        fingerprint, _ = candidate_fingerprint(warehouse_path, schema)
    approval = find_approval(approvals_dir, fingerprint)
    if approval is not None:
        logging.getLogger("assistance_warehouse.quality").warning(
            "change policy overridden for candidate %s, approved by %s: %s",
            fingerprint,
            approval.get("approved_by"),
            approval.get("reason"),
        )
        return SuiteReport(name, "(published marts)", True, None, rules), None, approval
    failures = tuple(
        FailedExpectation(
            suite=name,
            expectation_type=f"change_{v.rule}",
            kwargs={"table": v.table, "limit": v.limit},
            error=v.message(),
        )
        for v in violations
    )
    hint = (
        f"Blocked by the change policy (expectations/{change.POLICY_FILE}) against the "
        f"published marts in {_published_where(warehouse_path, published_dir)}. If this "
        "change is expected, approve this "
        f"candidate (fingerprint {fingerprint}) and rerun the audit:\n"
        f"  {approve_command(var_dir)}"
    )
    return SuiteReport(name, "(published marts)", False, None, rules, failures), hint, None


def load_suites(suites_dir: Path) -> list[SuiteFile]:
    """Read the suite JSON files; a suite's file name, name and table must agree."""
    paths = sorted(suites_dir.glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no expectation suites in {suites_dir}")
    suites = []
    for path in paths:
        config = json.loads(path.read_text(encoding="utf-8"))
        name = config.get("name")
        if name != path.stem:
            # A mismatch would validate one mart and report it under another's name.
            raise ValueError(f"{path}: suite name {name!r} differs from the file name")
        meta = config.get("meta") or {}
        table = checked_identifier(meta.get("table", name))
        schema = checked_identifier(meta["schema"]) if meta.get("schema") else None
        # A mart's key is stated once, in its dbt meta; a raw table's in its suite.
        key_column = meta.get("key_column") if schema else mart_keys().get(table)
        suites.append(SuiteFile(name, table, key_column, config, schema))
    return suites


def read_marts(
    warehouse_path: Path | PostgresWarehouse, schema: str, tables: Iterable[str]
) -> dict[str, pd.DataFrame]:
    """Read each existing mart into memory; a missing mart is simply absent from the result."""
    if isinstance(warehouse_path, PostgresWarehouse):
        # The same frames, read from PostgreSQL (why pandas there too: postgres_tables).
        from ingestion.quality.postgres_tables import read_postgres_tables

        return read_postgres_tables(warehouse_path, schema, tables, _select_sql)
    if not warehouse_path.exists():
        # connect() would create an empty warehouse; a missing file is a pipeline error.
        raise FileNotFoundError(f"no warehouse at {warehouse_path}")
    schema = checked_identifier(schema)
    frames: dict[str, pd.DataFrame] = {}
    with connect(warehouse_path) as connection:
        existing = table_names(connection, schema)
        for table in tables:
            if checked_identifier(table) in existing:
                frames[table] = connection.execute(_select_sql(schema, table, existing)).df()
    return frames


def _published_where(warehouse: Path | PostgresWarehouse, published_dir: Path) -> str:
    if isinstance(warehouse, PostgresWarehouse):
        return f"{warehouse.describe()} (schema published)"
    return str(published_dir)


def _exists(warehouse: Path | PostgresWarehouse) -> bool:
    """A DuckDB file that exists, or a PostgreSQL server (unreachable: the read says so)."""
    return isinstance(warehouse, PostgresWarehouse) or warehouse.exists()


def _table_reader(
    warehouse_path: Path | PostgresWarehouse,
) -> Callable[[str, str], pd.DataFrame | None]:
    """Reads one more table on demand (the evidence behind failed rows), None if absent."""

    def read(schema: str, table: str) -> pd.DataFrame | None:
        return read_marts(warehouse_path, schema, [table]).get(table)

    return read


def _select_sql(schema: str, table: str, existing: set[str]) -> str:
    """All rows, except the raw facts an analyst took out of the marts (retracted, or
    their figure corrected): the marts' suites check what replaced them, and blocking
    on them would make "retract the article and re-run" never publish."""
    from ingestion.corrections.store import CORRECTIONS_TABLE, raw_facts_in_force_sql

    if schema == "raw" and table.startswith("facts_") and CORRECTIONS_TABLE in existing:
        return raw_facts_in_force_sql(table)
    return f'select * from "{schema}"."{table}"'


@cache
def _gx() -> ModuleType:
    """Import GX once, on first use: it takes seconds, too slow for Airflow's DAG parsing."""
    import great_expectations

    # Some GX modules pin their own logger to INFO at import, overriding the parent's level.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations."):
            logger = logging.getLogger(name)
            if logger.level and logger.level < logging.WARNING:
                logger.setLevel(logging.WARNING)
    return great_expectations


def _new_context(data_docs_dir: Path) -> AbstractDataContext:
    """An in-memory context whose only Data Docs site is a static folder we choose."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars from metric calculation would fill the task log.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # The ephemeral context comes with a site in a throwaway temp dir; replace it.
    for site_name in list(context.list_data_docs_sites()):
        context.delete_data_docs_site(site_name)
    data_docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name=DATA_DOCS_SITE,
        site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _validate(
    context: AbstractDataContext,
    datasource: PandasDatasource,
    suite_file: SuiteFile,
    frame: pd.DataFrame | None,
    schema: str,
    run_time: dt.datetime,
    evidence: EvidenceLookup,
) -> SuiteReport:
    if frame is None:
        missing = FailedExpectation(
            suite=suite_file.name,
            expectation_type="table_exists",
            kwargs={"table": f"{schema}.{suite_file.table}"},
            error=f"table {schema}.{suite_file.table} does not exist in the warehouse",
        )
        return SuiteReport(suite_file.name, suite_file.table, False, None, 0, (missing,))

    gx = _gx()
    from great_expectations.core.run_identifier import RunIdentifier

    suite = context.suites.add(gx.ExpectationSuite(**suite_file.config))
    asset = datasource.add_dataframe_asset(name=suite_file.name)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_file.name, data=batch_definition, suite=suite)
    )
    # run_name matters: the Data Docs validations section skips results without one.
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format=RESULT_FORMAT,
        run_id=RunIdentifier(run_name=RUN_NAME, run_time=run_time),
    )
    failures = tuple(_failures(suite_file, result, frame, evidence))
    return SuiteReport(
        suite=suite_file.name,
        table=suite_file.table,
        success=bool(result.success),
        row_count=len(frame),
        evaluated_expectations=int(result.statistics.get("evaluated_expectations", 0)),
        failures=failures,
    )


def _failures(
    suite_file: SuiteFile,
    result: ExpectationSuiteValidationResult,
    frame: pd.DataFrame,
    evidence: EvidenceLookup,
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
