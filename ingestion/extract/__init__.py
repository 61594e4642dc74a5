"""Fact extraction: deterministic patterns and gazetteer lookups over sentences.

``extract_facts(doc_id, text)`` returns the contract's facts (pairings, funds,
outputs, exits), each with its evidence sentence, offsets, extractor version and
confidence.
"""

from ingestion.extract.models import Fact
from ingestion.extract.pipeline import EXTRACTOR_VERSION, extract_facts

__all__ = ["EXTRACTOR_VERSION", "Fact", "extract_facts"]
