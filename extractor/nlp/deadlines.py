"""Deadline expressions -> Deadline(kind, date, start, every).

Kinds (see annotations/README.md): ``date`` (trước ngày 30/9/2023), ``year``
(cuối năm 2023, đến năm 2025 -> YYYY-12-31), ``period`` (2025 - 2030,
giai đoạn 2021-2025, Quý III/2024, tháng 6/2024), ``recurring`` (hằng năm,
định kỳ, hàng quý; ``every``), ``from`` (từ ngày 15/01/2022).

Matching runs on folded text (no diacritics, lower case) so OCR'd or
unaccented input still parses; spans are offsets into the original text.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Optional

from extractor.model import Deadline
from extractor.textutil import DOC_KINDS_RX, fold

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_EVERY = {"nam": "year", "quy": "quarter", "thang": "month", "tuan": "week"}

# Everything below is matched against fold(text).
_D = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?"  # 30/9/2023, 15/12
_DL = r"(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?"  # 10 tháng 12 năm 2023
_Y = r"((?:19|20)\d{2})"
_RECUR = r"(?:hang|hang|hang)\s+(nam|quy|thang|tuan)|hang\s+(nam|quy|thang|tuan)"

PATTERNS: list[tuple[str, re.Pattern]] = [
    # "định kỳ trước ngày 15/12 hàng năm", "Định kỳ, trước ngày 10 tháng 12 hàng năm"
    ("recurring_date", re.compile(
        r"(?:(?:theo\s+)?dinh\s+ky\s*,?\s*)?(?:truoc|vao|trong|den|cham\s+nhat(?:\s+la)?)\s+ngay\s+(?:" + _D + "|" + _DL + r")\s+(?:hang|hang)\s+(nam|quy|thang)")),
    # "trước ngày 20 hằng tháng", "vào tháng 12 hằng năm", "trước ngày 15 của tháng cuối quý"
    ("recurring_day", re.compile(
        r"(?:(?:theo\s+)?dinh\s+ky\s*,?\s*)?(?:truoc|vao|trong|cham\s+nhat)\s+(?:ngay\s+\d{1,2}|thang\s+\d{1,2})"
        r"\s+(?:(?:hang|moi)\s+(nam|quy|thang|tuan)|cua\s+thang\s+cuoi\s+(quy))")),
    ("from", re.compile(r"(?:ke\s+)?tu\s+ngay\s+(?:" + _D + "|" + _DL + ")")),
    ("date", re.compile(
        r"(?:(?:truoc|cham\s+nhat(?:\s+(?:la|vao))?|han\s+chot|den|trong|vao)\s+)?ngay\s+(?:" + _D + "|" + _DL + ")")),
    ("date_bare", re.compile(r"(?:truoc|cham\s+nhat|den)\s+(?:" + _D + ")")),
    ("quarter", re.compile(r"(?:(truoc|trong|den\s+het|cuoi)\s+)?quy\s+(i{1,3}|iv|[1-4])\s*(?:/|nam|-)\s*" + _Y)),
    ("half", re.compile(r"(6|06)\s+thang\s+(dau|cuoi)\s+nam\s+" + _Y)),
    ("month", re.compile(r"(?:(truoc|trong|den\s+het|cuoi|den|dau)\s+)?thang\s+(\d{1,2})\s*(?:/|nam)\s*" + _Y)),
    ("period", re.compile(r"(?:(?:trong\s+)?giai\s+doan\s+|(?:tu\s+)?nam\s+)?" + _Y + r"\s*(?:-|–|—|den|toi)\s*(?:nam\s+)?" + _Y)),
    ("from_year", re.compile(r"(?:ke\s+)?tu\s+nam\s+" + _Y)),
    ("year", re.compile(r"(?:(?:den\s+het|den\s+cuoi|den|trong|cuoi|het|truoc|trong\s+nam|dau)\s+)?nam\s+" + _Y)),
    ("recurring", re.compile(
        r"(?:(?:theo\s+)?dinh\s+ky(?:\s+(?:hang|hang)\s+(nam|quy|thang|tuan)|\s+(6|06|03|3)\s+thang)?|(?:hang|hang)\s+(nam|quy|thang|tuan)|moi\s+(nam|quy|thang|tuan))")),
]
# Kinds win over each other in this order when an obligation states several.
PRIORITY = {"recurring_date": 0, "recurring_day": 0, "from": 1, "date": 1, "date_bare": 1, "quarter": 2, "half": 2, "month": 2,
            "period": 3, "from_year": 3, "year": 4, "recurring": 5}

# "hằng năm" inside a noun phrase is not a deadline ("kế hoạch hằng năm").
_NOUN_BEFORE_RECUR = re.compile(
    r"(ke\s+hoach|ngan\s+sach|toi\s+thieu|toi\s+da|kinh\s+phi|du\s+toan|chuong\s+trinh|chi\s+tieu|nhiem\s+vu|"
    r"bao\s+cao\s+dinh\s+ky|thu\s+nhap|tang\s+truong|binh\s+quan|danh\s+gia|cong\s+tac|le\s+hoi)\s*$")
# A date inside a citation ("Quyết định số 749/QĐ-TTg ngày 03/6/2020 ... đến năm 2025")
_CITATION = re.compile(DOC_KINDS_RX + r"\s+(so\s+)?\d+[\w/.-]*")
_NO_BARE_YEAR_BEFORE = re.compile(r"(so\s+voi|ket\s+qua|nhiem\s+ky|so\s+lieu|cua|ngay\s+\d+\s+thang\s+\d+|khoa|tu)\s*$")


def _iso(y: int, m: int, d: int) -> Optional[str]:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _month_end(y: int, m: int) -> str:
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def _dm(g: tuple, default_year: Optional[int]) -> tuple[Optional[int], Optional[int], Optional[int]]:
    """Day, month, year from the 6 groups of (_D | _DL)."""
    d, m, y = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
    year = int(y) if y else default_year
    return int(d), int(m), year


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding ``pos`` starts: after the last ';', '. ', ':' or line
    break (a table cell or list line is its own clause)."""
    return max(text.rfind(";", 0, pos), text.rfind(". ", 0, pos), text.rfind(":", 0, pos), text.rfind("\n", 0, pos)) + 1


