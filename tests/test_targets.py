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
