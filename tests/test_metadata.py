"""Metadata from headers written in other ways than the corpus (incl. OCR slips)."""

import pytest

from conftest import write


@pytest.mark.parametrize("header,expected", [
    # OCR-style slips: "CỘNG HOÀ", "KÉ HOẠCH"; number with spaces
    ("UBND TỈNH LÀO CAI\nSỞ Y TẾ\nCỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 45 / KH-SYT\nLào Cai, ngày 2 tháng 4 năm 2025\nKÉ HOẠCH\nTriển khai bệnh án điện tử\n",
     {"number": "45/KH-SYT", "type": "Kế hoạch", "issuer": "Sở Y tế tỉnh Lào Cai", "province": "Lào Cai",
      "issued_date": "2025-04-02"}),
    # a ministry: no province, however the letter is dated
    ("BỘ NỘI VỤ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 8151/BNV-CCHC\nV/v lấy ý kiến\nHà Nội, ngày 18 tháng 9 năm 2025\n",
     {"number": "8151/BNV-CCHC", "type": "Công văn", "issuer": "Bộ Nội vụ", "province": None,
      "issued_date": "2025-09-18"}),
    # a number left blank in a draft is null, never guessed; the type comes from the code
    ("ỦY BAN NHÂN DÂN\nTỈNH GIA LAI\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố:      /QĐ-UBND\nGia Lai, ngày    tháng 01 năm 2026\n",
     {"number": None, "type": "Quyết định", "issuer": "UBND tỉnh Gia Lai", "province": "Gia Lai", "issued_date": None}),
])
def test_header_metadata(pipeline, tmp_path, header, expected):
    body = header + "\nSở Nội vụ chủ trì rà soát thủ tục hành chính, hoàn thành trước ngày 30/6/2026.\n"
    meta = pipeline.process(write(tmp_path, "h.txt", body)).meta
    for k, v in expected.items():
        assert getattr(meta, k) == v, (k, getattr(meta, k))


def test_type_from_code():
    from extractor.structure.metadata import type_from_code

    assert type_from_code("QĐ-UBND") == "Quyết định"
    assert type_from_code("KH-UBND") == "Kế hoạch"
    assert type_from_code("TTr-SNV") == "Tờ trình"
    assert type_from_code("UBND-KGVX") == "Công văn"


def test_issuer_from_number_code():
    from extractor.nlp.agencies import load_gazetteer
    from extractor.structure.metadata import _issuer_from_code

    g = load_gazetteer()
    assert _issuer_from_code("CT-TTg", g) == "Thủ tướng Chính phủ"
    assert _issuer_from_code("QĐ-BGDĐT", g) == "Bộ Giáo dục và Đào tạo"
    assert _issuer_from_code("BTTTT-THH", g) == "Bộ Thông tin và Truyền thông"
    assert _issuer_from_code("KH-UBND", g) is None  # local: the province comes from the header
    assert _issuer_from_code("KH-SKHCN", g) is None


