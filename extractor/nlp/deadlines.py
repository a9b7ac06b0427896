"""Deadline expressions -> Deadline(kind, date, start, every).

Kinds (see annotations/README.md): ``date`` (trước ngày 30/9/2023), ``year``
(cuối năm 2023, đến năm 2025 -> YYYY-12-31), ``period`` (2025 - 2030,
giai đoạn 2021-2025, Quý III/2024, tháng 6/2024: first to last day),
``recurring`` (hằng năm, định kỳ, hàng quý; ``every`` at the finest stated
granularity), ``from`` (từ ngày 15/01/2022, từ tháng 01/2026).

Cue words live in ``models/rules/deadlines.json``; this module holds the
numeric grammar (30/9/2023, 10 tháng 12 năm 2023, Quý III/2024) that combines
them.  Matching runs on folded text (no diacritics, lower case) so OCR'd or
unaccented input still parses; spans are offsets into the original text.

Each expression carries a ``role``: ``None`` for one that can govern the main
action, ``"purpose"`` inside a purpose clause ("Để triển khai … từ năm 2021, …")
and ``"report"`` for a bare period that is what a report covers ("đánh giá kết
quả … 06 tháng đầu năm 2024").  :func:`pick_deadline` prefers the first kind.
Years inside the names of plans, laws, programmes and budgets are no
expressions at all.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Optional

from extractor.model import Deadline
from extractor.rules import load_rules
from extractor.textutil import DOC_KINDS_RX, fold

# The numeric grammar, matched against fold(text).
_D = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?"  # 30/9/2023, 15/12
_DL = r"(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?"  # 10 tháng 12 năm 2023
_DAY = "(?:" + _D + "|" + _DL + ")"  # 6 groups
_Y = r"((?:19|20)\d{2})"
_CLOCK = r"(?:\d{1,2}\s*(?:gio|h)(?:\s*\d{2}(?:\s*phut)?)?(?:\s+(?:sang|chieu))?\s*,?\s+)"  # "trước 10 giờ ngày", "16h00"
_UNIT = r"(nam|quy|thang|tuan)"
_FINEST = ["week", "month", "quarter", "year"]


class _Grammar:
    """The patterns, built once from the rule file's lexicons."""

    def __init__(self):
        R = load_rules()
        a = lambda name: R.alt(f"deadlines.{name}")  # noqa: E731
        rec = a("recurrence_words")
        per = a("periodic")
        self.every = {fold(k): v for k, v in R.table("deadlines.tables.every").items()}
        self.roman = R.table("deadlines.tables.roman_quarters")
        self.kind_rank = R.table("deadlines.tables.kind_rank")
        self.relative = re.compile("|".join(a("next_" + u) for u in ("month", "quarter", "year")))
        nxt = "|".join(f"(?P<{u}>{a('next_' + u)})" for u in ("month", "quarter", "year"))
        self.patterns: list[tuple[str, re.Pattern]] = [(k, re.compile(p)) for k, p in [
            # "định kỳ trước ngày 15/12 hàng năm", "Định kỳ, trước ngày 10 tháng 12 hàng năm"
            ("recurring_date", rf"(?:{per}\s*,?\s*)?(?:{a('recurring_date_cues')})\s+ngay\s+{_DAY}\s+{rec}\s+{_UNIT}"),
            # "hằng năm vào ngày 10/10", "hàng quý, trước ngày 15"
            ("recurring_lead", rf"(?:{per}\s*,?\s*)?{rec}\s+{_UNIT}\s*,?\s*(?:{a('recurring_day_cues')})\s+ngay\s+(?:{_D}|(\d{{1,2}}))(?![/\d])"),
            # "trước ngày 20 hằng tháng", "trước ngày 05 của tháng liền kề", "trước ngày 15 của tháng cuối quý"
            ("recurring_day", rf"(?:{per}\s*,?\s*)?(?:{a('recurring_day_cues')})\s+(?:ngay\s+\d{{1,2}}|thang\s+\d{{1,2}})"
                              rf"\s+(?:{rec}\s+{_UNIT}|{nxt})"),
            # "Thời hạn: 30/6/2026", "Hạn hoàn thành: ngày 15/7/2026" (labelled fields, table cells)
            ("date_label", rf"(?:{a('deadline_labels')})\s*:?\s*(?:ngay\s+)?{_DAY}"),
            # "từ ngày 1-10/10/2025": days of one month
            ("day_range", rf"(?:{a('from_cues')})\s+ngay\s+(\d{{1,2}})\s*[-–]\s*{_D}(?!\d)"),
            ("from_to", rf"(?:{a('from_cues')})\s+ngay\s+{_DAY}\s+(?:{a('to_cues')})\s+(?:ngay\s+)?{_DAY}"),
            ("from", rf"(?:{a('from_cues')})\s+ngay\s+{_DAY}"),
            ("from_month", rf"(?:{a('from_cues')})\s+thang\s+(\d{{1,2}})\s*(?:[/.-]|nam)\s*{_Y}"),
            ("date", rf"(?:(?:{a('date_cues')})\s+)?{_CLOCK}?ngay\s+{_DAY}"),
            ("date_bare", rf"(?:{a('date_bare_cues')})\s+{_D}"),
            ("quarter", rf"(?:({a('quarter_cues')})\s+)?quy\s+(i{{1,3}}|iv|[1-4])\s*(?:/|nam|-)\s*{_Y}"),
            # "trong quý III" takes the document's year
            ("quarter_bare", rf"({a('quarter_cues')})\s+quy\s+(i{{1,3}}|iv|[1-4])(?![a-z0-9/-])(?!\s*(?:nam\b|/))"),
            ("half", rf"(6|06)\s+thang\s+(dau|cuoi)\s+nam\s+{_Y}"),
            ("half_bare", rf"(?:{a('bare_half_cues')})\s+(6|06)\s+thang\s+(dau|cuoi)\s+nam(?!\s*(?:nay\b)?\s*\d)"),
            ("month", rf"(?:({a('month_cues')})\s+)?thang\s+(\d{{1,2}})\s*(?:[/.-]|nam)\s*{_Y}"),  # 3/2026, 2.2026, 12-2025 (news)
            # "trong tháng 10" takes the document's year
            ("month_bare", rf"({a('bare_month_cues')})\s+thang\s+(\d{{1,2}})(?!\s*(?:/|-|\.|nam\b|\d))"),
            ("period", rf"(?:(?:trong\s+)?giai\s+doan\s+|(?:tu\s+)?nam\s+)?{_Y}\s*(?:-|–|—|den|toi)\s*(?:nam\s+)?{_Y}"),
            ("from_year", rf"(?:{a('from_cues')})\s+nam\s+{_Y}"),
            ("year", rf"(?:(?:{a('year_cues')})\s+)?nam\s+{_Y}"),
            # "đến cuối năm", "trong năm nay": the document's year
            ("this_year", rf"(?:{a('this_year')})(?!\s*\d)(?!\s+(?:{a('this_year_not_before')})\b)"),
            ("recurring", rf"(?:{per}(?:\s+{rec}\s+{_UNIT}|\s+(6|06|03|3)\s+thang)?|{rec}\s+{_UNIT})"),
        ]]
        rx = lambda name: R.rx(f"deadlines.{name}")  # noqa: E731
        # "kế hoạch (hoạt động) hằng năm": a noun phrase, two syllables between the head and the recurrence at most
        self.noun_before_recur = re.compile("(?:" + a("recurrence_noun_blockers") + r")(?:\s+[a-z]+){0,2}\s*$")
        self.growth_after = rx("growth_after")
        # "tiến bộ so với năm học 2011-2012": a baseline compared with, never a time to act in
        self.comparison_before = re.compile(r"(?:" + a("comparison_before") + r")\s*$")
        self.no_bare_year_before = re.compile(r"(?:" + a("no_bare_year_before") + r"|ngay\s+\d+\s+thang\s+\d+)\s*$")
        self.year_deadline_cue = re.compile("(?:" + a("year_deadline_cues") + ")")
        self.citation = re.compile(DOC_KINDS_RX + r"\s+(so\s+)?\d+[\w/.-]*")
        self.verb_after_citation = re.compile(r",\s*(?:" + a("deadline_verbs_after_citation") + r")\b")
        self.date_cue = rx("date_cue")
        self.before_cue, self.start_of_cue = rx("before_cue"), rx("start_of_cue")
        self.start_of_words = tuple(R.words("deadlines.start_of_words"))  # with marks
        self.citation_escape, self.recurrence_noun_after = rx("citation_escape"), rx("recurrence_noun_after")
        self.name_tail_after, self.name_tail_before = rx("name_tail_after"), rx("name_tail_before")
        self.name_head, self.name_breaker, self.direct_cue = rx("name_head"), rx("name_breaker"), rx("direct_cue")
        self.name_head_word, self.name_quoted = rx("name_head_word"), rx("name_quoted")
        self.name_head_loose = rx("name_head_loose")
        self.purpose_lead, self.purpose_clause = rx("purpose_lead"), rx("purpose_clause")
        self.report_object, self.relative_time = rx("report_object"), rx("relative_time")


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    return _Grammar()


