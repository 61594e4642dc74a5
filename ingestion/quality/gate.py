"""The quality gate: validate the candidate marts with Great Expectations before publishing.

dbt owns the marts' structure (contracts, keys, relationships, accepted values:
``dbt build`` fails before the gate runs); the gate owns their plausibility
(magnitudes, unit slips, rules across columns, values against the region's
history, the change against the published marts). ``expectations/README.md``
lists which rule lives where.

The gate has three parts, one module each:

* ``ingestion.quality.suites``: the suites in ``expectations/suites/`` (typed);
* this module: reading the tables (``ingestion.quality.mart_reader``) and running
  one GX Checkpoint per suite on an ephemeral context (one each, because a
  Checkpoint's batch parameters apply to all its validation definitions and each
  suite validates another DataFrame), then the Data Docs site built once;
* ``ingestion.quality.report``: what failed, with the offending rows' evidence.

With ``published_dir``, the change policy (``ingestion.quality.change``) compares
the candidate with the published marts and the history suites
(``ingestion.quality.history``) see the published values; a candidate they hold
back passes once approved (``python -m ingestion approve``,
``ingestion.quality.approval``). The gate never writes the warehouse.

Usage::

    report = run_quality_gate(
        s.warehouse_path, s.expectations_dir, s.docs_dir / "great_expectations"
    )
    report.raise_if_failed()  # QualityGateFailed names every failed check
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import replace
from functools import cache, partial
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ingestion.config import PostgresWarehouse
from ingestion.fingerprint import candidate_fingerprint
from ingestion.quality.change import POLICY_FILE
from ingestion.quality.change import SUITE_NAME as CHANGE_SUITE_NAME
from ingestion.quality.data_docs import make_offline
from ingestion.quality.evidence import EvidenceLookup
from ingestion.quality.history import history_columns, published_table, with_history
from ingestion.quality.mart_reader import (
    SuiteRows,
    lookup_rows,
    read_marts,
    read_suite_rows,
    warehouse_exists,
)
from ingestion.quality.report import (
    SAMPLE_SIZE,
    FailedExpectation,
    GateReport,
    QualityGateFailed,
    SuiteReport,
    failures_from_result,
)
from ingestion.quality.suites import SUITES_SUBDIR, SuiteError, SuiteFile, load_suites

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.datasource.fluent import PandasDatasource

# The gate's public names, importable from here as before the split.
__all__ = [
    "FailedExpectation",
    "GateReport",
    "QualityGateFailed",
    "SuiteFile",
    "SuiteReport",
    "load_suites",
    "read_marts",
    "run_quality_gate",
]

# GX logs hundreds of INFO/DEBUG lines (type registration, store setup) through the
# standard logging tree; under Airflow's INFO root logger they would bury the task log.
logging.getLogger("great_expectations").setLevel(logging.WARNING)
# The documented opt-out; a scheduled job must never wait on an analytics endpoint.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

log = logging.getLogger("assistance_warehouse.quality")

RUN_NAME = "quality_gate"
# Suites whose rows are read while one validates: the gate's pool has two threads.
READ_AHEAD = 2
DATA_DOCS_SITE = "local_site"
# SUMMARY keeps a few offending values and their row indexes without dumping whole
# columns into the results (COMPLETE would list every unexpected value).
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": SAMPLE_SIZE,
}


def run_quality_gate(
    warehouse_path: Path | PostgresWarehouse,
    expectations_dir: Path,
    data_docs_dir: Path,
    schema: str = "marts",
    published_dir: Path | None = None,
    approvals_dir: Path | None = None,
    passed_rows_dir: Path | None = None,
) -> GateReport:
    """Validate every table that has a suite; build Data Docs; report (never raises on data).

    With ``published_dir``, the candidate is also compared with the last published
    marts (``ingestion.quality.change``) and the history suites see the published
    values; a held-back candidate passes only with an approval in ``approvals_dir``
    (default: ``approvals`` next to ``published_dir``). With ``passed_rows_dir``, a suite
    that judges rows one by one validates only the rows it has not passed before
    (``ingestion.quality.passed_rows``); without it, every row.
    """
    run_time = dt.datetime.now(dt.UTC)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="quality-gate") as pool:
        # GX's import and context (seconds of pure Python) are made in a thread while
        # DuckDB, which lets go of the GIL, takes the fingerprint and reads the first
        # suite's rows: on two cores the audit waits for the longer, not the sum.
        context_made = pool.submit(_new_context, data_docs_dir)
        # Taken before the marts are read: the publisher checks the marts it copies
        # against it, so marts rebuilt after this point are never published on this pass.
        fingerprint = (
            candidate_fingerprint(warehouse_path, schema)[0]
            if warehouse_exists(warehouse_path)
            else None
        )
        suites = load_suites(expectations_dir / SUITES_SUBDIR)
        read = partial(_suite_rows, warehouse_path, schema, published_dir, passed_rows_dir)
        with closing(_read_ahead(pool, suites, read)) as suites_with_rows:
            evidence = EvidenceLookup(partial(lookup_rows, warehouse_path), schema)
            reports = _validate_all(context_made, schema, suites_with_rows, run_time, evidence)
    context = context_made.result()
    if published_dir is not None:
        reports.append(_check_change(warehouse_path, expectations_dir, published_dir, schema))
    reports, approval_hint, approval = _held_back(
        reports, warehouse_path, schema, fingerprint, published_dir, approvals_dir
    )
    # Once for all suites. GX's UpdateDataDocsAction on each suite's Checkpoint would
    # rebuild the site's index after every suite: measured on the sample candidate's
    # 15 suites, 26-39 s for the gate instead of 15-18 s (the same busy machine).
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


def _require_every_expectation(
    suite_file: SuiteFile, config: Mapping[str, Any], built: ExpectationSuite
) -> None:
    """Raise ``SuiteError`` if GX left out an expectation of the suite's file.

    GX 1.x logs an expectation whose type it does not know (a misspelt name, one from
    another GX version) and builds the suite without it: the suite would then pass
    without that check, and nobody would know the rule was never applied.
    """
    wanted = Counter(str(e.get("type")) for e in config.get("expectations") or ())
    missing = wanted - Counter(e.expectation_type for e in built.expectations)
    if missing:
        raise SuiteError(
            f"suite {suite_file.name}: Great Expectations could not build "
            f"{', '.join(sorted(missing))} (its log says why); fix "
            f"expectations/{SUITES_SUBDIR}/{suite_file.name}.json"
        )


def _suite_rows(
    warehouse_path: Path | PostgresWarehouse,
    schema: str,
    published_dir: Path | None,
    passed_rows_dir: Path | None,
    suite: SuiteFile,
) -> SuiteRows | None:
    """The rows ``suite`` validates, with the published history it compares them to."""
    rows = read_suite_rows(warehouse_path, suite.schema or schema, suite, passed_rows_dir)
    if rows is None or suite.history is None or not suite.key_column:
        return rows
    published = published_table(published_dir, suite.table, warehouse_path, history_columns(suite))
    return replace(rows, frame=with_history(suite.history, rows.frame, published, suite.key_column))


def _read_ahead(
    pool: ThreadPoolExecutor,
    suites: Sequence[SuiteFile],
    read: Callable[[SuiteFile], SuiteRows | None],
) -> Generator[tuple[SuiteFile, SuiteRows | None]]:
    """Each suite with its rows, in order; the next ``READ_AHEAD`` suites' rows are read meanwhile.

    Reading is DuckDB's and Arrow's work, validating is GX's Python: on two cores the
    one overlaps the other. On a refresh validating is quick (only new rows) and a
    history suite's read is not (its whole mart against the published one), so two
    reads run side by side. At most ``READ_AHEAD + 1`` suites' frames are alive at
    once, so the gate's memory follows the biggest checked tables, not the sum of the marts.
    Closed early (a validation raised), the rows read ahead are not judged: their
    pending row hashes are dropped (``PassedRows.discard``).
    """
    waiting = iter(suites)
    ahead: deque[Future[SuiteRows | None]] = deque(
        pool.submit(read, suite) for suite in islice(waiting, READ_AHEAD)
    )
    try:
        for suite in suites:
            rows = ahead.popleft().result()  # one read is submitted per suite, in order
            ahead.extend(pool.submit(read, later) for later in islice(waiting, 1))
            yield suite, rows
    finally:
        for future in ahead:
            if future.exception() is None:
                unjudged = future.result()
                if unjudged is not None and unjudged.passed is not None:
                    unjudged.passed.discard()


def _validate_all(
    context_made: Future[AbstractDataContext],
    schema: str,
    suites_with_rows: Iterator[tuple[SuiteFile, SuiteRows | None]],
    run_time: dt.datetime,
    evidence: EvidenceLookup,
) -> list[SuiteReport]:
    """One report per suite, validated in order on the context once it is made."""
    reports: list[SuiteReport] = []
    datasource: PandasDatasource | None = None
    for suite, rows in suites_with_rows:
        context = context_made.result()
        if datasource is None:
            datasource = context.data_sources.add_pandas(name=schema)
        suite_schema = suite.schema or schema
        passed = rows.passed if rows is not None else None
        report = None
        try:
            report = _validate(context, datasource, suite, rows, suite_schema, run_time, evidence)
        finally:
            # Only a pass makes this table's rows "passed"; a failure (or an error) keeps
            # the old set, so the offending rows are read and judged again next time.
            if passed is not None:
                if report is not None and report.success:
                    passed.commit()
                else:
                    passed.discard()
        reports.append(report)
        del rows
        _forget_batches(datasource)
    return reports


def _check_change(
    warehouse_path: Path | PostgresWarehouse,
    expectations_dir: Path,
    published_dir: Path,
    schema: str,
) -> SuiteReport:
    """The change policy against the published marts as one (approvable) pseudo-suite."""
    from ingestion.quality import change

    policy = change.load_policy(expectations_dir)
    violations = change.find_violations(published_dir, warehouse_path, schema, policy)
    rules = 1 + len(policy.get("sum_limits") or ())
    failures = tuple(
        FailedExpectation(
            suite=CHANGE_SUITE_NAME,
            expectation_type=f"change_{v.rule}",
            kwargs={"table": v.table, "limit": v.limit},
            error=v.message(),
        )
        for v in violations
    )
    return SuiteReport(
        CHANGE_SUITE_NAME, "(published marts)", not failures, None, rules, failures, True
    )


def _held_back(
    reports: list[SuiteReport],
    warehouse_path: Path | PostgresWarehouse,
    schema: str,
    fingerprint: str | None,
    published_dir: Path | None,
    approvals_dir: Path | None,
) -> tuple[list[SuiteReport], str | None, Mapping[str, Any] | None]:
    """Let an approved candidate through what approval may override; else say how to approve.

    Without a var folder (no ``published_dir`` nor ``approvals_dir``) there is
    nowhere an approval could be, so none is offered.
    """
    from ingestion.quality.approval import approvals_dir_for, approve_command, find_approval

    blocked = [r for r in reports if r.approvable and not r.success]
    if not blocked or (published_dir is None and approvals_dir is None):
        return reports, None, None
    anchor = approvals_dir if approvals_dir is not None else published_dir
    assert anchor is not None  # one of the two is set (checked above)
    var_dir = anchor.parent.resolve()
    approvals_dir = approvals_dir or approvals_dir_for(var_dir)
    if fingerprint is None:
        fingerprint, _ = candidate_fingerprint(warehouse_path, schema)
    approval = find_approval(approvals_dir, fingerprint)
    if approval is not None:
        log.warning(
            "%s overridden for candidate %s, approved by %s: %s",
            ", ".join(r.suite for r in blocked),
            fingerprint,
            approval.get("approved_by"),
            approval.get("reason"),
        )
        passed = [replace(r, success=True, failures=()) if r in blocked else r for r in reports]
        return passed, None, approval
    history = [r.suite for r in blocked if r.suite != CHANGE_SUITE_NAME]
    if any(r.suite == CHANGE_SUITE_NAME for r in blocked):
        head = (
            f"Blocked by the change policy (expectations/{POLICY_FILE}) against the "
            f"published marts in {_published_where(warehouse_path, published_dir)}."
        )
        if history:
            head += f" Held back by the checks against history too ({', '.join(history)})."
    else:
        head = (
            f"Held back by the checks against history ({', '.join(history)}): a value "
            "far beyond the same region's other reports."
        )
    hint = (
        f"{head} If this change is expected, approve this candidate (fingerprint "
        f"{fingerprint}) and rerun the audit:\n  {approve_command(var_dir)}"
    )
    return reports, hint, None


def _forget_batches(datasource: PandasDatasource) -> None:
    """Drop the DataFrames GX keeps: the datasource's execution engine caches every
    batch it validated (``BatchManager``), which would hold every suite's frame to the end."""
    batches = datasource.get_execution_engine().batch_manager
    batches.batch_data_cache.clear()
    batches.reset_batch_cache()