# ---- news and portal articles: the directive they report is the document (made-up sentences, other provinces)
@pytest.mark.parametrize("article,expected", [
    ("# source: https://baoquangtri.vn/tin/123\nNgày 12/9/2024, UBND tỉnh Quảng Trị ban hành Công văn số 4512/UBND-KT "
     "về việc đẩy mạnh thanh toán không dùng tiền mặt.\nTheo đó, UBND tỉnh giao Sở Tài chính chủ trì rà soát.\n",
     {"number": "4512/UBND-KT", "type": "Công văn", "issuer": "UBND tỉnh Quảng Trị", "province": "Quảng Trị",
      "issued_date": "2024-09-12", "signer": None, "reported": True}),
    # a signer named after the official's title; the year of "ngày 3/4" from the article's own date
    ("Cập nhật 05/04/2023\nPhó Chủ tịch UBND tỉnh Sóc Trăng Trần Văn Bình vừa ký ban hành Kế hoạch số 77/KH-UBND "
     "ngày 3/4 về chuyển đổi số. Các sở, ngành triển khai trước ngày 30/6/2023.\n",
     {"number": "77/KH-UBND", "type": "Kế hoạch", "issuer": "UBND tỉnh Sóc Trăng", "province": "Sóc Trăng",
      "issued_date": "2023-04-03", "signer": "Trần Văn Bình", "reported": True}),
    # a central body: no province; a cited plan ("theo Kế hoạch số ... của") is not the reported document
    ("Bộ Nội vụ vừa ban hành văn bản số 905/BNV-CCHC đề nghị các địa phương rà soát thủ tục theo Kế hoạch số "
     "12/KH-BNV ngày 2/1/2024 của Bộ.\n",
     {"number": "905/BNV-CCHC", "type": "Công văn", "issuer": "Bộ Nội vụ", "province": None, "reported": True}),
    # the article never names its province: the provincial portal it was saved from does; an unnumbered kind
    ("# source: https://www.thaibinh.gov.vn/tin-tuc/abc\nUBND tỉnh vừa ban hành kế hoạch triển khai ứng dụng định "
     "danh điện tử. Sở Y tế có trách nhiệm hướng dẫn các cơ sở khám bệnh.\n",
     {"number": None, "type": "Kế hoạch", "province": "Thái Bình", "issuer": "UBND tỉnh Thái Bình",
      "issued_date": None, "reported": True}),
    # a provincial paper ("bao" + the province), spelled as the host spells it
    ("# source: https://baothuathienhue.vn/tin/9\nUBND tỉnh vừa có công văn yêu cầu các sở rà soát thủ tục.\n",
     {"province": "Thừa Thiên Huế", "issuer": "UBND tỉnh Thừa Thiên Huế"}),
    # a national paper, or a host that only starts with a province's name, says nothing
    ("# source: https://vnexpress.net/a-1\nUBND tỉnh vừa có công văn yêu cầu các sở rà soát thủ tục.\n",
     {"province": None}),
    ("# source: https://hoabinhresort.com.vn/a\nUBND tỉnh vừa có công văn yêu cầu các sở rà soát thủ tục.\n",
     {"province": None}),
    # an unnumbered document the article describes: "Theo Kế hoạch của X", "Quyết định nêu rõ", "kế hoạch 45"
    ("Theo Kế hoạch của UBND tỉnh Sơn La, trong quý IV các sở, ngành hoàn thành số hóa hồ sơ.\n",
     {"type": "Kế hoạch", "issuer": "UBND tỉnh Sơn La", "province": "Sơn La"}),
    ("Thủ tướng quyết định lập Tổ công tác dữ liệu.\n\nQuyết định nêu rõ, Bộ Công an chủ trì xây dựng kho dữ liệu.\n",
     {"type": "Quyết định", "issuer": "Thủ tướng Chính phủ"}),
    ("Ông Lê Văn Hòa cho hay từ ngày 2/3, UBND tỉnh Yên Bái đã ban hành kế hoạch 45 về dịch vụ công.\n",
     {"type": "Kế hoạch", "number": None, "issuer": "UBND tỉnh Yên Bái"}),
    # a document the article only mentions is not the one it reports
    ("Hội nghị công bố Nghị quyết của Tỉnh ủy về chuyển đổi số. Các sở căn cứ hướng dẫn của Sở Nội vụ rà soát.\n",
     {"type": None}),
    # a centrally-run city is "UBND thành phố"; "tham mưu cho Chủ tịch UBND ... ban hành" does not issue
    ("Sở Nội vụ tham mưu cho Chủ tịch UBND thành phố ban hành quyết định. Ngày 8/5/2025, UBND thành phố Đà Nẵng có "
     "Công văn số 301/UBND-SNV yêu cầu các sở rà soát.\n",
     {"number": "301/UBND-SNV", "issuer": "UBND thành phố Đà Nẵng", "province": "Đà Nẵng", "reported": True}),
    # the province as the subject ("tỉnh Bến Tre đặt mục tiêu") speaks through its people's committee
    ("Trong kế hoạch phát triển kinh tế số, tỉnh Bến Tre đặt mục tiêu 30% doanh nghiệp dùng hóa đơn điện tử.\n",
     {"type": "Kế hoạch", "issuer": "UBND tỉnh Bến Tre", "province": "Bến Tre", "reported": True}),
    # "thành phố" is kept when the city is named
    ("Ủy ban nhân dân thành phố Hải Phòng ban hành Kế hoạch triển khai như sau: các quận, huyện rà soát thủ tục.\n",
     {"type": "Kế hoạch", "issuer": "UBND thành phố Hải Phòng", "province": "Hải Phòng", "reported": True}),
    # a speaker: "Chủ tịch UBND tỉnh X, ông Y nhấn mạnh"; "Chủ tịch UBND tỉnh X đã có chỉ đạo"
    ("Phát biểu tại hội nghị, Chủ tịch UBND tỉnh Kon Tum, ông Nguyễn Văn Lộc nhấn mạnh: mỗi xã phải có tổ công nghệ "
     "số cộng đồng.\n", {"issuer": "UBND tỉnh Kon Tum", "province": "Kon Tum", "signer": None}),
    ("Chủ tịch UBND tỉnh Yên Bái đã có chỉ đạo các sở đẩy mạnh dịch vụ công trực tuyến.\n",
     {"issuer": "UBND tỉnh Yên Bái"}),
    # an unnumbered kind with its title: "Theo kế hoạch … của tỉnh X", "Đề án … đề ra mục tiêu", "Theo đề án …, …";
    # a plan whose tasks were "giao tại" a numbered resolution is not that resolution
    ("Theo kế hoạch chuyển đổi số năm 2026 của tỉnh Hà Nam, các sở hoàn thành số hóa hồ sơ. Nhiều nhiệm vụ được "
     "giao tại Nghị quyết số 12-NQ/TU ngày 3/5/2021 của Tỉnh ủy.\n",
     {"type": "Kế hoạch", "number": None, "issuer": "UBND tỉnh Hà Nam", "province": "Hà Nam"}),
    ("Bài viết về kinh tế số.\n\nTheo đó, Đề án phát triển kinh tế số tỉnh Gia Lai, giai đoạn 2026 - 2030 đề ra mục "
     "tiêu kinh tế số chiếm 20% GRDP.\n", {"type": "Đề án", "reported": True}),
    ("Hạ tầng số phủ khắp các thôn. Theo đề án xây dựng đô thị thông minh, đến năm 2027 có 100% xã phủ sóng 5G.\n",
     {"type": "Đề án"}),
    # a provincial plan whose excerpt names the province but no body is the People's Committee's
    ("Theo đó, Kế hoạch đặt mục tiêu phát triển hạ tầng số.\n\nTỉnh Bắc Kạn phấn đấu 100% xã có cáp "
     "quang đến năm 2026.\n", {"type": "Kế hoạch", "issuer": "UBND tỉnh Bắc Kạn"}),
    # a numbered kind after "Theo" is a citation: its issuer does not issue the article's directive
    ("Theo Nghị quyết 57 của Bộ Chính trị, khoa học công nghệ là đột phá. Các sở cần chủ động triển khai.\n",
     {"issuer": None}),
    # every document of a cited list is cited, and so is one "phê duyệt tại"
    ("Năm 2026, Sở Tài chính tiếp tục hỗ trợ các ngân hàng thực hiện Thông tư 15/2023/TT-NHNN và Quyết định "
     "số 573/QĐ-NHNN. Các chỉ tiêu (được phê duyệt tại Quyết định số 766/QĐ-TTg) được giao cho các sở.\n",
     {"number": None, "type": None}),
    # the body code of the reported number names a national issuer the article does not spell out
    ("Thông báo số 512/TB-VPCP ngày 3/9/2025 kết luận cuộc họp về dữ liệu dân cư.\n",
     {"number": "512/TB-VPCP", "type": "Thông báo", "issuer": "Văn phòng Chính phủ", "province": None}),
])
def test_reported_directive(pipeline, tmp_path, article, expected):
    meta = pipeline.process(write(tmp_path, "a.txt", article)).meta
    for k, v in expected.items():
        assert getattr(meta, k) == v, (k, getattr(meta, k))


