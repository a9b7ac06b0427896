"""The learned DTI scorer: a small logistic re-ranker and a "serves any indicator?" decision.

The hybrid linker's components (TF-IDF cosine, embedding cosine, anchor hits)
say how close an obligation is to each sub-indicator; a fixed weighted sum of
them ranks the right indicator first for 63% of the gold obligations that serve
one.  This model learns, from the gold, how to combine them (and how often
each indicator is served at all, a smoothed log prior), and separately whether
the obligation serves any indicator: an obligation links only when that
probability clears ``serve_threshold``.

Both parts are logistic regressions over a dozen numbers, fitted on the gold by
``extractor link calibrate`` (:mod:`extractor.lab.scorer_fit`) and stored in
``models/linker.json`` next to the hybrid linker's parameters; inference is a
few numpy products.  Model card: ``models/dti/SCORER.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

ScoreTable = Any  # extractor.link.linkers.ScoreTable (lexical, embedding, anchor arrays; fused(w)); not imported: linkers imports this module

PAIR_FEATURES = ("lexical", "embedding", "anchor", "lexical_rank", "embedding_rank", "fused_rank",
                 "lexical_gap", "embedding_gap", "same_main_as_lexical_best", "same_main_as_embedding_best",
                 "log_prior")
ITEM_FEATURES = ("best_logit", "margin", "lexical_max", "embedding_max", "anchor_any")


def _reciprocal_ranks(a: np.ndarray) -> np.ndarray:
    order = np.argsort(-a, axis=1, kind="stable")
    ranks = np.empty_like(order)
    ranks[np.arange(a.shape[0])[:, None], order] = np.arange(a.shape[1])
    return 1.0 / (1.0 + ranks)


def pair_features(table: ScoreTable, mains: np.ndarray, weight: float, log_prior: np.ndarray) -> np.ndarray:
    """(obligations, indicators, len(PAIR_FEATURES)) features of every obligation-indicator pair."""
    lex, emb = table.lexical, table.embedding
    anc = table.anchor if table.anchor is not None else np.zeros_like(lex)
    fused = table.fused(weight)
    same = lambda a: (mains[None, :] == mains[np.argmax(a, axis=1)][:, None]).astype(float)  # noqa: E731
    cols = [lex, emb, anc, _reciprocal_ranks(lex), _reciprocal_ranks(emb), _reciprocal_ranks(fused),
            lex - lex.max(axis=1, keepdims=True), emb - emb.max(axis=1, keepdims=True), same(lex), same(emb),
            np.broadcast_to(log_prior[None, :], lex.shape)]
    return np.stack(cols, axis=-1)


def item_features(table: ScoreTable, logits: np.ndarray) -> np.ndarray:
    """(obligations, len(ITEM_FEATURES)): how strongly the best indicator stands out."""
    top = np.sort(logits, axis=1)
    anc = table.anchor if table.anchor is not None else np.zeros_like(logits)
    return np.stack([top[:, -1], top[:, -1] - top[:, -2], table.lexical.max(axis=1), table.embedding.max(axis=1),
                     anc.max(axis=1)], axis=1)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Scorer:
    pair_weights: np.ndarray  # len(PAIR_FEATURES)
    pair_bias: float
    log_prior: np.ndarray  # per indicator, catalogue order
    item_weights: np.ndarray  # len(ITEM_FEATURES)
    item_bias: float
    serve_threshold: float  # link when P(serves an indicator) >= this
    secondary_ratio: float  # keep rank 2-3 whose softmax share >= ratio x the first's
    weight_embedding: float  # the fused score behind the "fused_rank" feature

    def logits(self, table: ScoreTable, mains: np.ndarray) -> np.ndarray:
        return pair_features(table, mains, self.weight_embedding, self.log_prior) @ self.pair_weights + self.pair_bias

    def serves(self, table: ScoreTable, logits: np.ndarray) -> np.ndarray:
        return _sigmoid(item_features(table, logits) @ self.item_weights + self.item_bias)

    def decide(self, table: ScoreTable, mains: np.ndarray, top_k: int = 3):
        """Every row's logits, P(serves), and (columns to link, rule) as :meth:`keep` gives them."""
        logits = self.logits(table, mains)
        p = self.serves(table, logits)
        return logits, p, [self.keep(logits[i], float(p[i]), top_k) for i in range(len(p))]

    def keep(self, logit_row: np.ndarray, p_serves: float, top_k: int = 3) -> tuple[list[int], str]:
        """Columns to link (best first) and the rule that decided."""
        if top_k <= 0 or p_serves < self.serve_threshold:
            return [], "serves no indicator (learned)"
        order = np.argsort(-logit_row, kind="stable")
        keep = [int(order[0])]
        # softmax over the indicators: a runner-up whose share is >= ratio x the first's (the balanced-class
        # sigmoids saturate near 1 for every close candidate, so they cannot tell runners-up apart)
        for j in order[1:top_k]:
            if np.exp(logit_row[j] - logit_row[order[0]]) >= self.secondary_ratio:
                keep.append(int(j))
            else:
                break
        return keep, "serves an indicator (learned)"

    def probability(self, logit: float) -> float:
        """The pair's score in [0, 1] (a balanced-class logistic: it ranks, it is no calibrated probability)."""
        return float(_sigmoid(logit))

    def to_json(self, codes: Sequence[str]) -> dict:
        r = lambda x: round(float(x), 6)  # noqa: E731
        return {
            "model": "dti-scorer/1",
            "pair_features": dict(zip(PAIR_FEATURES, map(r, self.pair_weights))), "pair_bias": r(self.pair_bias),
            "log_prior": {c: r(v) for c, v in zip(codes, self.log_prior)},
            "item_features": dict(zip(ITEM_FEATURES, map(r, self.item_weights))), "item_bias": r(self.item_bias),
            "serve_threshold": r(self.serve_threshold), "secondary_ratio": r(self.secondary_ratio),
            "weight_embedding": r(self.weight_embedding),
        }

    @classmethod
    def from_json(cls, d: dict, codes: Sequence[str]) -> Optional["Scorer"]:
        """None when ``d`` was fitted for another catalogue (an indicator without a prior)."""
        prior = d.get("log_prior") or {}
        if any(c not in prior for c in codes):
            return None
        return cls(pair_weights=np.array([d["pair_features"][f] for f in PAIR_FEATURES], dtype=float),
                   pair_bias=float(d["pair_bias"]), log_prior=np.array([prior[c] for c in codes], dtype=float),
                   item_weights=np.array([d["item_features"][f] for f in ITEM_FEATURES], dtype=float),
                   item_bias=float(d["item_bias"]), serve_threshold=float(d["serve_threshold"]),
                   secondary_ratio=float(d["secondary_ratio"]), weight_embedding=float(d["weight_embedding"]))
