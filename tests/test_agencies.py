"""Gazetteer: variants from several provinces, tolerance, successors, unknowns."""

import pytest


@pytest.mark.parametrize("written,canonical", [
    ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("sở thông tin - truyền thông", "Sở Thông tin và Truyền thông"),
    ("So Thong tin va Truyen thong", "Sở Thông tin và Truyền thông"),  # no diacritics
    ("SỞ KH&CN", "Sở Khoa học và Công nghệ"),
    ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
    ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
    ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
    ("Sở VHTT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("VPUBND tỉnh", "Văn phòng UBND tỉnh"),
    ("Uỷ ban nhân dân các huyện, thị xã, thành phố", "UBND cấp huyện"),
    ("UBND các xã, phường, thị trấn", "UBND cấp xã"),
    ("Công an tỉnh Bắc Ninh", "Công an tỉnh"),
    ("Báo Lâm Đồng", "Báo tỉnh"),
    ("Đài Phát thanh - Truyền hình Quảng Ninh", "Đài Phát thanh và Truyền hình tỉnh"),
    ("Ngân hàng Nhà nước chi nhánh Thừa Thiên Huế", "Ngân hàng Nhà nước chi nhánh tỉnh"),
    ("Viễn thông Gia Lai", "Viễn thông tỉnh"),
    ("Cục Thuế tỉnh Đắk Lắk", "Cục Thuế tỉnh"),
    ("BCĐ CĐS tỉnh", "Ban Chỉ đạo Chuyển đổi số tỉnh"),
    ("các sở, ban, ngành địa phương", "Các cơ quan, đơn vị, địa phương"),  # no comma before "địa phương"
    ("các ngành, các địa phương", "Các cơ quan, đơn vị, địa phương"),
    ("Bộ NN&MT", "Bộ Nông nghiệp và Môi trường"),
    # level qualifiers are kept apart: the communes' committees and centres are not the province's
    ("Ban Chỉ đạo chuyển đổi số cấp xã", "Ban Chỉ đạo chuyển đổi số cấp xã"),
    ("Trung tâm Phục vụ hành chính công xã Mường Tè", "Trung tâm Phục vụ hành chính công cấp xã"),
    ("Trung tâm Phục vụ hành chính công tỉnh Lai Châu", "Trung tâm Phục vụ hành chính công tỉnh"),
    ("các TCTD", "Các tổ chức tín dụng"),
    ("Tổng Công ty Cảng hàng không Việt Nam", "Tổng công ty Cảng hàng không Việt Nam"),
    ("các cơ sở khám bệnh, chữa bệnh", "Các cơ sở khám bệnh, chữa bệnh"),
])
def test_variants_resolve(gazetteer, written, canonical):
    ms = gazetteer.find(f"Giao {written} chủ trì", weak=True)
    assert [m.canonical for m in ms if m.agency] == [canonical]


def test_successors_of_2025(gazetteer):
    g = gazetteer
    assert g.current(g.get("so-tttt")).name == "Sở Khoa học và Công nghệ"
    assert g.current(g.get("so-khdt")).name == "Sở Tài chính"
    assert g.current(g.get("so-gtvt")).name == "Sở Xây dựng"
    assert g.current(g.get("so-tnmt")).name == "Sở Nông nghiệp và Môi trường"
    assert g.current(g.get("ubnd-cap-huyen")).name == "UBND cấp xã"
    # on a date before the merger the old agency is still in charge
    assert g.current(g.get("so-tttt"), on="2024-12-31").name == "Sở Thông tin và Truyền thông"
    assert g.get("so-tttt").successor_from == "2025-03-01"


def test_ubnd_cac_cap_names_the_local_tiers_of_its_era(extract):
    old = extract("UBND TỈNH PHÚ THỌ\nSố: 5/KH-UBND\nPhú Thọ, ngày 10 tháng 3 năm 2024\nỦy ban nhân dân các cấp rà soát dữ liệu hộ tịch.\n")
    new = extract("UBND TỈNH PHÚ THỌ\nSố: 9/KH-UBND\nPhú Thọ, ngày 10 tháng 9 năm 2025\nUBND các cấp rà soát dữ liệu hộ tịch.\n")
    assert old.obligations[0].lead == ["UBND cấp huyện", "UBND cấp xã"]
    assert new.obligations[0].lead == ["UBND cấp xã"]  # the districts ended on 01/07/2025


def test_unknown_agency_is_found_and_flagged(gazetteer):
    ms = gazetteer.find("Trường Cao đẳng Kỹ thuật Công nghiệp Hòa Bình đẩy mạnh đào tạo")
    assert [(m.text, m.agency) for m in ms] == [("Trường Cao đẳng Kỹ thuật Công nghiệp Hòa Bình", None)]


def test_an_unknown_name_ends_before_an_adverb_or_cung(gazetteer):
    ms = gazetteer.find("Ban Tuyên giáo cùng các cấp ủy rà soát; Tập đoàn Công nghệ Sao Mai sớm phủ sóng")
    assert [m.text for m in ms if m.agency is None] == ["Ban Tuyên giáo", "Tập đoàn Công nghệ Sao Mai"]


def test_weak_variants_only_in_cells(gazetteer):
    text = "quán triệt chủ trương của Đảng và Nhà nước"
    assert gazetteer.find(text, unknown=False) == []
    assert {m.canonical for m in gazetteer.find(text, weak=True, unknown=False)} == {"Các cơ quan Đảng", "Các cơ quan nhà nước"}


def test_province_lookup(gazetteer):
    assert gazetteer.province_in("Đăk Nông, ngày 11 tháng 01 năm 2022") == "Đắk Nông"
    assert gazetteer.province_in("TP. Hồ Chí Minh") == "Hồ Chí Minh"


def test_shared_head_list(gazetteer):
    ms = gazetteer.find("Các Sở: Y tế, Giáo dục và Đào tạo, Kế hoạch và Đầu tư và Nội vụ đẩy mạnh")
    assert [m.canonical for m in ms] == ["Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Kế hoạch và Đầu tư", "Sở Nội vụ"]
    ms = gazetteer.find("Giao các Bộ: Tư pháp, NN-MT, VH-TT-DL và Thanh tra Chính phủ hướng dẫn các địa phương")
    assert [m.canonical for m in ms] == ["Bộ Tư pháp", "Bộ Nông nghiệp và Môi trường", "Bộ Văn hóa, Thể thao và Du lịch",
                                         "Thanh tra Chính phủ", "Các địa phương"]


def test_the_ministries_of_2025_and_their_predecessors(gazetteer):
    g = gazetteer
    for old, new in (("Bộ Tài nguyên và Môi trường", "Bộ Nông nghiệp và Môi trường"),
                     ("Bộ NN&PTNT", "Bộ Nông nghiệp và Môi trường"), ("Bộ GTVT", "Bộ Xây dựng"),
                     ("Bộ Lao động - Thương binh và Xã hội", "Bộ Nội vụ"), ("Ủy ban Dân tộc", "Bộ Dân tộc và Tôn giáo")):
        assert g.current(g.resolve(old)).name == new
    assert g.is_central("Bộ Nông nghiệp và Môi trường") and g.is_central("Bộ Xây dựng")


@pytest.mark.parametrize("written", ["Sở KH-CN", "Sở KH&CN", "Sở KHCN", "Sở KH và CN", "sở kh-cn"])
def test_abbreviation_variants_are_written_every_way(gazetteer, written):
    (m,) = gazetteer.find(f"{written} chủ trì thẩm định")
    assert m.canonical == "Sở Khoa học và Công nghệ" and m.text == written


def test_a_name_written_without_its_commas_or_va_is_still_the_agency():
    from extractor.nlp.agencies import load_gazetteer

    g = load_gazetteer()
    for written, name in [("Sở Văn hóa Thể thao Du lịch tỉnh Quảng Ngãi", "Sở Văn hóa, Thể thao và Du lịch"),
                          ("Sở Giáo dục Đào tạo", "Sở Giáo dục và Đào tạo"),
                          ("các sở ban ngành", "Các sở, ban, ngành")]:
        assert [m.canonical for m in g.find(written)] == [name], written


def test_a_concept_or_another_word_is_no_agency(gazetteer):
    names = lambda t: [m.agency.name for m in gazetteer.find(t) if m.agency]  # noqa: E731
    # "Chính phủ điện tử / số" is a goal; "Chỉ số Xây dựng …" is no Sở (a different mark, not a missing one)
    assert names("Chỉ số Xây dựng và phát triển Chính phủ điện tử, Chính phủ số của tỉnh Sóc Trăng") == []
    assert names("Nghị quyết của Chính phủ số 12/NQ-CP giao Sở Xây dựng chủ trì") == ["Chính phủ", "Sở Xây dựng"]
    assert names("So Xay dung chu tri") == ["Sở Xây dựng"]  # typed without marks: still the agency


@pytest.mark.parametrize("text,expected", [
    ("Giám đốc sở, Thủ trưởng các ban, ngành tỉnh", ["Các sở, ban, ngành"]),
    ("thủ trưởng các cơ quan chuyên môn thuộc tỉnh", ["Các sở, ban, ngành"]),
    ("các cấp, ngành, xã, phường cần", ["Các cơ quan, đơn vị, địa phương", "UBND cấp xã"]),
    ("Ủy ban nhân dân quận, huyện, xã, phường, thị trấn", ["UBND cấp huyện", "UBND cấp xã"]),
])
def test_the_standard_group_formulas(gazetteer, text, expected):
    assert [m.agency.name for m in gazetteer.find(text) if m.agency] == expected