def test_legal_database_table(pipeline, tmp_path):
    page = ("Số hiệu: 1203/QĐ-BTC Loại văn bản: Quyết định\nNơi ban hành: Bộ Tài chính Người ký: Lê Thị Mai\n"
            "Ngày ban hành: 07/08/2024\n\nBộ Tài chính ban hành Quyết định 1203/QĐ-BTC về chuyển đổi số.\n")
    meta = pipeline.process(write(tmp_path, "t.txt", page)).meta
    assert (meta.number, meta.type, meta.issuer, meta.signer, meta.issued_date, meta.province) == (
        "1203/QĐ-BTC", "Quyết định", "Bộ Tài chính", "Lê Thị Mai", "2024-08-07", None)


def test_own_header_is_not_reported(pipeline, tmp_path):
    body = ("UBND TỈNH HÀ GIANG\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 88/KH-UBND\nHà Giang, ngày 4 tháng 3 năm 2024\n"
            "KẾ HOẠCH\nThực hiện Công văn số 55/BTTTT-THH của Bộ Thông tin và Truyền thông, UBND tỉnh ban hành kế hoạch.\n")
    meta = pipeline.process(write(tmp_path, "o.txt", body)).meta
    assert (meta.number, meta.issuer, meta.reported) == ("88/KH-UBND", "UBND tỉnh Hà Giang", False)


