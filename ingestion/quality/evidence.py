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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

EVIDENCE_MART = "mart_fact_evidence"
ARTICLES = ("raw", "articles")
RETRACT_COMMAND = 'python -m ingestion retract --article {article_id} --by <you> --reason "<why>"'
# Longer sentences are cut: the message is read in a log or an alert.
EVIDENCE_CHARS = 240
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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


# Reads a table (schema, name) from the warehouse, or None when it does not exist.
TableReader = Callable[[str, str], pd.DataFrame | None]


class EvidenceLookup:
    """Finds the evidence of offending rows; reads the evidence tables once, on first need."""

    def __init__(
        self,
        frames: Mapping[tuple[str, str], pd.DataFrame],
        read_table: TableReader,
        schema: str = "marts",
    ) -> None:
        self._frames = dict(frames)
        self._read_table = read_table
        self._schema = schema
        self._by_mart_key: dict[tuple[str, str], list[dict[str, Any]]] | None = None
        self._urls: dict[str, str] | None = None

    def rows(
        self,
        table: str,
        frame: pd.DataFrame,
        key_column: str | None,
        indexes: Sequence[Any],
        value_columns: Sequence[str],
    ) -> tuple[OffendingRow, ...]:
        found = []
        for index in indexes:
            if index not in frame.index:
                continue
            row = frame.loc[index]
            key = plain(row[key_column]) if key_column in frame.columns else plain(index)
            found.append(self._row(table, row, key, _value(row, value_columns)))
        return tuple(found)

    def _row(self, table: str, row: pd.Series, key: Any, value: str) -> OffendingRow:
        traced = self._traced(table, key)
        if traced:
            first = traced[0]  # representative first
            articles = tuple(dict.fromkeys(str(t["article_id"]) for t in traced))
            url = first.get("url") or self._url(articles[0])
            return OffendingRow(key, value, first.get("evidence"), url, articles)
        articles = _article_ids(row)
        evidence = _text(row.get("evidence"))
        url = _text(row.get("url")) or (self._url(articles[0]) if articles else None)
        return OffendingRow(key, value, evidence, url, articles)

    def _traced(self, table: str, key: Any) -> list[dict[str, Any]]:
        if key is None or table == EVIDENCE_MART:
            return []
        if self._by_mart_key is None:
            self._by_mart_key = _index_evidence(self._table(self._schema, EVIDENCE_MART))
        return self._by_mart_key.get((table, str(key)), [])

    def _url(self, article_id: str) -> str | None:
        if self._urls is None:
            articles = self._table(*ARTICLES)
            self._urls = {}
            if articles is not None and {"article_id", "url"} <= set(articles.columns):
                self._urls = {
                    str(a): str(u)
                    for a, u in zip(articles["article_id"], articles["url"], strict=True)
                    if _text(u)
                }
        return self._urls.get(article_id)

    def _table(self, schema: str, name: str) -> pd.DataFrame | None:
        if (schema, name) not in self._frames:
            self._frames[(schema, name)] = self._read_table(schema, name)
        return self._frames[(schema, name)]


def value_columns(
    kwargs: Mapping[str, Any],
    columns: Sequence[str],
    frame: pd.DataFrame,
    key_column: str | None = None,
) -> list[str]:
    """The columns whose values show why a row failed: the checked ones and the ones
    its row condition reads (a cross-column rule checks the key; its inputs explain it)."""
    names = list(columns)
    condition = kwargs.get("row_condition")
    # GX 1.24 hands back a pandas condition as {"pass_through_filter": "...", ...}.
    texts = condition.values() if isinstance(condition, Mapping) else [condition]
    for text in texts:
        if isinstance(text, str):
            names += _NAME.findall(text)
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


def _article_ids(row: pd.Series) -> tuple[str, ...]:
    single = _text(row.get("article_id"))
    if single:
        return (single,)
    many = _text(row.get("article_ids"))
    if many:
        return tuple(dict.fromkeys(a.strip() for a in many.split(",") if a.strip()))
    return ()


def _value(row: pd.Series, columns: Sequence[str]) -> str:
    if not columns:
        return "(whole row)"
    return ", ".join(f"{c} = {plain(row[c])!r}" for c in columns)


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
