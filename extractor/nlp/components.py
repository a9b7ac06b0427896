"""The spaCy pipeline: ``spacy.blank("vi")`` plus the project's components.

Components (registered factories, explicit config):

- ``agency_ruler``    gazetteer + head-word patterns -> ``doc.spans["agencies"]`` and,
                      with weak variants too, ``doc.spans["agencies_weak"]``
- ``deadline_matcher`` deadline grammar              -> ``doc.spans["deadlines"]``
- ``target_matcher``   committed figures              -> ``doc.spans["targets"]``

Each span carries its parsed value in ``span._.value`` (an agencies.Mention,
model.Deadline or model.Target).  The document year, used for dates written
without one ("trước ngày 15/12"), is read from ``doc.user_data["doc_year"]``.
The tokenizer splits syllables (``use_pyvi=False``): matching is done on
characters, so word segmentation would only cost time here.
"""

from __future__ import annotations


import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.nlp.agencies import DEFAULT_GAZETTEER, load_gazetteer
from extractor.nlp.deadlines import find_deadlines
from extractor.nlp.targets import find_targets

if not Span.has_extension("value"):
    Span.set_extension("value", default=None)


class _SpanSetter:
    """Base for the components: run ``find`` over the text, store spans under ``key``."""

    key = ""

    def find(self, doc: Doc):  # -> iterable of (start, end, label, value)
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for start, end, label, value in self.find(doc):
            sp = doc.char_span(start, end, label=label, alignment_mode="expand")
            if sp is not None:
                sp._.value = value
                spans.append(sp)
        doc.spans[self.key] = spans
        return doc


@Language.factory("agency_ruler", default_config={"gazetteer": str(DEFAULT_GAZETTEER), "unknown": True})
def make_agency_ruler(nlp: Language, name: str, gazetteer: str, unknown: bool):
    return AgencyRuler(gazetteer, unknown)


class AgencyRuler(_SpanSetter):
    """Both agency layers: strong variants only (running text) and with weak ones
    (headings and table cells, where "Tài chính" alone names the Sở)."""

    key = "agencies"

    def __init__(self, gazetteer: str, unknown: bool):
        self.gazetteer = load_gazetteer(gazetteer)
        self.unknown = unknown

    def find(self, doc: Doc):
        for m in self.gazetteer.find(doc.text, weak=self._weak, unknown=self.unknown):
            yield m.start, m.end, "AGENCY" if m.agency else "AGENCY_UNKNOWN", m

    def __call__(self, doc: Doc) -> Doc:
        self._weak = False
        super().__call__(doc)
        self._weak, self.key = True, "agencies_weak"
        try:
            super().__call__(doc)
        finally:
            self.key = "agencies"
        return doc


@Language.factory("deadline_matcher", default_config={})
def make_deadline_matcher(nlp: Language, name: str):
    return DeadlineMatcher()


class DeadlineMatcher(_SpanSetter):
    key = "deadlines"

    def find(self, doc: Doc):
        for d in find_deadlines(doc.text, doc.user_data.get("doc_year")):
            yield d.span_start, d.span_end, d.kind.upper(), d


@Language.factory("target_matcher", default_config={})
def make_target_matcher(nlp: Language, name: str):
    return TargetMatcher()


class TargetMatcher(_SpanSetter):
    key = "targets"

    def find(self, doc: Doc):
        for t in find_targets(doc.text, doc.user_data.get("doc_year")):
            yield t.start, t.end, "TARGET", t


def build_nlp(gazetteer: str = str(DEFAULT_GAZETTEER)) -> Language:
    """A new pipeline with the NLP layers (the pipeline module adds the extract components)."""
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    nlp.add_pipe("agency_ruler", config={"gazetteer": gazetteer})
    nlp.add_pipe("deadline_matcher")
    nlp.add_pipe("target_matcher")
    return nlp
