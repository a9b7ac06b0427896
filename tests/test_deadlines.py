"""Deadline grammar on phrasings that are not in the corpus."""

import pytest

from extractor.nlp.deadlines import find_deadlines, parse_deadline

CASES = [
    # text, kind, date, start, every
    ("hoàn thành trước ngày 15/10/2025", "date", "2025-10-15", None, None),
    ("chậm nhất ngày 05/02/2026 phải gửi", "date", "2026-02-05", None, None),
    ("gửi về Sở Nội vụ trước 16 giờ 30 ngày 12/3/2026", "date", "2026-03-12", None, None),
    ("xong trước ngày 20 tháng 11 năm 2024", "date", "2024-11-20", None, None),
    ("truoc ngay 31/12/2024", "date", "2024-12-31", None, None),  # no diacritics (OCR, typed)
    ("phấn đấu đến hết năm 2026", "year", "2026-12-31", None, None),
    ("Tỉnh Lai Châu phấn đấu năm 2026 hoàn thành", "year", "2026-12-31", None, None),  # folded "đấu" = "đầu"
    ("trong năm 2025 hoàn thành", "year", "2025-12-31", None, None),
    ("cuối năm 2024", "year", "2024-12-31", None, None),
    ("giai đoạn 2026 - 2030", "period", "2030-12-31", "2026-01-01", None),
    ("2024-2025", "period", "2025-12-31", "2024-01-01", None),
    ("từ năm 2025 đến năm 2027", "period", "2027-12-31", "2025-01-01", None),
    ("Quý IV/2025", "period", "2025-12-31", "2025-10-01", None),
    ("quý 2 năm 2026", "period", "2026-06-30", "2026-04-01", None),
    ("trong tháng 9/2025", "period", "2025-09-30", "2025-09-01", None),
    ("hoàn thành trong tháng 2.2026", "period", "2026-02-28", "2026-02-01", None),  # news: month.year
    ("từ tháng 12-2025", "from", None, "2025-12-01", None),
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


def test_start_of_a_year_is_no_deadline_but_phan_dau_is():
    assert find_deadlines("Đầu năm 2026, tỉnh Yên Bái đã triển khai nền tảng số.", 2026) == []
    assert [d.text for d in find_deadlines("Quảng Trị phấn đấu năm 2027 có 100% xã phủ sóng 5G.", 2026)] == ["năm 2027"]


def test_date_without_year_takes_the_document_year():
    d = parse_deadline("trước ngày 15/9", doc_year=2025)
    assert d.kind == "date" and d.date == "2025-09-15"


@pytest.mark.parametrize("text", [
    "xây dựng kế hoạch hằng năm về chuyển đổi số",          # "hằng năm" in a noun phrase
    "đưa nhiệm vụ vào kế hoạch hoạt động hằng năm của đơn vị",  # ... with a word between
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


# Issue 8 item 5: months and quarters, "từ", recurrence granularity, names, governing expression.
MORE = [
    ("hoàn thành trong tháng 11", "period", "2025-11-30", "2025-11-01", None),       # bare month: document year
    ("triển khai từ tháng 01/2026", "from", None, "2026-01-01", None),
    ("hoàn thành trong quý III", "period", "2025-09-30", "2025-07-01", None),          # bare quarter too
    ("triển khai trong 6 tháng đầu năm", "period", "2025-06-30", "2025-01-01", None),
    ("Thời hạn: 30/6/2026", "date", "2026-06-30", None, None),                        # a labelled field
    ("Hạn hoàn thành: ngày 15/7", "date", "2025-07-15", None, None),
    ("áp dụng từ ngày 10/7 đến 20/8", "period", "2025-08-20", "2025-07-10", None),
    ("Sở Tư pháp báo cáo định kỳ hằng tuần", "recurring", None, None, "week"),
    ("gửi báo cáo trước ngày 05 của tháng liền kề", "recurring", None, None, "month"),
    ("báo cáo định kỳ, trước ngày 05 của tháng liền kề", "recurring", None, None, "month"),
    ("báo cáo hằng quý, trước ngày 10 của tháng liền kề", "recurring", None, None, "quarter"),
    ("báo cáo hằng tháng và hằng quý về Sở Nội vụ", "recurring", None, None, "month"),
    ("tổ chức hằng năm vào ngày 10/10", "recurring", None, None, "year"),
    ("Hằng năm, trước ngày 15/12, các xã gửi báo cáo", "recurring", None, None, "year"),
    ("phấn đấu đến cuối năm, 100% xã có điểm truy cập", "year", "2025-12-31", None, None),
    ("trình Đề án tại Phiên họp thường kỳ tháng 01 năm 2026", "period", "2026-01-31", "2026-01-01", None),
]


@pytest.mark.parametrize("text,kind,date,start,every", MORE)
def test_deadline_capabilities(text, kind, date, start, every):
    d = parse_deadline(text, doc_year=2025)
    assert d is not None, text
    assert (d.kind, d.date, d.start) == (kind, date, start)
    if kind == "recurring":
        assert d.every == every


@pytest.mark.parametrize("text", [
    "Sở Tài chính xây dựng Kế hoạch chuyển đổi số năm 2026 của tỉnh",          # a plan's name
    "lập dự toán ngân sách khoa học và công nghệ năm 2026",                     # a budget's name
    "thực hiện Kế hoạch đào tạo, bồi dưỡng cán bộ, công chức năm 2026 của tỉnh",  # a name with commas
    "chuẩn hóa các biểu mẫu báo cáo định kỳ của cấp xã",                       # periodic reports, a noun
    "thực hiện Chương trình phát triển thương mại điện tử đến năm 2030",         # a programme's name
    "Đánh giá kết quả thực hiện năm 2024 và 06 tháng đầu năm 2025",             # the periods reported on
    "năng suất lao động hằng năm tăng tối thiểu 7%",                           # a growth rate
    "hoàn thành trong năm học",                                                  # not the calendar year
    "rà soát các nhiệm vụ có thời hạn hoàn thành trong năm 2025",               # other tasks' time
])
def test_not_the_deadline(text):
    assert parse_deadline(text, doc_year=2025) is None


def test_the_expression_governing_the_main_action_wins():
    # a leading purpose clause names a later period; the main clause's year governs
    d = parse_deadline("Để chuẩn bị xếp hạng các xã từ năm 2026, Sở Nội vụ hoàn thiện bộ tiêu chí trong năm 2025.", 2025)
    assert (d.kind, d.date) == ("year", "2025-12-31")
    # the reporting period is what the report covers; the date is when it is due
    d = parse_deadline("Báo cáo kết quả 6 tháng đầu năm 2026 trước ngày 15/6/2026.", 2026)
    assert (d.kind, d.date) == ("date", "2026-06-15")
    # a purpose clause after a comma ends at the next comma
    d = parse_deadline("Ông Nguyễn Văn A nhấn mạnh, để đạt các tiêu chí, các xã đưa hệ thống vào vận hành trong năm 2025.", 2025)
    assert d.date == "2025-12-31"


def test_a_recurring_duty_keeps_its_start():
    d = parse_deadline("Từ ngày 01/8, Trung tâm Phục vụ hành chính công làm việc vào Chủ nhật hằng tuần.", 2025)
    assert (d.kind, d.every, d.start) == ("recurring", "week", "2025-08-01")


def test_deadline_words_come_from_the_rule_file():
    from extractor.rules import load_rules
    R = load_rules()
    assert "cham nhat" in R.words("deadlines.date_cues")
    assert "ke hoach" in R.words("deadlines.recurrence_noun_blockers")
    assert "để" in R.words("deadlines.purpose_openers")  # accented: "để" is not "đề nghị"
    assert parse_deadline("Đề nghị Sở Y tế triển khai từ năm 2026", 2025).kind == "from"


def test_a_deadline_cell_may_hold_only_a_year_or_a_month(extract):
    from extractor.nlp.deadlines import cell_deadline

    assert cell_deadline(" 2026 ").date == "2026-12-31"
    d = cell_deadline("Tháng 9/2025")
    assert (d.kind, d.start, d.date) == ("period", "2025-09-01", "2025-09-30")
    assert cell_deadline("13/2025") is None and cell_deadline("Luật 2025") is None
    text = ("| TT | Nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |\n|---|---|---|---|\n"
            "| 1 | Xây dựng kho dữ liệu nông nghiệp | Sở Nông nghiệp và Môi trường | 2026 |\n"
            "| 2 | Số hóa hồ sơ đất đai | Sở Nông nghiệp và Môi trường | 11/2025 |\n")
    doc = extract(text, "annex.md")
    assert [(o.deadline.kind, o.deadline.date) for o in doc.obligations] == [("year", "2026-12-31"),
                                                                            ("period", "2025-11-30")]
    # the same bare year in prose is no deadline
    prose = extract("Sở Y tế triển khai Đề án 2026 về bệnh án điện tử.\n", "p.txt")
    assert [o.deadline for o in prose.obligations] == [None]


def test_a_plans_horizon_is_not_the_year_its_bare_dates_take(extract):
    text = ("KẾ HOẠCH\nPhát triển hạ tầng số tỉnh Hà Giang định hướng đến năm 2030\nTriển khai trong năm 2026\n\n"
            "1. Sở Xây dựng hoàn thành quy hoạch vị trí trạm BTS trước ngày 15/11.\n")
    doc = extract(text, "hg.txt")
    assert [o.deadline.date for o in doc.obligations] == ["2026-11-15"]


@pytest.mark.parametrize("text", [
    "Báo cáo thành tích nổi bật, tiến bộ so với năm học 2023-2024.",
    "Doanh thu tăng 20% so với giai đoạn 2021-2025.",
])
def test_a_period_compared_with_is_no_deadline(text):
    assert find_deadlines(text) == []


@pytest.mark.parametrize("text,start,date", [
    ("Từ ngày 01/11/2026 đến hết ngày 31/12/2026, các xã vận hành thử nền tảng.", "2026-11-01", "2026-12-31"),
    ("Tổ chức tuần lễ chuyển đổi số từ ngày 5-9/10/2026.", "2026-10-05", "2026-10-09"),
])
def test_ranges_of_days_are_periods(text, start, date):
    (d,) = find_deadlines(text, 2026)
    assert (d.kind, d.start, d.date) == ("period", start, date)


def test_a_dashed_date_is_no_range_of_days():
    (d,) = find_deadlines("Từ ngày 15-3-2026 áp dụng chữ ký số.", 2026)
    assert (d.kind, d.start) == ("from", "2026-03-15")


def test_a_news_articles_bare_day_takes_the_articles_year(extract):
    text = ("Bình Long đẩy nhanh số hóa hồ sơ đất đai\n\n12/08/2025 09:15\n\n"
            "Ngày 11/8, UBND tỉnh Bình Long đã có văn bản chỉ đạo về số hóa hồ sơ đất đai. "
            "Theo đó, giao Sở Nông nghiệp và Môi trường hoàn thành làm sạch dữ liệu đất đai trước ngày 30/9.\n")
    doc = extract(text, "bl_news.txt")
    ob = next(o for o in doc.obligations if "làm sạch" in o.text)
    assert ob.deadline is not None and ob.deadline.date == "2025-09-30"