def _in_citation(folded: str, start: int) -> bool:
    """Is position ``start`` inside the title of a cited document?"""
    clause_start = _clause_start(folded, start) - 1
    seg = folded[clause_start + 1:start]
    m = None
    for m in _CITATION.finditer(seg):
        pass
    if m is None:
        return False
    # A deadline verb after the citation ends it: "... theo Quyết định số 1/QĐ, hoàn thành trước ngày"
    tail = seg[m.end():]
    return not re.search(r",\s*(hoan\s+thanh|bao\s+cao|xong|thuc\s+hien)\b", tail)


def find_deadlines(text: str, doc_year: Optional[int] = None) -> list[Deadline]:
    """All deadline expressions in ``text``, in text order, non-overlapping."""
    folded = fold(text)
    found: list[tuple[int, int, str, re.Match]] = []
    for kind, rx in PATTERNS:
        for m in rx.finditer(folded):
            s, e = m.start(), m.end()
            if s > 0 and folded[s - 1].isalnum():
                continue
            if e < len(folded) and folded[e].isalnum():
                continue
            if any(s < fe and fs < e for fs, fe, _, _ in found):
                continue
            found.append((s, e, kind, m))
    out: list[Deadline] = []
    for s, e, kind, m in sorted(found, key=lambda f: f[0]):
        dl = _build(kind, m, text[s:e], doc_year, folded, s, text)
        if dl is None:
            continue
        dl.span_start, dl.span_end = s, e
        out.append(dl)
    return out


def _in_title(text: str, folded: str, s: int, e: int) -> bool:
    """Is the expression part of a programme's name ("Chương trình ... đến năm
    2025, định hướng đến năm 2030", "Đề án ... tầm nhìn 2045")?"""
    if re.match(r"\s*,?\s*(dinh huong|tam nhin)", folded[e:e + 25]) or re.search(r"(dinh huong|tam nhin)\s*(den\s*)?(nam\s*)?$", folded[max(0, s - 25):s]):
        return True
    clause = _clause_start(text, s)
    return bool(re.search(r"(?<![\w])(Chương trình|Đề án|Chiến lược|Kế hoạch|Nghị quyết|Quyết định)\s+[^,;]{0,120}$", text[clause:s]))


