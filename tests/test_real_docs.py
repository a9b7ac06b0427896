"""The 12 genuine documents in ../shared/real-docs (read in place, never copied)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from extractor.ingest import read
from extractor.ingest.pdf import read_pdf
from extractor.textutil import fold

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-docs"
if not REAL.is_dir():  # CI lays shared/ beside the checkout
    pytest.skip(f"{REAL} not found", allow_module_level=True)

SCANS = {  # file -> pages OCR'd here (OCR costs ~2-4 s a page; the full files are read by the bench)
    "kehoach_753_dhct-hcm_khaosat-hailong_2026_scan.pdf": [1, 3],
    "thongbao_493_ubnd-lamdong_chiso-cchc_2025_scan-badocr.pdf": [1],
    "kehoach_996_bca-tctlntw_kiemsoat-matuy_2026_scan.pdf": [1],
    "quyetdinh_932_ttg_to-congtac-cchc_2025_scan-kyso.pdf": [1],
    "totrinh-baocao_239_cat-lamdong_dean06_2026_scan.pdf": [1],
}
_cache: dict = {}


def get(name: str):
    if name not in _cache:
        p = REAL / name
        if name in SCANS:
            _cache[name] = read_pdf(str(p), p.read_bytes(), "", pages=SCANS[name])
        else:
            _cache[name] = read(p)
    return _cache[name]


def cells(src, row):
    return [src.text[c.start:c.end] for c in row]


def test_every_file_reads_without_crashing():
    names = sorted(p.name for p in REAL.iterdir() if p.suffix in (".pdf", ".docx", ".doc"))
    assert len(names) == 12
    for n in names:
        src = get(n)
        assert src.text.strip(), n
        assert unicodedata.is_normalized("NFC", src.text), n
        assert src.pages and all(p.quality is None or 0 <= p.quality <= 1 for p in src.pages)
        for ln in src.lines:
            assert 0 <= ln.start <= ln.end <= len(src.text)
        for t in src.tables:
            for r in t.rows:
                for c in r:
                    assert t.start <= c.start <= c.end <= t.end


def test_signed_egov_pdfs_number_and_date_from_widgets():
    expect = {
        "baocao_329_ubnd-lamdong_cchc_2025.pdf": ("329/BC-UBND", "2025-12-19"),
        "baocao_228_snv-lamdong_chiso-par-sipas-papi-pci_2025.pdf": ("228/BC-SNV", "2025-11-28"),
        "congvan_8151_bnv_laykien-soket-cchc_2025.pdf": ("8151/BNV-CCHC", "2025-09-18"),
    }
    for name, (num, date) in expect.items():
        src = get(name)
        assert src.hints["number"] == num and src.hints["issued_date"] == date, name
        assert src.hints["from"] == "widget" and "unsure" not in src.hints
        assert all(p.origin == "layer" for p in src.pages)
        assert "widget" in (src.pages[0].note or "")
        # and the values sit in the text where they are printed
        head = src.text[:600]
        assert f"Số: {num}" in head and f"ngày {int(date[-2:])} tháng" in head


def test_329_statistics_tables_and_no_false_positives():
    src = get("baocao_329_ubnd-lamdong_cchc_2025.pdf")
    pages = sorted({p for t in src.tables for p in t.pages})
    assert pages and min(pages) >= 25  # pp. 3, 7, 21, 22 are running text, not tables
    first = src.tables[0]
    assert cells(src, first.rows[0])[:3] == ["STT", "Chỉ tiêu thống kê (Sử dụng số liệu năm 2025)", "Kết quả thống kê"][:3] \
        or cells(src, first.rows[0])[0] == "STT"
    assert first.pages == [25, 26]  # continued over the page, repeated header dropped
    assert sum(1 for r in first.rows if cells(src, r)[0] == "STT") == 2  # the two-level header only
    # merged header cell repeats offsets
    r0 = first.rows[0]
    assert r0[2].start == r0[3].start


def test_228_wide_table_with_two_level_header():
    src = get("baocao_228_snv-lamdong_chiso-par-sipas-papi-pci_2025.pdf")
    assert len(src.tables) == 1
    t = src.tables[0]
    top = cells(src, t.rows[0])
    assert top[0] == "Tỉnh (trước sắp xếp)" and {"PAR Index", "SIPAS", "PAPI", "PCI"} <= set(top)
    assert any(cells(src, r)[:3] == ["Lâm Đồng", "83,1/100", "62/63"] for r in t.rows)


def test_phuluc7_table_over_five_pages_is_one():
    src = get("phuluc7_lamdong_chiso-cchc-chinhquyenso_2025.pdf")
    big = max(src.tables, key=lambda t: len(t.rows))
    assert big.pages == [2, 3, 4, 5, 6]
    assert cells(src, big.rows[0]) == ["STT", "Đơn vị", "Điểm chuẩn tối đa", "Điểm tự đánh giá", "Điểm thẩm định",
                                       "Chỉ số"]
    assert sum(1 for r in big.rows if cells(src, r)[0] == "STT") == 1
    assert cells(src, big.rows[1])[:2] == ["1", "UBND phường Tiến Thành"]


def test_docx_annex_task_table():
    src = get("kehoach_ubnd-lamdong_cchc_2026_duthao.docx")
    assert len(src.tables) == 1
    t = src.tables[0]
    assert len(t.rows) == 60
    assert cells(src, t.rows[0]) == ["STT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì thực hiện",
                                     "Phối hợp thực hiện", "Theo dõi, kiểm tra, đôn đốc"]
    deadlines = {cells(src, r)[3] for r in t.rows}
    assert "Trước ngày 31/01 năm liền kề" in deadlines and "Thường xuyên trong năm" in deadlines
    # group rows (I. Cải cách thể chế) and merged cells keep repeated offsets
    assert any(cells(src, r)[:2] == ["I", "Cải cách thể chế"] for r in t.rows)
    # the header and signature layout tables are text, column by column
    assert src.text.index("ỦY BAN NHÂN DÂN") < src.text.index("CỘNG HÒA XÃ HỘI")


def test_non_nfc_sources_come_out_nfc():
    for name in ("congvan_8151_bnv_laykien-soket-cchc_2025.pdf",
                 "congvan_ubnd-lamdong_caithien-chiso-cchc_2025_duthao.docx"):
        src = get(name)
        assert unicodedata.is_normalized("NFC", src.text)
        assert "Ủy ban nhân dân" in src.text or "ỦY BAN NHÂN DÂN" in src.text


def test_legacy_doc_via_antiword():
    src = get("congvan_vpubnd-binhthuan_sohoa-hoso-tthc_2024_duthao.doc")
    assert src.kind == "doc"
    assert "Kính gửi:" in src.text and "số hóa hồ sơ" in src.text
    assert src.text.index("UBND TỈNH BÌNH THUẬN") < src.text.index("CỘNG HÒA XÃ HỘI")


def test_bad_hidden_ocr_layer_is_rejected():
    src = get("thongbao_493_ubnd-lamdong_chiso-cchc_2025_scan-badocr.pdf")
    p = src.pages[0]
    assert p.origin == "ocr" and p.quality > 0.6
    assert "text layer rejected" in (p.note or "")
    assert "ceNG HoA" not in src.text and "THÔNG BÁO" in src.text.replace("THONG", "THÔNG")
    assert src.hints["from"] == "ocr" and "number" in src.hints["unsure"]


def test_scan_task_table_and_handwritten_number_unsure():
    src = get("kehoach_753_dhct-hcm_khaosat-hailong_2026_scan.pdf")
    assert all(p.origin == "ocr" for p in src.pages)
    task = [t for t in src.tables if 3 in t.pages]
    assert task
    head = cells(src, task[0].rows[0])
    assert head[0] == "TT" and "Nội dung công việc" in head and "Thời gian thực hiện" in head
    assert any("27/6/2026" in c for r in task[0].rows for c in cells(src, r))
    assert src.hints.get("unsure") and "number" in src.hints["unsure"]


def test_other_scans_first_pages():
    for name in ("kehoach_996_bca-tctlntw_kiemsoat-matuy_2026_scan.pdf",
                 "quyetdinh_932_ttg_to-congtac-cchc_2025_scan-kyso.pdf",
                 "totrinh-baocao_239_cat-lamdong_dean06_2026_scan.pdf"):
        src = get(name)
        assert src.pages[0].origin == "ocr" and src.pages[0].quality > 0.6, name
        assert "doc lap - tu do - hanh phuc" in fold(src.text), name
