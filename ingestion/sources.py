"""Sources: what the pipeline collects, declared in one YAML file (``sources.yml``).

Each source has an id, a kind and the options of its kind. Kinds:

- ``local_folder``: ``.html``/``.txt`` articles in a folder of the project;
- ``feed``: an RSS or Atom feed whose items are then fetched;
- ``page``: a single article page by URL;
- ``csv_table``: a statistical CSV table with a declared schema;
- ``xlsx_table``: the same for an Excel workbook (one sheet, a header row).

URLs may be ``http(s)://`` or ``file://``; a bare relative path is a file of the
project. File access is allowed only inside the folders a source names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from ingestion.identifiers import IDENTIFIER


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchPolicy(_Strict):
    """Where a source may fetch from and how patiently."""

    allowed_hosts: tuple[str, ...] = ()
    # Private, loopback and link-local addresses are refused unless allowed
    # (a local test server needs it; a production source should not).
    allow_private_addresses: bool = False
    allowed_folders: tuple[str, ...] = ("data",)
    timeout_seconds: float = 20.0
    max_bytes: int = 10_000_000
    max_attempts: int = 3
    backoff_seconds: float = 1.0


class _SourceBase(_Strict):
    id: str
    description: str = ""
    fetch: FetchPolicy = FetchPolicy()

    @field_validator("id")
    @classmethod
    def _id_is_identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"source id {value!r} must match {IDENTIFIER.pattern}")
        return value

    @field_validator("url", check_fields=False)
    @classmethod
    def _url_has_no_credentials(cls, value: str) -> str:
        """sources.yml is in the repository: a password in a URL there is a leaked secret."""
        if urlsplit(value).password is not None:
            raise ValueError(
                "credentials do not belong in sources.yml (they would be committed and logged "
                "with every fetch); take them from an Airflow connection or the environment"
            )
        return value


class LocalFolderSource(_SourceBase):
    kind: Literal["local_folder"]
    path: str
    patterns: tuple[str, ...] = ("*.html", "*.htm", "*.txt")


class FeedSource(_SourceBase):
    kind: Literal["feed"]
    url: str
    max_items: int = 200


class PageSource(_SourceBase):
    kind: Literal["page"]
    url: str


class ColumnSpec(_Strict):
    name: str
    type: Literal["varchar", "integer", "double", "boolean", "date"]
    required: bool = True
    pattern: str | None = None  # a regular expression a varchar value must match
    unit: str | None = None
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"column name {value!r} must match {IDENTIFIER.pattern}")
        return value


class _TableSourceBase(_SourceBase):
    url: str
    table: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    # A file with more data rows than this is refused whole: a runaway sheet (a
    # million formatted empty rows, a zip bomb) must not hold the one writer for hours.
    max_rows: int = Field(default=200_000, gt=0)

    @field_validator("table")
    @classmethod
    def _table_is_identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value) or not value.startswith("stat_"):
            raise ValueError(
                f"table {value!r} must start with stat_ and match {IDENTIFIER.pattern}"
            )
        return value

    @model_validator(mode="after")
    def _key_is_declared(self) -> _TableSourceBase:
        declared = {c.name for c in self.columns}
        if not self.key or any(name not in declared for name in self.key):
            raise ValueError(f"key {list(self.key)} must name declared columns")
        return self


class CsvTableSource(_TableSourceBase):
    kind: Literal["csv_table"]


class XlsxTableSource(_TableSourceBase):
    """An .xlsx workbook read in openpyxl's streaming (read-only) mode."""

    kind: Literal["xlsx_table"]
    sheet: str | None = None  # None: the workbook's first sheet
    header_row: int = Field(default=1, ge=1)  # 1-based, as Excel numbers rows


# The statistical-table kinds; they load the same way once their rows are read.
TableSource = CsvTableSource | XlsxTableSource
TABLE_SOURCE_TYPES = (CsvTableSource, XlsxTableSource)

Source = Annotated[
    LocalFolderSource | FeedSource | PageSource | CsvTableSource | XlsxTableSource,
    Field(discriminator="kind"),
]


class SourcesFile(_Strict):
    sources: tuple[Source, ...]

    @field_validator("sources")
    @classmethod
    def _ids_unique(cls, value: tuple[Source, ...]) -> tuple[Source, ...]:
        ids = [source.id for source in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate source ids: {', '.join(duplicates)}")
        return value


_SOURCES_ADAPTER = TypeAdapter(SourcesFile)


def load_sources(path: Path) -> list[Source]:
    """Read and validate the sources file; a bad file fails with pydantic's clear message."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    return list(_SOURCES_ADAPTER.validate_python(document).sources)


def get_source(path: Path, source_id: str) -> Source:
    for source in load_sources(path):
        if source.id == source_id:
            return source
    raise KeyError(f"no source {source_id!r} in {path}")
