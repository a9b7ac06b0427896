"""Structure + obligations + metadata on documents written for the tests
(other provinces, other phrasing than the corpus)."""

import pytest

from conftest import write

CONG_VAN = """ỦY BAN NHÂN DÂN
TỈNH BẮC NINH

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 215/UBND-KGVX
V/v đẩy mạnh dịch vụ công trực tuyến

Bắc Ninh, ngày 05 tháng 3 năm 2024

Kính gửi:
- Các sở, ban, ngành tỉnh;
- UBND các huyện, thị xã, thành phố.

Thời gian qua, tỷ lệ hồ sơ trực tuyến của tỉnh đã tăng nhưng chưa đạt yêu cầu. Để khắc phục, Chủ tịch UBND tỉnh yêu cầu:

**1. Sở KH&CN:**

- Chủ trì, phối hợp với Văn phòng UBND tỉnh và Công an tỉnh rà soát, tái cấu trúc quy trình, bảo đảm tỷ lệ hồ sơ trực tuyến toàn trình đạt tối thiểu 60% trong năm 2024.

- Hằng quý, tổng hợp kết quả, báo cáo UBND tỉnh (qua Văn phòng UBND tỉnh).

**2. Sở Tài chính** bố trí kinh phí thực hiện, hoàn thành trước ngày 30/6/2024.

3. Các sở, ban, ngành: Tổ chức tập huấn kỹ năng số cho cán bộ ít nhất 02 lần/năm. Sở Y tế triển khai bệnh án điện tử tại 100% bệnh viện tuyến tỉnh. Các Sở: Tư pháp, Công Thương cập nhật dữ liệu chuyên ngành từ 90% trở lên.

Đề nghị các cơ quan, đơn vị nghiêm túc triển khai thực hiện các nội dung trên. Định kỳ hằng tháng báo cáo kết quả về Sở KH&CN.

Nơi nhận:
- Như trên;
- Lưu: VT.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Văn Hải
"""

KE_HOACH = """Số: 88/KH-UBND

Lâm Đồng, ngày 20 tháng 01 năm 2026

KẾ HOẠCH
Chuyển đổi số năm 2026

I. MỤC TIÊU

1. Mục tiêu cụ thể đến năm 2027

- Cung cấp 100% dịch vụ công trực tuyến toàn trình.

II. TỔ CHỨC THỰC HIỆN

|
STT |
Nhiệm vụ |
Chủ trì thực hiện |
Phối hợp thực hiện |
Thời gian hoàn thành |
|
I |
Hạ tầng số |
|
|
|
|
1 |
Nâng cấp mạng truyền số liệu chuyên dùng |
Sở TTTT |
Viễn thông Lâm Đồng; BQL KCN |
Quý II/2026 |
|
2 |
Xây dựng trung tâm dữ liệu |
Sở Khoa học và Công nghệ |
Các sở, ban, ngành |
Hằng năm |
"""


@pytest.fixture(scope="module")
def cv(pipeline, tmp_path_factory):
    return pipeline.process(write(tmp_path_factory.mktemp("cv"), "cv.txt", CONG_VAN))


@pytest.fixture(scope="module")
def kh(pipeline, tmp_path_factory):
    return pipeline.process(write(tmp_path_factory.mktemp("kh"), "kh.txt", KE_HOACH))


def by_text(doc, start):
    hits = [o for o in doc.obligations if o.text.startswith(start)]
    assert hits, f"no obligation starts with {start!r}: {[o.text[:40] for o in doc.obligations]}"
    return hits[0]


def test_metadata(cv):
    m = cv.meta
    assert (m.number, m.type, m.issuer, m.province, m.issued_date, m.signer) == (
        "215/UBND-KGVX", "Công văn", "UBND tỉnh Bắc Ninh", "Bắc Ninh", "2024-03-05", "Nguyễn Văn Hải")
    assert m.addressees == ["Các sở, ban, ngành", "UBND cấp huyện"]


def test_segmentation_skips_background_closing_and_blocks(cv):
    texts = [o.text for o in cv.obligations]
    assert not any(t.startswith(("Thời gian qua", "Đề nghị các cơ quan", "Như trên", "Lưu", "Các sở, ban, ngành tỉnh")) for t in texts)
    assert len(texts) == 7, texts


def test_roles_from_heading_and_phoi_hop(cv):
    o = by_text(cv, "Chủ trì, phối hợp với Văn phòng")
    assert o.lead == ["Sở Khoa học và Công nghệ"]
    assert o.support == ["Văn phòng UBND tỉnh", "Công an tỉnh"]
    assert [(t.value, t.op) for t in o.targets] == [(60.0, ">=")]
    assert o.deadline.kind == "year" and o.deadline.date == "2024-12-31"


