"""One letter, several forms: the .txt, the born-digital PDF and the scan of the
same letter are three documents in the store but one group, so search and
export can list its tasks once.

Two documents belong together when they carry the same number, issuer and
date, or when their texts are near-identical (MinHash of folded word 3-grams,
threshold in ``models/batch.json``).  The group's ``primary`` is the form
read most reliably (text, then Word, then PDF text layer, then scan).
Additive: a table ``document_groups`` beside ``documents``; nothing else changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Optional

from extractor.textutil import fold, fold_key

N_HASHES = 64
KIND_RANK = {"text": 0, "markdown": 0, "docx": 1, "doc": 2, "pdf": 3, "image": 4, "scan": 4}


def ensure_schema(db) -> None:
    db.conn.execute("create table if not exists document_groups (document_id text primary key, group_id text, "
                    "is_primary int, reason text, meta_key text, minhash text)")


def meta_key(meta) -> Optional[str]:
    if not (meta.number and meta.issuer and meta.issued_date):
        return None
    return "|".join([fold_key(meta.number).replace(" ", ""), fold_key(meta.issuer), meta.issued_date])


def minhash(text: str) -> list[int]:
    words = re.findall(r"\w+", fold(text).lower())
    grams = {" ".join(words[i:i + 3]) for i in range(max(0, len(words) - 2))}
    if not grams:
        return []
    import numpy as np

    hs = np.array([int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams],
                  dtype=np.uint64)
    # N_HASHES random affine maps a*h + b (mod 2^64, a odd), a fixed seed: the same letter always hashes alike
    rng = np.random.default_rng(1258)
    a = rng.integers(1, 2**63, size=N_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=N_HASHES, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return [int(x) for x in (hs[None, :] * a[:, None] + b[:, None]).min(axis=1)]


def similarity(a: list[int], b: list[int]) -> float:
    if not a or not b:
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / N_HASHES


def threshold() -> float:
    from extractor.batch.budgets import budget

    return float(budget("group_text_similarity"))


def assign(db, doc) -> str:
    """Put a just-saved document in its group (a new one if nothing matches); returns the group id."""
    conn = db.conn
    key = meta_key(doc.meta)
    mh = getattr(doc, "text_minhash", None)  # computed by the worker that read it, off the writer's path
    if mh is None:
        mh = minhash(doc.source.text)
    thr = threshold()
    with conn:
        conn.execute("delete from document_groups where document_id not in (select id from documents)")
        conn.execute("delete from document_groups where document_id = ?", [doc.id])
        group, reason = None, "alone"
        rows = conn.execute("select document_id, group_id, meta_key, minhash from document_groups").fetchall()
        if key:
            for did, gid, k, _ in rows:
                if k == key:
                    group, reason = gid, "same number, issuer and date"
                    break
        if group is None and mh:
            best = 0.0
            for did, gid, _, m in rows:
                s = similarity(mh, json.loads(m)) if m else 0.0
                if s >= thr and s > best:
                    group, best = gid, s
                    reason = f"near-identical text ({s:.2f})"
        group = group or doc.id
        conn.execute("insert into document_groups values (?, ?, 0, ?, ?, ?)",
                     [doc.id, group, reason, key, json.dumps(mh)])
        _choose_primary(conn, group)
    return group


def _choose_primary(conn, group: str) -> None:
    rows = conn.execute("select g.document_id, d.kind from document_groups g join documents d on d.id = g.document_id "
                        "where g.group_id = ?", [group]).fetchall()
    best = min(rows, key=lambda r: (KIND_RANK.get(r[1], 5), r[0]))[0]
    conn.execute("update document_groups set is_primary = (document_id = ?) where group_id = ?", [best, group])


def groups(db) -> list[dict]:
    """Groups with more than one form: primary document and the other forms."""
    out: dict[str, dict] = {}
    for gid, did, prim, reason, name, kind in db.execute(
            "select g.group_id, g.document_id, g.is_primary, g.reason, d.name, d.kind from document_groups g "
            "join documents d on d.id = g.document_id order by g.group_id, g.is_primary desc, d.name").fetchall():
        g = out.setdefault(gid, {"group_id": gid, "documents": []})
        g["documents"].append({"id": did, "name": name, "kind": kind, "primary": bool(prim), "reason": reason})
    return [g for g in out.values() if len(g["documents"]) > 1]


SECONDARY_SQL = "select document_id from document_groups where is_primary = 0"
