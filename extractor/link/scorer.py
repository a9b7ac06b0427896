"""The learned DTI scorer: a small logistic re-ranker and a "serves any indicator?" decision.

The hybrid linker's components (TF-IDF cosine, embedding cosine, anchor hits)
say how close an obligation is to each sub-indicator; a fixed weighted sum of
them ranks the right indicator first for 63% of the gold obligations that serve
one.  This model learns, from the gold, how to combine them (and how often
each indicator is served at all, a smoothed log prior), and separately whether
the obligation serves any indicator: an obligation links only when that
probability clears ``serve_threshold``.  Beside the catalogue it consults the
gold itself: the codes of the obligation's nearest gold obligations
(:class:`Neighbours`, a vote weighted by embedding similarity), because an
obligation worded like an annotated one from another province usually serves
the same indicator.

Both parts are logistic regressions over a dozen numbers, fitted on the gold by
``extractor link calibrate`` (:mod:`extractor.lab.scorer_fit`) and stored in
``models/linker.json`` next to the hybrid linker's parameters; inference is a
few numpy products.  Model card: ``models/dti/SCORER.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

ScoreTable = Any  # extractor.link.linkers.ScoreTable (lexical, embedding, anchor arrays; fused(w)); not imported: linkers imports this module

PAIR_FEATURES = ("lexical", "embedding", "anchor", "lexical_rank", "embedding_rank", "fused_rank",
                 "lexical_gap", "embedding_gap", "same_main_as_lexical_best", "same_main_as_embedding_best",
                 "log_prior", "neighbour_vote")
ITEM_FEATURES = ("best_logit", "margin", "lexical_max", "embedding_max", "anchor_any", "neighbours_serve")
NEIGHBOURS = 10  # gold obligations that vote (5-20 moved leave-one-document-out top-1 by < 0.01)
# A neighbour's vote weighs exp((cosine - 1) / T): the nearest wording counts most.  Plain cosine weights
# (T = 0, the older files) let ten middling neighbours outvote one near-copy; on leave-one-document-out
# refits over the gold texts T = 0.1 / 0.05 / 0.025 raised recall@3 0.719 -> 0.724 / 0.729 / 0.746.
VOTE_TEMPERATURE = 0.025


@dataclass
class Neighbours:
    """Gold obligations as a nearest-neighbour memory: unit vectors, 0/1 code matrix, documents."""

    vectors: np.ndarray  # (m, d), unit rows, the embedder's query vectors of the gold texts
    labels: np.ndarray  # (m, indicators) 1 where the gold names the code
    docs: np.ndarray  # (m,) the gold document of each row (left out for its own rows when fitting)
    k: int = NEIGHBOURS
    temperature: float = VOTE_TEMPERATURE  # 0: cosine weights

    def votes(self, queries: np.ndarray, exclude_docs=None) -> tuple[np.ndarray, np.ndarray]:
        """Per query: each indicator's weighted share among the ``k`` nearest gold obligations, and
        the share of them that serve any indicator.  ``exclude_docs[i]``: a document row i may not consult."""
        if len(self.docs) == 0 or len(queries) == 0:
            return np.zeros((len(queries), self.labels.shape[1])), np.zeros(len(queries))
        sims = queries @ self.vectors.T
        if exclude_docs is not None:
            sims = np.where(np.asarray(exclude_docs)[:, None] == self.docs[None, :], -np.inf, sims)
        k = min(self.k, sims.shape[1])
        idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        near = np.take_along_axis(sims, idx, 1)  # an excluded row (-inf) weighs nothing either way
        w = np.exp((near - 1.0) / self.temperature) if self.temperature > 0 else np.maximum(near, 0.0)
        den = np.maximum(w.sum(axis=1), 1e-9)
        lab = self.labels[idx]
        return (w[:, :, None] * lab).sum(axis=1) / den[:, None], (w * lab.max(axis=2)).sum(axis=1) / den

    def annotate(self, table: ScoreTable, exclude_docs=None) -> ScoreTable:
        """``table`` with its rows' votes (``table.votes``, ``table.serve_share``) from this memory."""
        votes, share = self.votes(table.vectors, exclude_docs)
        return replace(table, votes=votes, serve_share=share)

    def save(self, path, codes: Sequence[str]) -> None:
        # int8 components (x127): cosines move by < 0.01 and the file is a quarter of float32's
        np.savez_compressed(path, vectors=np.round(self.vectors * 127).astype(np.int8), labels=self.labels.astype(np.uint8),
                            codes=np.array(list(codes)), k=np.array(self.k),
                            temperature=np.array(self.temperature))

    @classmethod
    def load(cls, path, codes: Sequence[str]) -> Optional["Neighbours"]:
        """None when the file is missing or was written for another catalogue."""
        try:
            with np.load(path, allow_pickle=False) as z:
                if list(z["codes"]) != list(codes):
                    return None
                v = np.asarray(z["vectors"], dtype=np.float32)
                v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
                return cls(v, np.asarray(z["labels"], dtype=float), np.full(len(z["labels"]), ""), int(z["k"]),
                           float(z["temperature"]) if "temperature" in z.files else 0.0)
        except (OSError, KeyError, ValueError):
            return None


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
            np.broadcast_to(log_prior[None, :], lex.shape),
            table.votes if table.votes is not None else np.zeros_like(lex)]
    return np.stack(cols, axis=-1)


