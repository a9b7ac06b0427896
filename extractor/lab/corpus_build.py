"""Build the PDF corpus from the seed texts: born-digital PDFs and scan-like variants.

    python -m extractor.lab.corpus_build [--out corpus/generated] [--seeds corpus]

For every seed ``corpus/*.txt`` a born-digital PDF is typeset with reportlab
and DejaVu Serif (a Vietnamese-capable TrueType font from fonts-dejavu-core):
headings and bold runs keep their weight, flattened tables become real ruled
tables (the 001 annex runs over many pages with its header repeated), and pages
from the second on carry a page number at the top, as Vietnamese letters do.
A second 001 annex PDF repeats no header, to exercise cross-page merging both
ways.

Scan-like variants are rendered from those PDFs with pypdfium2, turned by
0.5-2 degrees, given noise/specks and JPEG artefacts, and wrapped back into a
PDF of images (no text layer):

* ``*_scan300.pdf``  mild: 300 dpi, light noise, JPEG q70
* ``*_scan200.pdf``  harsh: 200 dpi, specks, JPEG q45
* ``003_*_scan_rotated_stamp.pdf``: a red seal over the text of page 1 and
  page 2 scanned upside down.

``manifest.json`` lists each output with its source and pages so the bench can
score OCR against the born-digital text.  Everything is seeded: a rebuild
gives identical images.
"""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path
from typing import Optional

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"]

SCAN_SPECS = [
    # seed prefix, variant, dpi, (min, max) angle in degrees, noise sigma, speck share, JPEG quality, max pages
    ("000", "scan300", 300, (0.5, 1.0), 2.0, 0.0003, 55, 2),
    ("004", "scan200", 200, (1.2, 2.0), 7.0, 0.0015, 45, None),
    ("000", "scan200", 200, (1.0, 1.8), 6.0, 0.0012, 45, None),
]


def _font_path(name: str) -> str:
    for d in FONT_DIRS:
        p = Path(d) / name
        if p.exists():
            return str(p)
    raise FileNotFoundError(f"{name} not found; install fonts-dejavu-core")


def register_fonts() -> tuple[str, str]:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", _font_path("DejaVuSerif.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", _font_path("DejaVuSerif-Bold.ttf")))
        addMapping("DejaVuSerif", 0, 0, "DejaVuSerif")
        addMapping("DejaVuSerif", 1, 0, "DejaVuSerif-Bold")
        addMapping("DejaVuSerif", 0, 1, "DejaVuSerif")
        addMapping("DejaVuSerif", 1, 1, "DejaVuSerif-Bold")
    return "DejaVuSerif", "DejaVuSerif-Bold"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markup(text: str, emph: list[tuple[int, int]], base: int) -> str:
    out = []
    pos = 0
    for a, b in emph:
        a, b = a - base, b - base
        if a < pos:
            continue
        out.append(_esc(text[pos:a]))
        out.append("<b>" + _esc(text[a:b]) + "</b>")
        pos = b
    out.append(_esc(text[pos:]))
    return "".join(out)


