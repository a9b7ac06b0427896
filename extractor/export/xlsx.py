"""XLSX in the annex format (openpyxl): title, header, group rows I, II ..., wrapped text, frozen header,
A4 landscape printing with the header row repeated on every page and the width fitted to the page."""

from __future__ import annotations

import io

from extractor.export.rows import COLUMNS, Group

WIDTHS = [6, 60, 24, 28, 16, 18, 10, 22, 14]  # characters; the task text takes the room
FONT = "Times New Roman"


def _sheet(ws, groups: list[Group], title: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    n = len(COLUMNS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    c = ws.cell(1, 1, title)
    c.font = Font(name=FONT, bold=True, size=13)
    c.alignment = center
    ws.row_dimensions[1].height = 36
    for j, (name, w) in enumerate(zip(COLUMNS, WIDTHS), 1):
        h = ws.cell(3, j, name)
        h.font = Font(name=FONT, bold=True, size=11)
        h.alignment = center
        h.border = border
        h.fill = PatternFill("solid", fgColor="D9E2F3")
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.row_dimensions[3].height = 32
    row = 4
    for g in groups:
        if g.title:
            ws.cell(row, 1, g.number).font = Font(name=FONT, bold=True, size=11)
            ws.cell(row, 1).alignment = center
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=n)
            t = ws.cell(row, 2, g.title)
            t.font = Font(name=FONT, bold=True, size=11)
            t.alignment = Alignment(vertical="center")
            for j in range(1, n + 1):
                ws.cell(row, j).border = border
                ws.cell(row, j).fill = PatternFill("solid", fgColor="F2F2F2")
            row += 1
        for r in g.rows:
            ws.row_dimensions[row].height = _height(r.cells())
            for j, v in enumerate(r.cells(), 1):
                cell = ws.cell(row, j, v)
                cell.font = Font(name=FONT, size=11)
                cell.alignment = center if j in (1, 5, 7) else wrap
                cell.border = border
            row += 1
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def _height(cells: list) -> float:
    """Row height in points for wrapped text: spreadsheet programs do not grow rows that a file sets
    no height for (LibreOffice shows them one line high, overlapping)."""
    import math

    lines = 1
    for v, w in zip(cells, WIDTHS):
        text = str(v or "")
        n = sum(max(1, math.ceil(len(part) * 0.66 / max(w - 1, 1))) for part in text.split("\n"))
        lines = max(lines, n)
    return min(409, 14.5 * lines + 2)


def _sheet_name(g: Group, used: set[str]) -> str:
    bad = '[]:*?/\\'
    raw = f"{g.number}. {g.title}" if g.number else g.title
    base = "".join("-" if ch in bad else ch for ch in raw)[:31] or "Sheet"
    name, i = base, 2
    while name in used:
        name = f"{base[:28]}~{i}"
        i += 1
    used.add(name)
    return name


def write_xlsx(groups: list[Group], title: str, sheets: bool = False) -> bytes:
    """All groups on one sheet, or (``sheets``) one sheet per group."""
    from openpyxl import Workbook

    wb = Workbook()
    if sheets and len(groups) > 1:
        wb.remove(wb.active)
        used: set[str] = set()
        for g in groups:
            _sheet(wb.create_sheet(_sheet_name(g, used)), [g], f"{title}\n{g.number}. {g.title}")
    else:
        ws = wb.active
        ws.title = "Nhiệm vụ"
        _sheet(ws, groups, title)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
