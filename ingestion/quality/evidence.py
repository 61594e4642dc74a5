"""Where an offending row comes from: its evidence sentence, article and how to retract it.

A failed expectation is only actionable when the person reading it can see the
row: its key, the value that broke the rule, the sentence the value was read
from and the article that sentence is in. ``EvidenceLookup`` finds those for a
row of any suite's table:

* a mart row traced in ``mart_fact_evidence`` (``mart_name``, ``mart_key``):
  its representative fact's sentence and article, and how many articles it
  merges;
* a row that carries its own ``evidence`` (the raw fact tables, the evidence
  mart itself): its sentence, ``article_id`` or ``article_ids`` and ``url``
  (or the URL of that article in ``raw.articles``);
* anything else (``dim_region``, statistical indicators): no sentence, since no
  article stated it.

A row that traces to exactly one article can be taken out of the marts by
retracting that article; the report prints the command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.quality.mart_reader import condition_names
from ingestion.quality.table_sql import WHOLE_NUMBER_COLUMNS

EVIDENCE_MART = "mart_fact_evidence"
ARTICLES = ("raw", "articles")
RETRACT_COMMAND = 'python -m ingestion retract --article {article_id} --by <you> --reason "<why>"'
# Longer sentences are cut: the message is read in a log or an alert.
EVIDENCE_CHARS = 240


@dataclass(frozen=True)
class OffendingRow:
    """One row that broke an expectation, with what a person needs to judge and fix it."""

    key: Any
    value: Any
    evidence: str | None = None
    url: str | None = None
    article_ids: tuple[str, ...] = ()

    @property
    def single_article(self) -> str | None:
        """The article this row traces to, when exactly one (retracting it removes the row)."""
        return self.article_ids[0] if len(self.article_ids) == 1 else None

    def retract_command(self) -> str | None:
        article = self.single_article
        return RETRACT_COMMAND.format(article_id=article) if article else None

    def lines(self, key_column: str | None) -> list[str]:
        """The row's block in the gate's message (indented under its expectation)."""
        label = f"{key_column} {self.key!r}" if key_column else f"row {self.key!r}"
        out = [f"{label}: {self.value}"]
        if self.evidence:
            out.append(f'  evidence: "{_shorten(self.evidence)}"')
        else:
            out.append("  evidence: none (not read from an article)")
        if self.url:
            out.append(f"  article: {self.url}")
        command = self.retract_command()
        if command:
            out.append(f"  to retract it: {command}")
        elif len(self.article_ids) > 1:
            out.append(
                f"  merged from {len(self.article_ids)} articles "
                f"({', '.join(self.article_ids)}): see {EVIDENCE_MART}"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "evidence": self.evidence,
            "url": self.url,
            "article_ids": list(self.article_ids),
            "retract_command": self.retract_command(),
        }


# Reads ``columns`` of the rows of (schema, table) whose columns hold one of the values
# given (``ingestion.quality.mart_reader.lookup_rows``); None when there is no such table.
RowLookup = Callable[[str, str, Mapping[str, Sequence[Any]], Sequence[str]], pd.DataFrame | None]
# What a row says about where it comes from; looked up by key, since the gate's frames
# hold only the columns the suites check.
SOURCE_COLUMNS = ("evidence", "url", "article_id", "article_ids")
_TRACE_COLUMNS = ("mart_name", "mart_key", "article_id", "evidence", "url", "is_representative")


class EvidenceLookup:
    """Finds the evidence of offending rows: a few keyed queries for the rows shown,
    never a whole table."""

    def __init__(self, lookup: RowLookup, schema: str = "marts") -> None:
        self._lookup = lookup
        self._schema = schema
        self._traced_rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._urls: dict[str, str | None] = {}

    def rows(
        self,
        schema: str,
        table: str,
        frame: pd.DataFrame,
        key_column: str | None,
        indexes: Sequence[Any],
        value_columns: Sequence[str],
    ) -> tuple[OffendingRow, ...]:
        picked = [(index, frame.loc[index]) for index in indexes if index in frame.index]
        keyed = key_column if key_column in frame.columns else None
        keys = [plain(row[keyed]) if keyed else plain(index) for index, row in picked]
        sources = self._sources(schema, table, keyed, keys)
        traced = self._traced(table, keys)
        whole_numbers = set(frame.attrs.get(WHOLE_NUMBER_COLUMNS, ()))
        drafts = []
        for (_, row), key in zip(picked, keys, strict=True):
            value = _value(row, value_columns, whole_numbers)
            if traced.get(key):
                first = traced[key][0]  # representative first
                articles = tuple(dict.fromkeys(str(t["article_id"]) for t in traced[key]))
                drafts.append((key, value, first.get("evidence"), first.get("url"), articles))
                continue
            # The row's own sentence and article (a raw fact, a merged mart row); from
            # the frame only when the row could not be looked up by its key.
            source = sources.get(key, row)
            articles = _article_ids(source)
            evidence, url = _text(source.get("evidence")), _text(source.get("url"))
            drafts.append((key, value, evidence, url, articles))
        self._find_urls([d[4][0] for d in drafts if not d[3] and d[4]])
        return tuple(
            OffendingRow(
                key, value, evidence, url or (self._urls.get(ids[0]) if ids else None), ids
            )
            for key, value, evidence, url, ids in drafts
        )

    def _sources(
        self, schema: str, table: str, key_column: str | None, keys: Sequence[Any]
    ) -> dict[Any, dict[str, Any]]:
        """Each key's evidence, url and article columns, as the table holds them."""
        wanted = [k for k in dict.fromkeys(keys) if k is not None]
        if key_column is None or not wanted:
            return {}
        found = self._lookup(schema, table, {key_column: wanted}, [key_column, *SOURCE_COLUMNS])
        if found is None or key_column not in found.columns:
            return {}
        sources: dict[Any, dict[str, Any]] = {}
        for record in found.to_dict("records"):
            sources.setdefault(plain(record[key_column]), record)
        return sources

    def _traced(self, table: str, keys: Sequence[Any]) -> dict[Any, list[dict[str, Any]]]:
        if table == EVIDENCE_MART:
            return {}
        missing = list(
            dict.fromkeys(
                str(k) for k in keys if k is not None and (table, str(k)) not in self._traced_rows
            )
        )
        if missing:
            frame = self._lookup(
                self._schema,
                EVIDENCE_MART,
                {"mart_name": [table], "mart_key": missing},
                _TRACE_COLUMNS,
            )
            indexed = _index_evidence(frame)
            for key in missing:
                self._traced_rows[(table, key)] = indexed.get((table, key), [])
        return {k: self._traced_rows[(table, str(k))] for k in keys if k is not None}

    def _find_urls(self, article_ids: Sequence[str]) -> None:
        """The URL of each article in ``raw.articles`` (remembered, one query for all)."""
        missing = [a for a in dict.fromkeys(article_ids) if a not in self._urls]
        if not missing:
            return
        self._urls.update(dict.fromkeys(missing))
        articles = self._lookup(*ARTICLES, {"article_id": missing}, ["article_id", "url"])
        if articles is not None and {"article_id", "url"} <= set(articles.columns):
            for article, url in zip(articles["article_id"], articles["url"], strict=True):
                if _text(url):
                    self._urls[str(article)] = str(url)