def seed_story(seed_path: Path, *, repeat_header: bool = True, only_tables: bool = False,
               table_min_rows: int = 0):
    """reportlab flowables for one seed text."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from extractor.ingest.text import read_text

    font, bold = register_fonts()
    src = read_text(str(seed_path), seed_path.read_bytes(), "")
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=16, alignment=TA_JUSTIFY,
                          firstLineIndent=0.8 * cm, spaceAfter=3)
    head = ParagraphStyle("head", parent=body, fontName=bold, alignment=TA_CENTER, firstLineIndent=0)
    cell = ParagraphStyle("cell", fontName=font, fontSize=10, leading=12.5)
    cell_h = ParagraphStyle("cellh", parent=cell, fontName=bold, alignment=TA_CENTER)
    items = sorted([(ln.start, "line", ln) for ln in src.lines] + [(t.start, "table", t) for t in src.tables],
                   key=lambda x: x[0])
    story = []
    text = src.text
    for _, kind, obj in items:
        if kind == "line":
            if only_tables:
                continue
            t = text[obj.start:obj.end].strip()
            if not t:
                continue
            style = head if obj.heading or (t.isupper() and len(t) < 120) else body
            story.append(Paragraph(_markup(text[obj.start:obj.end], obj.emph, obj.start), style))
            continue
        rows = [[text[c.start:c.end] for c in r] for r in obj.rows]
        if len(rows) < table_min_rows:
            if only_tables:
                continue
        ncol = max(len(r) for r in rows)
        data = []
        for i, r in enumerate(rows):
            st = cell_h if i == 0 else cell
            data.append([Paragraph(_esc(c), st) for c in r] + [Paragraph("", st)] * (ncol - len(r)))
        width = 17.0 * cm
        if ncol == 6:
            ws = [0.07, 0.38, 0.17, 0.15, 0.11, 0.12]
        elif ncol == 2:
            ws = [0.4, 0.6]
        else:
            ws = [1.0 / ncol] * ncol
        tbl = Table(data, colWidths=[w * width for w in ws], repeatRows=1 if repeat_header else 0,
                    splitByRow=1)
        tbl.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        story.append(Spacer(1, 4))
        story.append(tbl)
        story.append(Spacer(1, 6))
    return story


def _page_number(canvas, doc) -> None:
    from reportlab.lib.pagesizes import A4

    if doc.page >= 2:
        canvas.saveState()
        canvas.setFont("DejaVuSerif", 11)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 1.2 * 28.35, str(doc.page))
        canvas.restoreState()


def build_pdf(seed_path: Path, out_path: Path, *, repeat_header: bool = True, only_tables: bool = False,
              table_min_rows: int = 0) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    register_fonts()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(out_path), pagesize=A4, leftMargin=3 * cm, rightMargin=2 * cm,
                            topMargin=2 * cm, bottomMargin=2 * cm, title=seed_path.stem,
                            author="extractor corpus_build", invariant=1)
    story = seed_story(seed_path, repeat_header=repeat_header, only_tables=only_tables,
                       table_min_rows=table_min_rows)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out_path


# --------------------------------------------------------------------------- scans


def degrade(img, *, angle: float, noise: float, specks: float, rng: random.Random, gray: bool = True):
    """Scanner-like damage: rotation, paper noise, specks, slight blur."""
    import numpy as np
    from PIL import Image, ImageFilter

    im = img.convert("L" if gray else "RGB")
    im = im.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255 if gray else (255, 255, 255))
    im = im.filter(ImageFilter.GaussianBlur(0.6))
    a = np.asarray(im).astype(np.float32)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    a += nrng.normal(0, noise, a.shape).astype(np.float32)
    if specks:
        m = nrng.random(a.shape[:2]) < specks
        a[m] = 40.0
    a = np.clip(a, 0, 255).astype(np.uint8)
    return Image.fromarray(a)


def red_stamp(img, cx: int, cy: int, r: int):
    """A red seal (ring, star, lettering) drawn over the page, as rubber stamps are."""
    from PIL import Image, ImageDraw

    base = img.convert("RGB")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    red = (220, 30, 40, 200)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(3, r // 18))
    d.ellipse((cx - int(r * 0.72), cy - int(r * 0.72), cx + int(r * 0.72), cy + int(r * 0.72)), outline=red,
              width=max(2, r // 30))
    pts = []
    for k in range(10):
        rr = r * (0.3 if k % 2 == 0 else 0.12)
        ang = math.pi / 2 + k * math.pi / 5
        pts.append((cx + rr * math.cos(ang), cy - rr * math.sin(ang)))
    d.polygon(pts, fill=red)
    try:
        from PIL import ImageFont

        font = ImageFont.truetype(_font_path("DejaVuSans-Bold.ttf"), max(12, r // 7))
        for k, ch in enumerate("ỦY BAN NHÂN DÂN * TỈNH NGHỆ AN *"):
            ang = math.pi * 0.95 - k * (2 * math.pi / 32)
            x = cx + r * 0.86 * math.cos(ang)
            y = cy - r * 0.86 * math.sin(ang)
            d.text((x, y), ch, fill=red, font=font, anchor="mm")
    except Exception:
        pass
    # ink is subtractive: multiply, so black text under the seal stays black
    from PIL import ImageChops

    white = Image.new("RGB", base.size, (255, 255, 255))
    stamp = Image.composite(Image.new("RGB", base.size, (220, 30, 40)), white, layer.split()[3])
    return ImageChops.multiply(base, stamp)


def build_scan(pdf_path: Path, out_path: Path, *, dpi: int, angles: tuple[float, float], noise: float,
               specks: float, quality: int, seed: int, pages: Optional[list[int]] = None,
               rotate_pages: Optional[dict[int, int]] = None, stamp_pages: Optional[list[int]] = None) -> Path:
    """Render ``pdf_path`` and write a scan-like image PDF to ``out_path``."""
    import pypdfium2 as pdfium
    from PIL import Image

    rng = random.Random(seed)
    pdf = pdfium.PdfDocument(str(pdf_path))
    n = len(pdf)
    wanted = pages or list(range(1, n + 1))
    frames = []
    for pno in wanted:
        page = pdf[pno - 1]
        img = page.render(scale=dpi / 72).to_pil()
        page.close()
        color = bool(stamp_pages and pno in stamp_pages)
        if color:
            w, h = img.size
            img = red_stamp(img, int(w * 0.62), int(h * 0.36), int(dpi * 0.75))
        sign = rng.choice((-1, 1))
        img = degrade(img, angle=sign * rng.uniform(*angles), noise=noise, specks=specks, rng=rng, gray=not color)
        rot = (rotate_pages or {}).get(pno, 0)
        if rot:
            img = img.rotate(-rot, expand=True)
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=quality)
        frames.append(Image.open(io.BytesIO(buf.getvalue())))
    pdf.close()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(str(out_path), format="PDF", save_all=True, append_images=frames[1:], resolution=float(dpi))
    return out_path


# --------------------------------------------------------------------------- all


def build_all(out_dir: str | Path = "corpus/generated", seeds_dir: str | Path = "corpus",
              scans: bool = True, log=print) -> dict:
    try:
        import reportlab  # noqa: F401
    except ImportError:
        from extractor.errors import InputError

        raise InputError(str(out_dir), "corpus building needs reportlab: pip install '.[lab]'") from None
    out = Path(out_dir)
    seeds = sorted(Path(seeds_dir).glob("*.txt"))
    manifest: dict = {"born_digital": {}, "scans": {}}
    for s in seeds:
        p = build_pdf(s, out / f"{s.stem}.pdf")
        manifest["born_digital"][p.name] = {"seed": s.name}
        log(f"built {p} ({p.stat().st_size / 1e6:.2f} MB)")
        if s.name.startswith("001"):
            q = build_pdf(s, out / f"{s.stem}_annex_noheader.pdf", repeat_header=False, only_tables=True,
                          table_min_rows=20)
            manifest["born_digital"][q.name] = {"seed": s.name, "note": "annex only, header not repeated"}
            log(f"built {q} ({q.stat().st_size / 1e6:.2f} MB)")
    if scans:
        for k, (prefix, name, dpi, angles, noise, specks, qual, maxp) in enumerate(SCAN_SPECS):
            seed = next((s for s in seeds if s.name.startswith(prefix)), None)
            if seed is None:
                continue
            src_pdf = out / f"{seed.stem}.pdf"
            dst = out / f"{seed.stem}_{name}.pdf"
            build_scan(src_pdf, dst, dpi=dpi, angles=angles, noise=noise, specks=specks, quality=qual,
                       seed=1000 + k, pages=list(range(1, maxp + 1)) if maxp else None)
            manifest["scans"][dst.name] = {"source": src_pdf.name,
                                           "pages": list(range(1, maxp + 1)) if maxp else None, "dpi": dpi,
                                           "angles": list(angles), "jpeg_quality": qual}
            log(f"built {dst} ({dst.stat().st_size / 1e6:.2f} MB)")
        seed = next((s for s in seeds if s.name.startswith("003")), None)
        if seed is not None:
            src_pdf = out / f"{seed.stem}.pdf"
            dst = out / f"{seed.stem}_scan_rotated_stamp.pdf"
            build_scan(src_pdf, dst, dpi=250, angles=(0.5, 1.0), noise=5.0, specks=0.0003, quality=70, seed=77,
                       pages=[1, 2], rotate_pages={2: 180}, stamp_pages=[1])
            manifest["scans"][dst.name] = {"source": src_pdf.name, "pages": [1, 2], "dpi": 250,
                                           "rotated": {"2": 180}, "stamp": [1]}
            log(f"built {dst} ({dst.stat().st_size / 1e6:.2f} MB)")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: Optional[list[str]] = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="corpus/generated")
    ap.add_argument("--seeds", default="corpus")
    ap.add_argument("--no-scans", action="store_true")
    a = ap.parse_args(argv)
    build_all(a.out, a.seeds, scans=not a.no_scans)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
