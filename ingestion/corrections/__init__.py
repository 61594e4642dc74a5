"""Analysts' corrections and retractions of extracted facts.

Automatic extraction is sometimes wrong. A person can retract an article (all its
facts leave the marts; its payload stays in landing), retract one fact, or correct
one field of a fact, and undo any of these. Each is one row appended to
``raw.corrections`` with who, when, why, the value before and after; nothing is
ever updated or deleted. dbt applies the live rows in the intermediate layer
(``int_facts_*``), before any mart is built, so a correction holds across
rebuilds and across re-extraction: it is keyed on the fact id, which depends on
the evidence (article, sentence, figure), not on the extractor version.
"""

from ingestion.corrections.store import (
    Correction,
    CorrectionError,
    correct_fact,
    list_corrections,
    retract_article,
    retract_fact,
    undo_correction,
)

__all__ = [
    "Correction",
    "CorrectionError",
    "correct_fact",
    "list_corrections",
    "retract_article",
    "retract_fact",
    "undo_correction",
]
