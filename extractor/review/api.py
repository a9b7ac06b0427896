"""The review API: documents with progress and scores, one document's
predictions and gold as review units, actions, atomic saves.

The web app (``extractor.review.app``) and the CLI are thin layers over
:class:`Review`.  Predictions come from the database (``Store``), gold from
``annotations/<source stem>.json`` (``dti-gold/1``, the files ``eval``
reads); each reviewer's own answers are also kept under
``annotations/.reviewers/<name>/`` so that two reviewers can be compared
(``agreement``) and curated into one gold file.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Optional

from extractor import paths
from extractor.lab.evaluate import match, score_document
from extractor.review import files
from extractor.review.files import ReviewError, gold_name, now, reviewer_slug
from extractor.review.units import (REVIEWED, ActionIn, StateIn, apply_action, dump, spans_in, validate)
from extractor.store.db import Store

PAGE_SCALE = 1.5  # 108 dpi: legible page images at a few hundred KB
SORTS = ("name", "progress", "worst", "uncertain")
FILTERS = ("all", "unreviewed", "reviewed")


def pipeline_version() -> str:
    """Package version plus the commit, when the code runs from a git checkout."""
    import subprocess

    from extractor import __version__

    try:
        rev = subprocess.run(["git", "-C", str(paths.REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"{__version__}+{rev}" if rev else __version__


class Review:
    def __init__(self, db: str | Path = "outputs/obligations.db", annotations: str | Path = "annotations",
                 cache: Optional[str | Path] = None):
        db = Path(db)
        if not db.exists():
            raise ReviewError(f"{db}: no database yet (run `extractor run corpus/` first)")
        self.db_path = db
        self._local = threading.local()
        Store(db)  # creates the schema once, here
        self.annotations = Path(annotations)
        self.annotations.mkdir(parents=True, exist_ok=True)
        self.cache = Path(cache) if cache else paths.cache_dir() / "review"
        self._linker = None
        self._version: Optional[str] = None

    @property
    def store(self) -> Store:
        """One Store per thread: a server answers from other threads than the one that built this."""
        st = getattr(self._local, "store", None)
        if st is None:
            st = self._local.store = Store(self.db_path)
        return st

    # ------------------------------------------------------------------ documents
    def document_row(self, doc_id: str) -> dict:
        if not isinstance(doc_id, str) or len(doc_id) != 16 or any(c not in "0123456789abcdef" for c in doc_id):
            raise ReviewError(f"{doc_id!r}: not a document id")
        row = self.store.document_row(doc_id)
        if row is None:
            raise ReviewError(f"{doc_id}: no such document in {self.db_path}")
        return row

    def gold_path(self, source: str, reviewer: Optional[str] = None) -> Path:
        name = gold_name(source)
        if reviewer:
            name = f"{files.REVIEWERS}/{reviewer_slug(reviewer)}/{name}"
        return files.safe_path(self.annotations, name)

    def gold(self, source: str, reviewer: Optional[str] = None) -> Optional[dict]:
        return files.read_json(self.gold_path(source, reviewer))

    def reviewer_copies(self, source: str) -> dict[str, dict]:
        """Each reviewer's own saved answers for ``source``, by reviewer name."""
        root = self.annotations / files.REVIEWERS
        out = {}
        if root.is_dir():
            for d in sorted(p for p in root.iterdir() if p.is_dir()):
                g = files.read_json(files.safe_path(self.annotations, f"{files.REVIEWERS}/{d.name}/{gold_name(source)}"))
                if g:
                    out[(g.get("review") or {}).get("saved_by") or d.name] = g
        return out

    def predictions(self, doc_id: str) -> dict[str, Any]:
        """The stored pipeline output of one document, in the gold shape (what ``eval`` scores)."""
        row = self.document_row(doc_id)
        obs = []
        for o in self.store.obligations_of(doc_id):
            roles: dict[str, list[str]] = {"lead": [], "support": []}
            for a in o["agencies"]:
                if a["canonical"] not in roles[a["role"]]:
                    roles[a["role"]].append(a["canonical"])
            dl = None
            if o["deadline_kind"]:
                dl = {"text": o["deadline_text"], "kind": o["deadline_kind"], "date": o["deadline_date"],
                      "start": o["deadline_start"]}
                if o["deadline_kind"] == "recurring":
                    dl["every"] = o["deadline_every"]
            obs.append({
                "id": o["id"], "text": o["text"], **roles,
                "targets": [{"text": t["text"], "value": int(t["value"]) if float(t["value"]).is_integer() else t["value"],
                             "unit": t["unit"] or "", "op": t["op"]} for t in o["targets"]],
                "deadline": dl, "dti": [d["code"] for d in o["dti"]],
                "start": o["start"], "end": o["end"], "page": o["page"], "bbox": o["bbox"],
                "source_line": o["source_line"],
                "agency_spans": [{"start": a["start"], "end": a["end"], "label": "agency", "role": a["role"],
                                  "canonical": a["canonical"]} for a in o["agencies"] if a["start"] is not None],
                "links": [{"code": d["code"], "score": d["score"], "name": d["evidence"].get("indicator", ""),
                           "terms": d["evidence"].get("terms", [])} for d in o["dti"]],
                "ranked": [{"code": d["code"], "score": d["score"]} for d in o.get("dti_suggestions", [])],
            })
        meta = {k: row[k] for k in ("number", "type", "issuer", "province", "issued_date", "signer")}
        return {"schema": "dti-gold/1", "source": row["name"], "document": meta, "obligations": obs}

    def documents(self, sort: str = "name", filter: str = "all") -> list[dict[str, Any]]:
        """Every document of the database with progress, last reviewer and scores where gold exists."""
        if sort not in SORTS:
            raise ReviewError(f"unknown sort {sort!r} ({', '.join(SORTS)})")
        if filter not in FILTERS:
            raise ReviewError(f"unknown filter {filter!r} ({', '.join(FILTERS)})")
        out = []
        for row in self.store.db.query("select * from documents order by name"):
            row = dict(row)
            pred = self.predictions(row["id"])
            gold = self.gold(row["name"])
            units = self._units(pred, gold)
            reviewed = sum(1 for u in units if u["status"] in REVIEWED)
            stamps = [(u["at"], u["reviewer"]) for u in units if u.get("at")]
            last = max(stamps) if stamps else (None, None)
            scores = None
            if gold:
                ds = score_document(pred, gold)
                scores = {"segmentation": ds.segmentation.f1, "lead": ds.lead.f1, "support": ds.support.f1,
                          "targets": ds.targets.f1, "deadline": ds.deadline.value}
            tops = [(o["links"][0]["score"] if o["links"] else 0.0) for o in pred["obligations"]]
            out.append({
                "id": row["id"], "name": row["name"], "type": row["type"], "number": row["number"],
                "issued_date": row["issued_date"], "province": row["province"], "kind": row["kind"],
                "total": len(units), "reviewed": reviewed, "last_reviewer": last[1], "last_reviewed_at": last[0],
                "has_gold": gold is not None, "scores": scores,
                "score": min((v for v in scores.values() if v is not None), default=None) if scores else None,
                # uncertainty: how weakly the linker backs the obligations (1 - best DTI score, mean)
                "uncertainty": round(sum(1 - min(max(t, 0.0), 1.0) for t in tops) / len(tops), 3) if tops else 0.0,
                "reviewers": sorted(self.reviewer_copies(row["name"])),
            })
        if filter == "unreviewed":
            out = [d for d in out if d["reviewed"] < d["total"] or d["total"] == 0]
        elif filter == "reviewed":
            out = [d for d in out if d["total"] and d["reviewed"] == d["total"]]
        key = {"name": lambda d: d["name"],
               "progress": lambda d: (d["reviewed"] / d["total"] if d["total"] else 1.0, d["name"]),
               "worst": lambda d: (d["score"] if d["score"] is not None else 2.0, d["name"]),
               "uncertain": lambda d: (-d["uncertainty"], d["name"])}[sort]
        return sorted(out, key=key)

    # ------------------------------------------------------------------ one document
    def source(self, doc_id: str) -> dict[str, Any]:
        """The extracted text the obligation offsets point into (cached per file hash) and page sizes."""
        row = self.document_row(doc_id)
        cached = self.cache / f"text-{row['sha256'][:16]}.json"
        if cached.exists():
            return json.loads(cached.read_text(encoding="utf-8"))
        from extractor import ingest

        path = self._source_file(row)
        src = ingest.read(path)
        return self.cache_source(src)

    def cache_source(self, src) -> dict[str, Any]:
        """Remember a SourceText that was just processed, so review need not read (or OCR) it again."""
        data = {"text": src.text, "kind": src.kind,
                "pages": [{"number": p.number, "width": p.width, "height": p.height, "origin": p.origin}
                          for p in src.pages],
                # line boxes, so an obligation a reviewer adds or splits gets its box on the page image
                "lines": [[ln.start, ln.end, ln.page, list(ln.bbox)] for ln in src.lines if ln.bbox and ln.page]}
        self.cache.mkdir(parents=True, exist_ok=True)
        (self.cache / f"text-{src.sha256[:16]}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return data

    def _source_file(self, row: dict) -> Path:
        p = Path(row["path"])
        for cand in (p, paths.REPO / p):
            if cand.exists():
                return cand
        raise ReviewError(f"{row['path']}: source file not found (moved since `extractor run`?)")

    def load(self, doc_id: str, reviewer: Optional[str] = None, blind: bool = False) -> dict[str, Any]:
        """The review state of one document: units from the gold (or the reviewer's own copy, or
        the predictions when ``blind``), with highlight spans and DTI suggestions."""
        row = self.document_row(doc_id)
        pred = self.predictions(doc_id)
        if blind:  # an independent review: start from the predictions (or my own copy), not others' gold
            if not reviewer:
                raise ReviewError("an independent review needs the reviewer's name")
            base, target, based_on = self.gold(row["name"], reviewer), self.gold_path(row["name"], reviewer), "own"
        else:
            base, target, based_on = self.gold(row["name"]), self.gold_path(row["name"]), "gold"
        if base is None:
            based_on = "predictions"
        src = self.source(doc_id)
        units = self._units(pred, base, src["text"])
        spans = [s for o in pred["obligations"] for s in o["agency_spans"]]
        for u in units:
            u["spans"] = spans_in(u, src["text"], spans)
        self._suggest(units, pred)
        return {"doc_id": doc_id, "source": row["name"], "kind": row["kind"], "blind": bool(blind),
                "version": files.version_of(target), "document": (base or {}).get("document") or pred["document"],
                "units": units, "based_on": based_on}

    def _units(self, pred: dict, gold: Optional[dict], text: Optional[str] = None) -> list[dict]:
        pobs = pred["obligations"]
        by_id = {o["id"]: o for o in pobs}
        units: list[dict] = []
        if gold is None:
            for o in pobs:
                units.append(_unit_from(o, f"p{len(units) + 1}", o["id"], "pending"))
            return units
        gobs = gold.get("obligations", [])
        tool_made = "review" in gold
        taken: set[str] = set()
        for g in gobs:
            r = g.get("review") or {}
            for pid in [r.get("pred_id"), *r.get("merged_from", [])]:
                if pid:
                    taken.add(pid)
        for r in gold.get("rejected", []):
            if r.get("pred_id"):
                taken.add(r["pred_id"])
        # hand-made gold names no predictions: pair them by text, as eval does
        free = [o for o in pobs if o["id"] not in taken]
        need = [j for j, g in enumerate(gobs) if not (g.get("review") or {}).get("pred_id")]
        pairs = {need[j]: free[i]["id"] for i, j, _ in match(free, [gobs[j] for j in need])}
        for j, g in enumerate(gobs):
            r = g.get("review") or {}
            pid = r.get("pred_id") or pairs.get(j)
            if pid:
                taken.add(pid)
            p = by_id.get(pid or "", {})
            u = _unit_from({**p, **{k: g.get(k) for k in ("text", "lead", "support", "targets", "deadline", "dti")}},
                           g.get("id") or f"g{j + 1}", pid if pid in by_id else None,
                           r.get("status") or ("accepted" if pid else "added"))
            for k in ("start", "end", "page", "bbox"):
                if g.get(k) is not None:
                    u[k] = g[k]
            if u["start"] is None and text:  # hand-made gold has no offsets: find the verbatim text
                i = text.find(g["text"])
                if i >= 0:
                    u["start"], u["end"] = i, i + len(g["text"])
            # a hand-made gold file is one annotator's answer; tool-made units name their own reviewer
            u["reviewer"], u["at"] = (r.get("reviewer") if tool_made else "annotations"), r.get("at")
            u["merged_from"] = r.get("merged_from", [])
            units.append(u)
        for r in gold.get("rejected", []):
            p = by_id.get(r.get("pred_id") or "")
            if p:
                u = _unit_from(p, "r-" + p["id"][-10:], p["id"], "rejected")
                u["reviewer"], u["at"] = r.get("reviewer"), r.get("at")
                units.append(u)
        for o in pobs:
            if o["id"] not in taken:
                # new pipeline output since the gold was saved (tool-made), or left out by a hand annotator
                u = _unit_from(o, "p-" + o["id"][-10:], o["id"], "pending" if tool_made else "rejected")
                if not tool_made:
                    u["reviewer"] = "annotations"
                units.append(u)
        units.sort(key=lambda u: u["start"] if u["start"] is not None else 10**9)
        return units

    def _suggest(self, units: list[dict], pred: dict) -> None:
        """Top-5 DTI suggestions per unit: the stored links (score, evidence words), the linker's other
        top-ranked sub-indicators (stored when the document was linked), then the lexical linker's next
        best, so a reviewer can pick one the pipeline did not keep."""
        links = {o["id"]: o["links"] for o in pred["obligations"]}
        ranked = {o["id"]: o.get("ranked", []) for o in pred["obligations"]}
        try:
            if self._linker is None:
                from extractor.link.linkers import get_linker

                self._linker = get_linker("lexical")
            lk = self._linker
            texts = [u["text"] for u in units]
            fused = lk.score(texts).fused(lk.params.weight_embedding) if texts else []
        except Exception:  # no catalogue in this installation: the stored links are still shown
            lk, fused = None, []
        for r, u in enumerate(units):
            sug = [dict(x, source="pipeline") for x in links.get(u["pred_id"] or "", [])][:5]
            for x in ranked.get(u["pred_id"] or "", []):
                if len(sug) < 5 and all(s["code"] != x["code"] for s in sug):
                    ind = lk.catalogue.get(x["code"]) if lk is not None else None
                    sug.append({"code": x["code"], "score": x["score"], "name": ind.name if ind else "",
                                "terms": [], "source": "ranked"})
            if lk is not None and len(sug) < 5:
                order = sorted(range(len(lk.catalogue.indicators)), key=lambda k: -float(fused[r][k]))
                for k in order:
                    ind = lk.catalogue.indicators[k]
                    if len(sug) >= 5 or float(fused[r][k]) <= 0:
                        break
                    if all(s["code"] != ind.code for s in sug):
                        sug.append({"code": ind.code, "score": round(float(fused[r][k]), 3), "name": ind.name,
                                    "terms": lk.lex.matched_terms(u["text"], k), "source": "lexical"})
            u["suggestions"] = sug

    # ------------------------------------------------------------------ actions and saving
    def apply(self, state: dict, action: dict, reviewer: Optional[str] = None) -> dict[str, Any]:
        """Apply one action (accept/edit/reject/split/merge/add/reset) to a state; returns the new state."""
        st = validate(StateIn, state, "review state")
        act = validate(ActionIn, action, "action")
        pred = self.predictions(st.doc_id)
        spans = [s for o in pred["obligations"] for s in o["agency_spans"]]
        src = self.source(st.doc_id)
        units = apply_action([dump(u) for u in st.units], act, src["text"], reviewer, spans)
        if act.op in ("add", "split", "merge") and src.get("lines"):
            for u in units:
                touched = act.uid and (u["uid"] == act.uid or u["uid"].startswith(act.uid + "."))
                if u.get("start") is not None and (u.get("bbox") is None or touched):
                    u["page"], u["bbox"] = _geometry(src["lines"], u["start"], u["end"])
        if act.op in ("add", "split", "merge", "edit"):
            self._suggest([u for u in units if not u.get("suggestions")], pred)
        return {**state, "units": units}

    def save(self, state: dict, reviewer: str) -> dict[str, Any]:
        """Write the reviewed answers as ``dti-gold/1`` (atomically, version-checked, history kept)
        to the gold file and to the reviewer's own copy."""
        st = validate(StateIn, state, "review state")
        name = reviewer_slug(reviewer) and reviewer.strip()
        row = self.document_row(st.doc_id)
        units = [dump(u) for u in st.units]
        shared = self.gold_path(row["name"])
        own = self.gold_path(row["name"], name)
        blind = bool(state.get("blind"))
        old = files.read_json(own if blind else shared) or {}
        data = self._gold_from(units, row, st.document, name, old)
        if blind:
            version = files.atomic_write_json(own, data, expect_version=st.version)
            if not shared.exists():
                files.atomic_write_json(shared, data)
        else:
            version = files.atomic_write_json(shared, data, expect_version=st.version)
            files.atomic_write_json(own, data)
        return {"version": version, "path": str(shared), "reviewer_copy": str(own), "saved_at": data["review"]["saved_at"]}

    def _gold_from(self, units: list[dict], row: dict, document: dict, reviewer: str, old: dict) -> dict:
        obs, rejected = [], []
        for u in units:
            review = {"status": u["status"], "reviewer": u.get("reviewer"), "at": u.get("at"), "pred_id": u["pred_id"]}
            if u.get("merged_from"):
                review["merged_from"] = u["merged_from"]
            if u["status"] == "rejected":
                rejected.append({"text": u["text"], "pred_id": u["pred_id"], "reviewer": u.get("reviewer"),
                                 "at": u.get("at")})
                continue
            obs.append({"id": f"o{len(obs) + 1}", "text": u["text"], "lead": u["lead"], "support": u["support"],
                        "targets": u["targets"], "deadline": u["deadline"], "dti": u["dti"],
                        "start": u["start"], "end": u["end"], "page": u["page"], "bbox": u["bbox"], "review": review})
        meta_keys = ("number", "type", "issuer", "province", "issued_date", "signer")
        meta = {k: document.get(k, row.get(k)) for k in meta_keys}
        prev = old.get("review") or {}
        reviewers = sorted({*prev.get("reviewers", []), reviewer, *(u["reviewer"] for u in units if u.get("reviewer"))})
        if self._version is None:
            self._version = pipeline_version()
        # a gold file named after the stem may annotate another rendering (the .txt of this PDF): keep its source
        return {"schema": "dti-gold/1", "source": old.get("source") or row["name"], "scope": old.get("scope", "whole document"),
                **({"scope_lines": old["scope_lines"]} if old.get("scope_lines") else {}),
                "document": meta, "obligations": obs, "rejected": rejected,
                "review": {"revision": int(prev.get("revision", 0)) + 1, "saved_at": now(), "saved_by": reviewer,
                           "reviewers": reviewers, "pipeline_version": self._version,
                           "reviewed": sum(1 for u in units if u["status"] in REVIEWED), "total": len(units)}}

    # ------------------------------------------------------------------ page images
    def page_image(self, doc_id: str, page: int) -> Path:
        """A PNG of one PDF page (rendered once, cached under outputs/)."""
        row = self.document_row(doc_id)
        path = self._source_file(row)
        if path.suffix.lower() != ".pdf":
            raise ReviewError(f"{row['name']}: not a PDF, no page images")
        out = self.cache / "pages" / f"{row['sha256'][:16]}-{int(page)}.png"
        if out.exists():
            return out
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(pdf):
                raise ReviewError(f"{row['name']}: no page {page} (1..{len(pdf)})")
            img = pdf[page - 1].render(scale=PAGE_SCALE).to_pil()
        finally:
            pdf.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp.png")
        img.save(tmp, format="PNG", optimize=True)
        tmp.replace(out)
        return out

    def page_sizes(self, doc_id: str) -> list[dict]:
        row = self.document_row(doc_id)
        path = self._source_file(row)
        if path.suffix.lower() != ".pdf":
            return []
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            return [{"number": i + 1, "width": pdf[i].get_size()[0], "height": pdf[i].get_size()[1]}
                    for i in range(len(pdf))]
        finally:
            pdf.close()

    # ------------------------------------------------------------------ misc
    def agency_names(self) -> list[str]:
        """Canonical gazetteer names plus every name in the database (autocomplete)."""
        from extractor.nlp.agencies import load_gazetteer

        names = {a.name for a in load_gazetteer().agencies.values()}
        names |= {r["canonical"] for r in self.store.db.query("select distinct canonical from obligation_agencies")}
        return sorted(n for n in names if n)

    def annotation_file(self, name: str) -> Path:
        """A file of the annotations folder by a name taken from a request (never outside it)."""
        p = files.safe_path(self.annotations, name)
        if not p.is_file():
            raise ReviewError(f"{name}: no such file in {self.annotations}")
        return p


def _geometry(lines: list, start: int, end: int) -> tuple[Optional[int], Optional[list[float]]]:
    """Page and box (union of its lines' boxes on its first page) of the text start..end."""
    hit = [ln for ln in lines if ln[0] < end and start < ln[1]]
    if not hit:
        return None, None
    page = hit[0][2]
    boxes = [ln[3] for ln in hit if ln[2] == page]
    return page, [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _unit_from(o: dict, uid: str, pred_id: Optional[str], status: str) -> dict:
    return {"uid": uid, "pred_id": pred_id, "status": status, "text": o.get("text", ""), "start": o.get("start"),
            "end": o.get("end"), "page": o.get("page"), "bbox": o.get("bbox"), "lead": list(o.get("lead") or []),
            "support": list(o.get("support") or []), "targets": list(o.get("targets") or []),
            "deadline": o.get("deadline"), "dti": list(o.get("dti") or []), "spans": [], "suggestions": [],
            "reviewer": None, "at": None, "merged_from": []}
