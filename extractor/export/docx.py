"""DOCX (python-docx): the annex table on A4 landscape in Times New Roman 13 (Nghị định 30/2020/NĐ-CP,
the font and size of administrative documents), under a title block; the header row repeats on every
page and group rows (I, II ...) span the table."""

from __future__ import annotations

import io
from datetime import date

from extractor.export.rows import COLUMNS, Group

FONT = "Times New Roman"
SIZE = 13
WIDTHS_CM = [1.4, 7.4, 3.4, 3.2, 2.8, 2.4, 1.7, 3.1, 2.3]  # 27.7 cm: A4 landscape less 2 cm margins


def _font(run, bold: bool = False, size: int = SIZE, italic: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _cell(cell, text: str, bold: bool = False, center: bool = False, size: int = SIZE) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = cell.paragraphs[0]
    p.paragraph_format.space_after = 0
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(str(text)), bold=bold, size=size)


def write_docx(groups: list[Group], title: str) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    d = Document()
    st = d.styles["Normal"]
    st.font.name = FONT
    st.font.size = __import__("docx.shared", fromlist=["Pt"]).Pt(SIZE)
    st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    sec.left_margin, sec.right_margin = Cm(1.0), Cm(1.0)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(1.5)
    for text, bold, size, italic in (("PHỤ LỤC", True, 14, False), (title, True, 14, False),
                                     (f"(Tổng hợp ngày {date.today():%d/%m/%Y} từ các văn bản nguồn)", False, 13, True)):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = 0
        _font(p.add_run(text), bold=bold, size=size, italic=italic)
    d.add_paragraph()
    n = len(COLUMNS)
    t = d.add_table(rows=1, cols=n)
    t.style = "Table Grid"
    t.autofit = False
    hdr = t.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)
    for j, name in enumerate(COLUMNS):
        _cell(hdr.cells[j], name, bold=True, center=True)
    for g in groups:
        if g.title:
            cells = t.add_row().cells
            _cell(cells[0], g.number, bold=True, center=True)
            merged = cells[1].merge(cells[n - 1])
            _cell(merged, g.title, bold=True)
        for r in g.rows:
            cells = t.add_row().cells
            for j, v in enumerate(r.cells()):
                _cell(cells[j], v, center=j in (0, 4, 6))
    # widths on the grid and on every cell: Word reads the cells, LibreOffice the grid
    for j, col in enumerate(t.columns):
        col.width = Cm(WIDTHS_CM[j])
    for row in t.rows:
        for j, c in enumerate(row.cells):
            if j < n:
                c.width = Cm(WIDTHS_CM[j])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
