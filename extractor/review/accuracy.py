"""The accuracy page: eval's figures for the stored predictions against the
reviewed gold, per document and overall, the history of runs, the worst
errors (each with the unit it points to), and reviewer agreement."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from extractor.lab.evaluate import DocScore, score_document
from extractor.lab.metrics import dti_metrics
from extractor.review import files, history
from extractor.review.agreement import agreement

# the errors a reviewer fixes first: whole obligations missed or invented, then who, then the rest
_ERROR_ORDER = {"missed": 0, "extra": 1, "lead": 2, "support": 3, "deadline": 4, "targets": 5}


def _figures(ds: DocScore) -> dict[str, Any]:
    d = {k: getattr(ds, k).as_dict() for k in ("segmentation", "lead", "support", "targets", "deadline")}
    if ds.dti_pairs:
        d["dti"] = dti_metrics(ds.dti_pairs)
    return d


def accuracy(review, record: bool = True) -> dict[str, Any]:
    total = DocScore(name="overall")
    docs, errors, agree = [], [], []
    gold_h, pred_h = hashlib.sha256(), hashlib.sha256()
    n_obs = 0
    for row in review.store.db.query("select id, name from documents order by name"):
        gold = review.gold(row["name"])
        copies = review.reviewer_copies(row["name"])
        if len(copies) >= 2:
            for p in agreement(copies):
                agree.append({"doc_id": row["id"], "name": row["name"], **p})
        if gold is None:
            continue
        pred = review.predictions(row["id"])
        ds = score_document(pred, gold)
        ds.name = row["name"]
        total.merge(ds)
        n_obs += len(gold.get("obligations", []))
        gold_h.update(files.version_of(review.gold_path(row["name"])).encode())
        pred_h.update(json.dumps(pred, sort_keys=True, default=str).encode())
        docs.append({"doc_id": row["id"], "name": row["name"], **_figures(ds)})
        by_text = {o["text"][:100]: o["id"] for o in pred["obligations"]}
        gold_ids = {o.get("id") for o in gold.get("obligations", [])}
        for e in ds.errors:
            if e["field"].startswith("document."):
                continue
            anchor = e.get("gold_id") if e.get("gold_id") in gold_ids else None
            if e["field"] == "extra":
                pid = by_text.get(e["text"])
                anchor = "p-" + pid[-10:] if pid else None
            errors.append({"doc_id": row["id"], "name": row["name"], "anchor": anchor, **e})
    errors.sort(key=lambda e: (_ERROR_ORDER.get(e["field"], 9), e["name"]))
    overall = _figures(total)
    if record and docs:
        history.record(review.store.db, files.now(), review_version(review), gold_h.hexdigest()[:16],
                       pred_h.hexdigest()[:16], len(docs), n_obs, overall)
    return {"documents": docs, "overall": overall, "errors": errors[:40], "n_errors": len(errors),
            "history": history.runs(review.store.db), "agreement": agree}


def review_version(review) -> str:
    from extractor.review.api import pipeline_version

    if review._version is None:
        review._version = pipeline_version()
    return review._version
