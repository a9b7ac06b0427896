"""Document -> JSON in the gold shape (`dti-gold/1`) plus optional extra keys.

Any scorer that reads annotations/*.json reads this: ``schema``, ``source``,
``document`` and ``obligations`` with ``text``, ``lead``, ``support``,
``targets``, ``deadline``, ``dti``.  Extra keys (offsets, page, box, scores,
agency details) are additions a gold reader ignores.
"""

from __future__ import annotations

from typing import Any

from extractor.model import DocMeta, Document, Obligation

SCHEMA = "dti-gold/1"


def meta_json(meta: DocMeta) -> dict[str, Any]:
    d = {k: getattr(meta, k) for k in DocMeta.GOLD_FIELDS}
    d.update({"title": meta.title, "addressees": meta.addressees, "unsure": meta.unsure,
              "reported": meta.reported})
    return d


def obligation_json(ob: Obligation, extras: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": ob.id,
        "text": ob.text,
        "lead": ob.lead,
        "support": ob.support,
        "targets": [t.to_json() for t in ob.targets],
        "deadline": ob.deadline.to_json() if ob.deadline else None,
        "dti": [link.code for link in sorted(ob.dti, key=lambda x: x.rank)],
    }
    if extras:
        d.update({
            "dti_scores": {link.code: round(link.score, 4) for link in ob.dti},
            "dti_suggestions": [x.code for x in sorted(ob.dti_suggestions, key=lambda x: x.rank)],
            "kind": ob.kind,
            "section": ob.section,
            "start": ob.start,
            "end": ob.end,
            "source_start": ob.source_start,
            "source_end": ob.source_end,
            "source_line": ob.source_line,
            "page": ob.page,
            "bbox": list(ob.bbox) if ob.bbox else None,
            "agencies": [
                {"as_written": a.as_written, "canonical": a.canonical, "current": a.current or a.canonical,
                 "role": a.role, "known": a.known, "source": a.source, "start": a.start, "end": a.end}
                for a in ob.agencies
            ],
            "deadline_inherited": bool(ob.deadline and ob.deadline.inherited),
        })
    return d


def document_json(doc: Document, extras: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "source": doc.name,
        "document": meta_json(doc.meta),
        "obligations": [obligation_json(o, extras) for o in doc.obligations],
    }
    if extras:
        out["document_id"] = doc.id
        out["kind"] = doc.source.kind
        out["pages"] = [
            {"number": p.number, "origin": p.origin, "quality": p.quality} for p in doc.source.pages
        ]
        out["unknown_agencies"] = doc.unknown_agencies
        out["warnings"] = doc.warnings
    return out
