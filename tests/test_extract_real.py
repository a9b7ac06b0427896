"""Extraction on real documents read in place from ../shared/real-docs."""

import re

import pytest

from conftest import SHARED

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)

REAL = SHARED / "real-docs"
pytestmark = [pytestmark, pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} not found (the genuine documents live in ../shared)")]


@pytest.fixture(scope="module")
def plan(pipeline):
    return pipeline.process(REAL / "kehoach_ubnd-lamdong_cchc_2026_duthao.docx")


def test_docx_annex_gives_one_obligation_per_task_row(plan):
    from extractor.ingest import read

    src = read(REAL / "kehoach_ubnd-lamdong_cchc_2026_duthao.docx")
    (table,) = [t for t in src.tables if len(t.rows) > 50]
    cells = [[src.text[c.start:c.end].strip() for c in r] for r in table.rows[1:]]
    task_rows = [r for r in cells if r[1] and not re.fullmatch(r"[IVX]+", r[0])]
    rows = [o for o in plan.obligations if o.kind == "row"]
    assert len(rows) == len(task_rows) == 52
    assert [o.text[:40] for o in rows] == [" ".join(r[1].split())[:40] for r in task_rows]


def test_docx_annex_columns_give_lead_support_deadline(plan):
    rows = [o for o in plan.obligations if o.kind == "row"]
    assert all(o.lead for o in rows)
    first = next(o for o in rows if o.text.startswith("Tham mưu UBND tỉnh triển khai ứng dụng AI"))
    assert first.lead == ["Sở Tư pháp"] and first.support == ["Sở Khoa học và Công nghệ"]
    assert first.deadline.kind == "year" and first.deadline.date == "2026-12-31"
    # "Thường xuyên trong năm" is no deadline; "Trong năm 2026" is
    assert sum(1 for o in rows if o.deadline and o.deadline.kind == "year") >= 10


def test_real_pdf_with_widget_number(pipeline):
    doc = pipeline.process(REAL / "congvan_8151_bnv_laykien-soket-cchc_2025.pdf")
    m = doc.meta
    assert (m.number, m.type, m.issuer, m.issued_date) == ("8151/BNV-CCHC", "Công văn", "Bộ Nội vụ", "2025-09-18")
    assert any(o.deadline and o.deadline.date == "2025-09-30" for o in doc.obligations)
