"""Embedding index of the catalogue: indicator vectors cached on disk per (embedder, catalogue)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from extractor.link.catalogue import Catalogue
from extractor.link.embed import Embedder, TextVectorCache
from extractor.paths import cache_dir

RECIPE_VERSION = "r1"  # bump when Indicator.embed_text changes: invalidates cached vectors

# --------------------------------------------------------------------------- embedding index


def file_safe(name: str) -> str:
    """An embedder's name as a file-name part ("st:/models/x" -> "st_models_x")."""
    return re.sub(r"[^\w.@-]+", "_", name)[:80]


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
        safe = file_safe(self.embedder.name)
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

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' query vectors (unit rows), through the text-vector cache."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        if self.use_cache and self.text_cache:
            return TextVectorCache(self.cache_root / "text-vectors.sqlite").encode(self.embedder, list(texts), "query")
        return self.embedder.encode(list(texts), role="query")

    def scores_of(self, queries: np.ndarray) -> np.ndarray:
        """Raw cosines of query vectors, queries x indicators."""
        if len(queries) == 0:
            return np.zeros((0, len(self.catalogue)), dtype=np.float32)
        return (queries @ self.vectors.T).astype(np.float32)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Raw cosines, texts x indicators."""
        return self.scores_of(self.encode(texts))


