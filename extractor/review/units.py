"""Review units (one obligation under review) and the actions on them.

A unit is a plain dict, so the browser can keep it as a local draft:
``uid``, ``pred_id`` (the pipeline obligation it came from, None when the
reviewer added it), ``status`` (pending/accepted/edited/rejected/added),
the gold fields (``text``, ``lead``, ``support``, ``targets``, ``deadline``,
``dti``), offsets into the extracted text (``start``, ``end``), ``page`` and
``bbox``, highlight ``spans`` and, from the reviewer, ``reviewer`` and ``at``.
Bodies from the browser are validated with pydantic before any action runs.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from extractor.review.files import ReviewError, now
from extractor.textutil import nfc, squeeze

STATUSES = ("pending", "accepted", "edited", "rejected", "added")
REVIEWED = ("accepted", "edited", "rejected", "added")
DEADLINE_KINDS = ("date", "year", "period", "recurring", "from")
_S = Field(max_length=5000)


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(max_length=300)
    value: float
    unit: str = Field(default="", max_length=100)
    op: Literal[">=", ">", "=", "<=", "<"] = "="


class DeadlineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(default="", max_length=300)
    kind: Literal["date", "year", "period", "recurring", "from"]
    date: Optional[str] = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    start: Optional[str] = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    every: Optional[Literal["year", "quarter", "month", "week", "unspecified"]] = None


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: Literal["agency", "target", "deadline"]
    role: Optional[str] = Field(default=None, max_length=20)


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    uid: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,80}$")
    pred_id: Optional[str] = Field(default=None, max_length=200)
    status: Literal["pending", "accepted", "edited", "rejected", "added"] = "pending"
    text: str = _S
    start: Optional[int] = Field(default=None, ge=0)
    end: Optional[int] = Field(default=None, ge=0)
    page: Optional[int] = None
    bbox: Optional[list[float]] = None
    lead: list[str] = Field(default_factory=list, max_length=50)
    support: list[str] = Field(default_factory=list, max_length=50)
    targets: list[TargetIn] = Field(default_factory=list, max_length=50)
    deadline: Optional[DeadlineIn] = None
    dti: list[str] = Field(default_factory=list, max_length=20)
    spans: list[SpanIn] = Field(default_factory=list, max_length=200)
    suggestions: list[dict[str, Any]] = Field(default_factory=list, max_length=10)
    reviewer: Optional[str] = Field(default=None, max_length=100)
    at: Optional[str] = Field(default=None, max_length=40)
    merged_from: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("lead", "support")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        out = []
        for x in v:
            x = squeeze(nfc(x))
            if len(x) > 200:
                raise ValueError("agency name longer than 200 characters")
            if x and x not in out:
                out.append(x)
        return out

    @field_validator("dti")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for c in v:
            if not c or len(c) > 20:
                raise ValueError(f"bad DTI code {c!r}")
        return list(dict.fromkeys(v))


class StateIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    doc_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    version: str = Field(pattern=r"^(none|[0-9a-f]{16})$")
    units: list[UnitIn] = Field(max_length=3000)
    document: dict[str, Any] = Field(default_factory=dict)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["accept", "edit", "reject", "split", "merge", "add", "reset"]
    uid: Optional[str] = Field(default=None, max_length=80)
    fields: Optional[dict[str, Any]] = None
    at: Optional[int] = Field(default=None, ge=0)  # split: character offset inside the unit's text
    start: Optional[int] = Field(default=None, ge=0)  # add: offsets of the selected text
    end: Optional[int] = Field(default=None, ge=0)


def validate(model, data: Any, what: str):
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise ReviewError(f"invalid {what}: {loc}: {first['msg']}") from e


def dump(unit: UnitIn) -> dict[str, Any]:
    d = unit.model_dump()
    if d["deadline"] and d["deadline"]["kind"] != "recurring":
        d["deadline"].pop("every", None)
    for t in d["targets"]:
        if float(t["value"]).is_integer():
            t["value"] = int(t["value"])
    return d


# ---------------------------------------------------------------------------- spans


def spans_in(unit: dict, text: str, pred_spans: list[dict]) -> list[dict]:
    """Highlight spans for a unit: the pipeline's agency spans inside it, and its
    targets and deadline found in its own text (they may have been edited)."""
    s, e = unit.get("start"), unit.get("end")
    out: list[dict] = []
    if s is None or e is None:
        return out
    names = {n for n in unit.get("lead", []) + unit.get("support", [])}
    for sp in pred_spans:
        if sp["label"] == "agency" and s <= sp["start"] < sp["end"] <= e:
            if sp.get("canonical") in names or not names:
                role = "lead" if sp.get("canonical") in unit.get("lead", []) else "support"
                out.append({"start": sp["start"], "end": sp["end"], "label": "agency", "role": role})
    body = text[s:e]
    for t in unit.get("targets", []):
        i = body.find(t.get("text") or "\x00")
        if i >= 0:
            out.append({"start": s + i, "end": s + i + len(t["text"]), "label": "target", "role": None})
    dl = unit.get("deadline")
    if dl and dl.get("text"):
        i = body.find(dl["text"])
        if i >= 0:
            out.append({"start": s + i, "end": s + i + len(dl["text"]), "label": "deadline", "role": None})
    out.sort(key=lambda x: (x["start"], -x["end"]))
    kept, last = [], -1
    for sp in out:  # no overlaps: the page nests them inside the obligation mark
        if sp["start"] >= last:
            kept.append(sp)
            last = sp["end"]
    return kept


# ---------------------------------------------------------------------------- actions


def apply_action(units: list[dict], action: ActionIn, text: str, reviewer: Optional[str],
                 pred_spans: list[dict]) -> list[dict]:
    """Return the units after one action (the input list is not changed)."""
    units = [dict(u) for u in units]
    idx = {u["uid"]: i for i, u in enumerate(units)}
    stamp = {"reviewer": reviewer, "at": now()}

    def find(uid) -> int:
        if uid not in idx:
            raise ReviewError(f"no obligation {uid!r} in this document")
        return idx[uid]

    if action.op == "add":
        if action.start is None or action.end is None or not (0 <= action.start < action.end <= len(text)):
            raise ReviewError("add: select the missed obligation's text in the document first")
        body = text[action.start:action.end]
        lstrip = len(body) - len(body.lstrip(" \n\t-+*•"))
        s, e = action.start + lstrip, action.start + len(body.rstrip())
        if s >= e:
            raise ReviewError("add: the selection holds no text")
        n = 1 + max([int(u["uid"][1:]) for u in units if u["uid"].startswith("n") and u["uid"][1:].isdigit()] or [0])
        new = {"uid": f"n{n}", "pred_id": None, "status": "added", "text": squeeze(text[s:e]), "start": s, "end": e,
               "page": None, "bbox": None, "lead": [], "support": [], "targets": [], "deadline": None, "dti": [],
               "suggestions": [], **stamp}
        if action.fields:
            new.update(_edited_fields(new, action.fields))
        new["spans"] = spans_in(new, text, pred_spans)
        units.append(new)
        units.sort(key=lambda u: (u.get("start") if u.get("start") is not None else 10**9))
        return units
    i = find(action.uid)
    u = units[i]
    if action.op == "accept":
        u.update(status="added" if u["status"] == "added" else ("edited" if u["status"] == "edited" else "accepted"),
                 **stamp)
    elif action.op == "reject":
        if u["pred_id"] is None:  # an added obligation is simply removed
            return [x for x in units if x["uid"] != u["uid"]]
        u.update(status="rejected", **stamp)
    elif action.op == "reset":
        u.update(status="pending", reviewer=None, at=None)
    elif action.op == "edit":
        if not action.fields:
            raise ReviewError("edit: no fields given")
        u.update(_edited_fields(u, action.fields))
        u.update(status="added" if u["pred_id"] is None else "edited", **stamp)
        u["spans"] = spans_in(u, text, pred_spans)
    elif action.op == "split":
        units[i:i + 1] = _split(u, action.at, text, stamp, pred_spans, units)
    elif action.op == "merge":
        if i + 1 >= len(units):
            raise ReviewError("merge: this is the last obligation, there is no next one")
        units[i:i + 2] = [_merge(u, units[i + 1], text, stamp, pred_spans)]
    return units


_EDITABLE = ("text", "lead", "support", "targets", "deadline", "dti")


def _edited_fields(u: dict, fields: dict) -> dict:
    bad = set(fields) - set(_EDITABLE)
    if bad:
        raise ReviewError(f"edit: unknown field(s) {', '.join(sorted(bad))} (editable: {', '.join(_EDITABLE)})")
    merged = {**u, **fields}
    checked = dump(validate(UnitIn, merged, "obligation"))
    out = {k: checked[k] for k in fields}
    if "text" in out:
        out["text"] = squeeze(nfc(out["text"]))
        if not out["text"]:
            raise ReviewError("edit: the text is empty (use reject to drop an obligation)")
    return out


def _split(u: dict, at: Optional[int], text: str, stamp: dict, pred_spans: list[dict], units: list[dict]) -> list[dict]:
    body = u["text"]
    if at is None or not (0 < at < len(body)):
        raise ReviewError(f"split: the split point must fall inside the text (1..{len(body) - 1})")
    first, second = body[:at].strip(), body[at:].strip()
    if not first or not second:
        raise ReviewError("split: both parts need some text")
    a = {**u, "text": first, **stamp}
    b = {**u, "text": second, "uid": _fresh_uid(u["uid"], units), "pred_id": None, "status": "added", **stamp}
    a["status"] = "added" if u["pred_id"] is None else "edited"
    if u.get("start") is not None and u.get("end") is not None:
        # offsets follow the text: find each part inside the unit's own stretch of the document
        stretch = text[u["start"]:u["end"]]
        j = _loose_find(stretch, second)
        cut = u["start"] + (j if j is not None else at)
        a["end"], b["start"] = cut, cut
    for part in (a, b):
        part["targets"] = [t for t in u["targets"] if t["text"] in part["text"]]
        part["deadline"] = u["deadline"] if u["deadline"] and u["deadline"]["text"] in part["text"] else None
        part["spans"] = spans_in(part, text, pred_spans)
    if u["deadline"] and not a["deadline"] and not b["deadline"]:
        a["deadline"] = b["deadline"] = u["deadline"]  # an inherited deadline applies to both parts
    return [a, b]


def _loose_find(hay: str, needle: str) -> Optional[int]:
    i = hay.find(needle[:40])
    return i if i >= 0 else None


def _fresh_uid(base: str, units: list[dict]) -> str:
    taken = {u["uid"] for u in units}
    k = 2
    while f"{base}.{k}" in taken:
        k += 1
    return f"{base}.{k}"


def _merge(a: dict, b: dict, text: str, stamp: dict, pred_spans: list[dict]) -> dict:
    m = dict(a)
    if a.get("start") is not None and b.get("end") is not None and a["start"] < b["end"]:
        m["text"] = squeeze(text[a["start"]:b["end"]].replace("\n", " "))
        m["end"] = b["end"]
    else:
        m["text"] = squeeze(a["text"] + " " + b["text"])
    for k in ("lead", "support", "dti"):
        m[k] = list(dict.fromkeys(a[k] + b[k]))
    m["targets"] = a["targets"] + [t for t in b["targets"] if t not in a["targets"]]
    m["deadline"] = a["deadline"] or b["deadline"]
    m["status"] = "added" if a["pred_id"] is None else "edited"
    m["merged_from"] = [x for x in (a.get("pred_id"), b.get("pred_id")) if x]
    m.update(stamp)
    m["spans"] = spans_in(m, text, pred_spans)
    return m
