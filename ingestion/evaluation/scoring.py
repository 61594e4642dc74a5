"""Score predicted facts against gold facts, exactly as ``extraction-contract.md`` says.

Everything here is pure: facts are the contract's JSON objects (dicts), so gold
lines and ``Fact.to_contract()`` output are scored the same way. The runner and
the CLI only load documents and print what these functions return.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingestion.extract.models import CONTRACT_NAME_STOPWORDS

Fact = Mapping[str, Any]

FACT_TYPES: tuple[str, ...] = ("pairing", "fund", "output", "exit")
OUTPUT_MEASURES: frozenset[str] = frozenset(
    {"output_value", "output_volume", "planting_area", "sales"}
)
EXIT_COUNTS: tuple[str, ...] = ("exited", "total", "remaining")
# Attributes judged on matched pairs: values compared exactly, then names.
VALUE_ATTRIBUTES: tuple[str, ...] = ("year", "year_from", "mechanism", "qualifier", "measure")
NAME_ATTRIBUTES: tuple[str, ...] = ("payer", "region", "product")
ATTRIBUTES: tuple[str, ...] = VALUE_ATTRIBUTES + NAME_ATTRIBUTES
# What a mart row hangs on: a matched pair is a correct record only when every one
# of these that the gold fact gives is right.
RECORD_ATTRIBUTES: tuple[str, ...] = ("year", "year_from", "payer", "region", "product")

# The contract's tolerance for amounts and values: 0.5% of the gold number.
# Kept as a fraction of integers so the boundary (exactly 0.5%) is not lost to
# binary floating point.
TOLERANCE_NUMERATOR = 5
TOLERANCE_DENOMINATOR = 1000

NAME_STOPWORDS = CONTRACT_NAME_STOPWORDS

# Apostrophes are deleted (so "Xi'an" is "xian"), including the mojibake forms
# the source texts carry; every other punctuation mark separates words, so
# "Yi-Autonomous" loses "autonomous" just like "Yi Autonomous" does.
_APOSTROPHES = ("â€™", "â€˜", "¡¯", "¡®", "'", "’", "‘", "`", "´", "ʼ", "′")
_NON_WORD = re.compile(r"[\W_]+")
_PARENTHESES = re.compile(r"\([^()]*\)")


# ---------------------------------------------------------------------------
# Names


def normalise_name(name: str | None) -> str:
    """The contract's normal form of a name: lower-case words, no stopwords."""
    if not name:
        return ""
    text = _PARENTHESES.sub(" ", name.lower()).split(",", 1)[0]
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    # Accents are not part of the contract but transliterations vary in them
    # ("Ürümqi"/"Urumqi"); folding them cannot make two different names equal.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    words = [w for w in _NON_WORD.split(text) if w and w not in NAME_STOPWORDS]
    return " ".join(words)


def _name_key(name: str | None) -> str:
    # Word boundaries stay significant, as in the contract: a prediction that
    # runs words together ("InnerMongolia") is the extractor's error to fix,
    # and a scorer more lenient than the official one would flatter it.
    return normalise_name(name)


