"""Anchor terms: exact names of an indicator's object (IOC, LGSP, VNeID, Tổ công nghệ số cộng đồng ...).

An obligation that names the platform or programme an indicator is about is
strong evidence for it, whatever else the sentence says about who acts.  The
terms are data (``models/dti/anchors.json``, per framework); a hit adds the
file's ``bonus`` to the indicator's fused score (see
:meth:`extractor.link.linkers.ScoreTable.fused`) and is listed in the link's
evidence.  Acronyms (one word with two or more capitals) are matched
case-sensitively on the NFC text; other terms on the folded text, after the
abbreviations are spelled out, on word boundaries.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Sequence

import numpy as np

from extractor.link.catalogue import DTI_DIR, Catalogue, normalise_for_matching
from extractor.textutil import fold, nfc

ANCHORS_PATH = DTI_DIR / "anchors.json"


def _is_acronym(term: str) -> bool:
    return " " not in term and sum(ch.isupper() for ch in term) >= 2


class AnchorIndex:
    """texts x indicators: 1 where the text contains one of the indicator's anchor terms."""

    def __init__(self, catalogue: Catalogue, path=ANCHORS_PATH):
        self.catalogue = catalogue
        self.bonus, table = _load(str(path), catalogue.name)
        col = {c: k for k, c in enumerate(catalogue.codes)}
        self.terms: list[tuple[re.Pattern, str, list[int], bool]] = []  # pattern, term, columns, acronym
        by_term: dict[tuple[str, bool], list[int]] = {}
        for code, terms in table.items():
            if code not in col:
                continue
            for t in terms:
                acr = _is_acronym(t)
                key = (nfc(t) if acr else fold(normalise_for_matching(t)), acr)
                by_term.setdefault(key, []).append(col[code])
        for (t, acr), cols in sorted(by_term.items()):
            body = re.escape(t).replace(r"\ ", r"\s+")
            if acr:  # OCR and typists swap capital I and small l inside an acronym ("VNelD" for "VNeID")
                body = re.sub(r"[Il]", "[Il]", body)
            rx = re.compile(r"(?<!\w)" + body + r"(?!\w)")
            self.terms.append((rx, t, sorted(set(cols)), acr))

    def __bool__(self) -> bool:
        return bool(self.terms) and self.bonus > 0

    def hits(self, text: str) -> dict[int, list[str]]:
        """Column -> the anchor terms found in ``text``."""
        raw = nfc(text or "")
        folded = fold(normalise_for_matching(raw))
        out: dict[int, list[str]] = {}
        for rx, t, cols, acr in self.terms:
            if rx.search(raw if acr else folded):
                for c in cols:
                    out.setdefault(c, []).append(t)
        return out

    def matrix(self, texts: Sequence[str]) -> np.ndarray:
        m = np.zeros((len(texts), len(self.catalogue)), dtype=np.float32)
        for i, t in enumerate(texts):
            for c in self.hits(t):
                m[i, c] = 1.0
        return m


@lru_cache(maxsize=8)
def _load(path: str, framework: str) -> tuple[float, dict[str, list[str]]]:
    from extractor.errors import CatalogueError

    try:
        d = json.loads(open(path, encoding="utf-8").read())
    except FileNotFoundError:
        return 0.0, {}
    except (OSError, ValueError) as e:
        raise CatalogueError(f"{path}: cannot read anchor terms ({e})") from None
    table = (d.get("frameworks") or {}).get(framework) or {}
    if not isinstance(table, dict) or not all(isinstance(v, list) for v in table.values()):
        raise CatalogueError(f"{path}: frameworks.{framework} must map codes to lists of terms")
    return float(d.get("bonus", 0.0)), {str(k): [str(t) for t in v if str(t).strip()] for k, v in table.items()}
