"""Ruled tables: pdfplumber's table finder -> RawTable, false-positive rejection,
merged cells, and merging a table that runs over several pages.

pdfplumber parses a page about 70 times slower than pypdfium2 extracts its
text, so it is only asked about pages whose drawing objects could form a grid
(``page_may_have_table``).  Cell text comes from the same pypdfium2 characters
the rest of the page uses, assigned to cells by their centre, so a table cell
reads exactly like running text (NFC, bold flags, de-hyphenated).
"""

from __future__ import annotations

import bisect
import re
from typing import Optional

from extractor.textutil import fold
from extractor.ingest.geometry import PageFlow, PLine, RawCell, RawTable, _rows, segs_from_chars

# --------------------------------------------------------------------------- cheap pre-check


def page_may_have_table(pdfium_page) -> bool:
    """True when the page draws a grid: vertical rulings at three or more x positions
    (two or more columns) crossing two or more horizontal rulings, a grid of cell
    rectangles, or one path with many segments covering a large area."""
    import pypdfium2.raw as c

    vx: set[int] = set()
    hy: set[int] = set()
    box_x: set[int] = set()
    box_y: set[int] = set()
    boxes = 0
    try:
        objs = pdfium_page.get_objects(filter=(c.FPDF_PAGEOBJ_PATH,), max_depth=3)
        for o in objs:
            try:
                l, b, r, t = o.get_bounds()
            except Exception:
                continue
            w, h = r - l, t - b
            if h < 3 and w > 12:
                hy.add(int(b / 2))
            elif w < 3 and h > 8:
                vx.add(int(l / 2))
            elif w > 8 and h > 8:
                boxes += 1
                box_x.add(int(l / 2))
                box_y.add(int(b / 2))
                if w > 100 and h > 40:
                    try:
                        if c.FPDFPath_CountSegments(o.raw) > 16:
                            return True
                    except Exception:
                        pass
            if len(vx) >= 3 and len(hy) >= 2:
                return True
            if boxes >= 8 and len(box_x) >= 3 and len(box_y) >= 3:
                return True
    except Exception:
        return False
    return False


# --------------------------------------------------------------------------- pdfplumber -> RawTable