def _build(kind: str, m: re.Match, raw: str, doc_year: Optional[int], folded: str, s: int,
           raw_text: str = "") -> Optional[Deadline]:
    g = m.groups()
    txt = raw.strip(" ,.;:")
    if kind == "recurring_day":
        return Deadline(text=txt, kind="recurring", every=_EVERY[g[0] or g[1]])
    if kind == "recurring_date":
        every = _EVERY[g[6]]
        return Deadline(text=txt, kind="recurring", every=every)
    if kind in ("from", "date", "date_bare"):
        if _in_citation(folded, s) and not folded[s:].startswith(("truoc", "cham", "han", "tu", "ke")):
            return None
        d, mth, y = _dm(g[:6] if len(g) >= 6 else g + (None,) * (6 - len(g)), doc_year)
        if kind == "date_bare" and g[2] is None:
            return None
        if y is None:
            return None
        iso = _iso(y, mth, d)
        if iso is None:
            return None
        if kind == "from":
            return Deadline(text=txt, kind="from", start=iso)
        if kind == "date" and not re.match(r"(hoan\s+thanh\s+)?(truoc|cham|han|den|trong|vao)", folded[s:]):
            return None  # a bare "ngày 06/3/2022" is a date of issue, not a deadline
        return Deadline(text=txt, kind="date", date=iso)
    if _in_citation(folded, s) or (kind != "recurring" and _in_title(raw_text, folded, s, m.end())):
        return None
    if kind == "quarter":
        q = _ROMAN[g[1]]
        y = int(g[2])
        start = date(y, 3 * q - 2, 1)
        end = _month_end(y, 3 * q)
        if g[0] == "truoc":
            return Deadline(text=txt, kind="date", date=(start - timedelta(days=1)).isoformat())
        return Deadline(text=txt, kind="period", start=start.isoformat(), date=end)
    if kind == "half":
        y = int(g[2])
        if g[1] == "dau":
            return Deadline(text=txt, kind="period", start=f"{y}-01-01", date=f"{y}-06-30")
        return Deadline(text=txt, kind="period", start=f"{y}-07-01", date=f"{y}-12-31")
    if kind == "month":
        mth, y = int(g[1]), int(g[2])
        if not 1 <= mth <= 12:
            return None
        if g[0] == "truoc":
            return Deadline(text=txt, kind="date", date=(date(y, mth, 1) - timedelta(days=1)).isoformat())
        return Deadline(text=txt, kind="period", start=f"{y}-{mth:02d}-01", date=_month_end(y, mth))
    if kind == "period":
        a, b = int(g[0]), int(g[1])
        if not a < b <= a + 30:
            return None
        return Deadline(text=txt, kind="period", start=f"{a}-01-01", date=f"{b}-12-31")
    if kind == "from_year":
        return Deadline(text=txt, kind="from", start=f"{int(g[0])}-01-01")
    if kind == "year":
        if not re.match(r"(den|trong|cuoi|het|truoc|dau)", folded[s:]) and _NO_BARE_YEAR_BEFORE.search(folded[max(0, s - 25):s]):
            return None
        if folded[s:].startswith("dau"):
            return None  # "đầu năm 2024" is a time reference, not a deadline
        y = int(g[0])
        if folded[s:].startswith("truoc"):
            return Deadline(text=txt, kind="date", date=f"{y - 1}-12-31")
        return Deadline(text=txt, kind="year", date=f"{y}-12-31")
    if kind == "recurring":
        if _NOUN_BEFORE_RECUR.search(folded[max(0, s - 30):s]) or folded[m.end():].startswith(" va giai doan"):
            return None
        unit = next((x for x in g if x and not x.isdigit()), None)
        every = _EVERY.get(unit, "unspecified") if unit else "unspecified"
        return Deadline(text=txt, kind="recurring", every=every)
    return None


def pick_deadline(deadlines: list[Deadline]) -> Optional[Deadline]:
    """The one deadline an obligation carries: the most specific, then the first."""
    if not deadlines:
        return None
    order = {"date": 1, "from": 1, "period": 3, "year": 4, "recurring": 5}

    def rank(d: Deadline) -> tuple:
        r = order[d.kind]
        if d.kind == "recurring" and d.every != "unspecified" and " ngay " in f" {fold(d.text)} ":
            r = 0
        return (r, d.span_start or 0)

    return sorted(deadlines, key=rank)[0]


def parse_deadline(text: str, doc_year: Optional[int] = None) -> Optional[Deadline]:
    """Parse a deadline cell or phrase ("Hằng năm", "2025 - 2030", "Quý III/2024")."""
    return pick_deadline(find_deadlines(text, doc_year))
