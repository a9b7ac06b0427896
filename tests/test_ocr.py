"""OCR path (needs tesseract-ocr + tesseract-ocr-vie, installed by scripts/bootstrap.sh and CI).

Few, small pages: OCR costs ~2 s a page per core."""

from __future__ import annotations

import json
from pathlib import Path

from extractor.lab.bench_ingest import cer
from extractor.ingest import read
from extractor.ingest.pdf import read_pdf
import pytest

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)

ROOT = Path(__file__).resolve().parents[1]
GEN = ROOT / "corpus" / "generated"
MANIFEST = json.loads((GEN / "manifest.json").read_text(encoding="utf-8"))


def _ref(source: str, pages):
    p = GEN / source
    return read_pdf(str(p), p.read_bytes(), "", pages=pages)


def test_tesseract_is_installed_with_vietnamese():
    import subprocess

    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    assert "vie" in out.stdout.split()


def test_rotated_page_and_red_stamp_scan():
    """Page 1 has a red seal over the text, page 2 was scanned upside down."""
    name = "003_154b315af2a17dc1_scan_rotated_stamp.pdf"
    src = read(GEN / name)
    assert src.kind == "scan" and [p.origin for p in src.pages] == ["ocr", "ocr"]
    assert "red stamp suppressed" in (src.pages[0].note or "")
    assert "turned 180" in (src.pages[1].note or "")
    ref = _ref("003_154b315af2a17dc1.pdf", [1, 2])
    assert cer(ref.text, src.text) <= 0.01
    assert all(p.quality > 0.6 for p in src.pages)
    assert src.lines and all(ln.page in (1, 2) and ln.bbox for ln in src.lines)
    assert src.hints.get("from") == "ocr" and "number" in src.hints.get("unsure", [])


def test_harsh_200dpi_scan_page_cer_under_one_percent():
    name = "004_12b40cbffe6def15_scan200.pdf"
    p = GEN / name
    src = read_pdf(str(p), p.read_bytes(), "", pages=[1])
    ref = _ref(MANIFEST["scans"][name]["source"], [1])
    e = cer(ref.text, src.text)
    assert e <= 0.01, e
    assert "deskewed" in (src.pages[0].note or "") and "median" in (src.pages[0].note or "")


def _page_image(pdf: Path, page: int, dpi: int):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    img = doc[page - 1].render(scale=dpi / 72).to_pil().convert("L")
    doc.close()
    return img