def test_report_recipient_is_not_support(cv):
    o = by_text(cv, "Hằng quý")
    assert o.lead == ["Sở Khoa học và Công nghệ"] and o.support == []
    assert o.deadline.kind == "recurring" and o.deadline.every == "quarter"


def test_bold_subject_without_colon_keeps_its_text(cv):
    o = by_text(cv, "Sở Tài chính bố trí")
    assert o.lead == ["Sở Tài chính"] and o.deadline.date == "2024-06-30"


def test_item_split_where_a_new_agency_is_subject(cv):
    a = by_text(cv, "Tổ chức tập huấn")
    b = by_text(cv, "Sở Y tế triển khai")
    assert a.lead == ["Các sở, ban, ngành"] and [t.unit for t in a.targets] == ["lần/năm"]
    assert b.lead == ["Sở Y tế"] and [t.value for t in b.targets] == [100.0]
    c = by_text(cv, "Các Sở: Tư pháp")
    assert c.lead == ["Sở Tư pháp", "Sở Công Thương"] and [(t.value, t.op) for t in c.targets] == [(90.0, ">=")]


def test_sentence_after_closing_takes_the_addressees(cv):
    o = by_text(cv, "Định kỳ hằng tháng")
    assert o.lead == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert o.deadline.every == "month"


def test_agency_current_successor_is_kept(kh):
    o = by_text(kh, "Nâng cấp mạng truyền số liệu")
    (lead,) = [a for a in o.agencies if a.role == "lead"]
    assert lead.as_written == "Sở TTTT" and lead.canonical == "Sở Thông tin và Truyền thông"
    assert lead.current == "Sở Khoa học và Công nghệ"


def test_task_table_rows(kh):
    o = by_text(kh, "Nâng cấp mạng truyền số liệu")
    assert o.kind == "row"
    assert o.support == ["Viễn thông tỉnh", "Ban Quản lý Khu công nghiệp"]
    assert (o.deadline.kind, o.deadline.start, o.deadline.date) == ("period", "2026-04-01", "2026-06-30")
    r2 = by_text(kh, "Xây dựng trung tâm dữ liệu")
    assert r2.deadline.kind == "recurring" and r2.support == ["Các sở, ban, ngành"]
    assert not any(o.text == "Hạ tầng số" for o in kh.obligations)  # a group row is a heading


def test_section_deadline_is_inherited(kh):
    o = by_text(kh, "Cung cấp 100%")
    assert o.deadline.date == "2027-12-31" and o.deadline.inherited


def test_ids_are_stable_across_runs(pipeline, tmp_path):
    p = write(tmp_path, "cv.txt", CONG_VAN)
    a = [o.id for o in pipeline.process(p).obligations]
    b = [o.id for o in pipeline.process(p).obligations]
    assert a == b and len(set(a)) == len(a)


def test_offsets_point_into_the_source(cv):
    src = open(cv.path, encoding="utf-8").read()
    for o in cv.obligations:
        assert src[o.source_start:o.source_end].replace("**", "").startswith(o.text[:20])
        assert o.text[:10] in src.split("\n")[o.source_line - 1]


def test_no_obligations_is_a_warning_not_a_crash(pipeline, tmp_path):
    doc = pipeline.process(write(tmp_path, "x.txt", "Hôm nay trời đẹp. Chúng tôi đã đi chơi công viên.\n"))
    assert doc.obligations == [] and any("no obligations" in w for w in doc.warnings)


PARENS = """Số: 12/KH-UBND
Hà Tĩnh, ngày 3 tháng 4 năm 2024

II. NHIỆM VỤ

1. Giao Sở Thông tin và Truyền thông (cơ quan thường trực Ban Chỉ đạo) chủ trì, phối hợp với Sở Nội vụ (đơn vị chuyên trách) tổ chức đánh giá chỉ số DTI, hoàn thành trong Quý II/2024.

2. Sở Tài chính (Phòng Tin học) cân đối kinh phí thực hiện.

3. Tổ chức tập huấn kỹ năng số, do Sở Nội vụ (Ban Thi đua) chủ trì thực hiện.

4. Rà soát các dự án do các sở, ngành chủ trì thực hiện.
"""


def test_parentheses_and_do_clauses(pipeline, tmp_path):
    doc = pipeline.process(write(tmp_path, "p.txt", PARENS))
    got = [(o.lead, o.support) for o in doc.obligations]
    assert got == [(["Sở Thông tin và Truyền thông"], ["Sở Nội vụ"]), (["Sở Tài chính"], []), (["Sở Nội vụ"], []),
                   ([], [])]


