"""Curation: two reviewers' answers for one document, side by side, resolved
into one gold file (each unit taken from A, from B, or dropped)."""

from __future__ import annotations

from typing import Any, Optional

from extractor.lab.evaluate import match
from extractor.review import files
from extractor.review.files import ReviewError, now

FIELDS = ("text", "lead", "support", "targets", "deadline", "dti")


def rows(a: dict, b: dict) -> list[dict[str, Any]]:
    """Aligned units: matched pairs (with the fields that differ), then units only one reviewer kept."""
    ao, bo = a.get("obligations", []), b.get("obligations", [])
    pairs = match(ao, bo)
    out, ua, ub = [], {i for i, _, _ in pairs}, {j for _, j, _ in pairs}
    for i, j, _ in pairs:
        diff = [f for f in FIELDS if _norm(ao[i].get(f)) != _norm(bo[j].get(f))]
        out.append({"key": f"m{i}-{j}", "a": ao[i], "b": bo[j], "diff": diff})
    out += [{"key": f"a{i}", "a": o, "b": None, "diff": ["only A"]} for i, o in enumerate(ao) if i not in ua]
    out += [{"key": f"b{j}", "a": None, "b": o, "diff": ["only B"]} for j, o in enumerate(bo) if j not in ub]
    out.sort(key=lambda r: ((r["a"] or r["b"]).get("start") or 0))
    return out


def _norm(v):
    if isinstance(v, list):
        return sorted(map(str, v))
    return v


def curation(review, doc_id: str, a: Optional[str] = None, b: Optional[str] = None) -> dict[str, Any]:
    row = review.document_row(doc_id)
    copies = review.reviewer_copies(row["name"])
    if len(copies) < 2:
        raise ReviewError(f"{row['name']}: curation needs two reviewers' answers, found {len(copies)}")
    names = sorted(copies)
    a, b = a or names[0], b or names[1]
    if a not in copies or b not in copies or a == b:
        raise ReviewError(f"choose two different reviewers among {', '.join(names)}")
    return {"doc_id": doc_id, "source": row["name"], "a": a, "b": b, "reviewers": names,
            "rows": rows(copies[a], copies[b]), "version": files.version_of(review.gold_path(row["name"]))}


def resolve(review, doc_id: str, picks: dict[str, str], curator: str, version: str,
            a: Optional[str] = None, b: Optional[str] = None) -> dict[str, Any]:
    """Write the gold file from ``picks`` (row key -> "a", "b" or "none"); every row needs a pick."""
    cur = curation(review, doc_id, a, b)
    missing = [r["key"] for r in cur["rows"] if picks.get(r["key"]) not in ("a", "b", "none")]
    if missing:
        raise ReviewError(f"choose A, B or neither for every row ({len(missing)} left)")
    copies = review.reviewer_copies(cur["source"])
    obs = []
    for r in cur["rows"]:
        side = picks[r["key"]]
        o = r.get(side) if side != "none" else None
        if o:
            o = dict(o, id=f"o{len(obs) + 1}")
            o["review"] = dict(o.get("review") or {}, curated_by=curator, curated_at=now())
            obs.append(o)
    base = copies[cur["a"]]
    data = {**base, "obligations": obs,
            "rejected": [x for x in base.get("rejected", []) + copies[cur["b"]].get("rejected", [])
                         if x.get("pred_id") not in {(o.get("review") or {}).get("pred_id") for o in obs}],
            "review": {**(base.get("review") or {}), "saved_at": now(), "saved_by": curator,
                       "curated_from": [cur["a"], cur["b"]],
                       "reviewers": sorted({cur["a"], cur["b"], curator})}}
    v = files.atomic_write_json(review.gold_path(cur["source"]), data, expect_version=version)
    return {"version": v, "obligations": len(obs)}
