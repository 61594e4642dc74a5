"""Rows a suite has passed before: the audit validates only new or changed rows.

Almost every expectation in ``expectations/suites/`` is row by row: a value in a
range, one column greater than another, not null, null, in a set, matching a
pattern, each under an optional row condition on the same row. Whether a row
meets such a suite depends only on that row's checked values, so a row whose
checked values equal those of a row that passed the same suite before passes
again. A daily refresh changes about 1% of the rows; reading and validating the
other 99% again was most of the audit at 100,000 articles.

After a suite passes, the 64-bit DuckDB ``hash`` of every row it read (the
columns of its ``ReadPlan``, exactly as the frame holds them) is kept in
``<passed_rows_dir>/<suite>-<digest>.parquet``. The next audit reads only the
rows whose hash is not in that file. The digest names everything a verdict
depends on besides the row: the suite's JSON, the table's column names and
types, and the DuckDB and Great Expectations versions; a change to any of them
finds no file, and every row is validated again. A suite that fails keeps its
old file, so its offending rows are checked again on the next audit.

Not incremental, always read whole: a suite with any expectation not in
``ROW_BY_ROW`` (a row count, a mean, a uniqueness check sees the whole table),
with ``mostly`` below 1 (a share of the table) or a run-time suite parameter
(``$PARAMETER``, not in the digest), the checks against history
(each row against its region's other rows), and the PostgreSQL warehouse
(whose rows would have to travel to the ledger or the ledger to it).

A row only counts as passed if it was in the table the gate validated: the
hashes are taken in the same DuckDB connection as the rows read, and the gate
holds the file while it reads, so no build can slip rows in between. Two
different rows share a hash with probability about 2^-64 per pair; a row that
collides with a passed one would be skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.identifiers import path_literal

if TYPE_CHECKING:
    from ingestion.quality.suites import SuiteFile

# Expectation types whose verdict on a table is the conjunction of their verdicts on
# its rows (GX 1.x names). ``expect_table_columns_to_match_set`` looks at the
# frame's columns only, which the frame of new rows has in full.
ROW_BY_ROW = frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_table_columns_to_match_set",
    }
)
HASH_COLUMN = "row_hash"


def row_by_row(suite: SuiteFile) -> bool:
    """Whether every expectation of ``suite`` judges each row on its own."""
    if suite.history is not None:
        return False
    for expectation in suite.config.get("expectations") or ():
        if expectation.get("type") not in ROW_BY_ROW:
            return False
        kwargs = expectation.get("kwargs") or {}
        mostly = kwargs.get("mostly")
        if mostly is not None and float(mostly) < 1:
            return False
        if "$PARAMETER" in json.dumps(kwargs):
            # A suite parameter is given at run time: the verdict is not the row's alone.
            return False
    return True


def suite_digest(suite: SuiteFile, columns: Sequence[tuple[str, str]]) -> str:
    """What a verdict on a row depends on besides the row (see the module doc).

    The versions come from the installed packages' metadata, not by importing GX: the
    gate reads the first suite's rows while another thread imports GX, and an import
    here would wait for that one.
    """
    text = json.dumps(
        {
            "suite": suite.config,
            "schema": suite.schema,
            "columns": [list(c) for c in columns],
            "duckdb": version("duckdb"),
            "great_expectations": version("great_expectations"),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class PassedRows:
    """Where one suite's passed-row hashes are kept for one digest, and the pending set
    of this audit's rows (made the kept set only if the suite passes)."""

    folder: Path
    suite: str
    digest: str
    pending: Path

    @classmethod
    def for_suite(cls, folder: Path, suite: str, digest: str) -> PassedRows:
        pending = folder / f".{suite}-{digest}-{uuid.uuid4().hex}.pending.parquet"
        return cls(folder, suite, digest, pending)

    @property
    def kept(self) -> Path:
        return self.folder / f"{self.suite}-{self.digest}.parquet"

    def commit(self) -> None:
        """The suite passed: this audit's rows are the passed rows; older digests go."""
        os.replace(self.pending, self.kept)
        for other in self.folder.glob(f"{self.suite}-*.parquet"):
            if other != self.kept:
                other.unlink(missing_ok=True)

    def discard(self) -> None:
        self.pending.unlink(missing_ok=True)


def hashes_sql(checked_sql: str) -> str:
    """The hash of each row ``checked_sql`` selects (a row twice: its hash twice)."""
    return f"select hash(checked) as {HASH_COLUMN} from ({checked_sql}) as checked"


def unseen_rows_sql(checked_sql: str, kept: Path) -> str:
    """The rows of ``checked_sql`` whose hash is not among the ``kept`` passed rows."""
    return (
        f"with checked as ({checked_sql}), "
        f"hashed as (select checked.*, hash(checked) as __row_hash from checked) "
        f"select * exclude (__row_hash) from hashed anti join "
        f"read_parquet({path_literal(kept)}) as passed on hashed.__row_hash = passed.{HASH_COLUMN}"
    )


def write_pending(connection: Any, checked_sql: str, passed: PassedRows) -> int:
    """Keep the hashes of every row the gate is about to judge, until its verdict;
    the number of rows (COPY says how many it wrote: no second scan to count them)."""
    passed.folder.mkdir(parents=True, exist_ok=True)
    written = connection.execute(
        f"copy ({hashes_sql(checked_sql)}) to {path_literal(passed.pending)} (format parquet)"
    ).fetchone()
    return int(written[0]) if written else 0