FIELDS = """Số: 30/KH-UBND
Quảng Ngãi, ngày 10 tháng 5 năm 2024

II. NHIỆM VỤ, GIẢI PHÁP

1. Nhận thức số

- Tổ chức Ngày Chuyển đổi số của tỉnh.
+ Cơ quan chủ trì: Sở Thông tin và Truyền thông.
+ Cơ quan phối hợp: Sở Nội vụ; Đài Phát thanh và Truyền hình tỉnh.
+ Thời gian thực hiện: Quý IV/2024.

- Phổ cập kỹ năng số cho người dân (Sở Thông tin và Truyền thông và Tỉnh Đoàn chủ trì, Sở Giáo dục và Đào tạo phối hợp; hoàn thành trong năm 2024).
"""


def test_labelled_fields_and_trailing_parenthesis(pipeline, tmp_path):
    doc = pipeline.process(write(tmp_path, "f.txt", FIELDS))
    assert len(doc.obligations) == 2, [o.text for o in doc.obligations]
    a, b = doc.obligations
    assert a.text == "Tổ chức Ngày Chuyển đổi số của tỉnh."
    assert a.lead == ["Sở Thông tin và Truyền thông"]
    assert a.support == ["Sở Nội vụ", "Đài Phát thanh và Truyền hình tỉnh"]
    assert (a.deadline.kind, a.deadline.start, a.deadline.date) == ("period", "2024-10-01", "2024-12-31")
    assert b.lead == ["Sở Thông tin và Truyền thông", "Tỉnh Đoàn"] and b.support == ["Sở Giáo dục và Đào tạo"]
    assert b.deadline.date == "2024-12-31"


MD_TABLE = """**KẾ HOẠCH**

Số: 55/KH-UBND

Bình Định, ngày 15 tháng 01 năm 2024

**III. NHIỆM VỤ**

| TT | Nhiệm vụ | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian hoàn thành |
|---|---|---|---|---|
| **I** | **Hạ tầng số** | | | |
| 1 | Phủ sóng 4G/5G đến 100% thôn, bản | Sở TT&TT | Các doanh nghiệp viễn thông | Quý IV/2024 |
| 2 | Nâng cấp Trung tâm dữ liệu tỉnh | Sở KH&CN | VNPT Bình Định | 2024-2025 |
"""


def test_markdown_pipe_table_annex(pipeline, tmp_path):
    doc = pipeline.process(write(tmp_path, "t.md", MD_TABLE))
    assert doc.meta.issuer == "UBND tỉnh Bình Định" and doc.meta.type == "Kế hoạch"
    a, b = doc.obligations
    assert (a.kind, a.lead, a.support, [t.value for t in a.targets]) == (
        "row", ["Sở Thông tin và Truyền thông"], ["Các doanh nghiệp viễn thông"], [100.0])
    assert a.section.endswith("I Hạ tầng số") and a.deadline.date == "2024-12-31"
    assert b.support == ["Viễn thông tỉnh"] and (b.deadline.start, b.deadline.date) == ("2024-01-01", "2025-12-31")


def test_an_indicator_annex_commits_to_each_rows_figure(extract):
    text = ("PHỤ LỤC\nCHỈ TIÊU CHUYỂN ĐỔI SỐ CẤP XÃ NĂM 2026\n(Kèm theo Kế hoạch số 41/KH-UBND của UBND tỉnh Hà Nam)\n\n"
            "| STT | Tên chỉ tiêu | Giải thích chỉ tiêu | Đơn vị tính | Chỉ tiêu năm 2026 |\n|---|---|---|---|---|\n"
            "| I | Chính quyền số | | | |\n"
            "| 1 | Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến | Số hồ sơ xử lý trực tuyến/tổng số hồ sơ | % | 80 |\n"
            "| 2 | Số tổ công nghệ số cộng đồng hoạt động hiệu quả | Tổ có báo cáo hằng quý | tổ | 12 |\n")
    doc = extract(text, "pl.txt")
    got = [(o.kind, o.text[:20], [(t.value, t.unit) for t in o.targets]) for o in doc.obligations]
    # the value column read with the unit column; the group row is a heading, the explanation no task
    assert got == [("row", "Tỷ lệ hồ sơ thủ tục ", [(80.0, "%")]), ("row", "Số tổ công nghệ số c", [(12.0, "tổ")])]
    assert doc.obligations[0].section.endswith("Chính quyền số")