def value_columns(
    kwargs: Mapping[str, Any],
    columns: Sequence[str],
    frame: pd.DataFrame,
    key_column: str | None = None,
) -> list[str]:
    """The columns whose values show why a row failed: the checked ones and the ones
    its row condition reads (a cross-column rule checks the key; its inputs explain it)."""
    names = [*columns, *condition_names(kwargs)]
    found = list(dict.fromkeys(n for n in names if n in frame.columns))
    # The key is printed anyway; as the "value" it says nothing unless it is all there is.
    without_key = [n for n in found if n != key_column]
    return without_key or found


def _index_evidence(frame: pd.DataFrame | None) -> dict[tuple[str, str], list[dict[str, Any]]]:
    needed = {"mart_name", "mart_key", "article_id", "evidence"}
    if frame is None or not needed <= set(frame.columns):
        return {}
    order = ["mart_name", "mart_key"]
    ascending = [True, True]
    if "is_representative" in frame.columns:
        # Representative fact first: its sentence is the one the mart row shows.
        frame = frame.assign(_rank=~frame["is_representative"].fillna(False).astype(bool))
        order.append("_rank")
        ascending.append(True)
    indexed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in frame.sort_values(order, ascending=ascending).to_dict("records"):
        entry = {
            "article_id": record["article_id"],
            "evidence": _text(record.get("evidence")),
            "url": _text(record.get("url")),
        }
        indexed.setdefault((str(record["mart_name"]), str(record["mart_key"])), []).append(entry)
    return indexed


def _article_ids(row: Mapping[str, Any] | pd.Series) -> tuple[str, ...]:
    single = _text(row.get("article_id"))
    if single:
        return (single,)
    many = _text(row.get("article_ids"))
    if many:
        return tuple(dict.fromkeys(a.strip() for a in many.split(",") if a.strip()))
    return ()


def _value(row: pd.Series, columns: Sequence[str], whole_numbers: set[str]) -> str:
    if not columns:
        return "(whole row)"
    return ", ".join(f"{c} = {_cell(row[c], c in whole_numbers)!r}" for c in columns)


def _cell(value: Any, whole_number: bool) -> Any:
    value = plain(value)
    if whole_number and isinstance(value, float) and value.is_integer():
        return int(value)  # an integer column read as float64 for GX (table_sql.vectorisable)
    return value


def _text(value: Any) -> str | None:
    value = plain(value)
    return str(value) if value is not None and str(value).strip() else None


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def plain(value: Any) -> Any:
    """A frame's cell as a plain Python value (None for NA, NaT and NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def data_docs_note(hidden: int, data_docs_index: Path | None) -> str | None:
    """The line that points to the rows not listed in the message."""
    if hidden <= 0:
        return None
    where = data_docs_index.as_uri() if data_docs_index else "the Data Docs"
    return f"and {hidden} more in Data Docs: {where}"
