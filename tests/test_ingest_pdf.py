"""Born-digital PDF ingest: text layer, layout, tables, provenance."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from extractor.ingest import read
from extractor.ingest.geometry import PageFlow, PLine, RawCell, RawTable
from extractor.ingest.layout import assemble, strip_furniture
from extractor.ingest.tables import is_false_positive

ROOT = Path(__file__).resolve().parents[1]
GEN = ROOT / "corpus" / "generated"


def _font():
    from extractor.lab.corpus_build import register_fonts

    return register_fonts()


def _canvas(path: Path, pages: list, size=(595.0, 842.0)) -> Path:
    """pages: list of callables drawing on a reportlab canvas."""
    from reportlab.pdfgen import canvas

    _font()
    c = canvas.Canvas(str(path), pagesize=size, invariant=1)
    for draw in pages:
        draw(c)
        c.showPage()
    c.save()
    return path


def _seed(tmp_path: Path, text: str, name: str = "seed.txt") -> Path:
    from extractor.lab.corpus_build import build_pdf

    s = tmp_path / name
    s.write_text(text, encoding="utf-8")
    return build_pdf(s, tmp_path / (s.stem + ".pdf"))


LONG = ("Sở Thông tin và Truyền thông chủ trì, phối hợp với các sở, ban, ngành và Ủy ban nhân dân các huyện "
        "triển khai nền tảng số dùng chung, bảo đảm kết nối, chia sẻ dữ liệu thông suốt giữa các hệ thống "
        "thông tin của tỉnh và hoàn thành trước ngày 31/12/2025 theo đúng kế hoạch đã được phê duyệt.")


def test_born_digital_text_lines_pages(tmp_path):
    body = "\n".join([
        "# KẾ HOẠCH",
        "Chuyển đổi số năm 2025",
        "**1. Sở Thông tin và Truyền thông:** " + LONG,
        "- " + LONG,
        "- Nhiệm vụ ngắn thứ hai.",
    ] + [f"{k}. " + LONG for k in range(2, 16)])
    pdf = _seed(tmp_path, body)
    src = read(pdf)
    assert src.kind == "pdf"
    assert src.text == unicodedata.normalize("NFC", src.text)
    assert len(src.pages) >= 2 and all(p.origin == "layer" for p in src.pages)
    assert all(p.quality and p.quality > 0.5 for p in src.pages)
    # a wrapped paragraph is one Line (line joining), reading order kept
    joined = [ln for ln in src.lines if src.text[ln.start:ln.end].startswith("- Sở Thông tin")]
    assert joined and src.text[joined[0].start:joined[0].end] == "- " + LONG
    assert src.text.index("KẾ HOẠCH") < src.text.index("- Nhiệm vụ ngắn") < src.text.index("15. Sở")
    # provenance: page numbers and boxes in points
    for ln in src.lines:
        assert ln.page is not None and ln.bbox is not None
        x0, top, x1, bottom = ln.bbox
        assert 0 <= x0 < x1 <= 595 and 0 <= top < bottom <= 842
    assert src.lines[-1].page == len(src.pages)
    for p in src.pages:
        assert src.page_of(p.start) == p.number or p.start == p.end
    # bold lead-in -> emph range; heading flag on the bold title
    lead = next(ln for ln in src.lines if src.text[ln.start:ln.end].startswith("1. Sở"))
    assert lead.emph and src.text[lead.emph[0][0]:lead.emph[0][1]].startswith("1. Sở Thông tin")
    title = next(ln for ln in src.lines if src.text[ln.start:ln.end] == "KẾ HOẠCH")
    assert title.heading
    # running page numbers ("2", "3" at the top of later pages) are gone
    assert not any(re.fullmatch(r"\d+", src.text[ln.start:ln.end]) for ln in src.lines)


def test_two_column_header_and_signature_block(tmp_path):
    def page(c):
        c.setFont("DejaVuSerif-Bold", 12)
        c.drawCentredString(150, 800, "ỦY BAN NHÂN DÂN")
        c.drawCentredString(400, 800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        c.drawCentredString(150, 784, "TỈNH LÂM ĐỒNG")
        c.drawCentredString(400, 784, "Độc lập - Tự do - Hạnh phúc")
        c.setFont("DejaVuSerif", 12)
        c.drawCentredString(150, 760, "Số: 15/KH-UBND")
        c.drawCentredString(400, 760, "Lâm Đồng, ngày 02 tháng 01 năm 2026")
        c.setFont("DejaVuSerif-Bold", 13)
        c.drawCentredString(297, 720, "KẾ HOẠCH")
        c.setFont("DejaVuSerif", 12)
        y = 690
        for k in range(6):
            c.drawString(70, y, "Nội dung thân văn bản dòng số %d, kéo dài gần hết chiều ngang của trang giấy." % k)
            y -= 16
        c.drawString(70, 560, "Nơi nhận:")
        c.drawString(70, 544, "- Như trên;")
        c.drawString(70, 528, "- Lưu: VT.")
        c.drawString(360, 560, "KT. CHỦ TỊCH")
        c.drawString(360, 544, "PHÓ CHỦ TỊCH")
        c.drawString(360, 480, "Nguyễn Văn A")

    src = read(_canvas(tmp_path / "hdr.pdf", [page]))
    t = src.text
    # left column of the header first, then the right column; never interleaved on one line
    assert t.index("ỦY BAN NHÂN DÂN") < t.index("Số: 15/KH-UBND") < t.index("CỘNG HÒA XÃ HỘI")
    assert t.index("CỘNG HÒA") < t.index("Lâm Đồng, ngày 02") < t.index("KẾ HOẠCH")
    assert "DÂN CỘNG" not in t
    assert t.index("- Lưu: VT.") < t.index("KT. CHỦ TỊCH") < t.index("Nguyễn Văn A")


def test_dehyphenation_and_furniture_units():
    def ln(text, top, page=1, x0=70.0, x1=520.0):
        return PLine(text=text, x0=x0, top=top, x1=x1, bottom=top + 12, size=12, bold=[], page=page, cl=70, cr=520)

    f1 = PageFlow(number=1, width=595, height=842, items=[
        ln("1", 30, x0=290, x1=300),
        ln("Văn bản này nói về digi-", 100),
        ln("tal transformation và dữ liệu số trong cơ quan nhà nước các cấp của tỉnh", 116),
        ln("Trang chân 1", 820, x0=250, x1=340),
    ])
    f2 = PageFlow(number=2, width=595, height=842, items=[
        ln("2", 30, page=2, x0=290, x1=300),
        ln("tiếp tục câu văn ở trang sau.", 100, page=2, x1=250),
        ln("Trang chân 2", 820, page=2, x0=250, x1=340),
    ])
    f3 = PageFlow(number=3, width=595, height=842, items=[
        ln("Mục mới ở trang ba.", 100, page=3, x1=200),
        ln("Trang chân 3", 820, page=3, x0=250, x1=340),
    ])
    flows = [f1, f2, f3]
    strip_furniture(flows)
    asm = assemble(flows)
    assert "Trang chân" not in asm.text and "\n1\n" not in "\n" + asm.text
    first = asm.text[asm.lines[0].start:asm.lines[0].end]
    assert "digital transformation" in first  # de-hyphenated
    assert first.endswith("trang sau.")  # joined across the page break
    assert asm.lines[0].page == 1
    assert [p.number for p in asm.pages] == [1, 2, 3]
    assert asm.pages[1].start > asm.pages[0].start and asm.pages[1].start < asm.lines[0].end


def test_false_positive_table_rejected():
    cells = [RawCell(text=f"dòng văn bản chạy số {k} rất dài", bbox=(0, 0, 1, 1)) for k in range(8)]
    empty = RawCell(text="", bbox=(0, 0, 1, 1))
    prose = RawTable(bbox=(0, 0, 1, 1), page=1, rows=[[c, empty, empty, empty] for c in cells])
    assert is_false_positive(prose)
    real = RawTable(bbox=(0, 0, 1, 1), page=1, rows=[
        [RawCell("STT", (0, 0, 1, 1)), RawCell("Nhiệm vụ", (0, 0, 1, 1)), RawCell("Chủ trì", (0, 0, 1, 1))],
        [RawCell("1", (0, 0, 1, 1)), RawCell("Triển khai", (0, 0, 1, 1)), RawCell("Sở Nội vụ", (0, 0, 1, 1))],
    ])
    assert not is_false_positive(real)


def test_running_text_with_rules_is_not_a_table(tmp_path):
    def page(c):
        c.setFont("DejaVuSerif", 12)
        y = 760
        for k in range(12):
            c.drawString(72, y, f"Dòng văn bản số {k} của một đoạn văn dài trong báo cáo cải cách hành chính.")
            c.setLineWidth(0.5)
            c.line(72, y - 3, 520, y - 3)  # underline-like rules under each line
            y -= 18
        c.line(72, 770, 72, y)  # a frame on both sides, like a bordered text box
        c.line(520, 770, 520, y)

    src = read(_canvas(tmp_path / "rules.pdf", [page]))
    assert src.tables == []
    assert "Dòng văn bản số 11" in src.text


def _norm(s: str) -> str:
    # the seed has stray spaces around combining marks ("nghi ̣quyết"), which a
    # typeset PDF cannot reproduce exactly: compare cell text without white space
    return "".join(s.split())


@pytest.mark.parametrize("name", ["001_312f79c7a1bd20dd.pdf", "001_312f79c7a1bd20dd_annex_noheader.pdf"])
def test_annex_table_over_pages_is_one_table_like_the_text(name):
    """The ruled annex runs over many pages (header repeated or not); it becomes ONE
    table with the same rows as the flattened table in the seed text."""
    seed = read(ROOT / "corpus" / "001_312f79c7a1bd20dd.txt")
    want = max(seed.tables, key=lambda t: len(t.rows))
    src = read(GEN / name)
    got = max(src.tables, key=lambda t: len(t.rows))
    assert len(got.pages) >= 5
    assert len(got.rows) == len(want.rows)
    header = [src.text[c.start:c.end] for c in got.rows[0]]
    assert header == ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện",
                      "Ghi chú"]
    # no repeated header rows inside
    assert sum(1 for r in got.rows if src.text[r[0].start:r[0].end] == "STT") == 1
    mismatched = 0
    for rg, rw in zip(got.rows, want.rows):
        a = [_norm(src.text[c.start:c.end]) for c in rg]
        b = [_norm(seed.text[c.start:c.end]) for c in rw]
        if a != b:
            mismatched += 1
    assert mismatched <= 2, mismatched
    # every cell's text is in the text at its offsets; row pages recorded
    assert len(got.row_pages) == len(got.rows) and got.row_pages[-1] == got.pages[-1]


def test_legacy_tcvn3_text_layer_is_converted(tmp_path):
    from extractor.ingest.legacy import _TCVN3_BYTES

    inv = {u: b for b, u in _TCVN3_BYTES.items()}
    uni = ("Ủy ban nhân dân tỉnh yêu cầu các sở, ngành khẩn trương triển khai chuyển đổi số, "
           "hoàn thành việc số hóa hồ sơ thủ tục hành chính trước ngày 31 tháng 12 năm 2025.")
    moji = "".join(chr(inv[ch]) if ch in inv else (chr(inv[ch.lower()]) if ch.lower() in inv else ch) for ch in uni)

    def page(c):
        c.setFont("DejaVuSerif", 11)
        y = 780
        for _ in range(4):
            c.drawString(60, y, moji[:95])
            c.drawString(60, y - 14, moji[95:])
            y -= 40

    src = read(_canvas(tmp_path / "tcvn3.pdf", [page]))
    assert "chuyển đổi số" in src.text and "hồ sơ thủ tục hành chính" in src.text
    assert src.pages[0].origin == "layer" and "TCVN3" in (src.pages[0].note or "")
    assert any("TCVN3" in w for w in src.warnings)