def _iso(y: int, m: int, d: int) -> Optional[str]:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _month_end(y: int, m: int) -> str:
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def _dm(g: tuple, default_year: Optional[int]) -> tuple[int, int, Optional[int]]:
    """Day, month, year from the 6 groups of _DAY."""
    d, m, y = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
    year = int(y) if y else default_year
    return int(d), int(m), year


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding ``pos`` starts: after the last ';', '. ', ':' or line
    break (a table cell or list line is its own clause)."""
    return max(text.rfind(";", 0, pos), text.rfind(". ", 0, pos), text.rfind(":", 0, pos), text.rfind("\n", 0, pos)) + 1


def _in_citation(G: _Grammar, folded: str, start: int) -> bool:
    """Is position ``start`` inside the title of a cited document?"""
    seg = folded[_clause_start(folded, start):start]
    m = None
    for m in G.citation.finditer(seg):
        pass
    if m is None:
        return False
    # A deadline verb after the citation ends it: "... theo Quyết định số 1/QĐ, hoàn thành trước ngày"
    return not G.verb_after_citation.search(seg[m.end():])


_LINE_OPENER = re.compile(r"[\s\-+*•]*(?:(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])[.)]\s*)?")  # nothing but a list marker


def _in_name(G: _Grammar, folded: str, s: int, e: int) -> bool:
    """Is the expression part of a name ("Chương trình ... đến năm 2025, định hướng
    đến năm 2030", "Kế hoạch chuyển đổi số năm 2026", "dự toán ngân sách năm 2025")?"""
    if G.name_tail_after.match(folded[e:e + 25]):
        return True
    tail = G.name_tail_before.search(folded, max(0, s - 25), s)
    if tail and not _LINE_OPENER.fullmatch(folded, folded.rfind("\n", 0, tail.start()) + 1, tail.start()):
        return True  # "…, định hướng đến năm 2030" ends a name; a line "Định hướng đến năm 2030:" heads a list
    if G.direct_cue.match(folded[s:e]):
        return False  # "hoàn thành Kế hoạch … trong năm 2026": the cue makes it the action's time
    before = folded[_clause_start(folded, s):s]
    if G.name_quoted.search(before):
        return True  # inside a quoted title: Đề án “Phát huy vai trò … giai đoạn 2022 - 2027”
    m = G.name_head.search(before)
    if not m and not G.year_deadline_cue.match(folded, s):
        # a bare "năm 2026" may follow a name with commas ("Kế hoạch đào tạo, bồi dưỡng … năm 2026")
        m = G.name_head_loose.search(before)
    if not m:
        return False
    rest = before[m.start():]
    return not G.name_breaker.search(rest[G.name_head_word.match(rest).end():])


def _role(G: _Grammar, folded: str, lower: str, kind: str, s: int, e: int) -> Optional[str]:
    cs = _clause_start(folded, s)
    clause, lclause = folded[cs:s], lower[cs:s]
    if G.purpose_lead.search(lclause) or G.purpose_clause.search(lclause):
        return "purpose"
    if kind in ("period", "year", "quarter", "quarter_bare", "half", "half_bare", "month", "month_bare") and not G.year_deadline_cue.match(folded[s:e]) \
            and G.report_object.search(clause):
        return "report"  # "kết quả thực hiện năm 2023, 06 tháng đầu năm 2024": what is reported on
    if G.relative_time.search(clause):
        return "report"  # "các nhiệm vụ có thời hạn hoàn thành trong năm 2025": other tasks' time
    return None


def find_deadlines(text: str, doc_year: Optional[int] = None) -> list[Deadline]:
    """All time expressions in ``text``, in text order, non-overlapping."""
    G = _grammar()
    folded = fold(text)
    lower = text.lower()
    lower = lower if len(lower) == len(folded) else folded
    found: list[tuple[int, int, str, re.Match]] = []
    for kind, rx in G.patterns:
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
        dl = _build(G, kind, m, text[s:e], doc_year, folded, s)
        if dl is None:
            continue
        dl.span_start, dl.span_end = s, e
        dl.role = _role(G, folded, lower, kind, s, e)
        out.append(dl)
    return out


def _build(G: _Grammar, kind: str, m: re.Match, raw: str, doc_year: Optional[int], folded: str,
           s: int) -> Optional[Deadline]:
    g = m.groups()
    e = m.end()
    txt = raw.strip(" ,.;:")
    if kind == "recurring_day":
        unit = next((u for u in ("month", "quarter", "year") if m.group(u)), None)
        return Deadline(text=txt, kind="recurring", every=unit or G.every[g[0]])
    if kind == "recurring_date":
        return Deadline(text=txt, kind="recurring", every=G.every[g[6]])
    if kind == "recurring_lead":
        return Deadline(text=txt, kind="recurring", every=G.every[g[0]])
    if kind == "day_range":
        y = int(g[3]) if g[3] else doc_year
        if y is None or _in_citation(G, folded, s):
            return None
        start, end = _iso(y, int(g[2]), int(g[0])), _iso(y, int(g[2]), int(g[1]))
        return Deadline(text=txt, kind="period", start=start, date=end) if start and end and start < end else None
    if kind == "from_to":
        a, b = _dm(g[:6], doc_year), _dm(g[6:12], None)
        b = (b[0], b[1], b[2] or a[2])
        if a[2] is None or _in_citation(G, folded, s):
            return None
        start, end = _iso(a[2], a[1], a[0]), _iso(b[2], b[1], b[0])
        return Deadline(text=txt, kind="period", start=start, date=end) if start and end and start <= end else None
    if kind == "date_label":
        d, mth, y = _dm(g[:6], doc_year)
        iso = _iso(y, mth, d) if y is not None else None
        return Deadline(text=txt, kind="date", date=iso) if iso else None
    if kind in ("from", "date", "date_bare"):
        if _in_citation(G, folded, s) and not G.citation_escape.match(folded, s):
            return None
        if kind == "date_bare" and g[2] is None:
            return None
        d, mth, y = _dm(g[:6] if len(g) >= 6 else g + (None,) * (6 - len(g)), doc_year)
        iso = _iso(y, mth, d) if y is not None else None
        if iso is None:
            return None
        if kind == "from":
            return Deadline(text=txt, kind="from", start=iso)
        if kind == "date" and not G.date_cue.match(folded[s:]):
            return None  # a bare "ngày 06/3/2022" is a date of issue, not a deadline
        return Deadline(text=txt, kind="date", date=iso)
    if _in_citation(G, folded, s) or (kind != "recurring" and _in_name(G, folded, s, e)):
        return None
    if kind == "from_month":
        mth, y = int(g[0]), int(g[1])
        return Deadline(text=txt, kind="from", start=f"{y}-{mth:02d}-01") if 1 <= mth <= 12 else None
    if kind in ("quarter", "quarter_bare"):
        q, y = G.roman[g[1]], (int(g[2]) if kind == "quarter" else doc_year)
        if y is None:
            return None
        start = date(y, 3 * q - 2, 1)
        if g[0] and G.before_cue.match(g[0]):
            return Deadline(text=txt, kind="date", date=(start - timedelta(days=1)).isoformat())
        return Deadline(text=txt, kind="period", start=start.isoformat(), date=_month_end(y, 3 * q))
    if kind in ("half", "half_bare"):
        y = int(g[2]) if kind == "half" else doc_year
        if y is None:
            return None
        if g[1] == "dau":
            return Deadline(text=txt, kind="period", start=f"{y}-01-01", date=f"{y}-06-30")
        return Deadline(text=txt, kind="period", start=f"{y}-07-01", date=f"{y}-12-31")
    if kind in ("month", "month_bare"):
        mth = int(g[1])
        y = int(g[2]) if kind == "month" else doc_year
        if y is None or not 1 <= mth <= 12:
            return None
        if g[0] and G.before_cue.match(g[0]):
            return Deadline(text=txt, kind="date", date=(date(y, mth, 1) - timedelta(days=1)).isoformat())
        return Deadline(text=txt, kind="period", start=f"{y}-{mth:02d}-01", date=_month_end(y, mth))
    if kind == "period":
        a, b = int(g[0]), int(g[1])
        if not a < b <= a + 30 or G.comparison_before.search(folded[max(0, s - 30):s]):
            return None
        return Deadline(text=txt, kind="period", start=f"{a}-01-01", date=f"{b}-12-31")
    if kind == "from_year":
        return Deadline(text=txt, kind="from", start=f"{int(g[0])}-01-01")
    if kind == "this_year":
        return Deadline(text=txt, kind="year", date=f"{doc_year}-12-31") if doc_year else None
    if kind == "year":
        cued = G.year_deadline_cue.match(folded[s:])
        if not cued and G.no_bare_year_before.search(folded[max(0, s - 25):s]):
            return None
        if G.start_of_cue.match(folded, s):
            if any(raw.lower().startswith(c) for c in G.start_of_words):
                return None  # "đầu năm 2024" is a time reference, not a deadline
            # folded, "đầu" is also the "đấu" of "phấn đấu năm 2026": the year alone is the deadline
            txt = txt[max(0, fold(txt).find("nam ")):]  # fold keeps NFC offsets
        y = int(g[0])
        if G.before_cue.match(folded, s):
            return Deadline(text=txt, kind="date", date=f"{y - 1}-12-31")
        return Deadline(text=txt, kind="year", date=f"{y}-12-31")
    if kind == "recurring":
        if G.noun_before_recur.search(folded[max(0, s - 30):s]) or G.recurrence_noun_after.match(folded, e):
            return None  # "kế hoạch hằng năm", "tỷ lệ chi tối thiểu hằng năm"
        if G.growth_after.match(folded[e:e + 20]):
            return None  # "hằng năm tăng tối thiểu 15%": a growth rate, not a duty's rhythm
        unit = next((x for x in g if x and not x.isdigit()), None)
        return Deadline(text=txt, kind="recurring", every=G.every.get(unit, "unspecified") if unit else "unspecified")
    return None


def _rank(G: _Grammar, d: Deadline) -> tuple:
    r = G.kind_rank[d.kind]
    if d.kind == "recurring" and d.every != "unspecified" and " ngay " in f" {fold(d.text)} ":
        r = 0
    return (r, d.span_start or 0)


def pick_deadline(deadlines: list[Deadline]) -> Optional[Deadline]:
    """The one deadline an obligation carries.

    Among the expressions that may govern the main action (not a purpose clause,
    never a reported period; a purpose clause's only when nothing else is stated):
    the most specific, then the first.  A recurring duty stays recurring when it
    also names a day without a year ("Hằng năm, trước ngày 15/12") or a start
    ("Từ ngày 5/7, … hằng tuần": ``start`` is that day), at the finest
    granularity it states ("định kỳ hằng tháng … hằng quý" -> month).
    """
    G = _grammar()
    usable = [d for d in deadlines if getattr(d, "role", None) is None]
    if not usable:
        usable = [d for d in deadlines if getattr(d, "role", None) == "purpose"]
    if not usable:
        return None
    best = sorted(usable, key=lambda d: _rank(G, d))[0]
    recs = [d for d in usable if d.kind == "recurring"]
    if not recs:
        return best
    if best.kind == "from" or (best.kind == "date" and not re.search(r"\d{4}", best.text)):
        start = best.start if best.kind == "from" else None
        best = sorted(recs, key=lambda d: _rank(G, d))[0]
        best = replace(best, start=start) if start else best
    if best.kind == "recurring":
        # "của tháng liền kề" only places the day; an explicit "hằng quý" states the rhythm
        explicit = [d.every for d in recs if d.every in _FINEST and not G.relative.search(fold(d.text))]
        stated = explicit or [d.every for d in recs if d.every in _FINEST]
        if stated:
            finest = min(stated, key=_FINEST.index)
            if best.every != finest:  # the expression that states the finest rhythm, keeping any start
                best = replace(next(d for d in recs if d.every == finest), start=best.start)
        if best.start is None:
            froms = [d for d in usable if d.kind == "from"]
            if froms:
                best = replace(best, start=froms[0].start)
    return best


def cell_deadline(text: str) -> Optional[Deadline]:
    """A deadline cell that holds only a year or a month ("2025", "12/2025"), which prose
    would not count (rules: deadlines.cell_bare); spans are offsets in ``text``."""
    m = load_rules().rx("deadlines.cell_bare").fullmatch(fold(text))
    if not m:
        return None
    y, mo = int(m.group(2)), int(m.group(1)) if m.group(1) else None
    a, b = len(text) - len(text.lstrip()), len(text.rstrip())
    raw = text[a:b]
    if mo is None:
        return Deadline(text=raw, kind="year", date=f"{y}-12-31", span_start=a, span_end=b)
    if not 1 <= mo <= 12:
        return None
    return Deadline(text=raw, kind="period", date=_month_end(y, mo), start=f"{y}-{mo:02d}-01", span_start=a, span_end=b)


def parse_deadline(text: str, doc_year: Optional[int] = None) -> Optional[Deadline]:
    """Parse a deadline cell or phrase ("Hằng năm", "2025 - 2030", "Quý III/2024")."""
    return pick_deadline(find_deadlines(text, doc_year))
