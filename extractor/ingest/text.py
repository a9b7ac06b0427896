"""Plain text and Markdown-flavoured text -> SourceText.

Markup (``#``, ``**``, ``*``, ``\\`` escapes, hard-break spaces, table pipes) is
removed while every kept character remembers its offset in the decoded file,
so spans can be shown in place.  Flattened tables, where each cell sits on its
own line ending in ``|`` and a lone ``|`` starts a row, become ``Table``
objects; one-line Markdown rows (``| a | b |``) do too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractor.errors import InputError
from extractor.model import Cell, Line, PageInfo, SourceText, Table
from extractor.textutil import looks_like_text, nfc, vietnamese_ratio

_HEADING = re.compile(r"^(#{1,6})\s+")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def decode(path: str, data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, UTF-16 or Windows-1258, in that order; refuse
    anything that does not decode to readable text."""
    text, enc = _decode(path, data)
    if not looks_like_text(text):
        raise InputError(path, f"binary or garbled content, not text (tried {enc})")
    return text, enc


def _decode(path: str, data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise InputError(path, f"invalid UTF-16 text ({e.reason})") from e
    nul = data[:4096].count(0)
    if nul:
        # UTF-16 without BOM has a NUL in every other byte of ASCII text.
        sample = data[:4096]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > 0.3 * len(sample) / 2:
            for enc in ("utf-16-le", "utf-16-be"):
                try:
                    t = data.decode(enc)
                    if vietnamese_ratio(t) > 0.05 or t.isascii():
                        return t, enc
                except UnicodeDecodeError:
                    continue
        raise InputError(path, "binary file, not text (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        t = data.decode("cp1258")
    except UnicodeDecodeError as e:
        raise InputError(path, "not valid UTF-8, UTF-16 or Windows-1258 text") from e
    # cp1258 decodes almost any byte string: accept it only if it reads as Vietnamese.
    if vietnamese_ratio(nfc(t)) < 0.1:
        raise InputError(path, "not valid UTF-8, UTF-16 or Windows-1258 text")
    return t, "cp1258"


@dataclass
class _Builder:
    """Accumulates output text with a map back to source offsets."""

    src: str
    out: list[str] = field(default_factory=list)
    omap: list[int] = field(default_factory=list)

    @property
    def pos(self) -> int:
        return len(self.omap)

    def copy(self, a: int, b: int) -> None:
        self.out.append(self.src[a:b])
        self.omap.extend(range(a, b))

    def put(self, s: str, at: int) -> None:
        self.out.append(s)
        self.omap.extend([at] * len(s))

    def text(self) -> str:
        return "".join(self.out)


def _strip_inline(b: _Builder, a: int, z: int) -> list[tuple[int, int]]:
    """Copy src[a:z] into b without emphasis markers; return emphasised ranges."""
    s = b.src
    emph: list[tuple[int, int]] = []
    open_at: dict[str, int] = {}
    i = a
    while i < z:
        ch = s[i]
        if ch == "\\" and i + 1 < z and _ESCAPE.match(s, i):
            b.copy(i + 1, i + 2)
            i += 2
            continue
        if ch in "*_":
            j = i
            while j < z and s[j] == ch:
                j += 1
            run = s[i:j]
            # "_" inside a word (snake_case, file names) is literal.
            if ch == "_" and i > a and s[i - 1].isalnum() and j < z and s[j].isalnum():
                b.copy(i, j)
                i = j
                continue
            # A lone "*" followed by a space at line start is a bullet: keep it.
            if ch == "*" and run == "*" and i == a and j < z and s[j] == " ":
                b.copy(i, j)
                i = j
                continue
            key = run
            if key in open_at:
                start = open_at.pop(key)
                if b.pos > start:
                    emph.append((start, b.pos))
            else:
                open_at[key] = b.pos
            i = j
            continue
        b.copy(i, i + 1)
        i += 1
    return _merge(emph)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for r in sorted(ranges):
        if out and r[0] <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], r[1]))
        else:
            out.append(r)
    return out


