"""The one way the pipeline opens the working DuckDB file, and its raw schema.

DuckDB allows one writing process per file, and inside one process it refuses
a second connection to the same file with a different configuration. So every
module opens the warehouse through ``connect()``, always with the same
configuration, and closes it when done: dbt (run as a subprocess) and the next
Airflow task can then open the file themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

RAW_SCHEMA_DDL = """
create schema if not exists raw;

-- One row per fetch attempt, successful or not (loaded from the landing fetch log).
create table if not exists raw.fetch_log (
    attempt_id      varchar primary key,
    source_id       varchar not null,
    url             varchar not null,
    fetched_at      timestamptz not null,
    payload_kind    varchar not null,  -- article, feed or table
    status          integer,          -- HTTP status; null for local files and failures
    content_hash    varchar,          -- sha256 of the payload; null when nothing was landed
    size_bytes      bigint,
    content_type    varchar,
    error           varchar           -- why the attempt failed; null on success
);

-- One row per parsed article (a distinct text, whatever URLs carried it).
create table if not exists raw.articles (
    article_id      varchar primary key,  -- sha256 of the normalised text, first 16 hex
    source_id       varchar not null,
    url             varchar not null,
    content_hash    varchar not null,     -- the landed payload it was parsed from
    title           varchar,
    published_date  date,
    text            varchar not null,
    fetched_at      timestamptz not null,
    parsed_at       timestamptz not null,
    parser_version  varchar not null
);

-- Every payload the parse stage has seen, so unchanged content is not parsed twice.
create table if not exists raw.parsed_payloads (
    content_hash    varchar primary key,
    article_id      varchar,              -- null when it went to quarantine
    parsed_at       timestamptz not null
);

create table if not exists raw.facts_pairing (
    fact_id           varchar primary key,
    article_id        varchar not null,
    helper            varchar not null,
    helped            varchar not null,
    mechanism         varchar,
    year              integer,
    helper_code       varchar,
    helped_code       varchar,
    evidence          varchar not null,
    start_char        integer not null,
    end_char          integer not null,
    extractor_version varchar not null,
    confidence        double not null,
    extracted_at      timestamptz not null
);

create table if not exists raw.facts_fund (
    fact_id           varchar primary key,
    article_id        varchar not null,
    amount_cny        double not null,
    qualifier         varchar,
    measure           varchar,
    payer             varchar,
    region            varchar,
    region_code       varchar,
    year              integer,
    year_from         integer,          -- first year of a period ending in year
    evidence          varchar not null,
    start_char        integer not null,
    end_char          integer not null,
    extractor_version varchar not null,
    confidence        double not null,
    extracted_at      timestamptz not null
);

create table if not exists raw.facts_output (
    fact_id           varchar primary key,
    article_id        varchar not null,
    measure           varchar not null,
    value             double not null,
    qualifier         varchar,
    product           varchar,
    region            varchar,
    region_code       varchar,
    year              integer,
    year_from         integer,          -- first year of a period ending in year
    evidence          varchar not null,
    start_char        integer not null,
    end_char          integer not null,
    extractor_version varchar not null,
    confidence        double not null,
    extracted_at      timestamptz not null
);

create table if not exists raw.facts_exit (
    fact_id           varchar primary key,
    article_id        varchar not null,
    level             varchar not null,
    exited            integer,
    total             integer,
    remaining         integer,
    rate_pct          double,
    region            varchar,
    region_code       varchar,
    year              integer,
    year_from         integer,          -- first year of a period ending in year
    evidence          varchar not null,
    start_char        integer not null,
    end_char          integer not null,
    extractor_version varchar not null,
    confidence        double not null,
    extracted_at      timestamptz not null
);

-- Which extractor version has read which article: re-extraction happens when it changes.
create table if not exists raw.extraction_runs (
    article_id        varchar not null,
    extractor_version varchar not null,
    fact_count        integer not null,
    extracted_at      timestamptz not null,
    primary key (article_id, extractor_version)
);

-- Analysts' corrections and retractions (ingestion/corrections): append-only, never
-- updated or deleted. dbt applies the live ones before the marts; an undo is a row of
-- its own naming the correction it cancels.
create table if not exists raw.corrections (
    correction_id   varchar primary key,
    action          varchar not null,   -- correct, retract_fact, retract_article, undo
    fact_id         varchar,            -- the fact corrected or retracted
    fact_type       varchar,            -- pairing, fund, output or exit
    article_id      varchar,            -- the fact's article, or the article retracted
    field           varchar,            -- correct: payer, region, year, year_from, amount, ...
    value_before    varchar,            -- what the marts showed (as text)
    value_after     varchar,            -- what they show after it; null clears the field
    undoes          varchar,            -- undo: the correction_id it cancels
    corrected_by    varchar not null,
    reason          varchar not null,
    recorded_at     timestamptz not null
);

-- Anything the pipeline could not use, with the reason; the rest of the batch goes on.
create table if not exists raw.quarantine (
    quarantine_id   varchar primary key,
    stage           varchar not null,   -- fetch, parse, extract, statistics
    source_id       varchar not null,
    reference       varchar not null,   -- url, content hash or "file:row"
    reason          varchar not null,
    payload         varchar,            -- the offending row or an excerpt
    recorded_at     timestamptz not null
);
"""


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-write (the only configuration we ever use) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path))
    try:
        yield connection
    finally:
        connection.close()


def scalar(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None
) -> Any:
    """The one value of a query that returns one row (a count, a sum, a name)."""
    row = connection.execute(sql, parameters).fetchone()
    if row is None:
        raise ValueError(f"no row from {sql!r}")
    return row[0]


def table_names(connection: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    """Names of the tables and views in ``schema`` of the connection's own database."""
    return {
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables"
            " where table_schema = ? and table_catalog = current_database()",
            [schema],
        ).fetchall()
    }


# Columns added after a warehouse may have been created: added in place, nothing lost.
RAW_SCHEMA_MIGRATIONS = tuple(
    f"alter table raw.facts_{fact_type} add column if not exists year_from integer"
    for fact_type in ("fund", "output", "exit")
)


def ensure_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables if they are not there (idempotent)."""
    connection.execute(RAW_SCHEMA_DDL)
    for migration in RAW_SCHEMA_MIGRATIONS:
        connection.execute(migration)
