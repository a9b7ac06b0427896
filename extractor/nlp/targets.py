"""Committed figures -> Target(value, unit, op).

"trên 80%" -> 80 % >; "tối thiểu 50%" -> >=; "đạt 85%" -> >=; bare "100%" -> =;
"ít nhất 02 kỳ/tháng" -> 2 kỳ/tháng >=; "1% tổng chi ngân sách" -> 1 %;
counts with a noun "tối thiểu 01 công chức", "05 thành viên"; speeds "100 Mb/s";
rankings "nằm trong nhóm 10 tỉnh dẫn đầu", "tốp 10" (unit the word as written);
ranges "16-18%" -> 16 >=.  A comparator distributes over a list ("tối thiểu
tương ứng là 50%, 40%, 35%") and over "và" to a figure of the same unit.
Vietnamese numbers: "1.644.093" (thousands dots), "9,03" (decimal comma).
Ages ("trên 15 tuổi"), levels ("mức độ 3, 4"), article and document numbers,
results already achieved and baselines ("năm 2024 đạt 62%") are not targets.

Words, units and contexts live in ``models/rules/targets.json``; the window
lengths in ``thresholds.json`` (``targets.*``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Optional

from extractor.model import Target
from extractor.rules import load_rules
from extractor.textutil import fold

_NUM = r"(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)"
_NUMBER = re.compile(r"(?<![\w/.,])" + _NUM + r"(?![\w])")
_RANGE = re.compile(r"\s*[-–]\s*" + _NUM + r"(?![\w])")  # "16-18%": the "-18" after the first figure


class _Grammar:
    def __init__(self):
        R = load_rules()
        rx = lambda name: R.rx(f"targets.{name}")  # noqa: E731
        ops = R.table("targets.tables.comparators")
        self.ops = sorted(((fold(w), op) for w, op in ops.items()), key=lambda x: -len(x[0]))
        self.range_op = R.table("targets.tables.range_op")
        self.fillers = rx("fillers")
        self.op_rx = [(re.compile(r"(?<![a-z])" + re.escape(w).replace(r"\ ", r"\s+") + self.fillers.pattern), op)
                      for w, op in self.ops]
        self.filler_in_text = rx("filler_in_text")
        unit_rx = lambda name: [(u, re.compile(r"\s+" + re.escape(u).replace(r"\ ", r"\s+") + r"(?![a-z])"))  # noqa: E731
                                for u in sorted(R.words(f"targets.{name}"), key=len, reverse=True)]
        self.count_units = unit_rx("count_units")
        self.unit_marks = {fold(w): _marks(w) for w in R.get("targets.lexicons.count_units")}
        self.bare_units = set(R.words("targets.bare_count_units"))
        self.rate, self.speed = rx("rate"), rx("speed")
        self.not_after, self.not_before = rx("not_after"), rx("not_before")
        self.tail, self.enumeration = rx("tail"), rx("enumeration")
        self.rank, self.rank_before, self.rank_after = rx("rank"), rx("rank_before"), rx("rank_after")
        self.list_gap, self.carry_gap = rx("list_gap"), rx("carry_gap")
        self.baseline, self.year_before = rx("baseline"), rx("year_before")
        self.range_from, self.range_to_pct = rx("range_from"), rx("range_to_pct")
        self.result_after = rx("result_after")
        self.purpose, self.goal, self.past_sentence = rx("purpose"), rx("goal"), rx("past_sentence")
        self.window = int(R.threshold("targets.comparator_window_chars"))
        self.carry_chars = int(R.threshold("targets.carry_gap_chars"))
        self.baseline_chars = int(R.threshold("targets.baseline_window_chars"))


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    return _Grammar()


def _marks(word: str) -> tuple:
    """The diacritics a word carries, wherever they sit ("khoá" = "khóa"; "đội" != "đối")."""
    d = unicodedata.normalize("NFD", word.lower())
    return tuple(sorted(c for c in d if unicodedata.combining(c))) + (d.count("đ"),)


def _value(num: str) -> float:
    s = num
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", ".")
    return float(s)


def _op_before(G: _Grammar, folded: str, pos: int) -> Optional[tuple[str, int]]:
    """Comparator ending right before ``pos`` (allowing 'tỷ lệ', 'là', 'khoảng')."""
    window = folded[max(0, pos - G.window):pos]
    for rx, op in G.op_rx:
        m = rx.search(window)
        if m:
            return op, pos - (len(window) - m.start())
    return None


def _unit(G: _Grammar, text: str, folded: str, e: int) -> tuple[Optional[str], int, str]:
    """The unit after a figure ending at ``e``: (unit as written, end, kind of unit)."""
    after = folded[e:e + 40]
    if after.startswith("%") or after.startswith(" %"):
        return "%", e + after.index("%") + 1, "%"
    sm = G.speed.match(after)
    if sm:
        return text[e:e + sm.end()].strip(), e + sm.end(), "speed"
    rm = G.rate.match(after)
    if rm:
        return text[e:e + rm.end()].strip(), e + rm.end(), "rate"
    for u, urx in G.count_units:
        um = urx.match(after)
        written = text[e:e + um.end()].strip() if um else ""
        if um and (written.isascii() or _marks(written) == G.unit_marks[u]):
            # with its marks a unit must carry the unit's marks: folded, "2025 Đối với …" would count "đội"
            return written, e + um.end(), "bare" if u in G.bare_units else "count"
    return None, e, ""


def _clause_start(folded: str, pos: int) -> int:
    return max(folded.rfind(";", 0, pos), folded.rfind(". ", 0, pos), folded.rfind("\n", 0, pos),
               folded.rfind("(", 0, pos)) + 1


def _is_baseline(G: _Grammar, folded: str, lower: str, s: int, doc_year: Optional[int],
                 years: list[tuple[int, bool, int]]) -> bool:
    """A result already achieved or a baseline: "đã đạt 62%", "(năm 2019 tỉnh đạt 0,482 điểm"."""
    a = max(_clause_start(folded, s), s - G.baseline_chars)
    if G.baseline.search(lower[a:s]):
        return True
    # a year before the document's (undated: before every target year stated), with no "đến"/"trong",
    # in a clause that does not set a goal ("Phấn đấu … năm 2025 nằm trong nhóm …")
    now = doc_year or min((y for _, cued, y in years if cued), default=None)
    if now is None or G.goal.search(folded[a:s]):
        return False
    return any(a <= ys < s and not cued and y < now for ys, cued, y in years)


def _aside(G: _Grammar, folded: str, lower: str, s: int) -> bool:
    """A bare count in a parenthesis or a purpose clause explains or refers to a goal
    set elsewhere ("(điểm tuyệt đối chỉ 1 điểm)", "để đạt được 94 tiêu chí, ..."); after
    a past or result marker it reports ("đã thành lập 460 tổ", "hiện nay có 66 cán bộ")."""
    a = max(folded.rfind(";", 0, s), folded.rfind(". ", 0, s), folded.rfind("\n", 0, s)) + 1
    sentence = max(folded.rfind(". ", 0, s), folded.rfind("\n", 0, s)) + 1
    return (folded.rfind("(", a, s) > folded.rfind(")", a, s) or bool(G.purpose.search(lower[a:s]))
            or bool(G.past_sentence.search(lower[sentence:s])))


def find_targets(text: str, doc_year: Optional[int] = None) -> list[Target]:
    """The committed figures in ``text`` in text order; ``doc_year`` tells a baseline
    ("năm 2024 đạt 62%" in a 2025 letter) from a target."""
    G = _grammar()
    folded = fold(text)
    lower = text.lower()
    lower = lower if len(lower) == len(folded) else folded
    years = [(m.start(2), bool(m.group(1)), int(m.group(2))) for m in G.year_before.finditer(folded)]
    out: list[Target] = []
    used_until = -1
    list_op: Optional[str] = None  # comparator carried over a "50%, 40%, 35%" list
    last_end, last_unit = -10, None

    def add(t: Target, op: Optional[str], unit_key: Optional[str]) -> None:
        nonlocal last_end, last_unit, list_op, used_until
        out.append(t)
        last_end, last_unit, list_op, used_until = t.end, unit_key, op, t.end

    # Rankings first: "nằm trong nhóm 10 tỉnh dẫn đầu", "tốp 10" (their figure is no count)
    ranks = []
    for m in G.rank.finditer(folded):
        s, e = m.start(), m.end()
        # "top 10" is always a rank; "nhóm 10" only where a ranking is spoken of
        if (not m.group(1).startswith("nhom") or G.rank_before.search(folded[max(0, s - 20):s])
                or G.rank_after.match(folded[e:])):
            ranks.append((s, e, Target(text=text[s:e], value=float(m.group(2)), unit=text[s:m.start(2)].strip(),
                                       op="=", start=s, end=e)))
    ri = 0
    for m in _NUMBER.finditer(folded):
        s, e = m.start(), m.end()
        while ri < len(ranks) and ranks[ri][0] <= s:
            rs, re_, rt = ranks[ri]
            ri += 1
            if not _is_baseline(G, folded, lower, rs, doc_year, years):
                add(rt, None, None)
        if s < used_until:
            continue
        num = m.group(1)
        low = None
        rg = _RANGE.match(folded, e)
        if rg and (folded[rg.end():rg.end() + 2].lstrip().startswith("%") or _unit(G, text, folded, rg.end())[0]):
            low, e = num, rg.end()  # "16-18%", "1-2 bậc": the lower end
            num = rg.group(1)
        unit, end, ukind = _unit(G, text, folded, e)
        before = folded[max(0, s - 30):s]
        opm = _op_before(G, folded, s)
        if unit is None:
            # "tối thiểu là 0,5": a score after a comparator needs no unit
            if not (opm and re.fullmatch(r"\d{1,2}[,.]\d{1,2}", num) and opm[0] != "="):
                continue
            unit, end, ukind = "", e, "score"
        if ukind != "%" and G.not_after.match(folded[e:e + 30]):
            continue
        # "Điều 5", "mức độ 3", "đến 2025" are no figures; a percentage always is one ("đến 100% thôn")
        if ukind != "%" and G.not_before.search(before) and not opm:
            continue
        if _is_baseline(G, folded, lower, s, doc_year, years):
            continue
        rf = G.range_from.search(folded, max(0, s - 6), s) if ukind == "%" and low is None and not opm else None
        rt = G.range_to_pct.match(folded, end) if rf else None
        if rt:  # "từ 16% đến 18%": the lower end
            add(Target(text=text[rf.start():rt.end()].strip(), value=_value(num), unit="%", op=G.range_op,
                       start=rf.start(), end=rt.end()), None, "%")
            continue
        value = _value(low or num)
        # "(từ) 80% trở lên" / "5% trở xuống": the comparator follows the figure
        tail = G.tail.match(folded, end)
        if tail:
            op_after = ">=" if tail.group(1).startswith("tro l") else "<="
            start = s - 3 if folded[max(0, s - 3):s] == "tu " else s
            add(Target(text=text[start:tail.end()].strip(), value=value, unit=unit, op=op_after,
                       start=start, end=tail.end()), op_after, fold(unit))
            continue
        start = s
        carried = False
        if opm:
            op, start = opm
        elif list_op and (G.list_gap.fullmatch(folded, last_end, s)
                          or (fold(unit) == last_unit and s - last_end <= G.carry_chars
                              and G.carry_gap.fullmatch(folded, last_end, s))):
            op, carried = list_op, True
        elif low is not None:
            op = G.range_op
        else:
            op = "="
        if ukind == "%" and value > 100 and op in ("=", ">="):
            continue  # "đạt 120% kế hoạch" is a result; no share to reach exceeds the whole
        if ukind in ("count", "bare") and not (opm or carried):
            # a count commits when a comparator sets it, or it counts people, teams, money ...
            if (ukind == "count" or G.enumeration.match(folded, end) or G.result_after.match(folded, end)
                    or _aside(G, folded, lower, s)):
                list_op = None
                continue
        ttext = text[start:end].strip()
        # The text keeps the comparator only when it is contiguous (gold style: "trên 80%").
        if opm and G.filler_in_text.search(folded[start:s]):
            ttext = text[s:end].strip()
        add(Target(text=ttext, value=value, unit=unit, op=op,
                   start=start if ttext.startswith(text[start:start + 1]) else s, end=end),
            op if (opm or carried) else None, fold(unit))
    for rs, re_, rt in ranks[ri:]:
        if not _is_baseline(G, folded, lower, rs, doc_year, years):
            out.append(rt)
    return sorted(out, key=lambda t: t.start or 0)
