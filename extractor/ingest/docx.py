"""DOCX -> SourceText with python-docx (body order, numbering, bold runs, merged cells).

Body paragraphs and tables are read in document order.  Automatic numbering
(``w:numPr``) is rendered as text ("1.", "a)", "-"), because the structure stage
reads list markers from the text.  Bold runs (direct, character style or
paragraph style) become ``emph`` ranges; heading styles / outline levels set
``heading``.  Manual line breaks split a paragraph into lines.

Tables with visible borders become ``Table`` objects: ``gridSpan`` and
``vMerge`` cells repeat the same offsets in every grid position they cover.
Borderless layout tables (the national-motto header, the "Nơi nhận / chữ ký"
block) are read as text, column by column, the way the PDF reader orders the
same blocks, so the layers after reading see one shape whatever the format.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Optional

from extractor.errors import InputError
from extractor.model import Cell, Line, PageInfo, SourceText, Table
from extractor.textutil import vietnamese_ratio
from extractor.ingest.geometry import _nfc_with_flags

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _q(tag: str) -> str:
    return W + tag


def _on(el) -> Optional[bool]:
    """w:b / w:bCs style toggles: present without val (or val true/1/on) means on."""
    if el is None:
        return None
    v = el.get(_q("val"))
    return v is None or v.lower() in ("1", "true", "on")


# --------------------------------------------------------------------------- styles and numbering


class _Styles:
    def __init__(self, doc) -> None:
        self.bold: dict[str, Optional[bool]] = {}
        self.based: dict[str, str] = {}
        self.heading: dict[str, bool] = {}
        self.default_bold: Optional[bool] = None
        self.num: dict[str, tuple[str, int]] = {}
        try:
            root = doc.styles.element
        except Exception:
            return
        for st in root.findall(_q("style")):
            sid = st.get(_q("styleId"))
            name_el = st.find(_q("name"))
            name = (name_el.get(_q("val")) if name_el is not None else "") or ""
            rpr = st.find(_q("rPr"))
            self.bold[sid] = _on(rpr.find(_q("b"))) if rpr is not None else None
            b = st.find(_q("basedOn"))
            if b is not None:
                self.based[sid] = b.get(_q("val"))
            ppr = st.find(_q("pPr"))
            outline = ppr is not None and ppr.find(_q("outlineLvl")) is not None
            npr = ppr.find(_q("numPr")) if ppr is not None else None
            if npr is not None and npr.find(_q("numId")) is not None:
                il = npr.find(_q("ilvl"))
                self.num[sid] = (npr.find(_q("numId")).get(_q("val")),
                                 int(il.get(_q("val"), "0")) if il is not None else 0)
            self.heading[sid] = bool(re.match(r"(?i)heading|title|tiêu đề", name)) or outline

    def is_bold(self, sid: Optional[str]) -> Optional[bool]:
        seen = 0
        while sid and seen < 10:
            v = self.bold.get(sid)
            if v is not None:
                return v
            sid = self.based.get(sid)
            seen += 1
        return None

    def numbering(self, sid: Optional[str]) -> Optional[tuple[str, int]]:
        seen = 0
        while sid and seen < 10:
            if sid in self.num:
                return self.num[sid]
            sid = self.based.get(sid)
            seen += 1
        return None

    def is_heading(self, sid: Optional[str]) -> bool:
        seen = 0
        while sid and seen < 10:
            if self.heading.get(sid):
                return True
            sid = self.based.get(sid)
            seen += 1
        return False


_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def _roman(n: int) -> str:
    out = ""
    for v, s in _ROMAN:
        while n >= v:
            out += s
            n -= v
    return out


def _letter(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(ord("a") + r) + s
    return s


def _fmt(n: int, kind: str) -> str:
    if kind == "decimal" or kind == "decimalZero":
        return f"{n:02d}" if kind == "decimalZero" and n < 10 else str(n)
    if kind == "lowerLetter":
        return _letter(n)
    if kind == "upperLetter":
        return _letter(n).upper()
    if kind == "lowerRoman":
        return _roman(n).lower()
    if kind == "upperRoman":
        return _roman(n)
    return str(n)


class _Numbering:
    """Renders w:numPr list labels ("1.", "1.2.", "a)", "-") with running counters."""

    def __init__(self, doc) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # numId -> ilvl -> (fmt, text, start)
        self.counters: dict[str, list[int]] = {}
        try:
            part = doc.part.numbering_part
        except Exception:
            return
        root = part.element
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.findall(_q("abstractNum")):
            aid = an.get(_q("abstractNumId"))
            lv: dict[int, tuple[str, str, int]] = {}
            for l in an.findall(_q("lvl")):
                il = int(l.get(_q("ilvl"), "0"))
                fmt_el, txt_el, st_el = l.find(_q("numFmt")), l.find(_q("lvlText")), l.find(_q("start"))
                lv[il] = (
                    fmt_el.get(_q("val")) if fmt_el is not None else "decimal",
                    txt_el.get(_q("val")) if txt_el is not None else "",
                    int(st_el.get(_q("val"))) if st_el is not None and st_el.get(_q("val"), "").isdigit() else 1,
                )
            abstract[aid] = lv
        for num in root.findall(_q("num")):
            nid = num.get(_q("numId"))
            a = num.find(_q("abstractNumId"))
            if a is not None:
                self.levels[nid] = dict(abstract.get(a.get(_q("val")), {}))

    def label(self, num_id: str, ilvl: int) -> str:
        lv = self.levels.get(num_id)
        if not lv or num_id == "0":
            return ""
        fmt, text, start = lv.get(ilvl, ("decimal", f"%{ilvl + 1}.", 1))
        if fmt == "bullet":
            return "-"
        if fmt == "none":
            return text if "%" not in text else ""
        ctr = self.counters.setdefault(num_id, [0] * 9)
        for k in range(9):
            if ctr[k] == 0 and k < ilvl:
                ctr[k] = lv.get(k, ("", "", 1))[2]
        ctr[ilvl] = (ctr[ilvl] + 1) if ctr[ilvl] else start
        for k in range(ilvl + 1, 9):
            ctr[k] = 0

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            f = lv.get(k, ("decimal", "", 1))[0]
            return _fmt(ctr[k] or 1, f if f != "bullet" else "decimal")

        return re.sub(r"%(\d)", sub, text).strip()


# --------------------------------------------------------------------------- paragraphs


@dataclass
class _Para:
    text: str
    bold: list[bool]
    heading: bool = False


def _para_lines(p, styles: _Styles, numbering: _Numbering) -> list[_Para]:
    """One paragraph -> one or more lines (split at manual breaks)."""
    ppr = p.find(_q("pPr"))
    sid = None
    label = ""
    heading = False
    if ppr is not None:
        ps = ppr.find(_q("pStyle"))
        sid = ps.get(_q("val")) if ps is not None else None
        heading = styles.is_heading(sid) or ppr.find(_q("outlineLvl")) is not None
        npr = ppr.find(_q("numPr"))
        nid = npr.find(_q("numId")) if npr is not None else None
        if nid is not None:
            il = npr.find(_q("ilvl"))
            label = numbering.label(nid.get(_q("val")), int(il.get(_q("val"), "0")) if il is not None else 0)
        elif styles.numbering(sid):
            num_id, lvl = styles.numbering(sid)
            label = numbering.label(num_id, lvl)
    para_bold = styles.is_bold(sid)
    chars: list[str] = []
    flags: list[bool] = []
    for r in _runs(p):
        rpr = r.find(_q("rPr"))
        b = None
        if rpr is not None:
            b = _on(rpr.find(_q("b")))
            if b is None:
                rs = rpr.find(_q("rStyle"))
                if rs is not None:
                    b = styles.is_bold(rs.get(_q("val")))
        if b is None:
            b = bool(para_bold)
        for ch in r:
            tag = ch.tag
            if tag == _q("t"):
                t = ch.text or ""
            elif tag == _q("tab"):
                t = " "
            elif tag in (_q("br"), _q("cr")):
                t = "\n" if ch.get(_q("type")) in (None, "textWrapping") else ""
            elif tag == _q("noBreakHyphen"):
                t = "-"
            else:
                continue
            chars.extend(t)
            flags.extend([b] * len(t))
    text, fl = _nfc_with_flags(chars, flags)
    out: list[_Para] = []
    pos = 0
    for part in text.split("\n"):
        f = fl[pos:pos + len(part)]
        pos += len(part) + 1
        # trim white space, keeping flags aligned
        a, z = 0, len(part)
        while a < z and part[a].isspace():
            a += 1
        while z > a and part[z - 1].isspace():
            z -= 1
        t = re.sub(r"[ \u00a0\t]+", " ", part[a:z])
        ff = _squeeze_flags(part[a:z], f[a:z])
        out.append(_Para(text=t, bold=ff, heading=heading))
    if label and out:
        first = out[0]
        lb = bool(first.bold) and all(first.bold[:1])
        first.text = f"{label} {first.text}".strip() if first.text else label
        first.bold = [lb] * (len(label) + (1 if first.bold or first.text != label else 0)) + first.bold
        first.bold = first.bold[:len(first.text)] + [False] * max(0, len(first.text) - len(first.bold))
    return out


def _squeeze_flags(s: str, f: list[bool]) -> list[bool]:
    out = []
    prev_space = False
    for ch, b in zip(s, f):
        sp = ch in " \u00a0\t"
        if sp and prev_space:
            continue
        out.append(b)
        prev_space = sp
    return out


def _runs(p):
    """w:r elements of a paragraph in order, including those in hyperlinks, insertions,
    smart tags and simple fields; deleted/moved-away text is skipped."""
    for el in p:
        tag = el.tag
        if tag == _q("r"):
            yield el
        elif tag in (_q("hyperlink"), _q("ins"), _q("smartTag"), _q("fldSimple"), _q("customXml"), _q("moveTo"),
                     _q("sdt")):
            inner = el.find(_q("sdtContent")) if tag == _q("sdt") else el
            if inner is not None:
                yield from _runs(inner)


# --------------------------------------------------------------------------- tables


def _has_borders(tbl, styles_root) -> bool:
    def visible(borders) -> bool:
        if borders is None:
            return False
        return any((e.get(_q("val")) or "nil") not in ("nil", "none") for e in borders)

    tpr = tbl.find(_q("tblPr"))
    if tpr is not None:
        if visible(tpr.find(_q("tblBorders"))):
            return True
        st = tpr.find(_q("tblStyle"))
        if st is not None and styles_root is not None:
            sid = st.get(_q("val"))
            for s in styles_root.findall(_q("style")):
                if s.get(_q("styleId")) == sid:
                    tp = s.find(_q("tblPr"))
                    if tp is not None and visible(tp.find(_q("tblBorders"))):
                        return True
    n_vis = 0
    n_tc = 0
    for tc in tbl.iter(_q("tc")):
        n_tc += 1
        tcpr = tc.find(_q("tcPr"))
        if tcpr is not None and visible(tcpr.find(_q("tcBorders"))):
            n_vis += 1
    return n_tc > 0 and n_vis >= 0.5 * n_tc


def _grid(tbl) -> list[list[object]]:
    """Rows of w:tc elements per grid column (a merged cell repeats its element)."""
    rows: list[list[object]] = []
    for tr in tbl.findall(_q("tr")):
        row: list[object] = []
        col = 0
        trpr = tr.find(_q("trPr"))
        if trpr is not None:
            gb = trpr.find(_q("gridBefore"))
            if gb is not None and (gb.get(_q("val")) or "0").isdigit():
                for _ in range(int(gb.get(_q("val")))):
                    row.append(None)
                    col += 1
        for tc in tr.findall(_q("tc")):
            tcpr = tc.find(_q("tcPr"))
            span = 1
            vmerge = None
            if tcpr is not None:
                gs = tcpr.find(_q("gridSpan"))
                if gs is not None and (gs.get(_q("val")) or "1").isdigit():
                    span = max(1, int(gs.get(_q("val"))))
                vm = tcpr.find(_q("vMerge"))
                if vm is not None:
                    vmerge = vm.get(_q("val")) or "continue"
            target = tc
            if vmerge == "continue" and rows:
                above = rows[-1][col] if col < len(rows[-1]) else None
                if above is not None:
                    target = above
            for _ in range(span):
                row.append(target)
                col += 1
        rows.append(row)
    return rows


def _cell_paras(tc, styles, numbering) -> list[_Para]:
    out: list[_Para] = []
    for el in tc:
        if el.tag == _q("p"):
            out.extend(_para_lines(el, styles, numbering))
        elif el.tag == _q("tbl"):
            for row in _grid(el):
                seen = set()
                for inner in row:
                    if inner is None or id(inner) in seen:
                        continue
                    seen.add(id(inner))
                    out.extend(_cell_paras(inner, styles, numbering))
        elif el.tag == _q("sdt"):
            c = el.find(_q("sdtContent"))
            if c is not None:
                out.extend(_cell_paras(c, styles, numbering))
    return [p for p in out if p.text]


# --------------------------------------------------------------------------- reader


@dataclass
class _Emitter:
    parts: list[str] = field(default_factory=list)
    pos: int = 0
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def put(self, s: str) -> tuple[int, int]:
        a = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return a, self.pos

    def line(self, p: _Para) -> None:
        if not p.text:
            return
        a, z = self.put(p.text)
        self.put("\n")
        emph = []
        start = None
        for i, b in enumerate(p.bold[:len(p.text)] + [False]):
            if b and start is None:
                start = i
            elif not b and start is not None:
                if i < len(p.text) and p.text[i] == " " and i + 1 < len(p.bold) and p.bold[i + 1]:
                    continue
                emph.append((a + start, a + i))
                start = None
        trimmed = []
        for ea, ez in emph:
            while ea < ez and self.parts[-2][ea - a].isspace():
                ea += 1
            while ez > ea and self.parts[-2][ez - a - 1].isspace():
                ez -= 1
            if ez > ea:
                trimmed.append((ea, ez))
        emph = trimmed
        letters = [i for i, ch in enumerate(p.text) if ch.isalpha()]
        all_bold = bool(letters) and sum(1 for i in letters if i < len(p.bold) and p.bold[i]) >= 0.9 * len(letters)
        heading = p.heading or (all_bold and len(p.text) <= 200)
        self.lines.append(Line(start=a, end=z, emph=emph, heading=heading, page=None))


def read_docx(path: str, data: bytes, sha256: str) -> SourceText:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, Exception) as e:
        raise InputError(path, f"not a readable Word document ({type(e).__name__}: {str(e)[:80]})") from e
    styles = _Styles(doc)
    numbering = _Numbering(doc)
    try:
        styles_root = doc.styles.element
    except Exception:
        styles_root = None
    em = _Emitter()
    warnings: list[str] = []

    def walk(container) -> None:
        for el in container:
            tag = el.tag
            if tag == _q("p"):
                for p in _para_lines(el, styles, numbering):
                    em.line(p)
            elif tag == _q("tbl"):
                table(el)
            elif tag == _q("sdt"):
                c = el.find(_q("sdtContent"))
                if c is not None:
                    walk(c)

    def table(tbl) -> None:
        grid = _grid(tbl)
        if not grid:
            return
        if not _has_borders(tbl, styles_root):
            # layout table: read column by column
            ncol = max(len(r) for r in grid)
            seen: set[int] = set()
            for c in range(ncol):
                for row in grid:
                    tc = row[c] if c < len(row) else None
                    if tc is None or id(tc) in seen:
                        continue
                    seen.add(id(tc))
                    for p in _cell_paras(tc, styles, numbering):
                        em.line(p)
            return
        start = em.pos
        cells: dict[int, Cell] = {}
        rows: list[list[Cell]] = []
        for row in grid:
            out_row: list[Cell] = []
            for tc in row:
                if tc is None:
                    a, _ = em.put("")
                    out_row.append(Cell(start=a, end=a))
                    continue
                key = id(tc)
                if key not in cells:
                    paras = _cell_paras(tc, styles, numbering)
                    text = " ".join(p.text for p in paras)
                    a, z = em.put(text)
                    em.put("\n")
                    cells[key] = Cell(start=a, end=z)
                out_row.append(cells[key])
            rows.append(out_row)
        # drop rows that are entirely empty
        rows = [r for r in rows if any(c.end > c.start for c in r)]
        if rows:
            em.tables.append(Table(start=start, end=em.pos, rows=rows))

    walk(doc.element.body)
    text = "".join(em.parts)
    if not text.strip():
        warnings.append(f"{path}: the Word document has no text")
    q = vietnamese_ratio(text)
    return SourceText(
        path=path, sha256=sha256, kind="docx", text=text, lines=em.lines, tables=em.tables,
        pages=[PageInfo(number=1, start=0, end=len(text), origin="docx", quality=round(q, 3))],
        warnings=warnings,
    )
