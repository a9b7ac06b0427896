"""Ingest benchmark: the pipeline beside raw pdfplumber, raw pypdfium2 and raw Tesseract.

    python -m extractor.lab.bench_ingest [--corpus corpus/generated] [--real ../shared/real-docs]

In one run, on the same pages:

* born-digital PDFs: raw ``pdfplumber`` ``extract_text()`` per page, raw
  ``pypdfium2`` ``get_text_range()`` per page, and ``ingest.read()``; pages/s
  and the pipeline/raw ratios;
* scans: every page rendered once at 300 dpi to PNG (not timed), then raw
  ``tesseract -l vie`` (CLI, OMP_THREAD_LIMIT=1) timed one page after another
  and with one process per core at the same time, beside ``ingest.read()``
  (which uses every core); pages/s and ratios;
* OCR character error rate of each scan-like variant against the text of the
  born-digital PDF it was made from (same pages, same layout stage), after
  white space is squeezed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional


def levenshtein(a: str, b: str) -> int:
    """Edit distance, vectorised over one string (O(len(a)*len(b)) work, O(len(b)) memory)."""
    import numpy as np

    if not a:
        return len(b)
    if not b:
        return len(a)
    if len(a) < len(b):
        a, b = b, a
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(b) + 1, dtype=np.int64)
    prev = idx.copy()
    for i, ch in enumerate(a, 1):
        cost = (bb != ord(ch)).astype(np.int64)
        tmp = np.empty_like(prev)
        tmp[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + cost, out=tmp[1:])
        # insertions along the row: cur[j] = min_k<=j tmp[k] + (j - k)
        prev = np.minimum.accumulate(tmp - idx) + idx
    return int(prev[-1])


def _norm(s: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", s).split())


def cer(reference: str, hypothesis: str, chunk: int = 4000) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` (white space squeezed).

    Long texts are aligned in chunks cut at the same relative positions, which
    can only over-count errors slightly at the cut points."""
    r, h = _norm(reference), _norm(hypothesis)
    if not r:
        return 0.0 if not h else 1.0
    if len(r) <= chunk:
        return levenshtein(r, h) / len(r)
    n = max(1, round(len(r) / chunk))
    dist = 0
    for k in range(n):
        ra, rz = len(r) * k // n, len(r) * (k + 1) // n
        ha, hz = len(h) * k // n, len(h) * (k + 1) // n
        dist += levenshtein(r[ra:rz], h[ha:hz])
    return dist / len(r)


def _raw_pdfplumber(path: Path) -> tuple[float, int]:
    import pdfplumber

    t = time.perf_counter()
    n = 0
    with pdfplumber.open(str(path)) as pdf:
        for p in pdf.pages:
            p.extract_text()
            p.close()
            n += 1
    return time.perf_counter() - t, n


def _raw_pypdfium2(path: Path) -> tuple[float, int]:
    import pypdfium2 as pdfium

    t = time.perf_counter()
    pdf = pdfium.PdfDocument(str(path))
    n = len(pdf)
    for i in range(n):
        pg = pdf[i]
        tp = pg.get_textpage()
        tp.get_text_range()
        tp.close()
        pg.close()
    pdf.close()
    return time.perf_counter() - t, n


def _pipeline(path: Path, pages: Optional[list[int]] = None):
    from extractor.ingest import read
    from extractor.ingest.pdf import read_pdf

    t = time.perf_counter()
    if pages:
        data = path.read_bytes()
        src = read_pdf(str(path), data, "", pages=pages)
    else:
        src = read(path)
    return time.perf_counter() - t, src


def _render_pngs(path: Path, out: Path, pages: Optional[list[int]], dpi: int = 300) -> list[Path]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    pdf.init_forms()
    files = []
    for pno in pages or range(1, len(pdf) + 1):
        pg = pdf[pno - 1]
        img = pg.render(scale=dpi / 72, may_draw_forms=True).to_pil()
        pg.close()
        f = out / f"{path.stem}_{pno}.png"
        img.save(f, compress_level=1)
        files.append(f)
    pdf.close()
    return files


def _tess(png: Path) -> None:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    subprocess.run(["tesseract", str(png), "stdout", "-l", "vie"], capture_output=True, env=env, check=True)


def _raw_tesseract(pngs: list[Path], workers: int) -> float:
    t = time.perf_counter()
    if workers <= 1:
        for p in pngs:
            _tess(p)
    else:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            list(ex.map(_tess, pngs))
    return time.perf_counter() - t


