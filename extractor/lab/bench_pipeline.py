"""Where the time goes: the whole pipeline and each stage beside the raw tools, in one run.

    extractor bench pipeline [--quick] [--json out.json] [--workers 1,2]

On a fixed set (plain text, born-digital PDF, scan, DOCX built from the seed
texts), per kind and stage (read, structure+extract, link, save): seconds,
pages/s, obligations/s; beside, on the same pages and texts, the raw tools:
``pypdfium2`` text of every page, ``pdfplumber`` ``find_tables()`` on the pages
the pipeline hands it, single-threaded ``tesseract -l vie`` on 300 dpi renders
with one process per core, and the embedder on the obligations' texts.  Ratios:
each stage to its raw tool, the whole to the sum of the raw tools.  Also the
start-up time of ``extractor extract`` on a one-line file, peak memory, and
``extractor run`` with 1, 2, ... workers on a batch of at least 40 documents.
Obligation vectors are not cached during the benchmark (``EXTRACTOR_TEXT_CACHE=0``),
so linking is measured, not a cache read.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from extractor.lab.bench_ingest import _raw_pypdfium2, _raw_tesseract, _render_pngs
from extractor.paths import REPO

CORPUS = REPO / "corpus"


def fixed_set(tmp: Path, quick: bool) -> dict[str, list[Path]]:
    gen = CORPUS / "generated"
    texts = sorted(CORPUS.glob("*.txt"))
    pdfs = [p for p in sorted(gen.glob("*.pdf")) if "scan" not in p.name]
    scans = sorted(gen.glob("*scan*.pdf"))
    if quick:  # the smallest letter in every form
        texts = [t for t in texts if t.name.startswith("004")]
        pdfs = [p for p in pdfs if p.name.startswith("004")]
        scans = [s for s in scans if s.name.startswith("004")][:1]
    docx = [_docx(t, tmp) for t in (texts[:1] if quick else texts[:3])]
    return {"text": texts, "pdf": pdfs, "scan": scans, "docx": docx}


def _docx(txt: Path, tmp: Path) -> Path:
    import docx

    d = docx.Document()
    for para in txt.read_text(encoding="utf-8").split("\n"):
        d.add_paragraph(para)
    out = tmp / (txt.stem + ".docx")
    d.save(out)
    return out


def _peak_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"process_mb": round(own, 1), "largest_child_mb": round(kids, 1)}


def _stages(pipe, store, path: Path) -> dict:
    from extractor import ingest

    t0 = time.perf_counter()
    src = ingest.read(path)
    t1 = time.perf_counter()
    doc = pipe.structure_and_extract(src)
    t2 = time.perf_counter()
    pipe.link(doc)
    t3 = time.perf_counter()
    store.save(doc)
    t4 = time.perf_counter()
    return {"file": path.name, "pages": len(src.pages), "obligations": len(doc.obligations),
            "read_s": t1 - t0, "extract_s": t2 - t1, "link_s": t3 - t2, "save_s": t4 - t3,
            "texts": [o.text for o in doc.obligations]}


def _raw_plumber_tables(path: Path) -> tuple[float, int]:
    """pdfplumber's table finder on the pages the pipeline's pre-check would hand it (the check itself untimed)."""
    import pdfplumber
    import pypdfium2 as pdfium

    from extractor.ingest.tables import page_may_have_table

    pdf = pdfium.PdfDocument(str(path))
    pages = [i for i in range(len(pdf)) if page_may_have_table(pdf[i])]
    pdf.close()
    t = time.perf_counter()
    with pdfplumber.open(str(path)) as pl:
        for i in pages:
            pl.pages[i].find_tables()
    return time.perf_counter() - t, len(pages)


def _raw_embed(embedder, texts: list[str]) -> float:
    if not texts:
        return 0.0
    t = time.perf_counter()
    embedder.encode(texts)
    return time.perf_counter() - t


def startup(n: int = 3) -> dict:
    """``extractor extract`` of a one-line text file in fresh processes (median of n): wall time and peak
    memory, with the obligation vector cache as the user has it (warm after the first run) and cold."""
    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "one.txt"
        f.write_text("Sở Thông tin và Truyền thông chủ trì triển khai nền tảng số trước ngày 30/6/2026.\n",
                     encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "EXTRACTOR_TEXT_CACHE"}
        env["PYTHONPATH"] = str(REPO)
        for label, extra in (("", {}), ("_cold_cache", {"EXTRACTOR_TEXT_CACHE": "0"})):
            times, mem = [], []
            for _ in range(n):
                t = time.perf_counter()
                p = subprocess.Popen([sys.executable, "-m", "extractor", "extract", str(f)], env={**env, **extra},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, status, ru = os.wait4(p.pid, 0)
                times.append(time.perf_counter() - t)
                mem.append(ru.ru_maxrss / 1024)
                p.returncode = os.waitstatus_to_exitcode(status)
            out[f"extract_one_line{label}_s"] = round(statistics.median(times), 3)
            out[f"extract_one_line{label}_peak_mb"] = round(max(mem), 1)
    return out


def scaling(workers: Sequence[int], linker: Optional[str], tmp: Path, n_docs: int, log) -> list[dict]:
    """``run`` on the same batch with each worker count (fresh database each time)."""
    from extractor.batch import run

    folder = tmp / "batch"
    folder.mkdir(exist_ok=True)
    srcs = sorted(CORPUS.glob("*.txt")) + sorted((CORPUS / "external").glob("*.txt"))
    srcs = [s for s in srcs if s.stat().st_size < 100_000]
    for i in range(n_docs):  # distinct bytes, so no file is a copy of another
        s = srcs[i % len(srcs)]
        (folder / f"{i:03d}_{s.name}").write_bytes(s.read_bytes() + b"\n" * (i // len(srcs) + 1))
    rows = []
    for w in workers:
        t = time.perf_counter()
        summary = run([folder], db=tmp / f"scale{w}.db", linker=linker, workers=w)
        secs = time.perf_counter() - t
        c = summary.tally()
        rows.append({"workers": w, "documents": c["ok"] + c["empty"], "obligations": c["obligations"],
                     "seconds": round(secs, 2), "documents_per_s": round((c["ok"] + c["empty"]) / secs, 2)})
        log(f"  run --workers {w}: {rows[-1]['documents']} documents in {secs:.1f}s")
    base = rows[0]["seconds"]
    for r in rows:
        r["speedup"] = round(base / r["seconds"], 2)
    return rows


def bench_pipeline(quick: bool = False, workers: Sequence[int] = (1, 2), linker: Optional[str] = "hybrid",
                   log: Callable[[str], None] = print) -> dict:
    from extractor.link.embed import get_embedder
    from extractor.pipeline import Pipeline
    from extractor.store import Store

    cores = len(os.sched_getaffinity(0))
    res: dict = {"quick": quick, "linker": linker, "cores": cores}
    log("start-up: extractor extract on a one-line file ...")
    res["startup"] = startup(2 if quick else 3)
    log(f"  {res['startup']['extract_one_line_s']:.2f}s ({res['startup']['extract_one_line_cold_cache_s']:.2f}s "
        f"with a cold vector cache)")
    os.environ["EXTRACTOR_TEXT_CACHE"] = "0"  # from here on linking is measured, not read from the cache
    t = time.perf_counter()
    pipe = Pipeline(linker=linker)
    res["pipeline_build_s"] = round(time.perf_counter() - t, 3)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as d:
        tmp = Path(d)
        files = fixed_set(tmp, quick)
        store = Store(tmp / "bench.db")
        if linker:  # warm-up: model and catalogue vectors load once, outside the timed stages
            from extractor import ingest

            pipe.link(pipe.structure_and_extract(ingest.read(files["text"][0])))
        emb = get_embedder(pipe.embedder) if linker else None
        kinds = {}
        n_all = sum(len(v) for v in files.values())
        i = 0
        for kind, paths in files.items():
            rows = []
            for p in paths:
                i += 1
                log(f"[{i}/{n_all}] {kind}: {p.name} ...")
                r = _stages(pipe, store, p)
                raw: dict[str, float] = {}
                if kind == "pdf":
                    raw["pypdfium2_s"] = _raw_pypdfium2(p)[0]
                    raw["pdfplumber_s"], r["table_pages"] = _raw_plumber_tables(p)
                elif kind == "scan":
                    with tempfile.TemporaryDirectory() as pd:
                        pngs = _render_pngs(p, Path(pd), None)
                        raw["tesseract_s"] = _raw_tesseract(pngs, cores)
                if linker:
                    raw["embedder_s"] = _raw_embed(emb, r["texts"])
                r.pop("texts")
                r.update(raw)
                rows.append(r)
                log(f"      {r['pages']} pages, {r['obligations']} obligations: read {r['read_s']:.2f}s, "
                    f"extract {r['extract_s']:.2f}s, link {r['link_s']:.2f}s, save {r['save_s']:.3f}s")
            kinds[kind] = _totals(rows)
        res["kinds"] = kinds
        log(f"run with --workers {','.join(map(str, workers))} ...")
        res["scaling"] = scaling(workers, None if quick else linker, tmp, 40 if quick else 48, log)
        res["scaling_linker"] = None if quick else linker
    res["peak_memory"] = _peak_mb()
    return res


def _totals(rows: list[dict]) -> dict:
    keys = ["pages", "obligations", "read_s", "extract_s", "link_s", "save_s", "pypdfium2_s", "pdfplumber_s",
            "tesseract_s", "embedder_s", "table_pages"]
    tot = {k: sum(r.get(k, 0) for r in rows) for k in keys if any(k in r for r in rows)}
    whole = tot["read_s"] + tot["extract_s"] + tot["link_s"] + tot["save_s"]
    raw = sum(tot.get(k, 0.0) for k in ("pypdfium2_s", "pdfplumber_s", "tesseract_s", "embedder_s"))
    tot["whole_s"] = whole
    tot["pages_per_s"] = tot["pages"] / whole if whole else 0.0
    tot["obligations_per_s"] = tot["obligations"] / whole if whole else 0.0
    ratios = {}
    if "pypdfium2_s" in tot:
        ratios["read/raw_pdf"] = tot["read_s"] / max(1e-9, tot["pypdfium2_s"] + tot.get("pdfplumber_s", 0.0))
    if "tesseract_s" in tot:
        ratios["read/raw_tesseract"] = tot["read_s"] / max(1e-9, tot["tesseract_s"])
    if tot.get("embedder_s"):
        ratios["link/raw_embedder"] = tot["link_s"] / tot["embedder_s"]
    if raw:
        ratios["whole/sum_raw"] = whole / raw
    tot["ratios"] = ratios
    tot["files"] = rows
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in tot.items()}
