"""CSV (UTF-8 with BOM, so Excel shows Vietnamese), Markdown, JSON in the gold shape, and ICS."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from typing import Optional

from extractor.export.rows import COLUMNS, Group


def write_csv(groups: list[Group], title: str = "", store=None) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Nhóm", *COLUMNS, "Mã"])
    for g in groups:
        for r in g.rows:
            w.writerow([f"{g.number}. {g.title}" if g.number else g.title, *r.cells(), r.record.get("id", "")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _md(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def write_markdown(groups: list[Group], title: str = "", store=None) -> bytes:
    lines = [f"# {title}", ""] if title else []
    for g in groups:
        if g.title:
            lines += [f"## {g.number}. {g.title}", ""]
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append("|" + "|".join("---:" if c == "STT" else "---" for c in COLUMNS) + "|")
        for r in g.rows:
            lines.append("| " + " | ".join(_md(c) for c in r.cells()) + " |")
        lines.append("")
    return "\n".join(lines).encode("utf-8")


def write_json(groups: list[Group], title: str = "", store=None) -> bytes:
    """One gold-shaped (``dti-gold/1``) document per source document, with the obligations exported."""
    from extractor.store.export import SCHEMA

    rows = [r.record for g in groups for r in g.rows]
    targets: dict[str, list] = {}
    metas: dict[str, dict] = {}
    if store is not None and rows:
        conn = store.db.conn
        ids = [r["id"] for r in rows]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for oid, text, value, unit, op in conn.execute(
                    f"select obligation_id, text, value, unit, op from targets where obligation_id in "
                    f"({','.join('?' * len(chunk))}) order by rowid", chunk):
                v = int(value) if value is not None and float(value).is_integer() else value
                targets.setdefault(oid, []).append({"text": text, "value": v, "unit": unit, "op": op})
        for d in conn.execute("select id, name, number, type, issuer, province, issued_date, signer from documents"):
            metas[d[0]] = {"source": d[1], "document": dict(zip(("number", "type", "issuer", "province",
                                                                 "issued_date", "signer"), d[2:]))}
    docs: dict[str, dict] = {}
    for r in rows:
        did = r["document_id"]
        d = docs.setdefault(did, {"schema": SCHEMA, **metas.get(did, {"source": r.get("document"), "document": {}}),
                                  "obligations": []})
        dl = None
        if r.get("deadline_kind"):
            dl = {"text": r.get("deadline_text"), "kind": r["deadline_kind"], "date": r.get("deadline_date"),
                  "start": r.get("deadline_start")}
            if r.get("deadline_every"):
                dl["every"] = r["deadline_every"]
        d["obligations"].append({"id": r["id"], "text": r["text"], "lead": r.get("lead", []),
                                 "support": r.get("support", []), "targets": targets.get(r["id"], []),
                                 "deadline": dl, "dti": r.get("dti", []), "status": r.get("status"),
                                 "page": r.get("page"), "source_line": r.get("source_line")})
    out = {"schema": SCHEMA, "title": title, "documents": list(docs.values())}
    return (json.dumps(out, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_FREQ = {"year": ("YEARLY", 1), "quarter": ("MONTHLY", 3), "month": ("MONTHLY", 1), "week": ("WEEKLY", 1)}


def write_ics(groups: list[Group], as_of: Optional[str] = None, store=None) -> bytes:
    """One all-day event per dated obligation on its due date; recurring ones from their next occurrence
    with an RRULE; lead agency, source document and the full text in the description."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//dti-extractor//obligations//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Nhiệm vụ chuyển đổi số")
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    for g in groups:
        for r in g.rows:
            rec = r.record
            due = rec.get("due")
            if not due:
                continue
            ev = Event()
            ev.add("uid", f"{rec['id']}@dti-extractor")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", date.fromisoformat(due))
            summary = rec["text"] if len(rec["text"]) <= 120 else rec["text"][:119].rstrip() + "…"
            ev.add("summary", summary)
            desc = [rec["text"], "", f"Chủ trì: {'; '.join(r.lead) or '-'}"]
            if r.support:
                desc.append(f"Phối hợp: {'; '.join(r.support)}")
            desc.append(f"Thời gian thực hiện: {r.deadline}")
            desc.append(f"Văn bản nguồn: {r.source} ({rec.get('document')}"
                        + (f", {rec['location']}" if rec.get("location") else "") + ")")
            if r.dti:
                desc.append(f"Chỉ số DTI: {', '.join(r.dti)}")
            desc.append(f"Trạng thái: {r.status}")
            ev.add("description", "\n".join(desc))
            if r.lead:
                ev.add("categories", [r.lead[0]])
            if rec.get("deadline_kind") == "recurring" and rec.get("deadline_every") in _FREQ:
                freq, interval = _FREQ[rec["deadline_every"]]
                rule = {"freq": freq, "interval": interval}
                if rec["deadline_every"] in ("quarter", "month") and due[8:] >= "28":
                    rule["bymonthday"] = -1  # the end of each month/quarter, not "the 30th"
                ev.add("rrule", rule)
            cal.add_component(ev)
    return cal.to_ical()
