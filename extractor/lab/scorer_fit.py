"""Fit the learned DTI scorer (:mod:`extractor.link.scorer`) on gold obligations.

Two L2-regularised logistic regressions, solved with scipy's L-BFGS from zero
(deterministic):

- the re-ranker, over every (obligation, indicator) pair of the obligations
  that serve an indicator: is this indicator one of its gold codes?  Classes
  are weighted to balance (1-2 positives against ~97 negatives per row); the
  log prior is the indicator's smoothed share of the training gold codes;
- the decision, over every obligation: does it serve any indicator?

With a neighbour memory (:class:`~extractor.link.scorer.Neighbours`, the
training gold's vectors and codes) each training row votes from the OTHER
documents' obligations only, as a new document will: its own document's rows
would vote for its own answers.

``serve_threshold`` follows from the evaluation objective (top-1 hits +
recall@3 hits + right abstentions): linking an obligation that serves an
indicator earns ``g`` points on average (its top-1 and recall@3 hit rates on
the training items), abstaining on one that serves none earns 1, so linking
pays when ``p * g > (1 - p)``, i.e. ``p >= 1 / (1 + g)``.  The secondary ratio
maximises mean code F1 on the training items, as for the grid linker.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.optimize import minimize

from extractor.link.scorer import Neighbours, Scorer, item_features, pair_features

L2 = 1.0  # ridge penalty on the weights (not the bias), as scikit-learn's C=1
PRIOR_SMOOTHING = 0.5  # pseudo-count per indicator: an indicator the gold never names keeps a finite prior
RATIO_GRID = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # softmax share of a runner-up vs the first


def _logistic(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression: (weights, bias)."""
    n, d = X.shape

    def loss(theta):
        z = X @ theta[:d] + theta[d]
        # log(1 + e^z) - y z, stably
        ll = np.logaddexp(0.0, z) - y * z
        p = 1.0 / (1.0 + np.exp(-z))
        g = w * (p - y)
        return (float(w @ ll) + 0.5 * L2 * float(theta[:d] @ theta[:d]),
                np.concatenate([X.T @ g + L2 * theta[:d], [g.sum()]]))

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    return res.x[:d], float(res.x[d])


def _balanced(y: np.ndarray) -> np.ndarray:
    pos = max(1, int(y.sum()))
    neg = max(1, len(y) - pos)
    return np.where(y > 0, len(y) / (2.0 * pos), len(y) / (2.0 * neg))


def neighbour_memory(table, gold: Sequence[Sequence[str]], codes: Sequence[str], docs: Sequence[str]) -> Neighbours:
    """The gold rows of ``table`` (its vectors) as a neighbour memory."""
    col = {c: j for j, c in enumerate(codes)}
    labels = np.zeros((len(gold), len(codes)))
    for i, g in enumerate(gold):
        labels[i, [col[c] for c in g if c in col]] = 1.0
    return Neighbours(np.asarray(table.vectors, dtype=np.float32), labels, np.asarray(list(docs)))


def fit_scorer(table, gold: Sequence[Sequence[str]], codes: Sequence[str], mains: Sequence[str],
               weight_embedding: float, docs: Sequence[str] | None = None) -> Scorer:
    """A :class:`Scorer` fitted on the rows of ``table`` whose gold code lists are ``gold``; with ``docs``
    (each row's document) and the table's vectors, the rows are also its neighbour memory."""
    col = {c: j for j, c in enumerate(codes)}
    K = len(codes)
    mains_arr = np.asarray(mains)
    cols = [[col[c] for c in g if c in col] for g in gold]
    memory = None
    if docs is not None and table.vectors is not None:
        memory = neighbour_memory(table, gold, codes, docs)
        table = memory.annotate(table, exclude_docs=memory.docs)
    counts = np.full(K, PRIOR_SMOOTHING)
    for cs in cols:
        counts[cs] += 1
    log_prior = np.log(counts / counts.sum())
    X = pair_features(table, mains_arr, weight_embedding, log_prior)
    pos_rows = [i for i, cs in enumerate(cols) if cs]
    y = np.zeros((len(pos_rows), K))
    for r, i in enumerate(pos_rows):
        y[r, cols[i]] = 1.0
    Xp = X[pos_rows].reshape(-1, X.shape[-1])
    pw, pb = _logistic(Xp, y.ravel(), _balanced(y.ravel()))
    logits = X @ pw + pb
    serves = np.array([1.0 if cs else 0.0 for cs in cols])
    iw, ib = _logistic(item_features(table, logits), serves, np.ones(len(cols)))
    sc = Scorer(pw, pb, log_prior, iw, ib, serve_threshold=0.0, secondary_ratio=1.0, weight_embedding=weight_embedding,
                neighbours=memory)
    sc.secondary_ratio = _fit_ratio(sc, logits, cols)
    hits = []
    for i in pos_rows:
        keep, _ = sc.keep(logits[i], 1.0)
        hits.append(int(keep[0] in cols[i]) + int(any(k in cols[i] for k in keep)))
    g = float(np.mean(hits)) if hits else 0.0
    sc.serve_threshold = 1.0 / (1.0 + g)
    return sc


def _fit_ratio(sc: Scorer, logits: np.ndarray, cols: list[list[int]]) -> float:
    best = None
    for r in RATIO_GRID:
        sc.secondary_ratio = r
        f1 = []
        for i, cs in enumerate(cols):
            if cs:
                keep, _ = sc.keep(logits[i], 1.0)
                tp = len(set(keep) & set(cs))
                f1.append(2 * tp / (len(keep) + len(cs)) if tp else 0.0)
        key = (round(float(np.mean(f1)), 4) if f1 else 0.0, r)
        best = key if best is None or key > best else best
    return float(best[1])


def scorer_decisions(sc: Scorer, table, codes: Sequence[str], mains: Sequence[str], top_k: int = 3) -> list[list[str]]:
    """The code lists the scorer links for each row of ``table``."""
    return [[codes[k] for k in keep] for keep, _ in sc.decide(table, np.asarray(mains), top_k)[2]]
