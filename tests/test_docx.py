"""DOCX ingest: body order, tables with merged cells, bold runs, headings, numbering, NFC."""

from __future__ import annotations

import unicodedata

import pytest

from extractor.ingest import read


def _doc():
    import docx

    return docx.Document()


def _save(d, path):
    d.save(str(path))
    return path


def _text(src, c):
    return src.text[c.start:c.end]


def test_paragraphs_tables_in_body_order_with_merges(tmp_path):
    d = _doc()
    d.add_heading("KẾ HOẠCH CHUYỂN ĐỔI SỐ", level=1)
    p = d.add_paragraph()
    r = p.add_run("1. Sở Nội vụ: ")
    r.bold = True
    p.add_run("chủ trì rà soát thủ tục hành chính.")
    t = d.add_table(rows=4, cols=4)
    t.style = "Table Grid"
    for i, h in enumerate(["STT", "Nhiệm vụ", "Chủ trì thực hiện", "Thời gian hoàn thành"]):
        t.cell(0, i).text = h
    t.cell(1, 0).text = "I"
    a = t.cell(1, 1).merge(t.cell(1, 3))  # gridSpan: a group row
    a.text = "Cải cách thể chế"
    t.cell(2, 0).text = "1"
    t.cell(2, 1).text = "Số hóa hồ sơ"
    t.cell(3, 0).text = "2"
    t.cell(3, 1).text = "Kết nối dữ liệu"
    v = t.cell(2, 2).merge(t.cell(3, 2))  # vMerge: one lead for two rows
    v.text = "Sở Khoa học và Công nghệ"
    t.cell(2, 3).text = "Trước ngày 31/01 năm liền kề"
    t.cell(3, 3).text = "Thường xuyên trong năm"
    d.add_paragraph("Đoạn sau bảng.")
    src = read(_save(d, tmp_path / "a.docx"))
    assert src.kind == "docx" and src.pages[0].origin == "docx"
    txt = src.text
    assert txt.index("KẾ HOẠCH") < txt.index("1. Sở Nội vụ") < txt.index("STT") < txt.index("Đoạn sau bảng.")
    head = next(ln for ln in src.lines if txt[ln.start:ln.end] == "KẾ HOẠCH CHUYỂN ĐỔI SỐ")
    assert head.heading
    lead = next(ln for ln in src.lines if txt[ln.start:ln.end].startswith("1. Sở Nội vụ"))
    assert [txt[a:b] for a, b in lead.emph] == ["1. Sở Nội vụ:"]
    assert len(src.tables) == 1
    tab = src.tables[0]
    assert [_text(src, c) for c in tab.rows[0]] == ["STT", "Nhiệm vụ", "Chủ trì thực hiện", "Thời gian hoàn thành"]
    g = tab.rows[1]
    assert _text(src, g[1]) == "Cải cách thể chế" and g[1] is g[2] is g[3]  # same offsets repeated
    assert tab.rows[2][2].start == tab.rows[3][2].start and _text(src, tab.rows[3][2]) == "Sở Khoa học và Công nghệ"
    assert _text(src, tab.rows[3][3]) == "Thường xuyên trong năm"
    for row in tab.rows:
        for c in row:
            assert tab.start <= c.start <= c.end <= tab.end


def test_borderless_layout_table_reads_as_lines_column_by_column(tmp_path):
    d = _doc()
    t = d.add_table(rows=2, cols=2)  # default style: no borders (national header block)
    t.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG"
    t.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    t.cell(1, 0).text = "Số: 12/KH-UBND"
    t.cell(1, 1).text = "Lâm Đồng, ngày 05 tháng 01 năm 2026"
    d.add_paragraph("Nội dung.")
    src = read(_save(d, tmp_path / "b.docx"))
    assert src.tables == []
    lines = [src.text[ln.start:ln.end] for ln in src.lines]
    assert lines[:6] == ["ỦY BAN NHÂN DÂN", "TỈNH LÂM ĐỒNG", "Số: 12/KH-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc", "Lâm Đồng, ngày 05 tháng 01 năm 2026"]


def test_numbering_and_nfc(tmp_path):
    d = _doc()
    d.add_paragraph("Nhiệm vụ thứ nhất", style="List Number")
    d.add_paragraph("Nhiệm vụ thứ hai", style="List Number")
    d.add_paragraph("Gạch đầu dòng", style="List Bullet")
    d.add_paragraph(unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh yêu cầu"))
    src = read(_save(d, tmp_path / "c.docx"))
    lines = [src.text[ln.start:ln.end] for ln in src.lines]
    assert lines[0] == "1. Nhiệm vụ thứ nhất" and lines[1] == "2. Nhiệm vụ thứ hai"
    assert lines[2] == "- Gạch đầu dòng"
    assert lines[3] == "Ủy ban nhân dân tỉnh yêu cầu" and unicodedata.is_normalized("NFC", src.text)


def test_docx_extension_on_garbage_zip(tmp_path):
    import zipfile

    from extractor.errors import InputError

    p = tmp_path / "x.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "not word")
    with pytest.raises(InputError) as e:
        read(p)
    assert "x.docx" in str(e.value) and "\n" not in str(e.value)
