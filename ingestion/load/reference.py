"""Load the gazetteer (China's divisions with English names) into ``raw.gazetteer_regions``."""

from __future__ import annotations

from pathlib import Path

from ingestion.warehouse import Connection, scalar
from ingestion.warehouse_postgres import PostgresConnection

REGIONS_CSV = Path(__file__).resolve().parent.parent / "gazetteer" / "data" / "regions.csv"

_COLUMNS = {
    "region_code": "varchar",
    "name_zh": "varchar",
    "name_en": "varchar",
    "level": "varchar",
    "parent_code": "varchar",
    "province_code": "varchar",
    "prefecture_code": "varchar",
    "longitude": "double",
    "latitude": "double",
    "aliases": "varchar",
}


def load_gazetteer(connection: Connection, path: Path = REGIONS_CSV) -> int:
    """Replace the gazetteer table with the shipped file (cheap: a few thousand rows)."""
    if isinstance(connection, PostgresConnection):
        _copy_gazetteer(connection, path)
        return int(scalar(connection, "select count(*) from raw.gazetteer_regions"))
    connection.execute(
        "create or replace table raw.gazetteer_regions as "
        "select * from read_csv(?, header = true, columns = ?)",
        [str(path), _COLUMNS],
    )
    return int(scalar(connection, "select count(*) from raw.gazetteer_regions"))


def _copy_gazetteer(connection: PostgresConnection, path: Path) -> None:
    # The table (raw schema set-up) stays: dbt's staging views are bound to it. Its rows
    # are replaced in one transaction, the file read by COPY as DuckDB's read_csv reads it.
    connection.execute("begin transaction")
    try:
        connection.execute("delete from raw.gazetteer_regions")
        with path.open("rb") as csv_file:
            connection.cursor().copy_expert(
                f"copy raw.gazetteer_regions ({', '.join(_COLUMNS)})"
                " from stdin with (format csv, header true)",
                csv_file,
            )
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")
