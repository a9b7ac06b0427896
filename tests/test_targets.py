"""Target grammar on phrasings that are not in the corpus."""

import pytest

from extractor.nlp.targets import find_targets

CASES = [
    ("tỷ lệ hồ sơ trực tuyến toàn trình trên 70%", [(70, "%", ">")]),
    ("đạt tối thiểu 60% số hộ gia đình", [(60, "%", ">=")]),
    ("ít nhất 95% cán bộ được tập huấn", [(95, "%", ">=")]),
    ("không dưới 30% doanh nghiệp", [(30, "%", ">=")]),
    ("tỷ lệ lỗi không quá 2%", [(2, "%", "<=")]),
    ("tối đa 5% hồ sơ trễ hạn", [(5, "%", "<=")]),
    ("dưới 1% hồ sơ quá hạn", [(1, "%", "<")]),
    ("hơn 45% người dân có tài khoản", [(45, "%", ">")]),
    ("100% thủ tục đủ điều kiện", [(100, "%", "=")]),
    ("tăng trưởng 9,03% so với cùng kỳ", [(9.03, "%", "=")]),
    ("đạt 1.250.000 tài khoản định danh", [(1250000, "tài khoản", ">=")]),
    ("tổ chức ít nhất 01 buổi/tháng", [(1, "buổi/tháng", ">=")]),
    ("tổ chức ít nhất 02 diễn đàn trao đổi về kinh tế số", [(2, "diễn đàn", ">=")]),
    ("hoàn thiện 4 dự án luật trình Quốc hội", [(4, "dự án", "=")]),
    ("phát sóng 03 lần/tuần", [(3, "lần/tuần", "=")]),
    ("bố trí tối thiểu 20 tỷ đồng cho chuyển đổi số", [(20, "tỷ đồng", ">=")]),
    ("cấp tỉnh, cấp huyện, cấp xã đạt tối thiểu lần lượt là 60%, 45%, 30%",
     [(60, "%", ">="), (45, "%", ">="), (30, "%", ">=")]),
    ("bảo đảm 2% tổng chi ngân sách", [(2, "%", "=")]),
    ("tỷ lệ hài lòng đạt từ 85% trở lên", [(85, "%", ">=")]),
    ("tỷ lệ trễ hạn từ 2% trở xuống", [(2, "%", "<=")]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_targets(text, expected):
    got = [(t.value, t.unit, t.op) for t in find_targets(text)]
    assert got == [(float(v), u, o) for v, u, o in expected]


@pytest.mark.parametrize("text", [
    "người dân trên 18 tuổi",          # an age
    "dịch vụ công mức độ 3, 4",       # service levels
    "theo Khoản 2 Điều 5",            # article numbers
    "Quyết định số 749/QĐ-TTg",       # document numbers
    "giai đoạn 2021 - 2025",          # years
    "03 trụ cột",                     # a count without a commitment
])
def test_not_targets(text):
    assert find_targets(text) == []


def test_target_text_and_offsets():
    text = "phấn đấu tỷ lệ đạt trên 80% vào cuối năm"
    (t,) = find_targets(text)
    assert t.text == "trên 80%"
    assert text[t.end - 3:t.end] == "80%"


def test_percentage_after_den_is_a_target():
    assert [(t.value, t.op) for t in find_targets("phủ sóng 4G đến 100% thôn, bản")] == [(100.0, "=")]


# Issue 8 item 6: counts with a noun, speeds, rankings, ranges, baselines.
MORE = [
    ("cử tối thiểu 01 công chức và 01 lãnh đạo tham gia", [(1, "công chức", ">="), (1, "lãnh đạo", ">=")]),
    ("thành lập Tổ công tác gồm 05 thành viên", [(5, "thành viên", "=")]),
    ("hằng quý tổ chức 01 cuộc đối thoại với doanh nghiệp", [(1, "cuộc", "=")]),
    ("mỗi thôn thành lập 01 Tổ công nghệ số cộng đồng", [(1, "Tổ", "=")]),
    ("tổng kinh phí thực hiện là 120 tỷ đồng", [(120, "tỷ đồng", "=")]),
    ("tốc độ truy nhập trung bình 100 Mb/s", [(100, "Mb/s", "=")]),
    ("tốc độ tải xuống tối thiểu 40 Mb/s cho mạng 4G và 150 Mb/s cho mạng 5G",
     [(40, "Mb/s", ">="), (150, "Mb/s", ">=")]),
    ("phấn đấu nằm trong nhóm 10 tỉnh dẫn đầu cả nước", [(10, "nhóm", "=")]),
    ("giữ vững vị trí tốp 5 về chỉ số DTI", [(5, "tốp", "=")]),
    ("kinh tế số chiếm 16-18% GRDP", [(16, "%", ">=")]),
    ("kinh tế số đạt 20% GDP", [(20, "%", ">=")]),
    ("tỷ trọng kinh tế số từ 16% đến 18% GRDP", [(16, "%", ">=")]),
    ("tăng ít nhất 1-2 bậc mỗi năm", [(1, "bậc", ">=")]),
    ("điểm số trung bình tối thiểu là 0,6", [(0.6, "", ">=")]),
]


@pytest.mark.parametrize("text,expected", MORE)
def test_target_capabilities(text, expected):
    got = [(t.value, t.unit, t.op) for t in find_targets(text, 2025)]
    assert got == [(float(v), u, o) for v, u, o in expected]


@pytest.mark.parametrize("text", [
    "năm 2024 tỉnh đạt 62% hồ sơ trực tuyến",                 # a baseline (the letter is of 2025)
    "đến nay đã đạt 85% hồ sơ trực tuyến",                     # a result already achieved
    "thực hiện 05 nhiệm vụ sau:",                               # an enumeration
    "Ban hành kèm theo 03 phụ lục gồm: danh mục, biểu mẫu",    # a count that commits nothing
    "độ sẵn sàng 0,6 (thang điểm chỉ 1 điểm)",                 # an aside in parentheses
    "để đạt được 94 tiêu chí, các xã hoàn thiện hạ tầng",       # a purpose clause's count
    "xếp hạng thứ 25 cả nước",                                 # a rank already held
    "an toàn thông tin: 1.250 cán bộ, chiếm tỷ lệ",             # a count reported with its share
    "Tại Mục 2 Chỉ thị 15/CT-TTg 2026 Đối với các sở",          # a year, then "Đối" (folded like the unit "đội")
])
def test_not_targets_in_context(text):
    assert find_targets(text, 2025) == []


def test_a_baseline_year_depends_on_the_document_year():
    text = "năm 2025 đạt 80% hồ sơ trực tuyến"
    assert find_targets(text, 2024)[0].value == 80      # a plan of 2024: 2025 is ahead
    assert find_targets(text, 2026) == []               # a report of 2026: 2025 is past
    # undated: a year before every target year stated is a baseline
    assert [t.value for t in find_targets("đến năm 2026 đạt 90% (năm 2023 đạt 40%)")] == [90]


def test_a_unit_with_its_marks_must_be_spelled_so():
    assert [t.unit for t in find_targets("mỗi xã thành lập ít nhất 02 đội xung kích", 2026)] == ["đội"]
    assert [t.unit for t in find_targets("mỗi xa thanh lap it nhat 02 doi xung kich", 2026)] == ["doi"]  # no marks at all
    # the tone mark may sit on either vowel of "oa" ("khoá" = "khóa")
    assert [t.unit for t in find_targets("tổ chức tối thiểu 02 khoá đào tạo kỹ năng số", 2026)] == ["khoá"]
