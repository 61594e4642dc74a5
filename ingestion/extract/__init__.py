"""Fact extraction: deterministic patterns and gazetteer lookups over sentences.

``extract_facts(doc_id, text)`` returns the contract's facts (pairings, funds,
outputs, exits), each with its evidence sentence, offsets, extractor version and
confidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ingestion.extract.models import Fact

if TYPE_CHECKING:
    from ingestion.extract.pipeline import EXTRACTOR_VERSION, extract_facts

__all__ = ["EXTRACTOR_VERSION", "Fact", "extract_facts"]


def __getattr__(name: str) -> Any:
    # The pipeline (its patterns and the gazetteer) loads on first use: modules
    # that only need the Fact model (the correction commands) start without it.
    if name in ("EXTRACTOR_VERSION", "extract_facts"):
        from ingestion.extract import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
