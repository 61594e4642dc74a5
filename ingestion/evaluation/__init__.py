"""Score the fact extractor against gold annotations (``extraction-contract.md``)."""

from ingestion.evaluation.gold import GoldError, load_gold, validate_gold_fact
from ingestion.evaluation.runner import EvaluationReport, evaluate
from ingestion.evaluation.scoring import ScoreReport, normalise_name, score

__all__ = [
    "EvaluationReport",
    "GoldError",
    "ScoreReport",
    "evaluate",
    "load_gold",
    "normalise_name",
    "score",
    "validate_gold_fact",
]
