"""`run` and `extract`: documents in, obligations out."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from extractor.cli.app import DEBUG, DEFAULT_DB, _fail, _linker_opt, app, console, out

# ---------------------------------------------------------------------------- run
@app.command()
def run(
    paths: List[Path] = typer.Argument(..., help="Files and folders to process (folders are searched recursively)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to write."),
    linker: str = typer.Option("hybrid", "--linker", help="DTI linker: hybrid, embedding, lexical."),
    no_link: bool = typer.Option(False, "--no-link", help="Skip DTI linking."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j",
                                          help="Worker processes (default: the cores; 0: in this process)."),
    force: bool = typer.Option(False, "--force", help="Redo files already stored (and files that failed before)."),
    stale: bool = typer.Option(False, "--stale", help="Redo documents produced by an older pipeline or model version."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds one file may take (models/batch.json)."),
    max_memory: Optional[int] = typer.Option(None, "--max-memory", help="MB one worker may use (models/batch.json)."),
    max_text_mb: Optional[float] = typer.Option(None, "--max-text-mb", help="Largest plain-text file, MB."),
    max_pages: Optional[int] = typer.Option(None, "--max-pages", help="Largest PDF, in pages."),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) or ray (pip install .[ray])."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (with --executor ray)."),
    wait: bool = typer.Option(False, "--wait", help="If another run holds the database, wait instead of refusing."),
):
    """Process files and folders into the database: incremental, on every core, safe to kill and re-run.

    Example: `extractor run corpus/ --db outputs/obligations.db --workers 2`
    """
    from extractor.batch import discover
    from extractor.batch import run as run_batch
    from extractor.options import check_linker

    if not no_link:
        check_linker(linker)
    found = discover(paths)
    if not found.files:
        for sk in found.skipped:
            console.print(f"[yellow]skipped:[/yellow] {sk.path}: {sk.reason}", soft_wrap=True)
        _fail("no input files found in " + ", ".join(map(str, paths)))
    with RunProgress(console) as prog:
        summary = run_batch(paths, db=db, linker=_linker_opt(no_link, linker), workers=workers, force=force,
                            stale=stale, timeout=timeout, max_memory_mb=max_memory, max_text_mb=max_text_mb,
                            max_pages=max_pages, executor=executor, address=address, wait=wait,
                            progress=prog.event, debug=DEBUG["on"])
    render_summary(summary)
    if summary.status == "interrupted":
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(1)


class RunProgress:
    """A rich progress bar on a terminal (files, pages, obligations/s, ETA that moves inside a long file as its
    pages are read), plain lines every few seconds otherwise (cron, logs)."""

    def __init__(self, console):
        self.console = console
        self.tty = console.is_terminal
        self.prog = None
        self.total = 0
        self.done_files = 0
        self.pages = 0
        self.obligations = 0
        self.inflight: dict[str, float] = {}  # path -> share of its pages done
        self.t0 = time.time()
        self.last_line = 0.0
        from extractor.batch.budgets import budget

        self.every = float(budget("progress_every_s"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.prog is not None:
            self.prog.stop()

    def _rate(self) -> float:
        return self.obligations / max(1e-6, time.time() - self.t0)

    def event(self, ev: str, data: dict) -> None:
        if ev == "plan":
            self.total = data["jobs"]
            for r in data["skipped"]:  # decided before any reading: skipped, unreadable, failed before
                if r.status == "failed":
                    self.console.print(f"[red]failed:[/red] {r.error}", soft_wrap=True)
                elif not r.reason.startswith("unchanged"):
                    self.console.print(f"[yellow]skipped:[/yellow] {r.path}: {r.reason}", soft_wrap=True)
            if self.tty and self.total:
                from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

                self.prog = Progress(TextColumn("[bold]run {task.fields[run]}"), BarColumn(),
                                     TextColumn("{task.fields[files]} files, {task.fields[pages]} pages, "
                                                "{task.fields[rate]} obl./s"), TextColumn("ETA"),
                                     TimeRemainingColumn(), TextColumn("{task.fields[current]}"),
                                     console=self.console, transient=True)
                self.prog.start()
                self.task = self.prog.add_task("run", total=self.total, run=data["run_id"], files=f"0/{self.total}",
                                               pages=0, rate="0.0", current="")
            elif self.total:
                self.console.print(f"run {data['run_id']}: {self.total} files to process, "
                                   f"{len(data['skipped'])} skipped, unchanged or unreadable")
            return
        if ev == "start":
            self.inflight[data["path"]] = 0.0
        elif ev == "page":
            if data["path"] in self.inflight and data["total"]:
                self.inflight[data["path"]] = min(0.95, data["done"] / data["total"])
        elif ev == "done":
            r = data["result"]
            self.inflight.pop(r.path, None)
            self.done_files += 1
            self.pages += r.pages
            self.obligations += r.obligations
            for w in r.warnings:
                self._print(f"[yellow]warning:[/yellow] {w}")
            if r.error:
                self._print(f"[red]failed:[/red] {r.error}")
        elif ev == "stopping":
            self._print("[yellow]stopping after the documents in flight (Ctrl-C again to stop now)...[/yellow]")
        self._refresh()

    def _print(self, msg: str) -> None:
        (self.prog.console if self.prog else self.console).print(msg, soft_wrap=True)

    def _refresh(self) -> None:
        done = self.done_files + sum(self.inflight.values())
        if self.prog is not None:
            self.prog.update(self.task, completed=done, files=f"{self.done_files}/{self.total}", pages=self.pages,
                             rate=f"{self._rate():.1f}", current=", ".join(Path(p).name for p in self.inflight))
        elif time.time() - self.last_line >= self.every and self.total:
            self.last_line = time.time()
            el = time.time() - self.t0
            eta = el / done * (self.total - done) if done else 0
            self.console.print(f"{time.strftime('%H:%M:%S')} {self.done_files}/{self.total} files, {self.pages} pages, "
                               f"{self.obligations} obligations ({self._rate():.1f}/s), ETA {eta:.0f}s", soft_wrap=True)


def _display_names(paths: list[str]) -> dict[str, str]:
    """Names a user can tell apart: the path below the common folder, never cut."""
    import os

    if not paths:
        return {}
    try:
        base = os.path.commonpath([os.path.abspath(p) for p in paths])
    except ValueError:
        return {p: p for p in paths}
    if len(paths) == 1 or os.path.isfile(base):
        base = os.path.dirname(base)
    return {p: os.path.relpath(os.path.abspath(p), base) for p in paths}


def render_summary(summary, per_file_limit: int = 40) -> None:
    from rich import box

    names = _display_names([r.path for r in summary.files])
    shown = [r for r in summary.files if r.status != "skipped" or not r.reason.startswith("unchanged")]
    if len(shown) > per_file_limit:
        shown = [r for r in shown if r.status in ("failed", "skipped")]
    if shown:
        table = Table(title=f"run {summary.run_id}: files", box=box.SIMPLE_HEAD)
        for col in ("file", "kind", "pages", "obligations", "number", "time", "status"):
            table.add_column(col, justify="right" if col in ("pages", "obligations", "time") else "left",
                             overflow="fold", no_wrap=False)
        for r in shown:
            err = r.error[len(r.path) + 2:] if r.error.startswith(r.path + ": ") else r.error
            status = {"ok": "ok", "empty": "[yellow]no obligations[/yellow]"}.get(
                r.status, f"[yellow]skipped: {r.reason}[/yellow]" if r.status == "skipped" else f"[red]{err}[/red]")
            done = r.status in ("ok", "empty")
            table.add_row(names.get(r.path, r.path), r.kind, str(r.pages) if done else "",
                          str(r.obligations) if done else "", r.number, f"{r.seconds:.1f}s" if r.seconds else "",
                          status)
        out.print(table)
    c = summary.tally()
    tot = Table(title=f"run {summary.run_id} {summary.status} in {summary.seconds:.1f}s -> {summary.db}",
                box=box.SIMPLE_HEAD)
    for col in ("ok", "empty", "skipped", "failed", "pages", "obligations", "time"):
        tot.add_column(col, justify="right")
    tot.add_row(str(c["ok"]), str(c["empty"]), str(c["skipped"]), str(c["failed"]), str(c["pages"]),
                str(c["obligations"]), f"{summary.seconds:.1f}s")
    out.print(tot)
    k = summary.counts
    if k:
        out.print(f"database: {k['documents']} documents, {k['obligations']} obligations, "
                  f"{k['obligation_agencies']} agency links, {k['targets']} targets, {k['obligation_dti']} DTI links")
    if summary.stale:
        out.print(f"{summary.stale} stored documents come from an older pipeline or model version; "
                  f"`extractor run ... --stale` redoes them")
    if c["failed"] or any(r.status == "skipped" and not r.reason.startswith("unchanged") for r in summary.files):
        out.print(f"failed and skipped files with their reasons: {summary.errors_csv}")
    if summary.status == "interrupted":
        out.print(f"[yellow]interrupted:[/yellow] {c['ok'] + c['empty']} documents stored by this run, "
                  f"{summary.not_started} files not started; run the same command again to resume "
                  f"(stored files are skipped)")


# ---------------------------------------------------------------------------- extract
@app.command()
def extract(
    file: Path = typer.Argument(..., help="One document."),
    format: str = typer.Option("json", "--format", "-f", help="json (gold shape) or table."),
    linker: str = typer.Option("hybrid", "--linker", help="DTI linker: hybrid, embedding, lexical."),
    no_link: bool = typer.Option(False, "--no-link", help="Skip DTI linking."),
    extras: bool = typer.Option(True, "--extras/--no-extras", help="Add offsets, pages, scores to the JSON."),
):
    """Print one document's obligations: JSON in the shape of annotations/README.md, or a table.

    Example: `extractor extract corpus/000_25c1a683a650bf81.txt --format json`
    """
    from extractor.options import OptionError, check_choice, check_linker

    try:  # before minutes of OCR, not after
        check_choice(format, ("json", "table"), "--format")
        if not no_link:
            check_linker(linker)
    except OptionError as e:
        _fail(str(e))
    from extractor.store.export import document_json
    from extractor.pipeline import Pipeline

    doc = Pipeline(linker=_linker_opt(no_link, linker)).process(file)
    if format == "json":
        sys.stdout.write(json.dumps(document_json(doc, extras=extras), ensure_ascii=False, indent=2) + "\n")
        return
    if format != "table":
        _fail(f"unknown format {format!r} (json or table)")
    t = Table(title=f"{doc.name}: {doc.meta.type or ''} {doc.meta.number or ''} ({len(doc.obligations)} obligations)",
              show_lines=True)
    for col in ("STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện", "Chỉ tiêu", "DTI"):
        t.add_column(col)
    for i, o in enumerate(doc.obligations, 1):
        t.add_row(str(i), o.text, "; ".join(o.lead), "; ".join(o.support),
                  o.deadline.text if o.deadline else "", "; ".join(x.text for x in o.targets),
                  ", ".join(x.code for x in o.dti))
    out.print(t)


