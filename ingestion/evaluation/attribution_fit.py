"""Fit and cross-validate the attribution weights (who paid, where it went).

The extractor proposes candidates for each figure's payer and place
(``ingestion.extract.attribution``); which one is right is learned here from
annotated documents. For every extracted figure that the contract's matching
pairs with a gold fact, its candidates are labelled by the contract's name rule
(right when the candidate's name is the gold name, an alias, or whole words of
it). A conditional logit (a softmax over one figure's candidates, L2-penalised)
is fitted per role with scipy's L-BFGS: a few dozen weights, deterministic, and
small enough to read.

Cross-validation splits the documents into k folds; each fold is extracted with
weights fitted on the other folds only, and the pooled predictions are scored
against all the gold. That figure, not the in-sample one, estimates how the
extractor does on articles it has never seen.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from ingestion.evaluation.gold import load_gold
from ingestion.evaluation.runner import find_documents, read_text
from ingestion.evaluation.scoring import (
    ScoreReport,
    is_scored,
    maximum_matching,
    name_attribute_right,
    score,
)
from ingestion.extract import attribution
from ingestion.extract.pipeline import AttributionTrace, extract_facts

# How strongly weights are pulled towards zero: few examples, so a firm prior.
L2_PENALTY = 3.0


@dataclass(frozen=True)
class Group:
    """One figure's candidates for one role, and which of them the gold accepts."""

    doc: str
    role: str
    features: tuple[Mapping[str, float], ...]
    right: tuple[bool, ...]


@dataclass
class Extracted:
    """One document's predictions and the candidates behind each figure."""

    predictions: list[dict[str, Any]]
    trace: AttributionTrace


def extract_documents(
    docs: Mapping[str, Path], weights: attribution.Weights | None = None
) -> dict[str, Extracted]:
    out: dict[str, Extracted] = {}
    for doc_id, path in docs.items():
        trace: AttributionTrace = []
        facts = extract_facts(doc_id, read_text(path), weights=weights, trace=trace)
        out[doc_id] = Extracted([{**f.to_contract(), "doc": doc_id} for f in facts], trace)
    return out


def _role_candidates(
    role: str, cands: Sequence[attribution.Candidate]
) -> list[attribution.Candidate]:
    if role == "payer":
        return [c for c in cands if c.kind != "village"]
    return [c for c in cands if c.is_place]


def labelled_groups(
    extracted: Mapping[str, Extracted], gold: Iterable[Mapping[str, Any]]
) -> list[Group]:
    """Training groups: the candidates of every extracted figure matched to a gold fact."""
    gold_by_key: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for g in gold:
        if is_scored(g):
            gold_by_key[(str(g["doc"]), str(g["type"]))].append(dict(g))
    groups: list[Group] = []
    for doc, ex in extracted.items():
        by_type: dict[str, list[tuple[dict[str, Any], dict[str, list[attribution.Candidate]]]]]
        by_type = defaultdict(list)
        for fact, cands, chosen in ex.trace:
            pools = {
                "payer": attribution.payer_candidates(cands),
                "region": attribution.region_candidates(cands, chosen.payer),
            }
            by_type[fact.type].append(({**fact.to_contract(), "doc": doc}, pools))
        for kind, items in by_type.items():
            golds = gold_by_key.get((doc, kind), [])
            for p_index, g_index in maximum_matching([p for p, _ in items], golds):
                gold_fact, pools = golds[g_index], items[p_index][1]
                roles = ("payer", "region") if kind == "fund" else ("region",)
                for role in roles:
                    if not gold_fact.get(role):
                        continue
                    pool = pools[role]
                    right = tuple(name_attribute_right(c.label, gold_fact, role) for c in pool)
                    if any(right):
                        groups.append(Group(doc, role, tuple(c.features for c in pool), right))
    return groups


def fit(
    groups: Sequence[Group], prior: attribution.Weights | None = None
) -> dict[str, dict[str, float]]:
    """Weights per role maximising the penalised likelihood of the right candidates."""
    weights: dict[str, dict[str, float]] = {}
    for role in attribution.ROLES:
        role_groups = [g for g in groups if g.role == role]
        names = sorted({n for g in role_groups for f in g.features for n in f})
        if not role_groups or not names:
            weights[role] = dict((prior or {}).get(role, {}))
            continue
        index = {n: i for i, n in enumerate(names)}
        matrices = []
        for g in role_groups:
            x = np.zeros((len(g.features), len(names)))
            for row, f in enumerate(g.features):
                for n, v in f.items():
                    x[row, index[n]] = v
            matrices.append((x, np.array(g.right, dtype=float)))

        def loss(
            w: np.ndarray, matrices: list[tuple[np.ndarray, np.ndarray]] = matrices
        ) -> tuple[float, np.ndarray]:
            total, grad = L2_PENALTY * float(w @ w) / 2, L2_PENALTY * w
            for x, right in matrices:
                s = x @ w
                p = np.exp(s - s.max())
                p /= p.sum()
                mass = float(p @ right)
                # Any candidate the gold accepts is right: maximise their joint probability.
                total -= np.log(max(mass, 1e-12))
                q = p * right / max(mass, 1e-12)
                grad = grad - x.T @ (q - p)
            return total, grad

        result = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B")
        weights[role] = {
            n: round(float(v), 4) for n, v in zip(names, result.x, strict=True) if abs(v) > 1e-4
        }
    return weights


def fold_of(doc_ids: Sequence[str], folds: int) -> dict[str, int]:
    """Documents dealt round-robin into folds, in id order (deterministic)."""
    return {doc: i % folds for i, doc in enumerate(sorted(doc_ids))}


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    report: ScoreReport


def cross_validate(docs_dir: Path, gold_path: Path, folds: int) -> CrossValidation:
    """Score predictions made with weights fitted on the other folds only."""
    gold = load_gold(gold_path)
    docs = find_documents(docs_dir)
    fold = fold_of(list(docs), folds)
    base = extract_documents(docs)
    predictions: list[dict[str, Any]] = []
    for k in range(folds):
        train = {d: ex for d, ex in base.items() if fold[d] != k}
        weights = fit(labelled_groups(train, gold), attribution.load_weights())
        held = {d: p for d, p in docs.items() if fold[d] == k}
        for ex in extract_documents(held, weights).values():
            predictions += ex.predictions
    return CrossValidation(folds, score(predictions, gold))


def fit_and_save(docs_dir: Path, gold_path: Path, out: Path) -> dict[str, dict[str, float]]:
    """Fit on every document of the set and write the weights file."""
    gold = load_gold(gold_path)
    docs = find_documents(docs_dir)
    groups = labelled_groups(extract_documents(docs), gold)
    weights = fit(groups, attribution.load_weights())
    payload = {
        "fitted_on": f"{docs_dir.name} of {docs_dir.parent.name}: {len(docs)} documents, "
        f"{len(groups)} labelled figures ({gold_path.name})",
        "l2_penalty": L2_PENALTY,
        "weights": weights,
    }
    out.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return weights
