"""Positioned text pieces every page reader produces (PDF layer, OCR, widgets) and
the table cells found among them; layout.py and tables.py both read these."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Optional, Union

from extractor.model import BBox

# --------------------------------------------------------------------------- data


@dataclass
class Seg:
    """A run of text on one visual line."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0  # font size in points (box height for OCR)
    bold: list[bool] = field(default_factory=list)  # per character of ``text``; [] = none bold
    origin: str = "layer"

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


@dataclass
class RawCell:
    text: str
    bbox: BBox
    bold: list[bool] = field(default_factory=list)


@dataclass
class RawTable:
    """A table before emission: rows of RawCell (a merged cell is the same object
    in every grid position it covers)."""

    bbox: BBox
    page: int
    rows: list[list[RawCell]]
    row_pages: list[int] = field(default_factory=list)
    header_rows: int = 1
    origin: str = "layer"

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class PLine:
    """A physical line in reading order."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: list[bool]
    page: int
    col: tuple = ("main",)
    cl: float = 0.0  # column's left edge
    cr: float = 0.0  # column's right edge
    origin: str = "layer"
    kind: str = "body"  # body | footnote

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


Item = Union[PLine, RawTable]


@dataclass
class PageFlow:
    number: int
    width: float
    height: float
    items: list[Item]
    origin: str = "layer"
    quality: Optional[float] = None
    note: Optional[str] = None


# --------------------------------------------------------------------------- characters -> segments

# Character tuple used by readers: (ch, x0, top, x1, bottom, size, bold)
_SPACE_CHARS = {" ", "\u00a0", "\t", "\u2002", "\u2003", "\u2009", "\u3000"}


def segs_from_chars(chars: list[tuple], origin: str = "layer") -> list[Seg]:
    """Group characters (in content-stream order) into runs on one line.

    A new run starts at an explicit line break (ch == "\\n"), when the next
    character jumps vertically, goes backwards, or leaves a gap wider than
    about one em (column gutters, table-like alignment, widget values).
    """
    segs: list[Seg] = []
    cur: list[tuple] = []

    def flush():
        if not cur:
            return
        text_chars = []
        bold = []
        x0 = min(c[1] for c in cur if c[0] not in _SPACE_CHARS) if any(c[0] not in _SPACE_CHARS for c in cur) else None
        if x0 is None:
            cur.clear()
            return
        vis = [c for c in cur if c[0] not in _SPACE_CHARS and not unicodedata.combining(c[0])]
        if not vis:
            vis = [c for c in cur if c[0] not in _SPACE_CHARS]
        for c in cur:
            ch = " " if c[0] in _SPACE_CHARS else c[0]
            if ch == " " and (not text_chars or text_chars[-1] == " "):
                continue
            text_chars.append(ch)
            bold.append(bool(c[6]))
        while text_chars and text_chars[-1] == " ":
            text_chars.pop()
            bold.pop()
        text, boldn = _nfc_with_flags(text_chars, bold)
        sizes = sorted(c[5] for c in vis)
        size = sizes[len(sizes) // 2] if sizes else 0.0
        segs.append(Seg(
            text=text,
            x0=min(c[1] for c in vis), top=min(c[2] for c in vis),
            x1=max(c[3] for c in vis), bottom=max(c[4] for c in vis),
            size=size, bold=boldn if any(boldn) else [], origin=origin,
        ))
        cur.clear()

    last = None  # last visible char
    for c in chars:
        ch = c[0]
        if ch == "\n":
            flush()
            last = None
            continue
        if ch in _SPACE_CHARS:
            if cur:
                cur.append(c)
            continue
        if unicodedata.combining(ch):
            if cur:
                cur.append(c)
            continue
        if last is not None:
            size = max(last[5], c[5], 1.0)
            mid_last = (last[2] + last[4]) / 2
            mid = (c[2] + c[4]) / 2
            gap = c[1] - last[3]
            if abs(mid - mid_last) > 0.6 * size or gap < -0.5 * size or gap > 1.15 * size:
                flush()
            elif gap > 0.4 * size and cur and cur[-1][0] not in _SPACE_CHARS:
                # pdfium normally inserts a space; make sure words stay apart.
                cur.append((" ",) + tuple(c[1:]))
        cur.append(c)
        last = c
    flush()
    return [s for s in segs if s.text.strip()]


def _nfc_with_flags(chars: list[str], flags: list[bool]) -> tuple[str, list[bool]]:
    """NFC a character list, carrying each base character's flag to its composed form."""
    out_t: list[str] = []
    out_f: list[bool] = []
    i = 0
    n = len(chars)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(chars[j]):
            j += 1
        cluster = "".join(chars[i:j])
        if j - i > 1 or not cluster.isascii():
            cluster = unicodedata.normalize("NFC", cluster)
        out_t.append(cluster)
        out_f.extend([flags[i]] * len(cluster))
        i = j
    return "".join(out_t), out_f


# --------------------------------------------------------------------------- rows and columns


def _rows(segs: list[Seg]) -> list[list[Seg]]:
    """Group segments into visual rows (top to bottom), each sorted left to right."""
    rows: list[list[Seg]] = []
    bounds: list[tuple[float, float]] = []  # core top/bottom of each row
    for s in sorted(segs, key=lambda s: ((s.top + s.bottom) / 2, s.x0)):
        placed = False
        # only the last few rows can overlap (sorted by centre)
        for k in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
            t, b = bounds[k]
            ov = min(b, s.bottom) - max(t, s.top)
            if ov >= 0.45 * min(b - t, s.height):
                rows[k].append(s)
                placed = True
                break
        if not placed:
            rows.append([s])
            bounds.append((s.top, s.bottom))
    for r in rows:
        r.sort(key=lambda s: s.x0)
    return rows