def _published_where(warehouse: Path | PostgresWarehouse, published_dir: Path | None) -> str:
    if isinstance(warehouse, PostgresWarehouse):
        return f"{warehouse.describe()} (schema published)"
    return str(published_dir)


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
    _skip_batch_fingerprints()
    return great_expectations


def _skip_batch_fingerprints() -> None:
    """Stop GX from hashing every cell of each DataFrame it is given.

    GX's pandas engine marks a batch smaller than its ``HASH_THRESHOLD`` with
    ``pandas_data_fingerprint`` (md5 of ``pd.util.hash_pandas_object``), a marker no
    expectation reads; it has no setting. At 100,000 articles that hashing took 12 s
    of a 45 s audit. The gate names what it validated by its own fingerprint of the
    candidate (``ingestion.fingerprint``), taken before the frames are read. Above
    the threshold GX skips the marker by design; a threshold of 0 makes every batch
    "above" it. If GX drops the constant, nothing here breaks (the marker comes back).
    """
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


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
    rows: SuiteRows | None,
    schema: str,
    run_time: dt.datetime,
    evidence: EvidenceLookup,
) -> SuiteReport:
    """Run the suite's Checkpoint on its DataFrame (the results go to the context's store,
    from which Data Docs are built)."""
    if rows is None:
        missing = FailedExpectation(
            suite=suite_file.name,
            expectation_type="table_exists",
            kwargs={"table": f"{schema}.{suite_file.table}"},
            error=f"table {schema}.{suite_file.table} does not exist in the warehouse",
        )
        return SuiteReport(
            suite_file.name, suite_file.table, False, None, 0, (missing,), suite_file.approvable
        )

    gx = _gx()
    from great_expectations.core.run_identifier import RunIdentifier

    frame = rows.frame
    config = suite_file.config
    if rows.passed is not None:
        # Said where the results are read (Data Docs show the suite's meta): the counts
        # below are of the rows this audit judged, the rest passed this suite before.
        note = (
            f"{len(frame)} new or changed rows of {rows.row_count} validated; the others "
            "passed this suite before (ingestion.quality.passed_rows)"
        )
        config = config | {"meta": (config.get("meta") or {}) | {"rows_validated": note}}
        log.info("%s: %s", suite_file.name, note)
    suite = context.suites.add(gx.ExpectationSuite(**config))
    _require_every_expectation(suite_file, config, suite)
    asset = datasource.add_dataframe_asset(name=suite_file.name)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_file.name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=suite_file.name,
            validation_definitions=[definition],
            result_format=RESULT_FORMAT,
        )
    )
    # run_name matters: the Data Docs validations section skips results without one.
    outcome = checkpoint.run(
        batch_parameters={"dataframe": frame},
        run_id=RunIdentifier(run_name=RUN_NAME, run_time=run_time),
    )
    [result] = outcome.run_results.values()
    return SuiteReport(
        suite=suite_file.name,
        table=suite_file.table,
        success=bool(result.success),
        row_count=rows.row_count,
        rows_validated=len(frame),
        evaluated_expectations=int(result.statistics.get("evaluated_expectations", 0)),
        failures=tuple(failures_from_result(suite_file, result, frame, evidence, schema)),
        approvable=suite_file.approvable,
    )
