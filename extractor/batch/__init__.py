"""Batch runs: files and folders -> the database (``extractor run``, ``runs``, ``watch``).

``run`` and ``collect`` keep the names they always had; see ``runner`` for how a
run stays incremental, parallel and safe to kill.
"""

from extractor.batch.collect import Collected, Skipped, collect, discover
from extractor.batch.runner import FileResult, RunSummary, run
from extractor.batch.runs import list_runs, show_run

__all__ = ["run", "collect", "discover", "Collected", "Skipped", "FileResult", "RunSummary", "list_runs",
           "show_run", "watch"]


def watch(*args, **kwargs):
    from extractor.batch.watch import watch as _watch

    return _watch(*args, **kwargs)
