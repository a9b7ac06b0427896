"""``extractor watch DIR``: a department's shared inbox, processed as letters arrive.

Polling (works on network shares, where inotify does not): every ``interval``
seconds the folder is listed; a file is taken once its size and modification
time have not changed for ``settle`` seconds (a copy still being written is
left alone), then handed to ``run``, which skips what it already stored by
content hash.  A changed file is taken again; each outcome is reported.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Optional

from extractor.batch.collect import discover


def watch(folder, db="outputs/obligations.db", interval: float = 2.0, settle: float = 2.0,
          cycles: Optional[int] = None, on_result: Optional[Callable] = None, **run_options) -> int:
    """Process new and changed files under ``folder`` until interrupted (or for ``cycles`` polls).
    ``on_result(FileResult)`` is called for every file a poll processed or failed; returns the files taken."""
    from extractor.batch.runner import run

    folder = Path(folder)
    if not folder.is_dir():
        from extractor.errors import InputError

        raise InputError(str(folder), "not a folder")
    seen: dict[str, tuple[int, float]] = {}  # path -> (size, mtime) when it was last taken
    pending: dict[str, tuple[int, float, float]] = {}  # path -> (size, mtime, first seen unchanged at)
    reported_skips: set[str] = set()
    taken = 0
    n = 0
    while cycles is None or n < cycles:
        n += 1
        now = time.time()
        found = discover([folder])
        ready = []
        for f in found.files:
            p = str(f)
            try:
                st = os.stat(f)
            except OSError:
                continue
            sig = (st.st_size, st.st_mtime)
            if seen.get(p) == sig:
                continue
            prev = pending.get(p)
            if prev is None or (prev[0], prev[1]) != sig:
                pending[p] = (sig[0], sig[1], now)  # new or still growing: wait until it settles
                if settle > 0:
                    continue
            if now - pending[p][2] >= settle:
                ready.append(p)
        if ready:
            summary = run(ready, db=db, wait=True, **run_options)
            for r in summary.files:
                seen[r.path] = (pending[r.path][0], pending[r.path][1]) if r.path in pending else seen.get(r.path)
                pending.pop(r.path, None)
                if on_result:
                    on_result(r)
            taken += len(ready)
        for s in found.skipped:
            if s.path not in reported_skips and on_result:
                reported_skips.add(s.path)
                from extractor.batch.runner import FileResult

                on_result(FileResult(s.path, "skipped", reason=s.reason))
        if cycles is None or n < cycles:
            time.sleep(interval)
    return taken
