"""The one way the pipeline opens the working DuckDB file, and its raw schema.

DuckDB allows one writing process per file, and inside one process it refuses
a second connection to the same file with a different configuration. So every
module opens the warehouse through ``connect()``, always with the same
configuration, and closes it when done: dbt (run as a subprocess) and the next
Airflow task can then open the file themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from ingestion.identifiers import checked_identifier
from ingestion.warehouse_postgres import PostgresConnection, open_postgres

if TYPE_CHECKING:
    from ingestion.config import Settings
    from ingestion.sources import TableSource

# A warehouse connection: the DuckDB file, or a PostgreSQL server through the wrapper
# that gives psycopg2 DuckDB's execute/fetch shape (ingestion.warehouse_postgres).
Connection = duckdb.DuckDBPyConnection | PostgresConnection
Dialect = Literal["duckdb", "postgres"]

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

-- The landing fetch-log files already loaded (ingestion/load/fetch_log.py).
create table if not exists raw.fetch_log_files (
    file_name   varchar primary key,  -- <day>/<source>-<uuid>.jsonl under landing/fetch_log
    attempts    integer not null,
    loaded_at   timestamptz not null
);

-- Which landed file each statistical table was last loaded from (ingestion/load/statistics.py).
create table if not exists raw.stat_loads (
    source_id       varchar primary key,
    content_hash    varchar not null,
    rows_loaded     integer not null,
    rows_rejected   integer not null,
    loaded_at       timestamptz not null
);

-- China's divisions with English names, replaced whole from the shipped file at each load.
create table if not exists raw.gazetteer_regions (
    region_code     varchar,
    name_zh         varchar,
    name_en         varchar,
    level           varchar,
    parent_code     varchar,
    province_code   varchar,
    prefecture_code varchar,
    longitude       double,
    latitude        double,
    aliases         varchar
);
"""

# The declared column types of sources.yml in each warehouse's SQL.
STAT_COLUMN_TYPES: dict[Dialect, dict[str, str]] = {
    "duckdb": {
        "varchar": "varchar",
        "integer": "integer",
        "double": "double",
        "boolean": "boolean",
        "date": "date",
    },
    "postgres": {
        "varchar": "text",
        "integer": "integer",
        "double": "double precision",
        "boolean": "boolean",
        "date": "date",
    },
}


def in_dialect(ddl: str, dialect: Dialect) -> str:
    """DDL written in DuckDB's types, in ``dialect``'s (the one source of the raw schema).

    PostgreSQL has no ``double`` (``double precision``); ``varchar`` becomes ``text``,
    the type dbt-postgres and PostgreSQL's own functions return for strings.
    """
    if dialect == "duckdb":
        return ddl
    ddl = re.sub(r"\bvarchar\b", "text", ddl)
    return re.sub(r"\bdouble\b(?! precision)", "double precision", ddl)


def raw_schema_ddl(dialect: Dialect = "duckdb") -> str:
    """The raw schema's tables (those every load writes) in ``dialect``'s SQL."""
    return in_dialect(RAW_SCHEMA_DDL, dialect)


def stat_table_ddl(source: TableSource, dialect: Dialect, *, replace: bool = False) -> str:
    """The ``raw.stat_*`` table of a statistical source, as sources.yml declares it."""
    # Identifiers come from sources.yml and were validated there (and again here); the
    # types come from our own mapping of the declared Literal types.
    types = STAT_COLUMN_TYPES[dialect]
    columns = ", ".join(f"{checked_identifier(c.name)} {types[c.type]}" for c in source.columns)
    text, stamp = ("text", "timestamptz") if dialect == "postgres" else ("varchar", "timestamptz")
    verb = "create or replace table" if replace else "create table if not exists"
    return (
        f"{verb} raw.{checked_identifier(source.table)} "
        f"({columns}, _source_id {text} not null, _loaded_at {stamp} not null)"
    )


def dialect_of(connection: Connection) -> Dialect:
    return "postgres" if isinstance(connection, PostgresConnection) else "duckdb"


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-write (the only configuration we ever use) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path))
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def open_warehouse(settings: Settings, doing: str = "the load") -> Iterator[Connection]:
    """The warehouse ``ASSIST_WAREHOUSE`` selects: the DuckDB file, or PostgreSQL.

    On PostgreSQL a connection fault, at the start or in the middle, leaves as
    ``WarehouseUnavailable`` naming the setting (never the password).
    """
    if settings.postgres is None:
        with connect(settings.warehouse_path) as connection:
            yield connection
    else:
        with open_postgres(settings.postgres, doing) as pg_connection:
            yield pg_connection


def scalar(connection: Connection, sql: str, parameters: list[Any] | None = None) -> Any:
    """The one value of a query that returns one row (a count, a sum, a name)."""
    row = connection.execute(sql, parameters).fetchone()
    if row is None:
        raise ValueError(f"no row from {sql!r}")
    return row[0]


def table_names(connection: Connection, schema: str) -> set[str]:
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


def ensure_raw_schema(connection: Connection, table_sources: Iterable[TableSource] = ()) -> None:
    """Create the raw schema and every raw table if not there, empty (idempotent).

    ``table_sources`` are the statistical sources of sources.yml: their
    ``raw.stat_*`` tables are created too, so a build after collecting only
    some sources finds every table dbt reads (empty until its first load).
    """
    dialect = dialect_of(connection)
    connection.execute(raw_schema_ddl(dialect))
    for migration in RAW_SCHEMA_MIGRATIONS:
        connection.execute(migration)
    for source in table_sources:
        connection.execute(stat_table_ddl(source, dialect))
