"""Agreement between two reviewers of the same document.

Spans and agencies: pairwise F1, which is symmetric, computed with eval's own
scorer (one reviewer as "prediction", the other as "gold").  Obligation or
not: Cohen's kappa over the pipeline obligations both reviewers decided on
(kept = 1, rejected = 0), so chance agreement on a mostly-kept list does not
look like skill.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Optional

from extractor.lab.evaluate import score_document


def cohen_kappa(a: list[int], b: list[int]) -> Optional[float]:
    """Kappa of two equally long label lists; None when there is nothing to compare.
    Both reviewers constant and equal gives 1.0 (they agree and chance explains it all)."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    po = sum(1 for x, y in zip(a, b) if x == y) / n
    labels = set(a) | set(b)
    pe = sum((a.count(k) / n) * (b.count(k) / n) for k in labels)
    if pe >= 1.0:
        return 1.0 if po == 1.0 else 0.0
    return round((po - pe) / (1 - pe), 4)


def decisions(gold: dict) -> dict[str, int]:
    """pred_id -> 1 (kept as an obligation) / 0 (rejected), for decided units only."""
    out: dict[str, int] = {}
    for o in gold.get("obligations", []):
        r = o.get("review") or {}
        if r.get("pred_id") and r.get("status") not in (None, "pending"):
            out[r["pred_id"]] = 1
        for pid in r.get("merged_from", []):
            out.setdefault(pid, 1)
    for r in gold.get("rejected", []):
        if r.get("pred_id"):
            out[r["pred_id"]] = 0
    return out


def pair(a: dict, b: dict) -> dict[str, Any]:
    ds = score_document(a, b)
    da, db_ = decisions(a), decisions(b)
    common = sorted(set(da) & set(db_))
    r4 = lambda x: None if x is None else round(x, 4)  # noqa: E731  (nothing to compare: absent, not 1.0)
    return {
        "segmentation_f1": r4(ds.segmentation.f1), "lead_f1": r4(ds.lead.f1),
        "support_f1": r4(ds.support.f1), "targets_f1": r4(ds.targets.f1),
        "deadline_agreement": r4(ds.deadline.value),
        "kappa": cohen_kappa([da[k] for k in common], [db_[k] for k in common]),
        "kappa_units": len(common), "matched": ds.segmentation.tp,
        "only_a": ds.segmentation.fp, "only_b": ds.segmentation.fn,
    }


def agreement(copies: dict[str, dict]) -> list[dict[str, Any]]:
    """Every pair of reviewers of one document with their agreement figures."""
    return [{"a": x, "b": y, **pair(copies[x], copies[y])} for x, y in combinations(sorted(copies), 2)]
