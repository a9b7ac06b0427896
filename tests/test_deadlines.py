"""Deadline grammar on phrasings that are not in the corpus."""

import pytest

from extractor.nlp.deadlines import find_deadlines, parse_deadline

CASES = [
    # text, kind, date, start, every
    ("hoàn thành trước ngày 15/10/2025", "date", "2025-10-15", None, None),
    ("chậm nhất ngày 05/02/2026 phải gửi", "date", "2026-02-05", None, None),
    ("xong trước ngày 20 tháng 11 năm 2024", "date", "2024-11-20", None, None),
    ("truoc ngay 31/12/2024", "date", "2024-12-31", None, None),  # no diacritics (OCR, typed)
    ("phấn đấu đến hết năm 2026", "year", "2026-12-31", None, None),
    ("trong năm 2025 hoàn thành", "year", "2025-12-31", None, None),
    ("cuối năm 2024", "year", "2024-12-31", None, None),
    ("giai đoạn 2026 - 2030", "period", "2030-12-31", "2026-01-01", None),
    ("2024-2025", "period", "2025-12-31", "2024-01-01", None),
    ("từ năm 2025 đến năm 2027", "period", "2027-12-31", "2025-01-01", None),
    ("Quý IV/2025", "period", "2025-12-31", "2025-10-01", None),
    ("quý 2 năm 2026", "period", "2026-06-30", "2026-04-01", None),
    ("trong tháng 9/2025", "period", "2025-09-30", "2025-09-01", None),
    ("6 tháng cuối năm 2025", "period", "2025-12-31", "2025-07-01", None),
    ("kể từ ngày 01/7/2025", "from", None, "2025-07-01", None),
    ("từ năm 2026", "from", None, "2026-01-01", None),
    ("Hàng quý báo cáo", "recurring", None, None, "quarter"),
    ("hằng tháng tổng hợp", "recurring", None, None, "month"),
    ("báo cáo định kỳ hàng tuần", "recurring", None, None, "week"),
    ("theo định kỳ", "recurring", None, None, "unspecified"),
    ("định kỳ trước ngày 20/6 hằng năm", "recurring", None, None, "year"),
    ("trước Quý III/2026", "date", "2026-06-30", None, None),
    ("báo cáo trước ngày 20 hằng tháng", "recurring", None, None, "month"),
    ("trước ngày 15 của tháng cuối quý", "recurring", None, None, "quarter"),
]


@pytest.mark.parametrize("text,kind,date,start,every", CASES)
def test_deadline_kinds(text, kind, date, start, every):
    d = parse_deadline(text, doc_year=2025)
    assert d is not None, text
    assert (d.kind, d.date, d.start) == (kind, date, start)
    if kind == "recurring":
        assert d.every == every


def test_date_without_year_takes_the_document_year():
    d = parse_deadline("trước ngày 15/9", doc_year=2025)
    assert d.kind == "date" and d.date == "2025-09-15"


@pytest.mark.parametrize("text", [
    "xây dựng kế hoạch hằng năm về chuyển đổi số",          # "hằng năm" in a noun phrase
    "tỷ lệ chi ngân sách tối thiểu hàng năm cho chuyển đổi số",
    "thường xuyên cập nhật dữ liệu",                         # "thường xuyên" is no deadline
    "theo Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng",  # a citation's date
    "Chương trình chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030 ban hành theo Quyết định số 749/QĐ-TTg",
    "người dân từ 15 tuổi trở lên",
    "ngày 30/02/2025",                                        # impossible date, and bare
])
def test_not_deadlines(text):
    assert parse_deadline(text, doc_year=2025) is None


def test_most_specific_deadline_wins_and_offsets_point_at_text():
    text = "Trong năm 2025, rà soát hồ sơ, báo cáo trước ngày 10/12/2025."
    ds = find_deadlines(text, 2025)
    assert [d.kind for d in ds] == ["year", "date"]
    for d in ds:
        assert text[d.span_start:d.span_end].lower().startswith(("trong", "trước"))
    assert parse_deadline(text, 2025).date == "2025-12-10"


def test_a_deadline_verb_after_a_citation_still_counts():
    d = parse_deadline("theo Công văn số 12/STTTT ngày 02/3/2024, hoàn thành trước ngày 30/4/2024", 2024)
    assert d.date == "2024-04-30"