def run(corpus: str = "corpus/generated", real: Optional[str] = None, log=print, build: bool = True,
        quick: bool = False, progress=None) -> dict:
    """``quick``: two born-digital PDFs and one scan (real documents: the first two of each);
    ``progress(message)`` is told which file is being timed, before the long part starts."""
    progress = progress or (lambda m: None)
    from extractor.ingest.ocr import workers as n_workers

    corpus_dir = Path(corpus)
    manifest_path = corpus_dir / "manifest.json"
    if build and not manifest_path.exists():
        from extractor.lab.corpus_build import build_all

        build_all(corpus_dir, corpus_dir.parent if corpus_dir.name == "generated" else "corpus", log=log)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    results: dict = {"born_digital": [], "scans": [], "workers": n_workers()}

    # ---- born-digital
    digital = [corpus_dir / n for n in manifest["born_digital"]]
    if real:
        for p in sorted(Path(real).glob("*.pdf")):
            if "scan" not in p.name:
                digital.append(p)
    if quick:
        digital = digital[:2] + [p for p in digital if real and str(p).startswith(str(real))][:2]
    tot = {"plumber": 0.0, "pdfium": 0.0, "pipe": 0.0, "pages": 0}
    log(f"{'born-digital PDF':58} {'pages':>5} {'plumber s':>9} {'pdfium s':>9} {'ingest s':>9} {'/plumber':>8} {'/pdfium':>8}")
    for i, p in enumerate(digital, 1):
        progress(f"[{i}/{len(digital)}] {p.name} ...")
        tp, n = _raw_pdfplumber(p)
        tf, _ = _raw_pypdfium2(p)
        tg, src = _pipeline(p)
        tot["plumber"] += tp
        tot["pdfium"] += tf
        tot["pipe"] += tg
        tot["pages"] += n
        row = {"file": p.name, "pages": n, "plumber_s": round(tp, 3), "pdfium_s": round(tf, 3),
               "ingest_s": round(tg, 3), "ratio_plumber": round(tg / tp, 3), "ratio_pdfium": round(tg / tf, 2)}
        results["born_digital"].append(row)
        log(f"{p.name[:58]:58} {n:5d} {tp:9.2f} {tf:9.3f} {tg:9.2f} {tg / tp:8.2f} {tg / tf:8.1f}")
    if tot["pages"]:
        log(f"{'TOTAL':58} {tot['pages']:5d} {tot['plumber']:9.2f} {tot['pdfium']:9.3f} {tot['pipe']:9.2f} "
            f"{tot['pipe'] / tot['plumber']:8.2f} {tot['pipe'] / tot['pdfium']:8.1f}")
        log(f"pages/s: pdfplumber {tot['pages'] / tot['plumber']:.1f}, pypdfium2 {tot['pages'] / tot['pdfium']:.0f}, "
            f"ingest {tot['pages'] / tot['pipe']:.1f}")
        results["born_digital_total"] = {k: round(v, 3) for k, v in tot.items()}
        results["born_digital_total"]["ratio_plumber"] = round(tot["pipe"] / tot["plumber"], 3)
        results["born_digital_total"]["ratio_pdfium"] = round(tot["pipe"] / tot["pdfium"], 2)

    # ---- scans
    w = n_workers()
    log("")
    log(f"scans (OCR, {w} worker(s)); raw = tesseract CLI -l vie on 300 dpi PNGs, OMP_THREAD_LIMIT=1")
    log(f"{'scan':52} {'pages':>5} {'raw 1p s':>8} {f'raw {w}p s':>9} {'ingest s':>8} {'/raw1':>6} {f'/raw{w}':>6} {'CER':>7}")
    tot_s = {"raw1": 0.0, "rawN": 0.0, "pipe": 0.0, "pages": 0}
    # generated scans are scored against their born-digital source (CER); real scans have none
    jobs = [(corpus_dir / name, info) for name, info in manifest["scans"].items()]
    if real:
        jobs += [(p, None) for p in sorted(Path(real).glob("*scan*.pdf"))]
    if quick:
        jobs = jobs[:1] + [j for j in jobs if j[1] is None][:2]
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for i, (p, info) in enumerate(jobs, 1):
            progress(f"[{i}/{len(jobs)}] {p.name}: rendering, raw tesseract 1 and {w} processes, ingest ...")
            pngs = _render_pngs(p, Path(tmp), None)
            t1 = _raw_tesseract(pngs, 1)
            tn = _raw_tesseract(pngs, w)
            tg, src = _pipeline(p)
            e = None
            if info:
                _, ref = _pipeline(corpus_dir / info["source"], pages=info.get("pages"))
                e = cer(ref.text, src.text)
            n = len(pngs)
            tot_s["raw1"] += t1
            tot_s["rawN"] += tn
            tot_s["pipe"] += tg
            tot_s["pages"] += n
            results["scans"].append({"file": p.name, "pages": n, "raw_serial_s": round(t1, 2),
                                     "raw_parallel_s": round(tn, 2), "ingest_s": round(tg, 2),
                                     "ratio_raw_serial": round(tg / t1, 3), "ratio_raw_parallel": round(tg / tn, 3),
                                     "cer": round(e, 5) if e is not None else None,
                                     "origins": [pg.origin for pg in src.pages],
                                     "notes": [pg.note for pg in src.pages]})
            cer_s = f"{e * 100:6.2f}%" if e is not None else "      -"
            log(f"{p.name[:52]:52} {n:5d} {t1:8.2f} {tn:9.2f} {tg:8.2f} {tg / t1:6.2f} {tg / tn:6.2f} {cer_s}")
    if tot_s["pages"]:
        log(f"{'TOTAL':52} {tot_s['pages']:5d} {tot_s['raw1']:8.2f} {tot_s['rawN']:9.2f} {tot_s['pipe']:8.2f} "
            f"{tot_s['pipe'] / tot_s['raw1']:6.2f} {tot_s['pipe'] / tot_s['rawN']:6.2f}")
        log(f"pages/s: raw tesseract 1 process {tot_s['pages'] / tot_s['raw1']:.2f}, {w} processes "
            f"{tot_s['pages'] / tot_s['rawN']:.2f}, ingest {tot_s['pages'] / tot_s['pipe']:.2f}")
        results["scans_total"] = {k: round(v, 3) for k, v in tot_s.items()}
        results["scans_total"]["ratio_raw_serial"] = round(tot_s["pipe"] / tot_s["raw1"], 3)
        results["scans_total"]["ratio_raw_parallel"] = round(tot_s["pipe"] / tot_s["rawN"], 3)
    return results


def main(argv: Optional[list[str]] = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="corpus/generated")
    ap.add_argument("--real", default=None, help="also time the real documents in this folder")
    ap.add_argument("--json", default=None, help="write the figures to this JSON file")
    a = ap.parse_args(argv)
    res = run(a.corpus, a.real)
    if a.json:
        Path(a.json).write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
