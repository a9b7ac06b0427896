"""The extract stage as registered spaCy components, run in this order on the
annotated document (``extractor.nlp.document``) after the agency, deadline and
target layers:

``obligation_segmenter``  outline -> ``user_data["candidates"]`` and span layer ``candidates``
``directive_classifier``  marks each candidate directive or not (``Candidate.directive``)
``obligation_builder``    directive candidates -> ``Obligation``s (split on a new subject),
                          span layer ``obligations`` with the typed value in ``span._.value``
``role_resolver``         lead and support of every obligation

Each takes ``rules`` (a folder of rule files, default ``models/rules``) and, for
the role resolver, ``gazetteer`` in its config, like any spaCy component.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from extractor.extract.build import ObligationBuilder
from extractor.extract.classify import DirectiveClassifier
from extractor.extract.roles import RoleResolver
from extractor.extract.segment import Segmenter
from extractor.nlp.agencies import DEFAULT_GAZETTEER, load_gazetteer
from extractor.paths import RULES_DIR
from extractor.rules import load_rules

_DEFAULT = {"rules": str(RULES_DIR), "gazetteer": str(DEFAULT_GAZETTEER)}


@lru_cache(maxsize=4)
def _parts(rules: str, gazetteer: str):
    """The classifier, resolver, segmenter and builder the four stages share (built once)."""
    R = load_rules(rules)
    clf = DirectiveClassifier(R)
    roles = RoleResolver(load_gazetteer(gazetteer), R)
    seg = Segmenter(clf, roles, R)
    return R, clf, roles, seg, ObligationBuilder(seg, clf, roles, R)


def _spans(doc: Doc, key: str, items, label: str) -> None:
    spans = []
    for it in items:
        sp = doc.char_span(it.start, max(it.start + 1, it.end), label=label, alignment_mode="expand")
        if sp is not None:
            sp._.value = it
            spans.append(sp)
    doc.spans[key] = spans


class _Stage:
    """One extract component: a step of the builder (or the segmenter) over the candidates."""

    def __init__(self, step: str, rules: str, gazetteer: str):
        self.rules, self.clf, self.roles, self.segmenter, self.builder = _parts(rules, gazetteer)
        self.step = step

    def __call__(self, doc: Doc) -> Doc:
        if self.step == "segment":
            cands = self.segmenter.candidates(doc)
            doc.user_data["candidates"] = cands
            _spans(doc, "candidates", cands, "CANDIDATE")
        elif self.step == "classify":
            self.builder.classify(doc, doc.user_data["candidates"])
        elif self.step == "build":
            obs = self.builder.build(doc, doc.user_data["candidates"])
            doc.user_data["obligations"] = obs
            _spans(doc, "obligations", obs, "OBLIGATION")
        else:
            self.builder.assign_roles(doc, doc.user_data["candidates"])
        return doc


# component name -> the stage it runs, in pipeline order
STAGES = {"obligation_segmenter": "segment", "directive_classifier": "classify", "obligation_builder": "build",
          "role_resolver": "roles"}
EXTRACT_PIPES = tuple(STAGES)


def _factory(step: str):
    def make(nlp: Language, name: str, rules: str, gazetteer: str) -> _Stage:
        return _Stage(step, rules, gazetteer)

    return make


for _name, _step in STAGES.items():
    if not Language.has_factory(_name):
        Language.factory(_name, default_config=_DEFAULT, func=_factory(_step))
