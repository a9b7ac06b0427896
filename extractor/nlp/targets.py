"""Committed figures -> Target(value, unit, op).

"trên 80%" -> 80 % >; "tối thiểu 50%" -> >=; "đạt 85%" -> >=; bare "100%" -> =;
"ít nhất 02 kỳ/tháng" -> 2 kỳ/tháng >=; "1% tổng chi ngân sách" -> 1 %.
A comparator distributes over a list: "tối thiểu tương ứng là 50%, 40%, 35%".
Vietnamese numbers: "1.644.093" (thousands dots), "9,03" (decimal comma).
Ages ("trên 15 tuổi"), levels ("mức độ 3, 4"), article and document numbers
are not targets.
"""

from __future__ import annotations

import re
from typing import Optional

from extractor.model import Target
from extractor.textutil import fold

_NUM = r"(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)"
# Comparators, folded. Longest first.
_OPS: list[tuple[str, str]] = [
    ("khong vuot qua", "<="), ("khong qua", "<="), ("toi da", "<="), ("khong duoi", ">="),
    ("khong it hon", ">="), ("toi thieu", ">="), ("it nhat", ">="), ("tren", ">"), ("hon", ">"),
    ("vuot", ">"), ("duoi", "<"), ("dat", ">="), ("phan dau", "="),
]
# Units that may follow a count (folded); "x/y" rates are recognised generically.
_COUNT_UNITS = [
    "ty dong", "trieu dong", "nghin dong", "dong", "lan", "ky", "buoi", "cuoc", "tin", "bai", "chuyen muc",
    "doanh nghiep", "nguoi", "ho", "tai khoan", "ho so", "thu tuc", "dich vu", "nen tang", "he thong",
    "co so du lieu", "xa", "diem", "lop", "khoa", "hoc vien", "can bo", "thanh vien", "to", "san pham", "ung dung",
]
_RATE = re.compile(r"\s*([a-z]+(?:\s[a-z]+)?)\s*/\s*(nam|quy|thang|tuan|ngay|nguoi|ho|xa)\b")
_NOT_TARGET_AFTER = re.compile(r"\s*(tuoi|nam\b|thang\b|ngay\b|gio\b|km\b|/\d)")
_NOT_TARGET_BEFORE = re.compile(
    r"(so|muc\s+do|khoan|dieu|diem|muc|chuong|phu\s+luc|nhiem\s+ky|giai\s+doan|quyet\s+dinh|nghi\s+quyet|"
    r"cong\s+van|ke\s+hoach|thu|hang|lan\s+thu|cap\s+do|nam|ngay|thang|quy|truoc|sau|tu|den|top|cong\s+nghe)\s*$")


def _value(num: str) -> float:
    s = num
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", ".")
    return float(s)


def _op_before(folded: str, pos: int) -> Optional[tuple[str, int]]:
    """Comparator ending right before ``pos`` (allowing 'tỷ lệ', 'là', 'khoảng')."""
    window = folded[max(0, pos - 40):pos]
    for word, op in _OPS:
        m = re.search(r"(?<![a-z])" + word + r"(?:\s+(?:ty\s+le|muc|la|khoang|con\s+so|tuong\s+ung\s+la|tuong\s+ung|lan\s+luot\s+la|lan\s+luot))*\s*$", window)
        if m:
            return op, pos - (len(window) - m.start())
    return None


def find_targets(text: str) -> list[Target]:
    folded = fold(text)
    out: list[Target] = []
    list_op: Optional[str] = None  # comparator carried over a "50%, 40%, 35%" list
    last_end = -10
    for m in re.finditer(r"(?<![\w/.,])" + _NUM + r"(?![\w])", folded):
        s, e = m.start(), m.end()
        num = m.group(1)
        after = folded[e:e + 30]
        before = folded[max(0, s - 30):s]
        unit = None
        end = e
        if after.startswith("%") or after.startswith(" %"):
            unit = "%"
            end = e + after.index("%") + 1
        else:
            rm = _RATE.match(after)
            if rm:
                unit = text[e:e + rm.end()].strip()
                end = e + rm.end()
            else:
                for u in _COUNT_UNITS:
                    if re.match(r"\s+" + u + r"(?![a-z])", after):
                        um = re.match(r"\s+" + u, after)
                        unit = text[e:e + um.end()].strip()
                        end = e + um.end()
                        break
        if unit is None:
            continue
        if unit != "%" and _NOT_TARGET_AFTER.match(after):
            continue
        # "Điều 5", "mức độ 3", "đến 2025" are no figures; a percentage always is one ("đến 100% thôn")
        if unit != "%" and _NOT_TARGET_BEFORE.search(before) and not _op_before(folded, s):
            continue
        opm = _op_before(folded, s)
        # "(từ) 80% trở lên" / "5% trở xuống": the comparator follows the figure
        tail = re.match(r"\s*(tro\s+len|tro\s+xuong)(?![a-z])", folded[end:end + 15])
        if tail:
            op_after = ">=" if tail.group(1).startswith("tro l") else "<="
            start = s - 3 if folded[max(0, s - 3):s] == "tu " else s
            out.append(Target(text=text[start:end + tail.end()].strip(), value=_value(num), unit=unit, op=op_after,
                              start=start, end=end + tail.end()))
            last_end, list_op = end + tail.end(), op_after
            continue
        start = s
        if opm:
            op, op_start = opm
            # The comparator applies to this number only if nothing but its words sit between.
            start = op_start
            list_op = op
        elif list_op and re.fullmatch(r"\s*(,|va|;)\s*", folded[last_end:s] or "x"):
            op = list_op
        else:
            op = "="
            list_op = None
        if unit != "%":
            # A count needs a comparator or a rate to be a commitment ("02 kỳ/tháng" is one).
            if not opm and not _RATE.match(after) and not (list_op and op == list_op):
                continue
        value = _value(num)
        if unit == "%" and value > 100 and op in ("=", ">="):
            continue
        ttext = text[start:end].strip()
        # The text keeps the comparator only when it is contiguous (gold style: "trên 80%").
        if opm and re.search(r"\b(ty le|muc|khoang|tuong ung|lan luot)\b", folded[start:s]):
            ttext = text[s:end].strip()
        out.append(Target(text=ttext, value=value, unit=unit, op=op, start=start if ttext.startswith(text[start:start + 1]) else s, end=end))
        last_end = end
    return out
