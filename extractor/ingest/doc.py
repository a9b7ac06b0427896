"""Legacy Word 97-2003 binary (.doc) -> SourceText.

LibreOffice headless, when installed, converts to .docx and the DOCX reader
does the rest (best fidelity).  Otherwise antiword (installed by
scripts/bootstrap.sh) writes DocBook XML: paragraphs, bold emphasis, and
tables with their frame/rule attributes, so borderless layout tables (header,
signature block) are read as text column by column and ruled tables become
``Table`` objects, exactly as the DOCX reader does.  Text typed in legacy
TCVN3/VNI fonts is converted to Unicode.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from extractor.errors import InputError
from extractor.model import Cell, PageInfo, SourceText, Table
from extractor.textutil import nfc, vietnamese_ratio
from extractor.ingest import legacy
from extractor.ingest.docx import _Emitter, _Para


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_doc(path: str, data: bytes, sha256: str) -> SourceText:
    with tempfile.TemporaryDirectory(prefix="extractor-doc-") as tmp:
        src = os.path.join(tmp, "input.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        office = _soffice()
        if office and os.environ.get("EXTRACTOR_DOC_CONVERTER", "") != "antiword":
            try:
                subprocess.run([office, "--headless", "--convert-to", "docx", "--outdir", tmp, src],
                               capture_output=True, timeout=120, check=True)
                out = os.path.join(tmp, "input.docx")
                if os.path.exists(out):
                    from extractor.ingest.docx import read_docx

                    with open(out, "rb") as fh:
                        s = read_docx(path, fh.read(), sha256)
                    s.kind = "doc"
                    s.encoding = "libreoffice"
                    return s
            except (subprocess.SubprocessError, OSError):
                pass
        exe = shutil.which("antiword")
        if not exe:
            raise InputError(path, "cannot read legacy .doc: install antiword (or LibreOffice)")
        try:
            r = subprocess.run([exe, "-x", "db", src], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired as e:
            raise InputError(path, "antiword timed out on this .doc file") from e
        if r.returncode != 0 or not r.stdout.strip():
            msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(path, f"not a readable Word 97-2003 document ({msg[-1] if msg else 'antiword failed'})")
    return _from_docbook(path, sha256, r.stdout)


def _text_with_bold(el) -> tuple[str, list[bool]]:
    chars: list[str] = []
    flags: list[bool] = []

    def rec(e, bold: bool) -> None:
        b = bold or (e.tag == "emphasis" and e.get("role") == "bold")
        if e.text:
            chars.extend(e.text)
            flags.extend([b] * len(e.text))
        for ch in e:
            if ch.tag == "informaltable":
                if ch.tail:
                    chars.extend(ch.tail)
                    flags.extend([bold] * len(ch.tail))
                continue
            rec(ch, b)
            if ch.tail:
                chars.extend(ch.tail)
                flags.extend([bold] * len(ch.tail))

    rec(el, False)
    return "".join(chars), flags


def _lines(text: str, flags: list[bool]) -> list[_Para]:
    out = []
    pos = 0
    for part in text.split("\n"):
        f = flags[pos:pos + len(part)]
        pos += len(part) + 1
        stripped = part.strip()
        if not stripped:
            continue
        a = part.index(stripped[0])
        seg = part[a:a + len(stripped)]
        fseg = f[a:a + len(stripped)]
        # squeeze runs of spaces (antiword pads blanks left for numbers/days)
        t_chars, t_flags = [], []
        for ch, b in zip(seg, fseg):
            if ch.isspace() and t_chars and t_chars[-1] == " ":
                continue
            t_chars.append(" " if ch.isspace() else ch)
            t_flags.append(b)
        t = nfc("".join(t_chars))
        if len(t) != len(t_flags):
            t_flags = [any(t_flags)] * len(t)
        letters = [i for i, ch in enumerate(t) if ch.isalpha()]
        heading = bool(letters) and all(t_flags[i] for i in letters) and len(t) <= 200
        out.append(_Para(text=t, bold=t_flags, heading=heading))
    return out


def _from_docbook(path: str, sha256: str, xml: bytes) -> SourceText:
    xml = re.sub(rb"<!DOCTYPE[^>]*>", b"", xml, count=1)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise InputError(path, f"antiword produced unreadable output ({e})") from e
    em = _Emitter()
    legacy_enc: set[str] = set()

    def fix(p: _Para) -> _Para:
        t, enc = legacy.fix(p.text)
        if enc:
            legacy_enc.add(enc)
            return _Para(text=t, bold=[bool(p.bold and p.bold[0])] * len(t), heading=p.heading)
        return p

    def table(tab) -> None:
        layout = tab.get("frame") == "none" and tab.get("colsep") == "0" and tab.get("rowsep") == "0"
        tgroup = tab.find("tgroup")
        if tgroup is None:
            return
        names = [cs.get("colname") or str(i + 1) for i, cs in enumerate(tgroup.findall("colspec"))]
        ncols = int(tgroup.get("cols") or len(names) or 1)
        grid: list[list[object]] = []
        pending: dict[int, tuple[object, int]] = {}  # column -> (entry, rows left) for morerows
        body_rows = [r for part in ("thead", "tbody") for sect in tgroup.findall(part) for r in sect.findall("row")]
        for row in body_rows:
            cells: list[object] = [None] * ncols
            for c, (ent, left) in list(pending.items()):
                cells[c] = ent
                if left <= 1:
                    del pending[c]
                else:
                    pending[c] = (ent, left - 1)
            col = 0
            for ent in row.findall("entry"):
                while col < ncols and cells[col] is not None:
                    col += 1
                if col >= ncols:
                    break
                span = 1
                if ent.get("namest") and ent.get("nameend") and ent.get("namest") in names and ent.get("nameend") in names:
                    span = names.index(ent.get("nameend")) - names.index(ent.get("namest")) + 1
                more = int(ent.get("morerows") or 0)
                for k in range(span):
                    if col + k < ncols:
                        cells[col + k] = ent
                        if more:
                            pending[col + k] = (ent, more)
                col += span
            grid.append(cells)
        if layout:
            seen: set[int] = set()
            for c in range(ncols):
                for r in grid:
                    ent = r[c]
                    if ent is None or id(ent) in seen:
                        continue
                    seen.add(id(ent))
                    t, f = _text_with_bold(ent)
                    for p in _lines(t, f):
                        em.line(fix(p))
            return
        start = em.pos
        done: dict[int, Cell] = {}
        rows: list[list[Cell]] = []
        for r in grid:
            out = []
            for ent in r:
                if ent is None:
                    a, _ = em.put("")
                    out.append(Cell(start=a, end=a))
                    continue
                if id(ent) not in done:
                    t, f = _text_with_bold(ent)
                    text = " ".join(fix(p).text for p in _lines(t, f))
                    a, z = em.put(text)
                    em.put("\n")
                    done[id(ent)] = Cell(start=a, end=z)
                out.append(done[id(ent)])
            rows.append(out)
        rows = [r for r in rows if any(c.end > c.start for c in r)]
        if rows:
            em.tables.append(Table(start=start, end=em.pos, rows=rows))

    def walk(el) -> None:
        for ch in el:
            if ch.tag in ("bookinfo", "title"):
                continue
            if ch.tag == "informaltable":
                table(ch)
                continue
            if ch.tag == "para":
                if ch.find(".//informaltable") is not None:
                    t, f = _text_with_bold(ch)
                    for p in _lines(t, f):
                        em.line(fix(p))
                    walk(ch)
                    continue
                t, f = _text_with_bold(ch)
                for p in _lines(t, f):
                    em.line(fix(p))
                continue
            walk(ch)

    walk(root)
    text = "".join(em.parts)
    warnings = []
    if not text.strip():
        warnings.append(f"{path}: the Word document has no text")
    if legacy_enc:
        warnings.append(f"{path}: legacy {'/'.join(sorted(e.upper() for e in legacy_enc))} text converted to Unicode")
    return SourceText(
        path=path, sha256=sha256, kind="doc", text=text, lines=em.lines, tables=em.tables,
        pages=[PageInfo(number=1, start=0, end=len(text), origin="docx", quality=round(vietnamese_ratio(text), 3),
                        note="converted with antiword")],
        encoding=("+".join(sorted(legacy_enc)) or None), warnings=warnings,
    )
