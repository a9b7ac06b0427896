"""`export`, `status`, `agencies`, `datasette`: task tables out, progress in, the agency registry."""

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


def _store(db: Path):
    from extractor.store.db import Store

    if not db.exists():
        _fail(_("{db}: no database yet (run `extractor run corpus/` first)").format(db=db))
    return Store(db)


# ---------------------------------------------------------------------------- export
@app.command("export")
def export_cmd(
    query: F.Text = None, agency: F.Agency = None, role: F.Role = None, indicator: F.Indicator = None,
    framework: F.Framework = None, due_before: F.DueBefore = None, due_after: F.DueAfter = None,
    due_within: F.DueWithin = None, overdue: F.Overdue = False, as_of: F.AsOf = None, status: F.Status = None,
    doc: F.Doc = None, province: F.Province = None, type: F.DocType = None, as_written: F.AsWritten = False,
    output: Path = typer.Option(..., "--output", "-o", help="File to write; the format follows its suffix."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="xlsx, docx, csv, md, json or ics "
                                                                      "[default: the output's suffix]."),
    group: str = typer.Option("agency", "--group", "-g", help="agency, document, dti (main index) or none."),
    sheets: bool = typer.Option(False, "--sheets", help="XLSX: one sheet per group."),
    title: Optional[str] = typer.Option(None, "--title", help="Title above the table."),
    preview: Optional[Path] = typer.Option(None, "--preview", help="XLSX/DOCX: also render page 1 as LibreOffice "
                                                                   "prints it to this PNG."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to read."),
):
    """Write the obligations of a search (same filters as `search`; none: all of them) as a task table in
    the annex format of a plan: XLSX, DOCX, CSV, Markdown, JSON (gold shape) or ICS calendar.

    Example: `extractor export --agency "Sở KH&CN" --group dti -o outputs/so-khcn.xlsx`
    """
    from extractor.export import FORMATS, GROUPS, export
    from extractor.options import check_choice

    fmt = (format or output.suffix.lstrip(".")).lower()
    check_choice({"markdown": "md", "ical": "ics"}.get(fmt, fmt), FORMATS, "--format")
    check_choice(group, GROUPS, "--group")
    res = export(_store(db), output, format=format, group=group, sheets=sheets, current=not as_written,
                 framework=framework, title=title,
                 **F.filters(query, agency, role, indicator, due_before, due_after, due_within, overdue, as_of,
                             status, doc, province, type))
    console.print(_("wrote {path}: {rows} obligations in {groups} groups").format(**res))
    if preview:
        from extractor.export.preview import page1_png

        console.print(_("wrote {path}").format(path=page1_png(output, preview)))


# ---------------------------------------------------------------------------- status
@app.command("status")
def status_cmd(
    obligation_id: str = typer.Argument(..., help="Obligation id (from `extractor search --json`)."),
    status: Optional[str] = typer.Argument(None, help="New status: todo, doing, done, dropped (or the Vietnamese "
                                                      "label); leave out to show the current one and its history."),
    note: Optional[str] = typer.Option(None, "--note", help="Why, or what was done."),
    at: Optional[str] = typer.Option(None, "--at", help="When (default: now)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
):
    """Set an obligation's status (chưa thực hiện / đang thực hiện / hoàn thành / không thực hiện) with a
    note, or show it with its dated history.  Re-running a document keeps the statuses.

    Example: `extractor status 25c1a683-0f1e2d3c4b5a done --note "Đã ban hành kế hoạch"`
    """
    from extractor.store.status import get_status, normalise, set_status

    if status:
        normalise(status)  # a bad status fails before the database is opened
    store = _store(db)
    rec = set_status(store, obligation_id, status, note=note, at=at) if status else get_status(store, obligation_id)
    if as_json:
        sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"{rec['id']}: [bold]{rec['label']}[/bold]" + (f" — {rec['note']}" if rec.get("note") else ""))
    for h in rec["history"]:
        out.print(f"  {h['at']}  {h['label']}" + (f" — {h['note']}" if h.get("note") else ""))


# ---------------------------------------------------------------------------- agencies
@app.command("agencies")
def agencies_cmd(
    unknown: bool = typer.Option(False, "--unknown", help="Agency-like names the gazetteer does not know yet."),
    all_: bool = typer.Option(False, "--all", help="Also agencies with no obligation."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to read."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
):
    """The agency registry: today's agencies with former names, variants, provinces and how many
    obligations they lead or support; `--unknown` lists the names to add to models/agencies.json.

    Example: `extractor agencies --unknown`
    """
    from extractor.store.agencies import agencies

    rows = agencies(_store(db), unknown=unknown, include_unused=all_)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if unknown:
        t = Table(title=_("{n} agency names not in the gazetteer").format(n=len(rows)))
        for c in ("name", "as written", "lead", "support", "documents"):
            t.add_column(c, justify="right" if c in ("lead", "support") else "left", overflow="fold")
        for r in rows:
            t.add_row(r["name"], "; ".join(r["as_written"]), str(r["lead"]), str(r["support"]), ", ".join(r["documents"]))
    else:
        t = Table(title=_("{n} agencies").format(n=len(rows)))
        for c in ("agency", "former names", "variants / as written", "provinces", "lead", "support"):
            t.add_column(c, justify="right" if c in ("lead", "support") else "left", overflow="fold")
        for r in rows:
            seen = list(dict.fromkeys([*r["variants"], *r["as_written"]]))
            t.add_row(r["name"], "; ".join(r["former"]), "; ".join(seen[:6]) + (" …" if len(seen) > 6 else ""),
                      ", ".join(r["provinces"]), str(r["lead"]), str(r["support"]))
    out.print(t)


# ---------------------------------------------------------------------------- datasette
@app.command("datasette")
def datasette_cmd(
    db: Path = typer.Option(DEFAULT_DB, "--db", help="The database Datasette will serve."),
    output: Path = typer.Option(Path("outputs/datasette.json"), "--output", "-o", help="Metadata file to write."),
):
    """Write the Datasette metadata for the database (facets, full-text search, labelled columns):
    then `datasette outputs/obligations.db --metadata outputs/datasette.json` (pip install .[browse]).

    Example: `extractor datasette --db outputs/obligations.db -o outputs/datasette.json`
    """
    from extractor.store.browse import write_metadata

    p = write_metadata(_store(db), output)
    console.print(_("wrote {path}").format(path=p))
