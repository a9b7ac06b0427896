"""Page layout: positioned text pieces -> reading-order paragraphs -> SourceText.

Every page reader (PDF text layer, OCR, signature widgets) hands this module
the same thing: ``Seg`` objects (a run of text on one visual line with its box
in PDF points, top-left origin) and ``RawTable`` objects (from tables.py).
From there on nothing depends on where the text came from:

1. ``order_page``: rows of segments, two-column regions (the national-motto
   header, the "Nơi nhận / chữ ký" block, two-column body text) found by a
   vertical gutter shared by consecutive rows and read left column first;
   tables placed where they stand on the page.
2. ``strip_furniture``: running headers/footers and page numbers removed
   (top/bottom zone lines that are page numbers or repeat across pages).
3. ``assemble``: physical lines joined into paragraphs (wrapped lines,
   de-hyphenation, across page breaks and past footnotes), then text, ``Line``
   objects with page/bbox/bold ranges/heading flag, ``Table`` objects with cell
   offsets, and ``PageInfo`` offsets.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Optional

from extractor.model import Cell, Line, PageInfo, Table
from extractor.ingest.geometry import Item, PageFlow, PLine, RawTable, Seg, _rows
from extractor.ingest.tables import merge_across_pages
from extractor.textutil import fold

def _row_top(row: list[Seg]) -> float:
    return min(s.top for s in row)


def _free_intervals(row: list[Seg], lo: float, hi: float) -> list[tuple[float, float]]:
    occ = sorted((s.x0, s.x1) for s in row)
    free = []
    x = lo
    for a, b in occ:
        if a > x:
            free.append((x, a))
        x = max(x, b)
    if x < hi:
        free.append((x, hi))
    return free


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if hi > lo:
                out.append((lo, hi))
    return out


MIN_GUTTER = 12.0  # points


def _regions(rows: list[list[Seg]], depth: int = 0) -> list[tuple[list[list[Seg]], Optional[float]]]:
    """Split rows into regions; a region is either single-column (gutter None) or
    two columns separated at x = gutter."""
    if not rows:
        return []
    lo = min(s.x0 for r in rows for s in r)
    hi = max(s.x1 for r in rows for s in r)
    out: list[tuple[list[list[Seg]], Optional[float]]] = []
    i = 0
    n = len(rows)
    while i < n:
        free = [(lo + 4, hi - 4)]
        best: Optional[tuple[int, float]] = None
        j = i
        while j < n:
            if j > i:
                gap = _row_top(rows[j]) - max(s.bottom for s in rows[j - 1])
                if gap > 1.8 * max(max(s.height for s in rows[j - 1]), 1.0):
                    break  # a blank band ends a column region (header block vs "Kính gửi")
            nf = [iv for iv in _intersect(free, _free_intervals(rows[j], lo, hi)) if iv[1] - iv[0] >= MIN_GUTTER]
            if not nf:
                break
            free = nf
            j += 1
            # gutter candidate: the free interval with text on both sides in most rows
            scored = []
            for g in free:
                gx = (g[0] + g[1]) / 2
                both = sum(1 for r in rows[i:j] if any(s.x1 <= gx for s in r) and any(s.x0 >= gx for s in r))
                scored.append((both, g[1] - g[0], gx))
            both, _, gx = max(scored)
            if both >= 2:
                best = (j, gx)
        if best is not None:
            j_end, gx = best
            out.append((rows[i:j_end], gx))
            i = j_end
        else:
            out.append((rows[i:i + 1], None))
            i += 1
    # merge consecutive single-column regions
    merged: list[tuple[list[list[Seg]], Optional[float]]] = []
    for reg, g in out:
        if g is None and merged and merged[-1][1] is None:
            merged[-1][0].extend(reg)
        else:
            merged.append((list(reg), g))
    return merged


def _join_row(row: list[Seg], page: int, col: tuple, cl: float, cr: float) -> PLine:
    parts: list[str] = []
    bold: list[bool] = []
    prev: Optional[Seg] = None
    for s in row:
        if prev is not None:
            gap = s.x0 - prev.x1
            glue = " "
            if s.text.startswith("/") or (parts and parts[-1].endswith("/")) or (
                    gap < 0.12 * max(s.size, prev.size, 1) and s.origin == "widget"):
                glue = ""
            if glue:
                parts.append(glue)
                bold.append(bool(prev.bold and prev.bold[-1] and s.bold and s.bold[0]))
        parts.append(s.text)
        bold.extend(s.bold if s.bold else [False] * len(s.text))
        prev = s
    text = "".join(parts)
    sizes = [s.size for s in row if s.size]
    origin = "widget" if all(s.origin == "widget" for s in row) else next(
        (s.origin for s in row if s.origin != "widget"), "layer")
    return PLine(
        text=text, x0=min(s.x0 for s in row), top=min(s.top for s in row),
        x1=max(s.x1 for s in row), bottom=max(s.bottom for s in row),
        size=max(sizes) if sizes else 0.0, bold=bold, page=page, col=col, cl=cl, cr=cr, origin=origin,
    )


def order_page(segs: list[Seg], tables: list[RawTable], page: int, width: float, height: float) -> list[Item]:
    """Reading order for one page: lines (PLine) and tables interleaved by position."""
    rows = _rows(segs)
    items: list[tuple[float, int, Item]] = []
    # Tables cut the page into vertical bands; columns are searched within bands.
    cuts = sorted(tables, key=lambda t: t.bbox[1])
    bands: list[list[list[Seg]]] = [[] for _ in range(len(cuts) + 1)]
    for r in rows:
        top = _row_top(r)
        k = sum(1 for t in cuts if top >= t.bbox[1])
        bands[k].append(r)
    seq = 0
    reg_id = 0
    for k, band in enumerate(bands):
        if band:
            lo = min(s.x0 for r in band for s in r)
            hi = max(s.x1 for r in band for s in r)
            for reg, gx in _regions(band):
                reg_id += 1
                if gx is None:
                    for r in reg:
                        items.append((0, seq, _join_row(r, page, ("main",), lo, hi)))
                        seq += 1
                    continue
                for side in ("L", "R"):
                    col_segs = [s for r in reg for s in r if ((s.x0 + s.x1) / 2 < gx) == (side == "L")]
                    if not col_segs:
                        continue
                    cl = min(s.x0 for s in col_segs)
                    cr = max(s.x1 for s in col_segs)
                    sub_rows = _rows(col_segs)
                    sub_regs = _regions(sub_rows) if len(sub_rows) > 2 else [(sub_rows, None)]
                    for sreg, sgx in sub_regs:
                        if sgx is None:
                            for r in sreg:
                                items.append((0, seq, _join_row(r, page, (reg_id, side), cl, cr)))
                                seq += 1
                        else:
                            for side2 in ("L", "R"):
                                ss = [s for r in sreg for s in r if ((s.x0 + s.x1) / 2 < sgx) == (side2 == "L")]
                                for r in _rows(ss):
                                    items.append((0, seq, _join_row(r, page, (reg_id, side, side2), cl, cr)))
                                    seq += 1
        if k < len(cuts):
            items.append((0, seq, cuts[k]))
            seq += 1
    out = [it for _, _, it in items]
    _main_margins(out)
    return out


def _main_margins(items: list[Item]) -> None:
    """Left/right edges of the main text column: the usual start of long lines
    (continuation lines start at the margin) and the usual end (justified text)."""
    main = [it for it in items if isinstance(it, PLine) and it.col == ("main",)]
    long_ = [ln for ln in main if len(ln.text) >= 30]
    if len(long_) < 3:
        return
    counts: dict[int, int] = {}
    for ln in long_:
        k = int(round(ln.x0 / 3.0))
        counts[k] = counts.get(k, 0) + 1
    best = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    cl = min(ln.x0 for ln in long_ if int(round(ln.x0 / 3.0)) == best)
    x1s = sorted(ln.x1 for ln in long_)
    cr = x1s[int(0.9 * (len(x1s) - 1))]
    for ln in main:
        ln.cl, ln.cr = cl, max(cr, cl + 1)


# --------------------------------------------------------------------------- furniture

_PAGE_NO = re.compile(r"^[\s\-–—.(]*(?:trang|page)?\s*\d{1,4}\s*(?:/\s*\d{1,4})?[\s\-–—.)]*$", re.I)


def strip_furniture(flows: list[PageFlow]) -> None:
    """Remove page numbers and running headers/footers in place."""
    zone_keys: dict[str, int] = {}
    n_text_pages = 0
    cand: list[list[tuple[int, str]]] = []
    for f in flows:
        lines = [(i, it) for i, it in enumerate(f.items) if isinstance(it, PLine)]
        if lines:
            n_text_pages += 1
        cz: list[tuple[int, str]] = []
        for pos, (i, ln) in enumerate(lines):
            in_top = ln.bottom <= 0.09 * f.height and pos < 3
            in_bot = ln.top >= 0.92 * f.height and pos >= len(lines) - 3
            if not (in_top or in_bot):
                continue
            key = re.sub(r"\d+", "#", fold(ln.text)).strip()
            cz.append((i, key))
        cand.append(cz)
        for k in {key for _, key in cz}:
            zone_keys[k] = zone_keys.get(k, 0) + 1
    repeat_min = max(3, int(0.3 * n_text_pages + 0.5))
    for f, cz in zip(flows, cand):
        drop = set()
        for i, key in cz:
            ln = f.items[i]
            if _PAGE_NO.match(ln.text) or (zone_keys.get(key, 0) >= repeat_min and len(key) > 0):
                drop.add(i)
        if drop:
            f.items = [it for i, it in enumerate(f.items) if i not in drop]


def mark_footnotes(flows: list[PageFlow], body_size: float) -> None:
    """Small-print lines at the foot of a page (below the body) become footnotes."""
    if body_size <= 0:
        return
    for f in flows:
        lines = [it for it in f.items if isinstance(it, PLine)]
        if len(lines) < 3:
            continue
        # walk up from the bottom while lines are small
        k = len(f.items) - 1
        marked = []
        while k >= 0:
            it = f.items[k]
            if not isinstance(it, PLine) or it.origin == "ocr":
                break
            if it.size and it.size <= 0.86 * body_size and it.top > 0.55 * f.height:
                marked.append(it)
                k -= 1
                continue
            break
        if marked and len(marked) < len(lines):
            for it in marked:
                it.kind = "footnote"


# --------------------------------------------------------------------------- paragraphs

_MARKER = re.compile(
    r"^(?:[-+•–—*▪►●○]\s|[-+–—]\S|\(?\d{1,3}(?:\.\d{1,3})*[.)](?:\s|$)|\(?[a-zđ][).](?:\s|$)|[IVXLC]{1,6}[.)](?:\s|$)"
    r"|(?:Điều|Chương|Mục|Phần|Phụ lục|PHỤ LỤC|Căn cứ|Nơi nhận|Kính gửi)\b)"
)
_TERMINAL = (".", ":", ";", "!", "?")


def _first_word_width(ln: PLine) -> float:
    w = ln.text.split(" ", 1)[0]
    if not ln.text:
        return 0.0
    return (ln.x1 - ln.x0) * len(w) / max(len(ln.text), 1)


def _should_join(p: PLine, n: PLine, gap_ref: float, same_page: bool) -> bool:
    if p.kind != n.kind:
        return False
    if p.col != n.col and not (not same_page and p.col == ("main",) and n.col == ("main",)):
        return False
    if not n.text or not p.text:
        return False
    size = max(p.size, n.size, 1.0) if p.origin != "ocr" else max(p.height, n.height, 1.0)
    if same_page:
        gap = n.top - p.bottom
        if gap > gap_ref + 0.5 * size or gap < -0.5 * size:
            return False
    first = n.text[0]
    p_end = p.text.rstrip()[-1:]
    if _MARKER.match(n.text):
        # "- toán học ..." after a line cut inside "khoa học - công nghệ - kỹ thuật -":
        # a dash then a lower-case word continues a wrapped line; real items start upper-case
        dash_cont = re.match(r"^[-–] [a-zà-ỹđ]", n.text) and p_end not in _TERMINAL and p.x1 >= p.cr - 0.5 * size
        if not dash_cont:
            return False
    lower = first.isalpha() and first.islower()
    if lower and p_end not in _TERMINAL:
        return True
    width = p.cr - p.cl
    if width <= 0:
        return False
    space = 0.3 * size
    wrapped = p.x1 + space + _first_word_width(n) >= p.cr - 0.02 * width
    if wrapped and p_end in _TERMINAL and (first.isupper() or first.isdigit()):
        # a sentence ending near the margin followed by a capital: only a line that
        # is flush with the margin (justified) can be a wrapped one
        wrapped = p.x1 >= p.cr - 0.4 * size
    indented = n.x0 > p.cl + 0.9 * size
    mid = (p.cl + p.cr) / 2
    if abs((p.x0 + p.x1) / 2 - mid) < 0.04 * width and abs((n.x0 + n.x1) / 2 - mid) < 0.04 * width \
            and n.x0 > p.cl + 0.9 * size and p_end not in _TERMINAL:
        # a centred title wrapped over two lines: the first line used the full width
        wrapped = (p.x1 - p.x0) + space + _first_word_width(n) >= 0.94 * width
        indented = False
    p_bold = bool(p.bold) and sum(p.bold) >= 0.9 * len(p.text.replace(" ", ""))
    n_bold = bool(n.bold) and sum(n.bold) >= 0.9 * len(n.text.replace(" ", ""))
    if p_bold != n_bold:
        return False
    if abs(p.size - n.size) > 0.15 * size and p.origin != "ocr":
        return False
    return wrapped and not indented


def _gap_reference(flows: list[PageFlow]) -> float:
    gaps = []
    for f in flows:
        prev = None
        for it in f.items:
            if isinstance(it, PLine) and it.kind == "body":
                if prev is not None and prev.col == it.col:
                    g = it.top - prev.bottom
                    if -2 < g < 3 * max(it.height, 1):
                        gaps.append(g)
                prev = it
            else:
                prev = None
    if not gaps:
        return 4.0
    return statistics.median(gaps)


def body_font_size(flows: list[PageFlow]) -> float:
    weights: dict[float, int] = {}
    for f in flows:
        for it in f.items:
            if isinstance(it, PLine) and it.origin != "ocr" and it.size:
                k = round(it.size * 2) / 2
                weights[k] = weights.get(k, 0) + len(it.text)
    if not weights:
        return 0.0
    return max(weights.items(), key=lambda kv: kv[1])[0]


# --------------------------------------------------------------------------- assembly


@dataclass
class Assembled:
    text: str
    lines: list[Line]
    tables: list[Table]
    pages: list[PageInfo]


class _Out:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def put(self, s: str) -> tuple[int, int]:
        a = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return a, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def _ranges(flags: list[bool], base: int, text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = None
    for i, f in enumerate(flags):
        if f and start is None:
            start = i
        elif not f and start is not None:
            # a space between two bold words stays inside the run
            if text[i] == " " and i + 1 < len(flags) and flags[i + 1]:
                continue
            out.append((base + start, base + i))
            start = None
    if start is not None:
        out.append((base + start, base + len(flags)))
    return [(a, b) for a, b in out if b > a]


def _is_heading(text: str, bold: list[bool], size: float, body: float, origin: str) -> bool:
    if len(text) > 200 or len(text) < 2:
        return False
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if not letters:
        return False
    if bold and sum(1 for i in letters if i < len(bold) and bold[i]) >= 0.9 * len(letters):
        return True
    if body and size >= 1.15 * body and origin != "ocr":
        return True
    if origin == "ocr" and len(text) <= 120 and len(text.split()) >= 2:
        up = [text[i] for i in letters]
        return sum(1 for ch in up if ch.isupper()) >= 0.9 * len(up)
    return False


def assemble(flows: list[PageFlow], merge_tables: bool = True) -> Assembled:

    body = body_font_size(flows)
    mark_footnotes(flows, body)
    if merge_tables:
        merge_across_pages(flows)
    gap_ref = _gap_reference(flows)
    out = _Out()
    lines: list[Line] = []
    tables: list[Table] = []
    page_start: dict[int, int] = {}

    para: list[PLine] = []
    held_footnotes: list[PLine] = []

    def note_page(pg: int, at: int) -> None:
        if pg not in page_start:
            page_start[pg] = at

    def flush_para() -> None:
        nonlocal para
        if not para:
            return
        texts: list[str] = []
        flags: list[bool] = []
        starts: list[int] = []
        for k, ln in enumerate(para):
            t = ln.text
            b = ln.bold if ln.bold else [False] * len(t)
            if texts:
                prev = texts[-1]
                if len(prev) >= 2 and prev.endswith("-") and prev[-2].isalpha() and t[:1].islower():
                    texts[-1] = prev[:-1]
                    flags.pop()
                elif prev.endswith("/"):
                    pass  # "749/" + "QĐ-TTg": a code broken after its slash
                else:
                    texts.append(" ")
                    flags.append(False)
            starts.append(sum(len(x) for x in texts))
            texts.append(t)
            flags.extend(b)
        text = "".join(texts)
        a, z = out.put(text)
        for ln, s in zip(para, starts):
            note_page(ln.page, a + s)
        first = para[0]
        on_first = [ln for ln in para if ln.page == first.page]
        bbox = (min(l.x0 for l in on_first), min(l.top for l in on_first),
                max(l.x1 for l in on_first), max(l.bottom for l in on_first))
        size = max(l.size for l in para)
        lines.append(Line(
            start=a, end=z, page=first.page, bbox=bbox,
            emph=_ranges(flags, a, text) if any(flags) else [],
            heading=_is_heading(text, flags, size, body, first.origin),
        ))
        out.put("\n")
        para = []

    def emit_table(t: RawTable) -> None:
        flush_para()
        start = out.pos
        note_page(t.page, start)
        seen: dict[int, Cell] = {}
        rows: list[list[Cell]] = []
        for r, row in enumerate(t.rows):
            pg = t.row_pages[r] if r < len(t.row_pages) else t.page
            out_row: list[Cell] = []
            for c in row:
                key = id(c)
                if key not in seen:
                    note_page(pg, out.pos)
                    a, z = out.put(c.text)
                    out.put("\n")
                    seen[key] = Cell(start=a, end=z, bbox=c.bbox)
                out_row.append(seen[key])
            rows.append(out_row)
        pages = sorted(set(t.row_pages or [t.page]))
        tables.append(Table(start=start, end=out.pos, rows=rows, pages=pages,
                            row_pages=list(t.row_pages) if t.row_pages else [t.page] * len(rows)))

    for f in flows:
        for it in f.items:
            if isinstance(it, RawTable):
                emit_table(it)
                continue
            if it.kind == "footnote":
                held_footnotes.append(it)
                continue
            if para:
                p = para[-1]
                same_page = p.page == it.page
                if _should_join(p, it, gap_ref, same_page):
                    para.append(it)
                    continue
                flush_para()
                if held_footnotes:
                    for fn in held_footnotes:
                        para = [fn]
                        flush_para()
                    held_footnotes = []
            if held_footnotes and not para:
                for fn in held_footnotes:
                    para = [fn]
                    flush_para()
                held_footnotes = []
            para = [it]
        # footnotes wait until the paragraph running over the page break ends
    flush_para()
    for fn in held_footnotes:
        para = [fn]
        flush_para()

    text = out.text()
    pages: list[PageInfo] = []
    for f in flows:
        pages.append(PageInfo(number=f.number, start=0, end=0, origin=f.origin,
                              width=f.width, height=f.height, quality=f.quality, note=f.note))
    # page starts: first offset seen on the page, else the next page's start
    nxt = len(text)
    for p in reversed(pages):
        st = page_start.get(p.number, nxt)
        st = min(st, nxt)
        p.start = st
        p.end = nxt
        nxt = st
    return Assembled(text=text, lines=lines, tables=tables, pages=pages)
