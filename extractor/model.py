"""The typed data model every stage reads and writes.

Data flows one way:

    ingest  -> SourceText      (text + lines + tables + provenance)
    structure -> Outline       (tree of headings, items, paragraphs, table rows)
    extract -> Document        (metadata + obligations with agencies, targets, deadline)
    link    -> Obligation.dti  (DTI sub-indicator links)
    store / export / search / review read a Document.

All offsets are character offsets into ``SourceText.text`` (NFC, markup
stripped).  ``SourceText.to_source(offset)`` maps one back to the original file
(text inputs) and ``SourceText.page_of(offset)`` to a page and box (PDF, images).
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Optional

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points (72/in)


# --------------------------------------------------------------------------- ingest


@dataclass
class Line:
    """One physical line of the document (outside tables).

    ``emph`` are (start, end) offsets of bold/emphasised runs inside the line;
    ``heading`` is set for Markdown ``#`` headings or large/bold PDF headings.
    """

    start: int
    end: int
    page: Optional[int] = None
    bbox: Optional[BBox] = None
    emph: list[tuple[int, int]] = field(default_factory=list)
    heading: bool = False


@dataclass
class Cell:
    start: int
    end: int
    bbox: Optional[BBox] = None


@dataclass
class Table:
    """A table as rows of cells; cell text is ``text[cell.start:cell.end]``.

    Rows spanning several pages are merged by the reader (``pages`` lists them).
    A merged cell repeats the same offsets in every row/column it covers.
    """

    start: int
    end: int
    rows: list[list[Cell]]
    pages: list[int] = field(default_factory=list)
    row_pages: list[Optional[int]] = field(default_factory=list)


@dataclass
class PageInfo:
    number: int  # 1-based
    start: int
    end: int
    origin: Literal["layer", "ocr", "widget", "text", "docx", "empty"] = "layer"
    width: Optional[float] = None
    height: Optional[float] = None
    quality: Optional[float] = None  # share of valid Vietnamese syllables, 0..1
    note: Optional[str] = None


@dataclass
class SourceText:
    """What a reader hands to the structure stage, whatever the input kind."""

    path: str
    sha256: str
    kind: str  # "text", "markdown", "pdf", "scan", "image", "docx", "doc"
    text: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    # offset_map[i] = offset in the original (decoded, NFC) file of text[i];
    # None when the input has no character stream of its own (PDF, images).
    offset_map: Optional[list[int]] = None
    # offsets in the decoded file where each of its lines starts (text inputs)
    source_line_starts: Optional[list[int]] = None
    encoding: Optional[str] = None
    # Values found outside the text flow (e.g. number/date in signature widgets).
    hints: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_source(self, offset: int) -> int:
        if self.offset_map is None:
            return offset
        if offset >= len(self.offset_map):
            return (self.offset_map[-1] + 1) if self.offset_map else 0
        return self.offset_map[offset]

    def source_line(self, offset: int) -> Optional[int]:
        """1-based line of the original file that holds text[offset]."""
        if self.source_line_starts is None:
            return None
        return bisect.bisect_right(self.source_line_starts, self.to_source(offset))

    def page_of(self, offset: int) -> Optional[int]:
        if not self.pages:
            return None
        starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, offset) - 1
        return self.pages[max(i, 0)].number

    def slice(self, a: int, b: int) -> "SourceText":
        """The stretch ``text[a:b]`` as a document of its own, offsets from ``a``
        (lines, tables and pages inside it; cut at line and table bounds)."""
        from dataclasses import replace

        def cell(c: Cell) -> Cell:
            return replace(c, start=c.start - a, end=c.end - a)

        return replace(
            self, text=self.text[a:b],
            lines=[replace(ln, start=ln.start - a, end=ln.end - a, emph=[(x - a, y - a) for x, y in ln.emph])
                   for ln in self.lines if a <= ln.start < b],
            tables=[replace(t, start=t.start - a, end=t.end - a, rows=[[cell(c) for c in r] for r in t.rows])
                    for t in self.tables if a <= t.start < b],
            pages=[replace(p, start=max(p.start, a) - a, end=min(p.end, b) - a)
                   for p in self.pages if p.start < b and p.end > a],
            offset_map=self.offset_map[a:b] if self.offset_map is not None else None,
            hints=dict(self.hints), warnings=[])

    def line_at(self, offset: int) -> Optional[Line]:
        starts = [ln.start for ln in self.lines]
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and self.lines[i].start <= offset <= self.lines[i].end:
            return self.lines[i]
        return None


# --------------------------------------------------------------------------- structure


NodeKind = Literal["root", "heading", "item", "paragraph", "table", "row", "meta"]


@dataclass
class Node:
    """A node of the outline tree.

    ``marker`` is the numbering as written ("II.", "1.1.", "a)", "-", "+");
    ``level`` is derived from the marker style; ``label_end`` is where a bold
    lead-in ("**4. Sở Tài Chính:**") stops, so "heading + body on one line" is
    one node whose label names an agency and whose body is an obligation.
    """

    kind: NodeKind
    start: int
    end: int
    marker: str = ""
    level: int = 0
    label_end: Optional[int] = None
    children: list["Node"] = field(default_factory=list)
    # For table rows: column role -> (start, end) of the cell.
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    page: Optional[int] = None
    bbox: Optional[BBox] = None

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


# --------------------------------------------------------------------------- extract


@dataclass
class Span:
    """A piece of text with its offsets in SourceText.text."""

    start: int
    end: int
    text: str


@dataclass
class AgencyRef:
    """An agency as written, resolved against the gazetteer.

    ``canonical`` is the gazetteer's name (the name in force when written);
    ``current`` is its successor today, if it was merged or dissolved.
    ``known`` is False for agencies found by pattern but not in the gazetteer.
    """

    as_written: str
    canonical: str
    role: Literal["lead", "support"]
    agency_id: Optional[str] = None
    current: Optional[str] = None
    known: bool = True
    start: Optional[int] = None
    end: Optional[int] = None
    source: str = ""  # "explicit", "heading", "table", "addressee", "subject", "issuer"


@dataclass
class Target:
    text: str
    value: float
    unit: str
    op: Literal[">=", ">", "=", "<=", "<"]
    start: Optional[int] = None
    end: Optional[int] = None
    metric: Optional[str] = None  # the noun phrase measured, when found

    def to_json(self) -> dict:
        v: Any = int(self.value) if float(self.value).is_integer() else self.value
        return {"text": self.text, "value": v, "unit": self.unit, "op": self.op}


@dataclass
class Deadline:
    text: str
    kind: Literal["date", "year", "period", "recurring", "from"]
    date: Optional[str] = None  # ISO YYYY-MM-DD
    start: Optional[str] = None
    every: Optional[str] = None  # year|quarter|month|week|unspecified (recurring)
    span_start: Optional[int] = None
    span_end: Optional[int] = None
    inherited: bool = False  # taken from a heading/section, not the item itself
    role: Optional[str] = None  # None, "purpose" or "report": see nlp/deadlines.pick_deadline

    def to_json(self) -> dict:
        d: dict[str, Any] = {"text": self.text, "kind": self.kind, "date": self.date, "start": self.start}
        if self.kind == "recurring":
            d["every"] = self.every
        return d


@dataclass
class DtiLink:
    code: str
    score: float
    rank: int
    linker: str = ""
    catalogue_version: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Obligation:
    id: str  # stable: derived from document hash + normalised text + occurrence
    text: str
    start: int
    end: int
    kind: Literal["item", "row", "sentence", "paragraph"] = "item"
    section: str = ""  # heading path, e.g. "IV. TỔ CHỨC THỰC HIỆN > 2. Sở ..."
    agencies: list[AgencyRef] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    deadline: Optional[Deadline] = None
    dti: list[DtiLink] = field(default_factory=list)
    # the linker's top-ranked sub-indicators whether or not it links (best first): what a reviewer picks
    # from when it abstains or its first link is wrong; never counted as links (coverage, search, export)
    dti_suggestions: list[DtiLink] = field(default_factory=list)
    page: Optional[int] = None
    bbox: Optional[BBox] = None
    source_start: Optional[int] = None
    source_end: Optional[int] = None
    source_line: Optional[int] = None  # 1-based line in the original text file

    @property
    def lead(self) -> list[str]:
        return _unique(a.canonical for a in self.agencies if a.role == "lead")

    @property
    def support(self) -> list[str]:
        return _unique(a.canonical for a in self.agencies if a.role == "support")


@dataclass
class DocMeta:
    number: Optional[str] = None
    type: Optional[str] = None
    issuer: Optional[str] = None
    province: Optional[str] = None
    issued_date: Optional[str] = None
    signer: Optional[str] = None
    title: Optional[str] = None
    addressees: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận"
    unsure: list[str] = field(default_factory=list)  # fields read from OCR of handwriting etc.
    reported: bool = False  # read from a news or portal article about the directive, not its own header

    GOLD_FIELDS = ("number", "type", "issuer", "province", "issued_date", "signer")


@dataclass
class Document:
    id: str  # sha256 of the file's bytes (first 16 hex)
    path: str
    source: SourceText
    meta: DocMeta
    outline: Node
    obligations: list[Obligation] = field(default_factory=list)
    unknown_agencies: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        from pathlib import Path

        return Path(self.path).name


def _unique(items) -> list[str]:
    seen: dict[str, None] = {}
    for x in items:
        seen.setdefault(x, None)
    return list(seen)


def as_dict(obj) -> dict:
    return asdict(obj)