def test_closed_lists_snap_ocr_slips():
    from extractor.nlp.agencies import load_gazetteer
    from extractor.structure.metadata import _snap_province, _snap_type

    assert _snap_type("KÊ HOACH") == "Kế hoạch"
    assert _snap_type("QUYET DJNH") == "Quyết định"
    assert _snap_type("Triển khai kế hoạch") is None  # a sentence, not a title line
    g = load_gazetteer()
    assert _snap_province("Lào Caj", g) == "Lào Cai"
    assert _snap_province("Hà Nam", g) == "Hà Nam"
    assert _snap_province("Phòng họp số 2", g) is None


def test_names_are_read_by_letter_case():
    from extractor.structure.metadata import _is_name, _person

    assert _person("Vương Bình Thạnh đề nghị các sở") == ("Vương Bình Thạnh", 16)
    assert not _is_name("Nguyễn văn an")
    assert _is_name("Hồ Thị Nguyên Thảo")


def test_ocr_province_spelling_snaps_to_the_list(pipeline, tmp_path):
    body = ("ỦY BAN NHÂN DÂN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 31/TB-UBND\nBắc Kan, ngày 9 tháng 5 năm 2025\n"
            "THÔNG BÁO\nSở Nội vụ rà soát thủ tục hành chính trước ngày 30/6/2025.\n")
    meta = pipeline.process(write(tmp_path, "b.txt", body)).meta
    assert (meta.province, meta.issuer) == ("Bắc Kạn", "UBND tỉnh Bắc Kạn")


def test_ranking_annex_names_no_province(pipeline, tmp_path):
    rows = "".join(f"| {i} | {p} | {90 - i} |\n" for i, p in enumerate(
        ["Đà Nẵng", "Hải Phòng", "Quảng Ninh", "Bắc Ninh", "Lâm Đồng", "Hà Nội"], 1))
    body = "| STT | Tỉnh | Điểm |\n|---|---|---|\n" + rows
    meta = pipeline.process(write(tmp_path, "r.txt", body)).meta
    assert (meta.province, meta.issuer, meta.reported) == (None, None, False)


def test_a_two_column_header_line_names_its_issuer_once(pipeline, tmp_path):
    body = ("# source: https://soctrang.gov.vn/vb/512\nỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH SÓC TRĂNG Độc lập - Tự do - Hạnh phúc\n\n"
            "Số: 512/UBND-KT Sóc Trăng, ngày 19 tháng 6 năm 2025\n\nKính gửi: Sở Tài chính.\n\n"
            "Sở Tài chính rà soát kinh phí chuyển đổi số năm 2026.\n")
    meta = pipeline.process(write(tmp_path, "h.txt", body)).meta
    assert (meta.number, meta.issuer) == ("512/UBND-KT", "UBND tỉnh Sóc Trăng")