def name_variants(fact: Fact, role: str) -> list[str]:
    """The gold name for ``role`` ("helper"/"helped") followed by its aliases."""
    names: list[str] = []
    main = fact.get(role)
    if isinstance(main, str):
        names.append(main)
    aliases = fact.get(f"{role}_aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    names.extend(a for a in aliases if isinstance(a, str))
    return names


def names_match(predicted: str | None, gold_names: Iterable[str]) -> bool:
    """Whether a predicted name equals any gold name or alias after normalising."""
    key = _name_key(predicted)
    # An empty key (a name made only of stopwords) names nobody.
    return bool(key) and any(key == _name_key(g) for g in gold_names)


def name_attribute_right(predicted: Any, gold: Fact, role: str) -> bool:
    """The contract's rule for a name attribute (payer, region, product).

    Right when, normalised, the prediction equals the gold name or an alias, or
    stands as whole words inside the gold name ("Liangshan" in "Liangshan
    Xichang"); a missing or non-string prediction is wrong.
    """
    if not isinstance(predicted, str):
        return False
    if names_match(predicted, name_variants(gold, role)):
        return True
    key, main = _name_key(predicted), _name_key(gold.get(role))
    return bool(key) and f" {key} " in f" {main} "


# ---------------------------------------------------------------------------
# Numbers


def as_number(value: Any) -> float | None:
    """A JSON number as float; strings, booleans and nulls are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def within_tolerance(predicted: Any, gold: Any) -> bool:
    """Whether ``predicted`` differs from ``gold`` by at most 0.5% of ``gold``."""
    p, g = as_number(predicted), as_number(gold)
    if p is None or g is None:
        return False
    return abs(p - g) * TOLERANCE_DENOMINATOR <= TOLERANCE_NUMERATOR * abs(g)


def _relative_gap(predicted: Any, gold: Any) -> float:
    p, g = as_number(predicted), as_number(gold)
    if p is None or g is None:
        return 1.0
    return abs(p - g) / abs(g) if g else float(p != g)


def _acceptable(value: Any) -> list[Any]:
    """Gold values may be one value or a list of acceptable ones."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _values_equal(predicted: Any, gold: Any) -> bool:
    p, g = as_number(predicted), as_number(gold)
    if p is not None and g is not None:
        return p == g
    return predicted == gold


# ---------------------------------------------------------------------------
# Matching one prediction with one gold fact


def _pairing_matches(pred: Fact, gold: Fact) -> bool:
    return names_match(pred.get("helper"), name_variants(gold, "helper")) and names_match(
        pred.get("helped"), name_variants(gold, "helped")
    )


def _fund_matches(pred: Fact, gold: Fact) -> bool:
    return within_tolerance(pred.get("amount_cny"), gold.get("amount_cny"))


def _output_matches(pred: Fact, gold: Fact) -> bool:
    measure_equal = pred.get("measure") in _acceptable(gold.get("measure"))
    return measure_equal and within_tolerance(pred.get("value"), gold.get("value"))


def _exit_matches(pred: Fact, gold: Fact) -> bool:
    if pred.get("level") != gold.get("level"):
        return False
    return any(
        gold.get(count) is not None and _values_equal(pred.get(count), gold.get(count))
        for count in EXIT_COUNTS
    )


MATCHERS: dict[str, Callable[[Fact, Fact], bool]] = {
    "pairing": _pairing_matches,
    "fund": _fund_matches,
    "output": _output_matches,
    "exit": _exit_matches,
}


def facts_match(pred: Fact, gold: Fact) -> bool:
    """The contract's match rule for two facts of the same document and type."""
    if pred.get("doc") != gold.get("doc") or pred.get("type") != gold.get("type"):
        return False
    matcher = MATCHERS.get(str(gold.get("type")))
    return matcher is not None and matcher(pred, gold)


def attribute_correct(pred: Fact, gold: Fact, attribute: str) -> bool | None:
    """Whether the prediction has an acceptable value; None when gold gives none."""
    accepted = _acceptable(gold.get(attribute))
    if not accepted:
        return None
    if attribute in NAME_ATTRIBUTES:
        return name_attribute_right(pred.get(attribute), gold, attribute)
    predicted = _acceptable(pred.get(attribute))
    return any(_values_equal(p, g) for p in predicted for g in accepted)


def is_correct_record(pred: Fact, gold: Fact) -> bool:
    """A matched pair whose number hangs on the right party, place, product and period."""
    return all(attribute_correct(pred, gold, a) is not False for a in RECORD_ATTRIBUTES)


def _closeness_cost(pred: Fact, gold: Fact) -> float:
    """How far a matching pair is from a perfect one, in [0, 1].

    Only used to choose among maximum matchings, so that when a fact is
    predicted twice the nearer prediction is the one paired (and scored for
    attributes) and the other is the duplicate.
    """
    kind = gold.get("type")
    if kind in ("fund", "output"):
        key = "amount_cny" if kind == "fund" else "value"
        numeric = min(_relative_gap(pred.get(key), gold.get(key)) * 100, 1.0)
    elif kind == "exit":
        given = [c for c in EXIT_COUNTS if gold.get(c) is not None]
        unequal = sum(not _values_equal(pred.get(c), gold.get(c)) for c in given)
        numeric = unequal / len(given) if given else 0.0
    else:
        exact = _name_key(pred.get("helper")) == _name_key(gold.get("helper")) and _name_key(
            pred.get("helped")
        ) == _name_key(gold.get("helped"))
        numeric = 0.0 if exact else 0.5
    judged = [attribute_correct(pred, gold, a) for a in ATTRIBUTES]
    judged_known = [j for j in judged if j is not None]
    wrong = sum(not j for j in judged_known) / len(judged_known) if judged_known else 0.0
    return (numeric + wrong) / 2


# ---------------------------------------------------------------------------
# Maximum matching


def _min_cost_assignment(cost: Sequence[Sequence[float]]) -> list[int]:
    """Hungarian algorithm for an n x m cost matrix with n <= m.

    Returns, for each row, the column assigned to it. O(n^2 m), fine for the
    few dozen facts of one document and type.
    """
    n = len(cost)
    m = len(cost[0]) if n else 0
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    owner = [0] * (m + 1)  # owner[j]: the row (1-based) holding column j; 0 = free
    way = [0] * (m + 1)
    for row in range(1, n + 1):
        owner[0] = row
        col0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[col0] = True
            i0, delta, col1 = owner[col0], inf, 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                reduced = cost[i0 - 1][j - 1] - u[i0] - v[j]
                if reduced < minv[j]:
                    minv[j], way[j] = reduced, col0
                if minv[j] < delta:
                    delta, col1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            col0 = col1
            if owner[col0] == 0:
                break
        while col0:
            col1 = way[col0]
            owner[col0] = owner[col1]
            col0 = col1
    assignment = [-1] * n
    for j in range(1, m + 1):
        if owner[j]:
            assignment[owner[j] - 1] = j - 1
    return assignment


def maximum_matching(predictions: Sequence[Fact], golds: Sequence[Fact]) -> list[tuple[int, int]]:
    """The largest set of (prediction, gold) index pairs that match, one-to-one.

    Greedy pairing can under-count: a prediction that matches two gold facts
    may take the one a second prediction needed. A maximum bipartite matching
    never does; among maximum matchings the closest pairs are preferred.
    """
    if not predictions or not golds:
        return []
    # A non-edge costs more than every edge together, so the minimum-cost
    # assignment first maximises the number of real matches.
    no_edge = float(len(predictions) + len(golds) + 1)
    edges = [[facts_match(p, g) for g in golds] for p in predictions]
    cost = [
        [_closeness_cost(p, g) if edges[i][j] else no_edge for j, g in enumerate(golds)]
        for i, p in enumerate(predictions)
    ]
    transposed = len(predictions) > len(golds)
    matrix = [list(col) for col in zip(*cost, strict=True)] if transposed else cost
    pairs: list[tuple[int, int]] = []
    for row, col in enumerate(_min_cost_assignment(matrix)):
        if col < 0:
            continue
        p_index, g_index = (col, row) if transposed else (row, col)
        if edges[p_index][g_index]:
            pairs.append((p_index, g_index))
    return sorted(pairs)


# ---------------------------------------------------------------------------
# Reports


@dataclass(frozen=True)
class PRF:
    """Counts and precision / recall / F1 for one fact type or for all of them."""

    tp: int
    fp: int
    fn: int

    @property
    def gold(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        # Predicting nothing where nothing is to be found is not an error.
        if self.predicted == 0:
            return 1.0 if self.fn == 0 else 0.0
        return self.tp / self.predicted

    @property
    def recall(self) -> float:
        if self.gold == 0:
            return 1.0 if self.fp == 0 else 0.0
        return self.tp / self.gold

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def _summed(scores: Iterable[PRF]) -> PRF:
    scores = list(scores)
    return PRF(
        tp=sum(s.tp for s in scores), fp=sum(s.fp for s in scores), fn=sum(s.fn for s in scores)
    )


@dataclass(frozen=True)
class AttributeScore:
    """Accuracy of one attribute over matched pairs whose gold gives it."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        acc = self.accuracy
        return {
            "correct": self.correct,
            "total": self.total,
            "accuracy": None if acc is None else round(acc, 4),
        }


@dataclass(frozen=True)
class ScoredError:
    """A false positive (a prediction) or a false negative (a gold fact)."""

    kind: str  # "fp" or "fn"
    doc: str
    type: str
    fact: dict[str, Any]
    # For a false positive: whether it matches a gold fact another prediction
    # already took, i.e. the same fact reported twice.
    duplicate: bool = False

    @property
    def evidence(self) -> str | None:
        sentence = self.fact.get("evidence")
        return sentence if isinstance(sentence, str) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "doc": self.doc,
            "type": self.type,
            "duplicate": self.duplicate,
            "fact": self.fact,
        }


@dataclass(frozen=True)
class MatchedPair:
    doc: str
    type: str
    predicted: dict[str, Any]
    gold: dict[str, Any]


@dataclass
class ScoreReport:
    """Everything the scorer found: per-type and overall PRF, attributes, errors."""

    by_type: dict[str, PRF]
    # Record counts: a matched pair with a wrong record attribute is one fp and one fn.
    records_by_type: dict[str, PRF]
    attributes: dict[str, AttributeScore]
    attributes_by_type: dict[str, dict[str, AttributeScore]]
    errors: list[ScoredError] = field(default_factory=list)
    matches: list[MatchedPair] = field(default_factory=list)
    ignored_predictions: int = 0

    @property
    def overall(self) -> PRF:
        """Micro-average: the counts of all four types summed."""
        return _summed(self.by_type.values())

    @property
    def records_overall(self) -> PRF:
        """Record counts of all four types summed."""
        return _summed(self.records_by_type.values())

    def to_dict(self, *, with_errors: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {
            "by_type": {t: s.to_dict() for t, s in self.by_type.items()},
            "overall": self.overall.to_dict(),
            "records_by_type": {t: s.to_dict() for t, s in self.records_by_type.items()},
            "records_overall": self.records_overall.to_dict(),
            "attributes": {a: s.to_dict() for a, s in self.attributes.items()},
            "attributes_by_type": {
                t: {a: s.to_dict() for a, s in attrs.items()}
                for t, attrs in self.attributes_by_type.items()
            },
            "ignored_predictions": self.ignored_predictions,
        }
        if with_errors:
            result["errors"] = [e.to_dict() for e in self.errors]
        return result


# ---------------------------------------------------------------------------
# Scoring


def is_scored(fact: Fact) -> bool:
    """Whether the contract scores this fact (other types and measures are ignored)."""
    kind = fact.get("type")
    if kind not in FACT_TYPES:
        return False
    if kind == "output":
        return any(m in OUTPUT_MEASURES for m in _acceptable(fact.get("measure")))
    return True


def _group(facts: Iterable[Fact]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in facts:
        groups[(str(fact.get("doc")), str(fact.get("type")))].append(dict(fact))
    return groups


def score(predictions: Iterable[Fact], gold: Iterable[Fact]) -> ScoreReport:
    """Score predictions against gold facts per the contract."""
    all_predictions = list(predictions)
    scored_predictions = [p for p in all_predictions if is_scored(p)]
    pred_groups = _group(scored_predictions)
    gold_groups = _group(g for g in gold if is_scored(g))

    counts = {t: [0, 0, 0] for t in FACT_TYPES}  # tp, fp, fn
    correct_records = dict.fromkeys(FACT_TYPES, 0)
    attr_counts = {t: {a: [0, 0] for a in ATTRIBUTES} for t in FACT_TYPES}
    errors: list[ScoredError] = []
    matches: list[MatchedPair] = []

    for key in sorted(set(pred_groups) | set(gold_groups)):
        doc, kind = key
        preds, golds = pred_groups.get(key, []), gold_groups.get(key, [])
        pairs = maximum_matching(preds, golds)
        matched_p = {p for p, _ in pairs}
        matched_g = {g for _, g in pairs}
        counts[kind][0] += len(pairs)
        for p_index, g_index in pairs:
            pred, gold_fact = preds[p_index], golds[g_index]
            matches.append(MatchedPair(doc, kind, pred, gold_fact))
            correct_records[kind] += int(is_correct_record(pred, gold_fact))
            for attribute in ATTRIBUTES:
                verdict = attribute_correct(pred, gold_fact, attribute)
                if verdict is not None:
                    attr_counts[kind][attribute][0] += int(verdict)
                    attr_counts[kind][attribute][1] += 1
        for p_index, pred in enumerate(preds):
            if p_index in matched_p:
                continue
            counts[kind][1] += 1
            duplicate = any(facts_match(pred, golds[g]) for g in matched_g)
            errors.append(ScoredError("fp", doc, kind, pred, duplicate=duplicate))
        for g_index, gold_fact in enumerate(golds):
            if g_index not in matched_g:
                counts[kind][2] += 1
                errors.append(ScoredError("fn", doc, kind, gold_fact))

    attributes_by_type = {
        t: {a: AttributeScore(*attr_counts[t][a]) for a in ATTRIBUTES} for t in FACT_TYPES
    }
    attributes = {
        a: AttributeScore(
            correct=sum(attr_counts[t][a][0] for t in FACT_TYPES),
            total=sum(attr_counts[t][a][1] for t in FACT_TYPES),
        )
        for a in ATTRIBUTES
    }
    records_by_type = {
        t: PRF(
            tp=correct_records[t],
            fp=counts[t][0] + counts[t][1] - correct_records[t],
            fn=counts[t][0] + counts[t][2] - correct_records[t],
        )
        for t in FACT_TYPES
    }
    return ScoreReport(
        by_type={t: PRF(*counts[t]) for t in FACT_TYPES},
        records_by_type=records_by_type,
        attributes=attributes,
        attributes_by_type=attributes_by_type,
        errors=errors,
        matches=matches,
        ignored_predictions=len(all_predictions) - len(scored_predictions),
    )
