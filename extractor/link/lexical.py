"""TF-IDF lexical index over the catalogue wording (syllable 1-2-grams)."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from extractor.link.catalogue import Catalogue, normalise_for_matching
from extractor.rules import load_rules

# --------------------------------------------------------------------------- lexical index

_STOP = set(load_rules().get("link.raw.function_words"))  # lower-cased syllables, marks kept
_SEG = re.compile(r"[,;:()\[\]{}\"“”‘’!?/…+*]+|\s[-–—]+\s|\.(?:\s|$)")  # punctuation ends a segment
_TOK = re.compile(r"\w+", re.UNICODE)


def _keep(tok: str) -> bool:
    if tok in _STOP:
        return False
    if tok.isdigit():  # "15 tuổi", "mức độ 3, 4", "100%"; not years or document numbers
        return len(tok) <= 3
    return True


def lexical_tokens(text: str) -> list[list[str]]:
    """Segments of content syllables: normalised, lower-cased, stop words and long numbers removed."""
    t = normalise_for_matching(text).lower()
    segs = []
    for seg in _SEG.split(t):
        toks = [w for w in _TOK.findall(seg) if _keep(w)]
        if toks:
            segs.append(toks)
    return segs


def lexical_features(text: str) -> list[str]:
    feats: list[str] = []
    for toks in lexical_tokens(text):
        feats.extend(toks)
        feats.extend(f"{a} {b}" for a, b in zip(toks, toks[1:]))
    return feats


class Tfidf:
    """TF-IDF as scikit-learn's ``TfidfVectorizer(analyzer=..., sublinear_tf=True, norm="l2")`` computes it
    (sorted vocabulary, smooth idf = ln((1+n)/(1+df)) + 1, tf = 1 + ln(count), rows l2-normalised), in numpy:
    the catalogue is ~100 short texts, and importing scikit-learn (with scipy) cost 2 s of every start-up."""

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0)

    def fit_transform(self, docs: Sequence[str]) -> np.ndarray:
        feats = [self.analyzer(d) for d in docs]
        vocab = sorted({f for fs in feats for f in fs})
        self.vocabulary_ = {f: j for j, f in enumerate(vocab)}
        counts = self._counts(feats)
        df = (counts > 0).sum(axis=0)
        self.idf_ = np.log((1 + len(docs)) / (1 + df)) + 1.0
        return self._weigh(counts)

    def transform(self, docs: Sequence[str]) -> np.ndarray:
        return self._weigh(self._counts([self.analyzer(d) for d in docs]))

    def get_feature_names_out(self) -> np.ndarray:
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)

    def _counts(self, feats: list[list[str]]) -> np.ndarray:
        m = np.zeros((len(feats), len(self.vocabulary_)), dtype=np.float64)
        voc = self.vocabulary_
        for i, fs in enumerate(feats):
            for f in fs:
                j = voc.get(f)
                if j is not None:
                    m[i, j] += 1
        return m

    def _weigh(self, counts: np.ndarray) -> np.ndarray:
        tf = np.where(counts > 0, 1.0 + np.log(np.maximum(counts, 1.0)), 0.0) * self.idf_[None, :]
        norm = np.sqrt((tf * tf).sum(axis=1, keepdims=True))
        return tf / np.where(norm == 0, 1.0, norm)


class LexicalIndex:
    """TF-IDF (sublinear tf, l2) fitted on the catalogue's indicator texts.

    Score = ``(1 - COVERAGE_MIX) * cosine + COVERAGE_MIX * coverage`` where
    *cosine* compares the obligation with the indicator's whole text and
    *coverage* is the share (IDF²-weighted) of the closest single wording's
    terms (name, one alias or a component) that the obligation contains: an
    obligation that spells out one full wording of an indicator ("diễn tập ứng
    cứu sự cố an toàn thông tin mạng") scores high even if it says much else.
    """

    COVERAGE_MIX = 0.3

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.vectorizer = Tfidf(analyzer=lexical_features)
        self.matrix = self.vectorizer.fit_transform([i.lexical_text for i in catalogue])  # K x V
        self.vocab = self.vectorizer.get_feature_names_out()
        # one row per wording (name, alias, component), binary, and its owner indicator
        self.variant_text: list[str] = []
        owner: list[int] = []
        for k, ind in enumerate(catalogue):
            for v in ind.variants:
                self.variant_text.append(v)
                owner.append(k)
        self.variant_owner = np.array(owner)
        vb = (self.vectorizer.transform(self.variant_text) > 0).astype(np.float32)
        w2 = self.vectorizer.idf_.astype(np.float32) ** 2
        self.variant_weighted = vb * w2[None, :]  # nvar x V, idf² where present
        mass = self.variant_weighted.sum(axis=1)
        mass[mass == 0] = 1.0
        self.variant_mass = mass

    def transform(self, texts: Sequence[str]):
        return self.vectorizer.transform(list(texts))

    def coverage(self, q) -> np.ndarray:
        """texts x variants: IDF²-weighted share of each wording's terms present in the text."""
        qb = (np.atleast_2d(q) > 0).astype(np.float32)
        return np.asarray(qb @ self.variant_weighted.T, dtype=np.float32) / self.variant_mass[None, :]

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        k = len(self.catalogue)
        if not texts:
            return np.zeros((0, k), dtype=np.float32)
        q = self.transform(texts)
        cos = np.asarray(q @ self.matrix.T, dtype=np.float32)
        cov_v = self.coverage(q)
        cov = np.zeros_like(cos)
        for j in range(cov_v.shape[1]):
            o = self.variant_owner[j]
            np.maximum(cov[:, o], cov_v[:, j], out=cov[:, o])
        return (1 - self.COVERAGE_MIX) * cos + self.COVERAGE_MIX * cov

    def matched_terms(self, text: str, k: int, limit: int = 6) -> list[str]:
        """The obligation's phrases that indicator ``k``'s wordings share, strongest first.

        Consecutive matched bigrams are merged into one phrase ("diễn tập ứng
        cứu sự cố"); matched single syllables outside any phrase are listed too.
        """
        d = self.matrix[k]
        feats = {str(self.vocab[j]): float(d[j]) for j in np.flatnonzero(d)}
        if not feats:
            return []
        found: dict[str, float] = {}
        for toks in lexical_tokens(text):
            i = 0
            while i < len(toks):
                j = i
                while j + 1 < len(toks) and f"{toks[j]} {toks[j + 1]}" in feats:
                    j += 1
                if j > i:
                    phrase = " ".join(toks[i : j + 1])
                    w = sum(feats[f"{toks[x]} {toks[x + 1]}"] for x in range(i, j))
                    found[phrase] = max(found.get(phrase, 0.0), w)
                    i = j + 1
                    continue
                if toks[i] in feats and not any(toks[i] in ph.split(" ") for ph in found):
                    found.setdefault(toks[i], feats[toks[i]])
                i += 1
        # drop single syllables that ended up inside a phrase found later
        words_in_phrases = {w for ph in found if " " in ph for w in ph.split(" ")}
        ranked = sorted((ph for ph in found if " " in ph or ph not in words_in_phrases), key=lambda ph: -found[ph])
        return ranked[:limit]

    def best_variant(self, qrow, k: int) -> tuple[str, float]:
        """The indicator wording (name, alias or component) most covered by the query row."""
        idx = np.where(self.variant_owner == k)[0]
        if not len(idx):
            return self.catalogue.indicators[k].name, 0.0
        cov = self.coverage(qrow)[0, idx]
        j = int(np.argmax(cov))
        return self.variant_text[idx[j]], float(cov[j])