def test_png_and_sideways_multipage_tiff(tmp_path):
    img = _page_image(GEN / "000_25c1a683a650bf81.pdf", 1, 200)
    top = img.crop((0, 0, img.width, img.height // 2))
    png = tmp_path / "page.png"
    top.save(png, dpi=(200, 200))
    src = read(png)
    assert src.kind == "image" and src.pages[0].origin == "ocr"
    assert "Kính gửi" in src.text and "Độc lập - Tự do - Hạnh phúc" in src.text
    # two frames, the second scanned sideways
    tif = tmp_path / "pages.tif"
    top.save(tif, save_all=True, append_images=[top.rotate(90, expand=True)], dpi=(200, 200), compression="tiff_lzw")
    src2 = read(tif)
    assert len(src2.pages) == 2 and all(p.origin == "ocr" for p in src2.pages)
    assert "turned" in (src2.pages[1].note or "")
    half = len(src2.text) // 2
    assert cer(src2.text[:half], src2.text[half:]) < 0.05  # both frames read the same text


def test_mixed_pdf_layer_page_and_scanned_page(tmp_path):
    """Page 1 has a text layer, page 2 is an image: chosen page by page."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from extractor.lab.corpus_build import register_fonts

    register_fonts()
    img = _page_image(GEN / "004_12b40cbffe6def15.pdf", 1, 200)
    img = img.crop((0, 0, img.width, img.height // 3))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    p = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(p), invariant=1)
    c.setFont("DejaVuSerif", 12)
    for k in range(8):
        c.drawString(72, 780 - 18 * k, f"Trang có lớp chữ, dòng {k + 1}: Sở Nội vụ chủ trì thực hiện nhiệm vụ.")
    c.showPage()
    w, h = 595, 842
    c.drawImage(ImageReader(buf), 0, h - h / 3, width=w, height=h / 3)
    # an invisible junk OCR layer, like the bad hidden layers of some scans
    t = c.beginText(72, 700)
    t.setTextRenderMode(3)
    t.setFont("Helvetica", 10)
    for _ in range(12):
        t.textLine("UY BAN NgAN nAN ceNG HoA xA ugr cuu xcuia vrET NAM DQc l$p Tg do H4nh phric")
    c.drawText(t)
    c.showPage()
    c.save()
    src = read(p)
    assert [pg.origin for pg in src.pages] == ["layer", "ocr"]
    assert "text layer rejected" in (src.pages[1].note or "")
    assert any("p.2" in w and "OCR" in w for w in src.warnings)
    assert "Sở Nội vụ chủ trì" in src.text[src.pages[0].start:src.pages[0].end]
    assert src.pages[1].quality > 0.5 and "ceNG HoA" not in src.text


def test_ruled_table_in_a_scan(tmp_path):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
    from reportlab.lib.styles import ParagraphStyle

    from extractor.lab.corpus_build import build_scan, register_fonts

    font, bold = register_fonts()
    st = ParagraphStyle("c", fontName=font, fontSize=11, leading=14)
    rows = [["TT", "Nội dung công việc", "Thời gian thực hiện", "Đơn vị chủ trì"],
            ["1", "Ban hành kế hoạch khảo sát", "Trước ngày 27/6/2026", "Phòng Đào tạo"],
            ["2", "Chọn mẫu ngẫu nhiên, chuẩn bị tài khoản", "Trước ngày 30/6/2026", "Trung tâm QLCL"],
            ["3", "Triển khai khảo sát trực tuyến", "Từ 29/6/2026 đến 09/7/2026", "Các khoa"]]
    data = [[Paragraph(c, st) for c in r] for r in rows]
    pdf = tmp_path / "table.pdf"
    doc = SimpleDocTemplate(str(pdf), pagesize=A4)
    t = Table(data, colWidths=[30, 200, 120, 110])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.8, colors.black)]))
    doc.build([t])
    scan = build_scan(pdf, tmp_path / "table_scan.pdf", dpi=250, angles=(0.3, 0.6), noise=3.0, specks=0.0002,
                      quality=75, seed=5)
    src = read(scan)
    assert len(src.tables) == 1
    tab = src.tables[0]
    cell = lambda c: src.text[c.start:c.end]  # noqa: E731
    assert [cell(c) for c in tab.rows[0]] == rows[0]
    assert len(tab.rows) == 4 and cell(tab.rows[2][2]) == "Trước ngày 30/6/2026"
    assert cell(tab.rows[3][3]) == "Các khoa"


def test_median3x3_equals_pil_median_filter():
    import numpy as np
    from PIL import Image, ImageFilter

    from extractor.ingest.ocr import median3x3

    rng = np.random.default_rng(7)
    img = Image.fromarray(rng.integers(0, 256, size=(301, 257), dtype=np.uint8))
    assert np.array_equal(np.asarray(median3x3(img, block=64)), np.asarray(img.filter(ImageFilter.MedianFilter(3))))


def test_upside_down_is_told_from_the_diacritics_before_any_reading():
    from extractor.ingest.ocr import upside_down

    for name in ("000_25c1a683a650bf81.pdf", "004_12b40cbffe6def15.pdf"):
        img = _page_image(GEN / name, 1, 300)
        assert not upside_down(img)
        assert upside_down(img.rotate(180))
    blank = _page_image(GEN / "000_25c1a683a650bf81.pdf", 1, 300).point(lambda v: 255)
    assert not upside_down(blank)  # nothing to judge: the reading decides
