"""Batch runs: files and folders -> the database, one document at a time.

``run(paths, db=...)`` is what ``extractor run`` calls; it returns the summary
the CLI prints.  A bad file (empty, corrupt, wrong type, a bug in a stage) is
recorded as failed with its one-line reason and the batch goes on; each
document is saved in one transaction, so nothing stored before is lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from extractor.errors import ExtractorError

PathLike = Union[str, Path]


@dataclass
class FileResult:
    path: str
    status: str  # "ok", "empty" (no obligations), "failed"
    kind: str = ""
    pages: int = 0
    obligations: int = 0
    number: str = ""
    seconds: float = 0.0
    error: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    db: str
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)  # rows in the database after the run

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def collect(paths: Iterable[PathLike]) -> list[Path]:
    """Files named, and supported files found under folders named (recursively, hidden ones skipped)."""
    from extractor.ingest import SUPPORTED_SUFFIXES

    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                            and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            files.append(p)
    return files


def _lost_warnings(f: Path, lost: list[dict]) -> list[str]:
    """One warning per status the re-run could not keep (the obligation's text changed)."""
    from extractor.i18n import _

    return [f"{f}: " + _("lost status (text changed): {id} {label}: {text}").format(
        id=x["id"], label=x["label"], text=x["text"][:80]) for x in lost]


def run(paths: Iterable[PathLike], db: PathLike = "outputs/obligations.db", linker: Optional[str] = "hybrid",
        pipeline=None, progress: Optional[Callable[[Path, Optional[FileResult]], None]] = None,
        debug: bool = False) -> RunSummary:
    """Process every file into ``db``.  ``progress(path, None)`` is called before a
    file and ``progress(path, result)`` after it; ``debug`` re-raises unexpected errors."""
    from extractor.pipeline import Pipeline
    from extractor.store import Store

    files = collect(paths)
    pipe = pipeline or Pipeline(linker=linker)
    store = Store(db)
    summary = RunSummary(db=str(db))
    t0 = time.time()
    for f in files:
        if progress:
            progress(f, None)
        t = time.time()
        try:
            doc = pipe.process(f)
            lost = store.save(doc) or []
            n = len(doc.obligations)
            res = FileResult(str(f), "ok" if n else "empty", doc.source.kind, len(doc.source.pages), n,
                             doc.meta.number or "", warnings=list(doc.warnings) + _lost_warnings(f, lost))
        except ExtractorError as e:
            res = FileResult(str(f), "failed", error=str(e))
        except Exception as e:  # a bug in one file must not stop the batch
            if debug:
                raise
            res = FileResult(str(f), "failed", error=f"{f}: {type(e).__name__}: {e} (rerun with --debug for details)")
        res.seconds = time.time() - t
        summary.files.append(res)
        if progress:
            progress(f, res)
    summary.seconds = time.time() - t0
    summary.counts = store.counts()
    return summary
