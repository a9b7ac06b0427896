"""Label Studio interchange: tasks out (``data`` + ``predictions``, and the gold as
``annotations`` where it exists), a Label Studio export back into ``dti-gold/1``.

Each obligation is a ``labels`` region ``Obligation`` over the extracted text;
agency mentions are ``Agency`` regions tied to their obligation by a relation
labelled ``lead`` or ``support``; targets and deadlines are ``Target`` and
``Deadline`` regions.  What a span cannot carry (the canonical agency names of
each role, a target's value/unit/op, a deadline's dates, DTI codes) rides on
per-region ``textarea`` results with the region's id, as Label Studio stores
per-region text answers, so a round trip keeps text, spans and roles.

The labelling config that matches: ``LABEL_CONFIG``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from extractor.review import files
from extractor.review.files import ReviewError, gold_name, now
from extractor.review.units import spans_in
from extractor.textutil import nfc, squeeze

LABEL_CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="Obligation"/><Label value="Agency"/><Label value="Target"/><Label value="Deadline"/>
  </Labels>
  <Relations><Relation value="lead"/><Relation value="support"/></Relations>
  <Text name="text" value="$text"/>
  <TextArea name="lead" toName="text" perRegion="true"/>
  <TextArea name="support" toName="text" perRegion="true"/>
  <TextArea name="dti" toName="text" perRegion="true"/>
  <TextArea name="normalized" toName="text" perRegion="true"/>
  <TextArea name="canonical" toName="text" perRegion="true"/>
</View>"""


def _region(rid: str, start: int, end: int, text: str, label: str) -> dict:
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def _textarea(rid: str, name: str, start: int, end: int, values: list[str]) -> dict:
    return {"id": rid, "from_name": name, "to_name": "text", "type": "textarea",
            "value": {"start": start, "end": end, "text": values}}


def results(units: list[dict], text: str) -> list[dict]:
    """Label Studio ``result`` items for review units (rejected ones left out)."""
    out: list[dict] = []
    for k, u in enumerate(x for x in units if x["status"] != "rejected"):
        s, e = u.get("start"), u.get("end")
        if s is None or e is None:
            continue
        rid = f"ob{k + 1}"
        out.append(_region(rid, s, e, text, "Obligation"))
        out.append(_textarea(rid, "lead", s, e, u["lead"]))
        out.append(_textarea(rid, "support", s, e, u["support"]))
        out.append(_textarea(rid, "dti", s, e, u["dti"]))
        for j, sp in enumerate(u.get("spans", [])):
            sid = f"{rid}-{sp['label'][0]}{j + 1}"
            label = {"agency": "Agency", "target": "Target", "deadline": "Deadline"}[sp["label"]]
            out.append(_region(sid, sp["start"], sp["end"], text, label))
            if sp["label"] == "agency":
                out.append({"from_id": sid, "to_id": rid, "type": "relation", "direction": "right",
                            "labels": [sp.get("role") or "lead"]})
            elif sp["label"] == "target":
                t = next((t for t in u["targets"] if t["text"] == text[sp["start"]:sp["end"]]), None)
                if t:
                    out.append(_textarea(sid, "normalized", sp["start"], sp["end"], [json.dumps(t, ensure_ascii=False)]))
            elif u.get("deadline"):
                out.append(_textarea(sid, "normalized", sp["start"], sp["end"],
                                     [json.dumps(u["deadline"], ensure_ascii=False)]))
        # targets/deadline whose words were edited away from the text still travel, on the obligation
        shown = {text[sp["start"]:sp["end"]] for sp in u.get("spans", [])}
        extra = {"targets": [t for t in u["targets"] if t["text"] not in shown]}
        if u.get("deadline") and u["deadline"].get("text") not in shown:
            extra["deadline"] = u["deadline"]
        if extra["targets"] or "deadline" in extra:
            out.append(_textarea(rid, "normalized", s, e, [json.dumps(extra, ensure_ascii=False)]))
    return out


def export_tasks(review, version: Optional[str] = None) -> list[dict]:
    """One task per document: the pipeline's predictions, and the gold as an annotation if reviewed."""
    from extractor.review.accuracy import review_version

    tasks = []
    for row in review.store.db.query("select id, name from documents order by name"):
        text = review.source(row["id"])["text"]
        pred = review.predictions(row["id"])
        spans = [sp for o in pred["obligations"] for sp in o["agency_spans"]]
        units = review._units(pred, None)
        for u in units:
            u["spans"] = spans_in(u, text, spans)
        gold = review.gold(row["name"])
        data = {"text": text, "source": row["name"], "doc_id": row["id"],
                "document": (gold or {}).get("document") or pred["document"]}
        task: dict[str, Any] = {"id": len(tasks) + 1, "data": data,
                                "predictions": [{"model_version": version or review_version(review),
                                                 "result": results(units, text)}]}
        if gold:
            task["annotations"] = [{"result": results(review.load(row["id"])["units"], text),
                                    "completed_by": (gold.get("review") or {}).get("saved_by")}]
        tasks.append(task)
    return tasks