def _line_bounds(src: str) -> list[tuple[int, int]]:
    bounds = []
    pos = 0
    for m in re.finditer(r"\n", src):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(src)))
    return bounds


def _content_bounds(src: str, a: int, z: int) -> tuple[int, int]:
    """Trim whitespace and the Markdown hard-break (trailing spaces, '\\')."""
    while a < z and src[a] in " \t\r\ufeff":
        a += 1
    while z > a and src[z - 1] in " \t\r":
        z -= 1
    if z > a and src[z - 1] == "\\" and (z - 1 == a or src[z - 2] != "\\"):
        z -= 1
        while z > a and src[z - 1] in " \t":
            z -= 1
    return a, z


def _parse_pipe_line(src: str, a: int, z: int) -> tuple[tuple[int, int] | None, int]:
    """For 'text ||', return (content bounds or None, number of pipes)."""
    k = z
    pipes = 0
    while k > a and src[k - 1] in "| \t":
        if src[k - 1] == "|":
            pipes += 1
        k -= 1
    ca, cz = _content_bounds(src, a, k)
    return ((ca, cz) if cz > ca else None), pipes


def read_text(path: str, data: bytes, sha256: str) -> SourceText:
    raw, encoding = decode(path, data)
    src = nfc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    if not src.strip():
        raise InputError(path, "no text (only white space)")
    b = _Builder(src)
    lines: list[Line] = []
    tables: list[Table] = []
    bounds = _line_bounds(src)

    i = 0
    n = len(bounds)
    while i < n:
        la, lz = bounds[i]
        ca, cz = _content_bounds(src, la, lz)
        content = src[ca:cz]
        # ---- flattened / Markdown tables
        if content == "|" or (_MD_ROW.match(content) and content.count("|") >= 3):
            i = _read_table(src, bounds, i, b, tables)
            continue
        # ---- ordinary line
        heading = False
        m = _HEADING.match(content)
        if m:
            heading = True
            ca += m.end()
        start = b.pos
        emph = _strip_inline(b, ca, cz)
        if b.pos > start or True:
            lines.append(Line(start=start, end=b.pos, emph=emph, heading=heading))
        b.put("\n", lz)
        i += 1

    text = b.text()
    # Drop empty lines from the line list (keep their newline in text).
    lines = [ln for ln in lines if ln.end > ln.start and text[ln.start:ln.end].strip()]
    kind = "markdown" if path.lower().endswith((".md", ".markdown")) else "text"
    quality = vietnamese_ratio(text)
    src_text = SourceText(
        path=path,
        sha256=sha256,
        kind=kind,
        text=text,
        lines=lines,
        tables=tables,
        pages=[PageInfo(number=1, start=0, end=len(text), origin="text", quality=quality)],
        offset_map=b.omap,
        source_line_starts=[a for a, _ in bounds],
        encoding=encoding,
    )
    if quality < 0.05 and len(text) > 200:
        src_text.warnings.append(f"{path}: text does not look Vietnamese (marked-word share {quality:.2f})")
    if encoding == "cp1258":
        foreign = sum(text.count(ch) for ch in _NOT_VIETNAMESE)
        if foreign >= 3:
            src_text.warnings.append(f"{path}: decoded as Windows-1258, but {foreign} letters no Vietnamese text "
                                     f"uses (ñ, ç, ü, ö, ...) suggest Latin-1 text of another language; check it")
    return src_text


# Latin letters that Windows-1258 shares with Latin-1 but Vietnamese never writes: a "cp1258" file
# full of them decoded only by accident.
_NOT_VIETNAMESE = "ñçüöäßëïåæøÑÇÜÖÄËÏÅÆØ"


_MAX_CELL_LINES = 8