def _cluster(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _idx(edges: list[float], v: float, tol: float = 2.0) -> int:
    i = bisect.bisect_left(edges, v - tol)
    if i < len(edges) and abs(edges[i] - v) <= tol:
        return i
    # nearest
    j = min(range(len(edges)), key=lambda k: abs(edges[k] - v))
    return j


def cell_text(chars: list[tuple]) -> tuple[str, list[bool]]:
    """Text of the characters inside one cell: rows joined by spaces, de-hyphenated."""
    if not chars:
        return "", []
    segs = segs_from_chars(chars)
    parts: list[str] = []
    flags: list[bool] = []
    for row in _rows(segs):
        row_t = []
        row_f: list[bool] = []
        for s in row:
            if row_t:
                row_t.append(" ")
                row_f.append(False)
            row_t.append(s.text)
            row_f.extend(s.bold if s.bold else [False] * len(s.text))
        t = "".join(row_t)
        if parts:
            prev = parts[-1]
            if len(prev) >= 2 and prev.endswith("-") and prev[-2].isalpha() and t[:1].islower():
                parts[-1] = prev[:-1]
                flags.pop()
            elif prev.endswith("/") or (re.search(r"\d[-/.]\d{1,3}$", prev) and t[:1].isdigit()):
                pass  # a date or number wrapped inside the cell ("2024-20" + "25")
            else:
                parts.append(" ")
                flags.append(False)
        parts.append(t)
        flags.extend(row_f)
    text = "".join(parts)
    return text, flags if any(flags) else []


def tables_from_plumber(plumber_page, chars: list[tuple], page_no: int) -> tuple[list[RawTable], list[bool]]:
    """Find ruled tables on a pdfplumber page; return them and a per-char 'used' mask."""
    used = [False] * len(chars)
    try:
        found = plumber_page.find_tables()
    except Exception:
        return [], used
    candidates = []
    for t in found:
        if not t.cells:
            continue
        candidates.append(t)
    # drop tables nested inside another table
    boxes = [t.bbox for t in candidates]
    keep = []
    for i, t in enumerate(candidates):
        x0, top, x1, bot = t.bbox
        nested = any(j != i and b[0] - 1 <= x0 and b[1] - 1 <= top and b[2] + 1 >= x1 and b[3] + 1 >= bot
                     and (b[2] - b[0]) * (b[3] - b[1]) > (x1 - x0) * (bot - top) for j, b in enumerate(boxes))
        if not nested:
            keep.append(t)
    out: list[RawTable] = []
    # char centres for assignment
    centres = [((c[1] + c[3]) / 2, (c[2] + c[4]) / 2) for c in chars]
    for t in keep:
        raw, mask = _build(t, chars, centres, page_no)
        if raw is None or is_false_positive(raw):
            continue
        for i in mask:
            used[i] = True
        out.append(raw)
    return out, used


def _build(t, chars, centres, page_no) -> tuple[Optional[RawTable], list[int]]:
    cells = [tuple(c) for c in t.cells]
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) < 2 or len(ys) < 2:
        return None, []
    ncol, nrow = len(xs) - 1, len(ys) - 1
    grid: list[list[Optional[int]]] = [[None] * ncol for _ in range(nrow)]
    for k, (x0, top, x1, bot) in enumerate(cells):
        c0, c1 = _idx(xs, x0), _idx(xs, x1)
        r0, r1 = _idx(ys, top), _idx(ys, bot)
        for r in range(r0, max(r1, r0 + 1)):
            for cc in range(c0, max(c1, c0 + 1)):
                if r < nrow and cc < ncol and grid[r][cc] is None:
                    grid[r][cc] = k
    # assign characters
    x0t, topt, x1t, bott = t.bbox
    per_cell: dict[int, list[tuple]] = {}
    mask: list[int] = []
    for i, (cx, cy) in enumerate(centres):
        if not (x0t - 1 <= cx <= x1t + 1 and topt - 1 <= cy <= bott + 1):
            continue
        mask.append(i)
        ci = bisect.bisect_right(xs, cx) - 1
        ri = bisect.bisect_right(ys, cy) - 1
        if 0 <= ri < nrow and 0 <= ci < ncol and grid[ri][ci] is not None:
            per_cell.setdefault(grid[ri][ci], []).append(chars[i])
    # also include whitespace characters (they carry word gaps) already in order
    raw_cells: dict[int, RawCell] = {}
    for k, bb in enumerate(cells):
        txt, bold = cell_text(per_cell.get(k, []))
        raw_cells[k] = RawCell(text=txt, bbox=(bb[0], bb[1], bb[2], bb[3]), bold=bold)
    empty = RawCell(text="", bbox=(0, 0, 0, 0))
    rows: list[list[RawCell]] = []
    for r in range(nrow):
        row = []
        for cc in range(ncol):
            k = grid[r][cc]
            if k is None:
                row.append(RawCell(text="", bbox=(xs[cc], ys[r], xs[cc + 1], ys[r + 1])))
            else:
                row.append(raw_cells[k])
        rows.append(row)
    del empty
    rows = _drop_empty(rows)
    if not rows:
        return None, mask
    return RawTable(bbox=tuple(t.bbox), page=page_no, rows=rows, row_pages=[page_no] * len(rows)), mask


def _drop_empty(rows: list[list[RawCell]]) -> list[list[RawCell]]:
    rows = [r for r in rows if any(c.text.strip() for c in r)]
    if not rows:
        return rows
    ncol = max(len(r) for r in rows)
    # empty columns stay (a page of a long table may have nothing in "Phối hợp"),
    # only columns that merely repeat their left neighbour's merged cell go
    keep_cols = list(range(ncol))
    # a column that only repeats its left neighbour's merged cell adds nothing
    final = []
    for c in keep_cols:
        if final and all(c < len(r) and final[-1] < len(r) and r[c] is r[final[-1]] for r in rows):
            continue
        final.append(c)
    rows = [[r[c] for c in final if c < len(r)] for r in rows]
    return _collapse_columns(rows)


def _collapse_columns(rows: list[list[RawCell]]) -> list[list[RawCell]]:
    """Merge neighbouring columns that never both hold different text in one row
    (spacer columns from misaligned rulings, e.g. a header 'Thứ hạng' drawn over
    three grid columns that data rows merge)."""
    if not rows:
        return rows
    ncol = min(len(r) for r in rows)
    c = 0
    while c < ncol - 1:
        ok = True
        shared = False
        for r in rows:
            a, b = r[c], r[c + 1]
            if a is b:
                shared = True
                continue
            if a.text.strip() and b.text.strip():
                ok = False
                break
        if ok and shared:
            for r in rows:
                a, b = r[c], r[c + 1]
                keep = a if (a is b or a.text.strip() or not b.text.strip()) else b
                r[c] = keep
                del r[c + 1]
            ncol -= 1
            continue
        c += 1
    return rows