def export(review, output: str | Path) -> Path:
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(export_tasks(review), ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def annotated(task: dict) -> list[dict]:
    return [a for a in task.get("annotations") or [] if not a.get("was_cancelled") and a.get("result")]


def gold_from_task(task: dict) -> dict:
    """A ``dti-gold/1`` document from one Label Studio task (its first non-cancelled annotation)."""
    data = task.get("data") or {}
    text, source = data.get("text"), data.get("source")
    if not isinstance(text, str) or not isinstance(source, str):
        raise ReviewError("a task without data.text and data.source (not exported by `extractor review export`?)")
    anns = annotated(task)
    if not anns:
        raise ReviewError("the task has no (non-cancelled) annotation: predictions alone are not gold")
    chosen = anns[0]
    res = chosen.get("result") or []
    who = chosen.get("completed_by")
    who = who.get("email") if isinstance(who, dict) else who
    regions = {r["id"]: r for r in res if r.get("type") == "labels"}
    areas: dict[tuple[str, str], list[str]] = {}
    for r in res:
        if r.get("type") == "textarea":
            areas[(r["id"], r["from_name"])] = list(r["value"].get("text") or [])
    rel: dict[str, list[tuple[str, str]]] = {}
    for r in res:
        if r.get("type") == "relation":
            rel.setdefault(r["to_id"], []).append((r["from_id"], (r.get("labels") or ["lead"])[0]))
    obs = []
    ob_regions = sorted((r for r in regions.values() if r["value"]["labels"][0] == "Obligation"),
                        key=lambda r: r["value"]["start"])
    for r in ob_regions:
        rid, v = r["id"], r["value"]
        s, e = v["start"], v["end"]
        roles = {"lead": areas.get((rid, "lead")), "support": areas.get((rid, "support"))}
        for role in ("lead", "support"):
            if roles[role] is None:  # no textarea: the related Agency regions name them
                roles[role] = [(areas.get((a, "canonical")) or [regions[a]["value"]["text"]])[0]
                               for a, lab in rel.get(rid, []) if lab == role and a in regions]
        inside = [x for x in regions.values() if s <= x["value"]["start"] and x["value"]["end"] <= e and x["id"] != rid]
        targets, deadline = [], None
        for x in sorted(inside, key=lambda x: x["value"]["start"]):
            norm = areas.get((x["id"], "normalized"))
            label = x["value"]["labels"][0]
            if label == "Target" and norm:
                targets.append(json.loads(norm[0]))
            elif label == "Deadline" and norm and deadline is None:
                deadline = json.loads(norm[0])
        extra = areas.get((rid, "normalized"))
        if extra:
            ex = json.loads(extra[0])
            targets += ex.get("targets", [])
            deadline = deadline or ex.get("deadline")
        obs.append({"id": f"o{len(obs) + 1}", "text": squeeze(nfc(text[s:e])), "lead": roles["lead"],
                    "support": roles["support"], "targets": targets, "deadline": deadline,
                    "dti": areas.get((rid, "dti"), []), "start": s, "end": e,
                    "review": {"status": "accepted", "reviewer": who or "label-studio", "at": now(), "pred_id": None}})
    return {"schema": "dti-gold/1", "source": source, "scope": "whole document", "document": data.get("document", {}),
            "obligations": obs, "review": {"saved_at": now(), "saved_by": who or "label-studio",
                                           "imported_from": "label-studio"}}


def import_file(review, path: str | Path) -> tuple[list[Path], int]:
    """Read a Label Studio JSON export and write one gold file per annotated task into
    annotations/; returns the files written and the number of tasks skipped (not annotated)."""
    p = Path(path)
    try:
        tasks = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReviewError(f"{p}: not a Label Studio JSON export ({e})") from e
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise ReviewError(f"{p}: expected a list of tasks")
    written, skipped = [], 0
    for i, t in enumerate(tasks):
        if isinstance(t, dict) and not annotated(t):
            skipped += 1
            continue
        try:
            gold = gold_from_task(t)
        except ReviewError as e:
            raise ReviewError(f"{p}: task {i + 1}: {e}") from e
        except (KeyError, TypeError, ValueError) as e:
            raise ReviewError(f"{p}: task {i + 1}: malformed ({type(e).__name__}: {e})") from e
        old = review.gold(gold["source"])
        if old and old.get("document"):
            gold["document"] = old["document"]
        target = files.safe_path(review.annotations, gold_name(gold["source"]))
        files.atomic_write_json(target, gold)
        written.append(target)
    return written, skipped
