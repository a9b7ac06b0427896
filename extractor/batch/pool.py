"""Worker processes for a local run: each loads the models once and processes
one file at a time; the parent (the only writer) hands out files, collects
documents, and replaces a worker that crashed or overran its time or memory
budget.  A plain pool cannot do that: a stuck task in ``ProcessPoolExecutor``
cannot be killed alone.

Workers are forked from this process after it has imported the pipeline, so a
new worker costs the model build only (~0.2 s), not the imports (a fork
server or spawn would re-run the caller's ``__main__``).  They leave
the terminal's process group, so Ctrl-C reaches the parent alone (which then
lets the documents in flight finish), and die with the parent.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from multiprocessing.connection import wait as mp_wait
from typing import Callable, Optional

from extractor.batch.work import Options, limit_threads, process_one

_CTX = None


def _context():
    global _CTX
    if _CTX is None:
        try:
            _CTX = mp.get_context("fork")
        except ValueError:  # pragma: no cover (no fork on this platform)
            _CTX = mp.get_context("spawn")
    return _CTX


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _worker_main(conn, opts: Options, lent) -> None:
    from extractor.batch.runs import release_inherited

    release_inherited()  # the run lock is the parent's alone
    os.setpgrp()  # out of the terminal's group: Ctrl-C is the parent's to handle
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if opts.threads:
        limit_threads(opts.threads)
    import extractor.ingest as ingest
    from extractor.pipeline import Pipeline

    pipe = Pipeline(linker=opts.linker, embedder=opts.embedder)

    def page(done: int, total: int) -> None:
        conn.send(("page", done, total))

    ingest.PAGE_HOOK = page
    from extractor.ingest import ocr

    own = opts.threads or 1
    ocr.CONCURRENCY = lambda: own + lent.value  # cores lent by idle workers go to this scan's pages
    conn.send(("ready",))
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        out = process_one(pipe, path, opts)
        try:
            conn.send(("done", out))
        except (BrokenPipeError, OSError):
            return
        except Exception as e:  # the document would not pickle: report it as this file's failure
            conn.send(("done", ("failed", f"{path}: result could not be passed back ({type(e).__name__}: {e})",
                                out[2])))


class _Worker:
    def __init__(self, ctx, opts: Options):
        self.conn, child = ctx.Pipe()
        self.lent = ctx.Value("i", 0, lock=False)  # extra OCR pages it may run (set by the parent only)
        self.proc = ctx.Process(target=_worker_main, args=(child, opts, self.lent), daemon=True)
        self.proc.start()
        child.close()
        self.path: Optional[str] = None
        self.started = 0.0
        self.ready = False

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
        except (OSError, ValueError, IndexError):
            return 0.0

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # with its tesseract children
        except (ProcessLookupError, PermissionError, OSError):
            pass
        if self.proc.is_alive():
            self.proc.kill()  # killed before it could leave the group
        self.proc.join(5)
        self.conn.close()


class WorkerPool:
    def __init__(self, n: int, opts: Options):
        self.n = max(1, n)
        self.opts = opts
        self.ctx = _context()
        self.workers: list[_Worker] = []
        self.idle_deaths = 0

    def __enter__(self) -> "WorkerPool":
        import extractor.pipeline  # noqa: F401  (imported once here, shared by the forked workers)

        self.workers = [_Worker(self.ctx, self.opts) for _ in range(self.n)]
        return self

    def __exit__(self, *exc) -> None:
        for w in self.workers:
            try:
                w.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        deadline = time.time() + 5
        for w in self.workers:
            w.proc.join(max(0.1, deadline - time.time()))
            if w.proc.is_alive():
                w.kill()

    def run(self, paths: list[str], write: Callable[[str, tuple], None], emit, stop: dict) -> int:
        """Process ``paths``; returns how many were not started (Ctrl-C)."""
        queue = deque(paths)
        while queue or any(w.path for w in self.workers):
            if not stop["asked"]:
                for w in self.workers:
                    if w.ready and w.path is None and queue:
                        w.path, w.started = queue.popleft(), time.time()
                        w.conn.send(w.path)
                        emit("start", {"path": w.path})
            elif not any(w.path for w in self.workers):
                break
            self._lend(bool(queue) and not stop["asked"])
            ready = mp_wait([w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers], timeout=0.5)
            for i, w in enumerate(list(self.workers)):
                if w.conn in ready:
                    try:
                        while w.conn.poll():
                            msg = w.conn.recv()
                            if msg[0] == "ready":
                                w.ready = True
                            elif msg[0] == "page" and w.path:
                                emit("page", {"path": w.path, "done": msg[1], "total": msg[2]})
                            elif msg[0] == "done":
                                path, w.path = w.path, None
                                write(path, msg[1])
                    except (EOFError, OSError):
                        pass
                if not w.proc.is_alive():
                    if not w.path:
                        self.idle_deaths += 1
                        if self.idle_deaths > 2 * self.n:
                            from extractor.errors import ExtractorError

                            raise ExtractorError(f"worker processes keep dying before any file (exit code "
                                                 f"{w.proc.exitcode}); rerun with --workers 0 --debug to see why")
                    self._replace(i, write, f"the worker died (exit code {w.proc.exitcode})")
                    continue
                if w.path and self.opts.timeout and time.time() - w.started > self.opts.timeout:
                    self._replace(i, write, f"took longer than the {self.opts.timeout:g} s budget (--timeout)")
                elif w.path and self.opts.max_memory_mb and w.rss_mb() > self.opts.max_memory_mb:
                    self._replace(i, write, f"used more than the {self.opts.max_memory_mb} MB memory budget "
                                            f"(--max-memory)")
        return len(queue)

    def _lend(self, more_to_come: bool) -> None:
        """At the tail of a batch, the cores of idle workers go to the busy ones (their scans' pages)."""
        busy = [w for w in self.workers if w.path]
        idle = 0 if more_to_come else len(self.workers) - len(busy)
        for w, extra in zip(busy, lend(len(busy), idle, self.opts.threads or 1)):
            w.lent.value = extra
        for w in self.workers:
            if not w.path:
                w.lent.value = 0

    def _replace(self, i: int, write, reason: str) -> None:
        w = self.workers[i]
        path, secs = w.path, time.time() - w.started
        w.kill()
        self.workers[i] = _Worker(self.ctx, self.opts)
        if path:
            write(path, ("failed", f"{path}: {reason}; stopped", secs))


def lend(busy: int, idle: int, threads: int) -> list[int]:
    """Extra cores for each of ``busy`` workers when ``idle`` workers of ``threads`` cores each wait
    with nothing left to start: shared out evenly, the first ones taking the remainder."""
    if not busy:
        return []
    spare = idle * threads
    return [spare // busy + (1 if i < spare % busy else 0) for i in range(busy)]