def item_features(table: ScoreTable, logits: np.ndarray) -> np.ndarray:
    """(obligations, len(ITEM_FEATURES)): how strongly the best indicator stands out."""
    top = np.sort(logits, axis=1)
    anc = table.anchor if table.anchor is not None else np.zeros_like(logits)
    share = table.serve_share if table.serve_share is not None else np.zeros(len(logits))
    return np.stack([top[:, -1], top[:, -1] - top[:, -2], table.lexical.max(axis=1), table.embedding.max(axis=1),
                     anc.max(axis=1), share], axis=1)


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
    neighbours: Optional[Neighbours] = None  # the gold memory behind "neighbour_vote" / "neighbours_serve"
    neighbours_file: str = ""  # where it is stored, relative to models/dti/

    def _voted(self, table: ScoreTable) -> ScoreTable:
        """``table`` with its neighbour votes (a copy; a table that has them, or no vectors, as it is)."""
        if self.neighbours is None or table.votes is not None or table.vectors is None:
            return table
        return self.neighbours.annotate(table)

    def logits(self, table: ScoreTable, mains: np.ndarray) -> np.ndarray:
        table = self._voted(table)
        return pair_features(table, mains, self.weight_embedding, self.log_prior) @ self.pair_weights + self.pair_bias

    def serves(self, table: ScoreTable, logits: np.ndarray) -> np.ndarray:
        return _sigmoid(item_features(self._voted(table), logits) @ self.item_weights + self.item_bias)

    def decide(self, table: ScoreTable, mains: np.ndarray, top_k: int = 3):
        """Every row's logits, P(serves), and (columns to link, rule) as :meth:`keep` gives them."""
        table = self._voted(table)
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
            **({"neighbours": {"file": self.neighbours_file, "k": self.neighbours.k,
                                  "temperature": self.neighbours.temperature, "count": len(self.neighbours.docs)}}
               if self.neighbours is not None else {}),
        }

    @classmethod
    def from_json(cls, d: dict, codes: Sequence[str], folder=None) -> Optional["Scorer"]:
        """None when ``d`` was fitted for another catalogue (an indicator without a prior), or for other
        features, or its neighbour memory (``folder`` / ``d["neighbours"]["file"]``) cannot be read."""
        prior = d.get("log_prior") or {}
        if any(c not in prior for c in codes) or set(d.get("pair_features", {})) != set(PAIR_FEATURES) \
                or set(d.get("item_features", {})) != set(ITEM_FEATURES):
            return None
        mem, nfile = None, ""
        if d.get("neighbours"):
            nfile = d["neighbours"]["file"]
            mem = Neighbours.load(Path(folder or ".") / nfile, codes)
            if mem is None:
                return None
        return cls(pair_weights=np.array([d["pair_features"][f] for f in PAIR_FEATURES], dtype=float),
                   pair_bias=float(d["pair_bias"]), log_prior=np.array([prior[c] for c in codes], dtype=float),
                   item_weights=np.array([d["item_features"][f] for f in ITEM_FEATURES], dtype=float),
                   item_bias=float(d["item_bias"]), serve_threshold=float(d["serve_threshold"]),
                   secondary_ratio=float(d["secondary_ratio"]), weight_embedding=float(d["weight_embedding"]),
                   neighbours=mem, neighbours_file=nfile)