def _pipe_ahead(src: str, bounds, j: int, limit: int) -> bool:
    for k in range(j, min(j + limit, len(bounds))):
        a, z = _content_bounds(src, *bounds[k])
        if z > a and src[z - 1] == "|":
            return True
    return False


def _read_table(src: str, bounds, i: int, b: _Builder, tables: list[Table]) -> int:
    """Consume table lines starting at bounds[i]; append a Table; return next index."""
    n = len(bounds)
    rows: list[list[tuple[int, int] | None]] = []
    ncols: int | None = None
    pending: list[tuple[int, int]] = []
    in_row = False

    def close_cell(extra: tuple[int, int] | None) -> None:
        parts = pending + ([extra] if extra else [])
        pending.clear()
        if parts:
            rows[-1].append((parts[0][0], parts[-1][1]))
        else:
            rows[-1].append(None)

    j = i
    while j < n:
        la, lz = bounds[j]
        ca, cz = _content_bounds(src, la, lz)
        content = src[ca:cz]
        if _MD_SEP.match(content) and "-" in content:
            j += 1
            continue
        if content.startswith("|") and content.endswith("|") and content.count("|") >= 3 and not pending \
                and content.strip("|").strip():
            # One-line Markdown row: split by pipes.
            cells: list[tuple[int, int] | None] = []
            k = ca + 1
            for m in re.finditer(r"\|", src[ca + 1:cz + 1]):
                seg_end = ca + 1 + m.start()
                a2, z2 = _content_bounds(src, k, seg_end)
                cells.append((a2, z2) if z2 > a2 else None)
                k = seg_end + 1
            rows.append(cells)
            in_row = False
            j += 1
            continue
        if content == "|":
            if in_row and not pending and ncols is not None and len(rows[-1]) < ncols:
                rows[-1].append(None)  # an empty cell
            else:
                if in_row and pending:
                    close_cell(None)
                if rows and ncols is None and rows[-1]:
                    ncols = len(rows[-1])
                rows.append([])
                in_row = True
            j += 1
            continue
        if not in_row:
            break
        if ncols is not None and len(rows[-1]) >= ncols and not pending:
            break  # row complete and this line is not a new row: table over
        if not content:
            if pending:
                j += 1
                continue
            break
        cell, pipes = _parse_pipe_line(src, ca, cz)
        if pipes == 0:
            # A cell may wrap over a few lines before its closing pipe; text with
            # no pipe in sight is prose after the table, not part of it.
            if not _pipe_ahead(src, bounds, j, _MAX_CELL_LINES):
                break
            pending.append((ca, cz))
            j += 1
            continue
        close_cell(cell)
        for _ in range(pipes - 1):
            rows[-1].append(None)
        j += 1
    if pending and rows:
        close_cell(None)
    rows = [r for r in rows if r]
    if not rows:
        # Not a table after all: emit the line as text so nothing is lost.
        la, lz = bounds[i]
        b.copy(la, lz)
        b.put("\n", lz)
        return i + 1
    # Emit each cell's text on its own line; record offsets.
    t_start = b.pos
    out_rows: list[list[Cell]] = []
    width = max(len(r) for r in rows)
    for r in rows:
        out: list[Cell] = []
        for c in r + [None] * (width - len(r)):
            if c is None:
                out.append(Cell(start=b.pos, end=b.pos))
                continue
            a, z = c
            start = b.pos
            # Cells may span lines: copy line by line, joining with a space.
            seg_start = a
            for m in re.finditer(r"\n", src[a:z]):
                ea, ez = _content_bounds(src, seg_start, a + m.start())
                _strip_inline(b, ea, ez)
                b.put(" ", a + m.start())
                seg_start = a + m.end()
            ea, ez = _content_bounds(src, seg_start, z)
            _strip_inline(b, ea, ez)
            out.append(Cell(start=start, end=b.pos))
            b.put("\n", z)
        out_rows.append(out)
    tables.append(Table(start=t_start, end=b.pos, rows=out_rows))
    return j
