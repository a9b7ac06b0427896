"""`runs` (what each run did) and `watch` (an inbox folder): thin wrappers over extractor.batch."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.table import Table

from extractor.cli.app import DEFAULT_DB, _linker_opt, app, console, out

runs_app = typer.Typer(help="Runs recorded in the database: when, which versions, what happened to each file.",
                       invoke_without_command=True, no_args_is_help=False)
app.add_typer(runs_app, name="runs")


@runs_app.callback()
def runs_list(ctx: typer.Context,
              db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database."),
              limit: int = typer.Option(20, "--limit", help="How many recent runs."),
              as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
    """List recent runs (newest first); `extractor runs show ID` details one.

    Example: `extractor runs --db outputs/obligations.db`
    """
    if ctx.invoked_subcommand:
        return
    from extractor.batch import list_runs

    rows = list_runs(db, limit=limit)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table(title=f"runs in {db}", box=box.SIMPLE_HEAD)
    for col in ("id", "started", "status", "ok", "empty", "skipped", "failed", "pages", "obligations", "time"):
        t.add_column(col, justify="right" if col not in ("started", "status") else "left")
    for r in rows:
        t.add_row(str(r["id"]), r["started_at"] or "", r["status"] or "", *(str(r[k] or 0) for k in
                  ("n_ok", "n_empty", "n_skipped", "n_failed", "pages", "obligations")),
                  f"{r['seconds'] or 0:.1f}s")
    out.print(t)


@runs_app.command("show")
def runs_show(run_id: int = typer.Argument(..., help="Run id (from `extractor runs`)."),
              db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database."),
              as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
    """One run: options, pipeline and model versions, and every file's status, reason, time and pages.

    Example: `extractor runs show 3 --db outputs/obligations.db`
    """
    from extractor.batch import show_run

    run = show_run(db, run_id)
    if as_json:
        sys.stdout.write(json.dumps(run, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"run {run['id']}: {run['status']}, {run['started_at']} -> {run['finished_at'] or '?'}, "
              f"{run['seconds'] or 0:.1f}s")
    out.print("paths: " + ", ".join(run["paths"] or []))
    out.print("options: " + json.dumps(run["options"]))
    out.print("versions: " + ", ".join(f"{k} {v}" for k, v in (run["versions"] or {}).items()))
    t = Table(box=box.SIMPLE_HEAD)
    for col in ("file", "status", "pages", "obligations", "time", "reason"):
        t.add_column(col, overflow="fold")
    for f in run["files"]:
        t.add_row(f["path"], f["status"], str(f["pages"] or ""), str(f["obligations"] or ""),
                  f"{f['seconds']:.1f}s" if f["seconds"] else "", f["reason"] or "")
    out.print(t)


@app.command()
def watch(
    folder: Path = typer.Argument(..., help="Inbox folder to watch (searched recursively)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to write."),
    interval: float = typer.Option(2.0, "--interval", help="Seconds between polls."),
    settle: float = typer.Option(2.0, "--settle", help="Seconds a file must stop growing before it is taken."),
    linker: str = typer.Option("hybrid", "--linker", help="DTI linker: hybrid, embedding, lexical."),
    no_link: bool = typer.Option(False, "--no-link", help="Skip DTI linking."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Worker processes (default: the cores)."),
    cycles: Optional[int] = typer.Option(None, "--cycles", help="Stop after this many polls (default: never)."),
):
    """Process new and changed files as they arrive in a folder, logging each file's outcome.

    Example: `extractor watch /srv/inbox --db outputs/obligations.db --interval 5`
    """
    from extractor.batch import watch as watch_api

    def log(r):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        what = {"ok": f"ok, {r.obligations} obligations, {r.pages} pages", "empty": "no obligations",
                "skipped": f"skipped: {r.reason}", "failed": f"failed: {r.error}"}[r.status]
        out.print(f"{stamp} {r.path}: {what}", soft_wrap=True, highlight=False)

    console.print(f"watching {folder} every {interval:g}s (Ctrl-C stops)")
    try:
        watch_api(folder, db=db, interval=interval, settle=settle, cycles=cycles, on_result=log,
                  linker=_linker_opt(no_link, linker), workers=workers)
    except KeyboardInterrupt:
        console.print("stopped; what was stored stays; `extractor watch` again picks up from there")
