"""One row model for every export format: the columns of a plan's annex, in groups.

STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian thực hiện | Chỉ tiêu | Chỉ số DTI |
Văn bản nguồn (số, ngày) | Trạng thái, grouped by lead agency (today's name unless ``current=False``),
by source document or by DTI main index; groups are numbered I, II, III ... and rows 1, 2, 3 ... in
each group, as plans number them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


COLUMNS = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện", "Chỉ tiêu",
           "Chỉ số DTI", "Văn bản nguồn (số, ngày)", "Trạng thái"]
FORMATS = ("xlsx", "docx", "csv", "md", "json", "ics")
GROUPS = ("agency", "document", "dti", "none")
NO_LEAD = "Chưa xác định cơ quan chủ trì"
NO_DTI = "Chưa gắn chỉ số DTI"
EVERY = {"year": "Hằng năm", "quarter": "Hằng quý", "month": "Hằng tháng", "week": "Hằng tuần"}


@dataclass
class Row:
    stt: int
    text: str
    lead: list[str]
    support: list[str]
    deadline: str
    targets: list[str]
    dti: list[str]
    source: str
    status: str
    record: dict = field(repr=False, default_factory=dict)  # the search row it came from

    def cells(self) -> list[Any]:
        return [self.stt, self.text, "; ".join(self.lead), "; ".join(self.support), self.deadline,
                "; ".join(self.targets), ", ".join(self.dti), self.source, self.status]


@dataclass
class Group:
    number: str  # I, II, ... ("" when ungrouped)
    title: str
    rows: list[Row]


def roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                 (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out += s
            n -= v
    return out


def vn_date(iso: Optional[str]) -> str:
    if not iso:
        return ""
    y, m, d = iso[:10].split("-")
    return f"{int(d):02d}/{int(m):02d}/{y}"


def deadline_label(r: dict) -> str:
    kind = r.get("deadline_kind")
    if not kind:
        return ""
    if kind == "recurring":
        return EVERY.get(r.get("deadline_every") or "", "Định kỳ") + (
            f" (trước {vn_date(r['deadline_date'])[:5]})" if r.get("deadline_date") else "")
    if kind == "from":
        return f"Từ {vn_date(r.get('deadline_start'))}" if r.get("deadline_start") else (r.get("deadline_text") or "")
    if kind == "year" and r.get("deadline_date"):
        return f"Năm {r['deadline_date'][:4]}"
    if kind == "period" and r.get("deadline_start") and r.get("deadline_date"):
        a, b = r["deadline_start"], r["deadline_date"]
        if a[:4] != b[:4]:
            return f"{a[:4]} - {b[:4]}"
        return f"{vn_date(a)} - {vn_date(b)}"
    if r.get("deadline_date"):
        return f"Trước {vn_date(r['deadline_date'])}"
    return (r.get("deadline_text") or "").strip()


def source_label(r: dict) -> str:
    parts = [p for p in (r.get("document_type"), r.get("document_number")) if p]
    s = " ".join(parts) if parts else r.get("document", "")
    if r.get("document_date"):
        s += f", {vn_date(r['document_date'])}"
    return s


def _main_names(framework: Optional[str]) -> dict[str, str]:
    from extractor.link.catalogue import load_catalogue

    cat = load_catalogue(framework)
    return {c: m.name for c, m in cat.main_indices.items()}


def build_groups(rows: list[dict], group: str = "agency", current: bool = True,
                 framework: Optional[str] = None) -> list[Group]:
    """Search rows -> numbered groups of annex rows (ungrouped: one group with an empty title)."""
    if group not in GROUPS:
        from extractor.options import OptionError

        from extractor.options import unknown

        raise OptionError(unknown("--group", group, GROUPS))
    keyed: dict[str, list[dict]] = {}
    order: dict[str, Any] = {}
    mains = _main_names(framework) if group == "dti" else {}
    for r in rows:
        if group == "agency":
            leads = r.get("lead_current") if current else r.get("lead")
            k = leads[0] if leads else NO_LEAD
            o = (k == NO_LEAD, k)
        elif group == "document":
            k = source_label(r) + (f" — {r['document']}" if r.get("document_number") is None else "")
            o = (r.get("document_date") or "", r.get("document") or "")
        elif group == "dti":
            main = r["dti"][0].split(".")[0] if r.get("dti") else None
            k = f"Chỉ số chính {main}: {mains.get(main, '')}".rstrip(": ") if main else NO_DTI
            o = (main is None, int(main) if main and main.isdigit() else 0)
        else:
            k, o = "", 0
        keyed.setdefault(k, []).append(r)
        order.setdefault(k, o)
    if group == "agency":  # agencies with most tasks first, the unassigned last
        order = {k: (k == NO_LEAD, -len(v), k) for k, v in keyed.items()}
    out = []
    for i, k in enumerate(sorted(keyed, key=lambda k: order[k]), 1):
        rs = [Row(j, r["text"], _leads(r, current), r.get("support", []),
                  deadline_label(r), r.get("targets", []), r.get("dti", []), source_label(r),
                  r.get("status_label", ""), r) for j, r in enumerate(keyed[k], 1)]
        out.append(Group(roman(i) if group != "none" else "", k, rs))
    return out


def _leads(r: dict, current: bool) -> list[str]:
    """Lead agencies as given, with today's name where it changed: "Sở TT&TT (nay là Sở KH&CN)"."""
    lead, now = r.get("lead", []), r.get("lead_current", [])
    if not current:
        return list(lead)
    return [a if a == b else f"{a} (nay là {b})" for a, b in zip(lead, now)]


def title_for(query: dict, group: str) -> str:
    by = {"agency": "theo cơ quan chủ trì", "document": "theo văn bản", "dti": "theo chỉ số chính DTI",
          "none": ""}[group]
    return " ".join(x for x in ("DANH MỤC NHIỆM VỤ CHUYỂN ĐỔI SỐ", by) if x)