def is_false_positive(t: RawTable) -> bool:
    """Running text that pdfplumber mistook for a table (lines/highlights behind prose)."""
    if len(t.rows) < 2 or t.ncols < 2:
        return True
    multi = 0
    for r in t.rows:
        distinct = {id(c) for c in r if c.text.strip()}
        if len(distinct) >= 2:
            multi += 1
    if multi < max(1, 0.4 * len(t.rows)):
        return True
    return False


# --------------------------------------------------------------------------- across pages


def _row_key(row: list[RawCell]) -> str:
    return "|".join(re.sub(r"\s+", " ", fold(c.text)).strip() for c in row)


def _same_row(a: list[RawCell], b: list[RawCell], fuzzy: bool) -> bool:
    ka, kb = _row_key(a), _row_key(b)
    if ka == kb:
        return True
    if not fuzzy:
        return False
    import difflib

    # OCR reads a repeated header slightly differently (a stamp over it, a misread letter)
    first_a, first_b = ka.split("|", 1)[0], kb.split("|", 1)[0]
    if first_a and first_a == first_b and not re.match(r"^\d", first_a):
        return True
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio() >= 0.75


def _col_edges(row: list[RawCell]) -> list[float]:
    return [c.bbox[0] for c in row] + [row[-1].bbox[2]] if row else []


def _compatible(t: RawTable, u: RawTable) -> bool:
    if t.ncols != u.ncols:
        return False
    a = _col_edges(t.rows[-1])
    b = _col_edges(u.rows[0])
    if len(a) != len(b):
        return True
    close = sum(1 for x, y in zip(a, b) if abs(x - y) <= 6)
    return close >= 0.6 * len(a)


def _numbered_first_col(t: RawTable) -> bool:
    vals = [r[0].text.strip() for r in t.rows[1:] if r and r[0].text.strip()]
    if len(vals) < 2:
        return False
    pat = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.?|[a-zđ]\))$")
    return sum(1 for v in vals if pat.match(v)) >= 0.7 * len(vals)


def merge_across_pages(flows: list[PageFlow]) -> None:
    """Join a table that ends page n with a compatible table starting page n+1."""
    for k in range(len(flows) - 1):
        f, g = flows[k], flows[k + 1]
        last = _last_content(f)
        if not isinstance(last, RawTable):
            continue
        first_i = _first_content_index(g)
        if first_i is None or not isinstance(g.items[first_i], RawTable):
            continue
        u = g.items[first_i]
        if not _compatible(last, u):
            continue
        rows = list(u.rows)
        pages = list(u.row_pages) if u.row_pages else [u.page] * len(rows)
        # drop header rows repeated at the top of the continuation
        h = 0
        while h < min(4, len(rows), len(last.rows)) and _same_row(rows[h], last.rows[h], u.origin == "ocr"):
            h += 1
        rows, pages = rows[h:], pages[h:]
        # a row broken over the page: continuation starts with an empty number cell
        if rows and _numbered_first_col(last) and not rows[0][0].text.strip() and last.rows[-1][0].text.strip():
            prev = last.rows[-1]
            for c in range(min(len(prev), len(rows[0]))):
                extra = rows[0][c].text.strip()
                if extra and rows[0][c] is not prev[c]:
                    cell = prev[c]
                    cell.text = (cell.text + " " + extra).strip() if cell.text else extra
                    cell.bold = []
            rows, pages = rows[1:], pages[1:]
        last.rows.extend(rows)
        if not last.row_pages:
            last.row_pages = [last.page] * (len(last.rows) - len(rows))
        last.row_pages.extend(pages)
        del g.items[first_i]
        # the merged table is now the last content of page k+1 too, for chains
        g.items.insert(first_i, _Moved(last))
    for f in flows:
        f.items = [it for it in f.items if not isinstance(it, _Moved)]


class _Moved:
    """Placeholder for a table merged into the previous page's table."""

    def __init__(self, table: RawTable) -> None:
        self.table = table


def _last_content(f: PageFlow):
    for it in reversed(f.items):
        if isinstance(it, PLine) and it.kind == "footnote":
            continue
        if isinstance(it, _Moved):
            return it.table
        return it
    return None


def _first_content_index(f: PageFlow) -> Optional[int]:
    for i, it in enumerate(f.items):
        if isinstance(it, PLine) and it.kind == "footnote":
            continue
        return i
    return None
