"""`run` and `extract`: documents in, obligations out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List

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
):
    """Process files and folders into the database, with a progress bar and a summary table.

    Example: `extractor run corpus/ --db outputs/obligations.db`
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from extractor.batch import collect
    from extractor.batch import run as run_batch
    from extractor.options import check_linker

    if not no_link:
        check_linker(linker)
    if not collect(paths):
        _fail("no input files found in " + ", ".join(map(str, paths)))
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[current]}"), console=console, transient=True) as prog:
        task = prog.add_task("processing", total=len(collect(paths)), current="")

        def progress(f, res):
            if res is None:
                prog.update(task, current=f.name)
                return
            for w in res.warnings:
                console.print(f"[yellow]warning:[/yellow] {w}")
            if res.error:
                console.print(f"[red]error:[/red] {res.error}")
            prog.advance(task)

        summary = run_batch(paths, db=db, linker=_linker_opt(no_link, linker), progress=progress, debug=DEBUG["on"])
    table = Table(title=f"{len(summary.files)} files in {summary.seconds:.1f}s -> {db}")
    for col in ("file", "kind", "pages", "obligations", "number", "time", "status"):
        table.add_column(col, justify="right" if col in ("pages", "obligations", "time") else "left")
    for r in summary.files:
        status = {"ok": "ok", "empty": "[yellow]no obligations[/yellow]"}.get(r.status, f"[red]{r.error}[/red]")
        ok = r.status != "failed"
        table.add_row(Path(r.path).name, r.kind, str(r.pages) if ok else "", str(r.obligations) if ok else "",
                      r.number, f"{r.seconds:.1f}s", status)
    out.print(table)
    c = summary.counts
    out.print(f"database: {c['documents']} documents, {c['obligations']} obligations, "
              f"{c['obligation_agencies']} agency links, {c['targets']} targets, {c['obligation_dti']} DTI links")
    if summary.failed:
        raise typer.Exit(1)


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


