"""Bad input: a clear one-line error (or warning) naming the file, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.ingest import read

ROOT = Path(__file__).resolve().parents[1]


def _pdf(path: Path, n_pages: int = 1, encrypt: str | None = None, text: str = "Văn bản thử nghiệm") -> Path:
    from reportlab.pdfgen import canvas

    from extractor.lab.corpus_build import register_fonts

    register_fonts()
    c = canvas.Canvas(str(path), invariant=1, encrypt=encrypt)
    for k in range(n_pages):
        c.setFont("DejaVuSerif", 12)
        c.drawString(72, 760, f"{text} trang {k + 1}")
        c.showPage()
    c.save()
    return path


def _one_line_error(path: Path) -> InputError:
    with pytest.raises(InputError) as e:
        read(path)
    msg = str(e.value)
    assert path.name in msg and "\n" not in msg
    return e.value


def test_encrypted_pdf(tmp_path):
    err = _one_line_error(_pdf(tmp_path / "secret.pdf", encrypt="mật-khẩu"))
    assert "encrypted" in err.message


def test_truncated_pdf(tmp_path):
    good = _pdf(tmp_path / "good.pdf", n_pages=3).read_bytes()
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(good[: len(good) // 3])
    try:
        src = read(bad)
    except InputError as e:
        assert "truncated.pdf" in str(e) and "\n" not in str(e)
    else:  # PDFium may recover the pages that survived: then it must say so per page or read them
        assert src.pages and (src.text.strip() or src.warnings)


def test_garbage_with_pdf_header(tmp_path):
    bad = tmp_path / "garbage.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    err = _one_line_error(bad)
    assert "PDF" in err.message


def test_zero_page_pdf(tmp_path):
    body = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n")
    xref_at = len(body)
    body += (b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
             b"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n" + str(xref_at).encode() + b"\n%%EOF\n")
    p = tmp_path / "empty.pdf"
    p.write_bytes(body)
    err = _one_line_error(p)
    assert "no pages" in err.message


def test_image_without_text_is_a_warning(tmp_path):
    from PIL import Image

    p = tmp_path / "blank.png"
    Image.new("L", (1240, 1754), 255).save(p, dpi=(150, 150))
    src = read(p)
    assert src.kind == "image" and src.text.strip() == ""
    assert any("blank.png" in w and "no text" in w for w in src.warnings)
    assert src.pages[0].origin == "empty"


def test_extension_that_lies(tmp_path):
    pdf = _pdf(tmp_path / "real.pdf")
    liar = tmp_path / "actually_a_pdf.docx"
    liar.write_bytes(pdf.read_bytes())
    src = read(liar)
    assert src.kind == "pdf" and "Văn bản thử nghiệm" in src.text
    assert any("actually_a_pdf.docx" in w and "extension" in w for w in src.warnings)
    # binary junk named .pdf: not a PDF, and not text either
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(bytes([0, 159, 146, 150, 1, 2, 3, 0]) * 500)
    _one_line_error(junk)
    # a PNG that is cut short
    from PIL import Image

    png = tmp_path / "cut.png"
    Image.new("RGB", (400, 400), "white").save(png)
    png.write_bytes(png.read_bytes()[:60])
    _one_line_error(png)


_BIG = r'''
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from extractor.ingest import read
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
src = read(sys.argv[1])
print(json.dumps({"pages": len(src.pages), "chars": len(src.text), "secs": time.perf_counter() - t,
                  "rss_before_kb": before, "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "last": src.text.strip().splitlines()[-1]}))
'''


def test_300_page_pdf_streams_with_bounded_memory(tmp_path):
    from reportlab.pdfgen import canvas

    from extractor.lab.corpus_build import register_fonts

    register_fonts()
    p = tmp_path / "big.pdf"
    c = canvas.Canvas(str(p), invariant=1)
    for k in range(300):
        c.setFont("DejaVuSerif", 11)
        y = 780
        for j in range(40):
            c.drawString(60, y, f"Trang {k + 1} dòng {j + 1}: các sở, ngành triển khai chuyển đổi số theo kế hoạch.")
            y -= 18
        c.showPage()
    c.save()
    size_mb = p.stat().st_size / 1e6
    out = subprocess.run([sys.executable, "-c", _BIG, str(p), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["pages"] == 300
    assert "Trang 300 dòng 40:" in r["last"]
    growth_mb = (r["rss_peak_kb"] - r["rss_before_kb"]) / 1024
    # the file is ~{size_mb} MB and the text ~1.9 MB; pages are opened and closed one by one
    assert growth_mb < 250, (growth_mb, size_mb)
