"""Accuracy runs over time: one row per change of (pipeline version, gold, predictions).

The table lives in the review database beside Store's tables but is created
here, so Store's schema stays the pipeline's own.
"""

from __future__ import annotations

import json
from typing import Any

TABLE = "review_accuracy_runs"


def ensure(db) -> None:
    if TABLE not in db.table_names():
        db[TABLE].create({"id": int, "run_at": str, "pipeline_version": str, "gold_digest": str,
                          "pred_digest": str, "documents": int, "obligations": int, "figures": str}, pk="id")


def record(db, run_at: str, pipeline_version: str, gold_digest: str, pred_digest: str, documents: int,
           obligations: int, figures: dict[str, Any]) -> bool:
    """Add a run unless the latest one had the same version, gold and predictions. True if added."""
    ensure(db)
    last = list(db.query(f"select pipeline_version, gold_digest, pred_digest from {TABLE} order by id desc limit 1"))
    if last and (last[0]["pipeline_version"], last[0]["gold_digest"], last[0]["pred_digest"]) == (
            pipeline_version, gold_digest, pred_digest):
        return False
    with db.conn:
        db.conn.execute(f"insert into {TABLE} (run_at, pipeline_version, gold_digest, pred_digest, documents, "
                        "obligations, figures) values (?, ?, ?, ?, ?, ?, ?)",
                        [run_at, pipeline_version, gold_digest, pred_digest, documents, obligations,
                         json.dumps(figures, ensure_ascii=False)])
    return True


def runs(db) -> list[dict[str, Any]]:
    ensure(db)
    out = []
    for r in db.query(f"select * from {TABLE} order by id"):
        r = dict(r)
        r["figures"] = json.loads(r["figures"])
        out.append(r)
    return out
