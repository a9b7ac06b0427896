"""The annotated document: one spaCy ``Doc`` over the whole ``SourceText``.

Built once per input by ``Pipeline.annotate``; every later component reads
and adds span layers in *document* offsets:

=====================  ===========================================  =====================
layer                  what                                         added by
=====================  ===========================================  =====================
``agencies``           gazetteer + head-word agency mentions        ``agency_ruler``
``agencies_weak``      the same plus weak variants (headings,       ``agency_ruler``
                       table cells: "Tài chính" alone is a Sở)
``deadlines``          time expressions, value in ``span._.value``  ``deadline_matcher``
``targets``            committed figures                            ``target_matcher``
``outline``            headings, items, paragraphs, rows            structure stage
``candidates``         stretches the segmenter offers               ``obligation_segmenter``
``obligations``        the obligations, ``span._.value`` typed      ``obligation_builder``
=====================  ===========================================  =====================

``doc.user_data`` carries what is not a span: the ``SourceText`` (``source``),
the outline tree (``outline``), the document year and issue date, the folded
text (``folded``, computed once) and the typed results of each component.

Rule functions match short stretches (an item, a sentence, a heading); a
:class:`Window` is that stretch of the one document with its layers, offsets
counted from the stretch's start, and converts back with :meth:`Window.doc_offset`.
Nothing re-annotates a substring.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from spacy.tokens import Doc



def layer_values(doc: Doc, key: str) -> list:
    """The typed values of a span layer, in document order."""
    cache = doc.user_data.setdefault("_values", {})
    if key not in cache:
        vals = [sp._.value for sp in doc.spans[key]] if key in doc.spans else []
        cache[key] = (vals, [_start(v) for v in vals])
    return cache[key][0]


def _start(v) -> int:
    s = getattr(v, "span_start", None)
    return s if s is not None else v.start


def values_in(doc: Doc, key: str, a: int, b: int) -> list:
    """Values of layer ``key`` lying wholly inside [a, b)."""
    vals = layer_values(doc, key)
    starts = doc.user_data["_values"][key][1]
    i = bisect.bisect_left(starts, a)
    out = []
    while i < len(vals) and starts[i] < b:
        v = vals[i]
        end = getattr(v, "span_end", None) if getattr(v, "span_start", None) is not None else v.end
        if end <= b:
            out.append(v)
        i += 1
    return out


class Window:
    """The stretch [start, end) of an annotated document, for rule matching.

    ``text`` and ``folded`` are the stretch's characters; ``mentions()`` the
    agency mentions inside it with offsets from ``start`` (rule functions match
    regexes on ``folded`` and compare with those offsets).  Values of other
    layers keep document offsets: see :func:`values_in`.
    """

    __slots__ = ("doc", "start", "end", "text", "folded", "_m")

    def __init__(self, doc: Doc, start: int, end: int):
        self.doc = doc
        self.start = start
        self.end = end
        self.text = doc.user_data["text"][start:end]
        self.folded = doc.user_data["folded"][start:end]
        self._m: dict[bool, list] = {}

    def mentions(self, weak: bool = False) -> list:
        if weak not in self._m:
            self._m[weak] = [replace(m, start=m.start - self.start, end=m.end - self.start)
                             for m in values_in(self.doc, "agencies_weak" if weak else "agencies", self.start, self.end)]
        return self._m[weak]

    def doc_offset(self, local: int) -> int:
        return self.start + local

    def sub(self, a: int, b: int) -> "Window":
        """A narrower window, [a, b) in this window's offsets."""
        return Window(self.doc, self.start + a, self.start + b)
