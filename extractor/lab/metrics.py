"""DTI linking metrics (top-1, recall@k, abstention) shared by eval and calibration."""

from __future__ import annotations

from typing import Sequence


# --------------------------------------------------------------------------- metrics


def dti_metrics(pairs: Sequence[tuple[Sequence[str], Sequence[str]]], k: int = 3) -> dict:
    """Scores of predicted code lists against gold code lists (both best first).

    ``pairs`` = [(predicted_codes, gold_codes), ...]  -- PREDICTION FIRST, as
    ``extractor.lab.evaluate`` collects them.

    - ``top1``: over items whose gold is non-empty, the share where the first
      predicted code is one of the gold codes (an abstention counts as a miss).
    - ``recall@3``: over items whose gold is non-empty, the share where at least
      one of the first 3 predicted codes is a gold code (hit rate at 3).
    - ``code_recall@3``: over the same items, the mean of
      |gold ∩ top-3| / min(|gold|, 3): how many of the gold codes are found.
    - ``abstain_accuracy``: over items whose gold is ``[]``, the share where
      nothing was predicted.
    - ``decision_accuracy``: over all items, right first link or right abstention.
    - ``precision``: over all predicted links, the share that are gold codes.
    """
    n = len(pairs)
    pos = [(list(g), list(p)) for p, g in pairs if g]
    neg = [(list(g), list(p)) for p, g in pairs if not g]
    top1 = sum(1 for g, p in pos if p and p[0] in g)
    hit = sum(1 for g, p in pos if any(c in g for c in p[:k]))
    code_rec = sum(len(set(g) & set(p[:k])) / min(len(g), k) for g, p in pos)
    abst = sum(1 for _, p in neg if not p)
    n_links = sum(len(p[:k]) for p, _ in pairs)
    good_links = sum(len(set(g) & set(p[:k])) for p, g in pairs)
    div = lambda a, b: round(a / b, 4) if b else None  # noqa: E731
    return {
        "n": n,
        "n_gold_nonempty": len(pos),
        "n_gold_empty": len(neg),
        "top1": div(top1, len(pos)),
        "top1_hits": top1,
        f"recall@{k}": div(hit, len(pos)),
        f"recall@{k}_hits": hit,
        f"code_recall@{k}": div(code_rec, len(pos)),
        "abstain_accuracy": div(abst, len(neg)),
        "abstain_hits": abst,
        "decision_accuracy": div(top1 + abst, n),
        "missed": sum(1 for _, p in pos if not p),
        "false_links": sum(1 for _, p in neg if p),
        "precision": div(good_links, n_links),
        "links_per_item": div(n_links, n),
    }


