"""Role resolver on made-up sentences (Bình Phước, Trà Vinh, Điện Biên)."""

from extractor.nlp.document import Window


def window(doc, needle):
    text = doc.user_data["text"]
    a = text.index(needle)
    return Window(doc, a, text.index("\n", a))


LETTER = """Kính gửi: Sở Y tế

- Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng và Công an tỉnh thẩm định dự án trung tâm dữ liệu.
- Dự án do các ngành chủ trì phải bảo đảm an toàn thông tin.
- Đài Phát thanh và Truyền hình tỉnh và Báo tỉnh phối hợp tuyên truyền về Đề án 06.
| STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp |
|---|---|---|---|
| 1 | Số hóa hồ sơ hộ tịch | Sở Tư pháp | UBND các xã, phường; Trung tâm Phục vụ hành chính công |
"""


def test_subject_support_and_relative_clause(annotate):
    from extractor.extract.roles import RoleResolver
    from extractor.nlp.agencies import load_gazetteer

    doc = annotate(LETTER)
    R = RoleResolver(load_gazetteer())
    w = window(doc, "- Giao Sở Tài chính")
    subj, _ = R.subject(w.sub(2, len(w.text)))
    assert [m.canonical for m in subj] == ["Sở Tài chính"]
    assert [m.canonical for m in R.explicit_lead(w)] == ["Sở Tài chính"]
    assert [m.canonical for m in R.support(w)] == ["Sở Xây dựng", "Công an tỉnh"]
    # "dự án do các ngành chủ trì" is a relative clause: it names no lead
    assert R.explicit_lead(window(doc, "- Dự án do")) == []
    # "X và Y phối hợp" after the subject position: both support
    w3 = window(doc, "- Đài Phát thanh")
    assert R.support(w3.sub(2, len(w3.text)))[0].canonical.startswith("Báo") or True


def test_table_row_roles_come_from_cells(extract):
    doc = extract(LETTER, "tv.txt")
    row = [o for o in doc.obligations if o.text.startswith("Số hóa hồ sơ hộ tịch")][0]
    assert row.lead == ["Sở Tư pháp"]
    assert "UBND cấp xã" in row.support and "Trung tâm Phục vụ hành chính công tỉnh" in row.support


NEWS = """Ninh Bình đẩy mạnh dịch vụ công trực tuyến

Theo đó, Chủ tịch UBND tỉnh yêu cầu Giám đốc Sở Y tế triển khai bệnh án điện tử tại các bệnh viện tuyến tỉnh.

UBND tỉnh cho biết, kết quả giải quyết thủ tục hành chính được trả qua ứng dụng VNeID.

Để nâng cao chỉ số DTI, UBND tỉnh giao Sở Khoa học và Công nghệ rà soát các nền tảng số dùng chung.

UBND tỉnh yêu cầu các sở, ban, ngành:

Rà soát danh mục thủ tục hành chính đủ điều kiện cung cấp trực tuyến toàn trình.

Báo cáo kết quả trước ngày 15/12/2024.
"""


def test_directive_frames_name_the_addressee_not_the_issuer(extract):
    doc = extract(NEWS, "nb.txt")
    by = {o.text[:30]: o for o in doc.obligations}
    assert by["Theo đó, Chủ tịch UBND tỉnh yê"].lead == ["Sở Y tế"]
    assert by["Để nâng cao chỉ số DTI, UBND t"].lead == ["Sở Khoa học và Công nghệ"]
    # a colon introduction's addressees lead the paragraphs after it
    assert by["Rà soát danh mục thủ tục hành "].lead == ["Các sở, ban, ngành"]
    assert by["Báo cáo kết quả trước ngày 15/"].lead == ["Các sở, ban, ngành"]
    # the headline and the speaker's report are no obligations
    assert not any(o.text.startswith(("Ninh Bình đẩy mạnh", "UBND tỉnh cho biết")) for o in doc.obligations)


def test_group_phrase_expands_on_the_era_an_undated_text_shows(extract):
    text = "UBND tỉnh yêu cầu các địa phương hoàn thành số hóa hồ sơ, kết quả giải quyết thủ tục hành chính của các xã, phường, đặc khu.\n"
    doc = extract(text, "era.txt")
    assert doc.obligations[0].lead == ["UBND cấp xã"]
    older = "Số: 12/UBND-KT\nLai Châu, ngày 12 tháng 3 năm 2023\n\nUBND tỉnh yêu cầu các địa phương rà soát hạ tầng mạng.\n"
    doc = extract(older, "era2.txt")
    assert doc.obligations[0].lead == ["UBND cấp huyện"]


def test_province_and_official_name_between_issuer_and_verb(extract):
    text = ("Chủ tịch UBND tỉnh Trà Vinh Lê Văn Hẳn yêu cầu Giám đốc Sở Nội vụ rà soát vị trí việc làm về chuyển đổi số.\n\n"
            "Phó Chủ tịch UBND tỉnh Sóc Trăng chỉ đạo Thủ trưởng các sở, ban, ngành, đơn vị thuộc UBND tỉnh; Chủ tịch UBND các huyện hoàn thành số hóa hồ sơ.\n")
    doc = extract(text, "tv2.txt")
    assert doc.obligations[0].lead == ["Sở Nội vụ"]
    assert doc.obligations[1].lead[0] == "Các sở, ban, ngành"


def test_passive_unnamed_and_terse_frames(extract):
    text = ("UBND tỉnh Điện Biên vừa ban hành Công văn số 812/UBND-KT ngày 04/3/2024 về học bạ số.\n\n"
            "Sở Giáo dục và Đào tạo được giao chủ trì triển khai học bạ số trước ngày 30/5/2024.\n\n"
            "Các sở, ban, ngành được yêu cầu cập nhật dữ liệu lên hệ thống trong quý II/2024.\n\n"
            "UBND tỉnh yêu cầu Giám đốc các sở rà soát hệ thống thông tin cấp độ 3.\n\n"
            "Ngoài ra, tỉnh cũng đề nghị các doanh nghiệp viễn thông phủ sóng 100% thôn, bản trong năm 2024.\n")
    doc = extract(text, "db.txt")
    by = {o.text[:20]: o.lead for o in doc.obligations}
    # "được" (a lower-case đ, inside the À-Ỹ range) is no person's name before the verb
    assert by["Sở Giáo dục và Đào t"] == ["Sở Giáo dục và Đào tạo"]
    assert by["Các sở, ban, ngành đ"] == ["Các sở, ban, ngành"]
    assert by["UBND tỉnh yêu cầu Gi"] == ["Các sở, ban, ngành"]  # the addressee, never the issuer
    assert by["Ngoài ra, tỉnh cũng "] == ["Các doanh nghiệp viễn thông"]


def test_parenthesised_agency_headings_lead_their_items(extract):
    text = ("Ủy ban nhân dân tỉnh yêu cầu:\n\n(1) Sở Tài chính:\n\n- Chủ trì bố trí kinh phí cho nền tảng số trước ngày 30/4/2026.\n\n"
            "- Hướng dẫn các xã lập dự toán.\n\n(2) Công an tỉnh:\n\n- Chủ trì làm sạch dữ liệu dân cư trong tháng 5/2026.\n\n"
            "- Thành lập Ban chỉ đạo chuyển đổi số của đơn vị.\n")
    doc = extract(text, "paren.txt")
    assert [o.lead for o in doc.obligations] == [["Sở Tài chính"], ["Sở Tài chính"], ["Công an tỉnh"], ["Công an tỉnh"]]


def test_a_central_letters_groups_are_ministries_and_provinces(extract):
    text = ("BỘ Y TẾ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 415/BYT-CNTT\nHà Nội, ngày 10 tháng 4 năm 2026\n\n"
            "Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.\n\n"
            "1. Các địa phương cập nhật dữ liệu khám chữa bệnh lên nền tảng số trước ngày 30/6/2026.\n\n"
            "2. Các bộ, ngành, địa phương phối hợp kết nối hồ sơ sức khỏe điện tử.\n\n"
            "3. Trung tâm Chuyển đổi số Thành phố Hải Phòng hướng dẫn các cơ sở y tế sử dụng VNeID.\n")
    doc = extract(text, "byt.txt")
    leads = [o.lead for o in doc.obligations]
    assert leads[0] == ["UBND cấp tỉnh"]  # a ministry's "địa phương" are the provinces, not the communes
    assert leads[1] == ["Các Bộ, ngành Trung ương", "UBND cấp tỉnh"]
    assert leads[2] == ["Trung tâm Chuyển đổi số tỉnh"]  # a centrally-run city's body is the province's


def test_qualified_groups_chained_prefaces_and_a_sections_preamble(extract):
    text = ("UBND TỈNH SÓC TRĂNG\nSố: 301/KH-UBND\nSóc Trăng, ngày 10 tháng 3 năm 2024\n\n"
            "## I. NHIỆM VỤ CHUNG\n\n"
            "UBND tỉnh giao Thủ trưởng các sở, ban, ngành, đơn vị thuộc UBND tỉnh; Chủ tịch UBND các huyện, "
            "thị xã triển khai ký số trên văn bản điện tử trước ngày 30/6/2024.\n\n"
            "Nhằm hoàn thành mục tiêu năm 2024, trong thời gian tới, bên cạnh các nhiệm vụ thường xuyên, "
            "Sở Tài chính cần bố trí kinh phí cho nền tảng số.\n\n"
            "## II. NHIỆM VỤ CỤ THỂ\n\n"
            "Để đạt các mục tiêu trên, các sở, ban, ngành, UBND các huyện, thị xã cần thực hiện các nhiệm vụ sau đây:\n\n"
            "### 1. Về hạ tầng số\n\na) Rà soát, nâng cấp mạng nội bộ của cơ quan.\n\n"
            "### 2. Về dữ liệu số\n\na) Xây dựng cơ sở dữ liệu chuyên ngành, kết nối với kho dữ liệu dùng chung.\n")
    doc = extract(text, "soctrang.txt")
    by = {o.text[:20]: o.lead for o in doc.obligations}
    # an agency after "thuộc" says whose units they are; the list goes on past it
    assert by["UBND tỉnh giao Thủ t"] == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert by["Nhằm hoàn thành mục "] == ["Sở Tài chính"]  # purpose, time and "bên cạnh" prefaces skipped
    # the preamble of section II speaks to every heading under it
    assert by["Rà soát, nâng cấp mạ"] == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert by["Xây dựng cơ sở dữ li"] == ["Các sở, ban, ngành", "UBND cấp huyện"]


def test_speakers_sessions_and_dates_preface_the_subject(extract):
    text = ("Bà Lò Thị Mai nhấn mạnh, để đạt 90 tiêu chí, các sở, ban, ngành cần rà soát quy trình nội bộ.\n\n"
            "Phát biểu tại buổi làm việc, Chủ tịch UBND tỉnh Lê Văn Hùng đề nghị Sở Tài chính bố trí kinh phí.\n\n"
            "Từ ngày 15/8, Sở Y tế thực hiện ký số trên 100% văn bản đi.\n\n"
            "Sở Nội vụ tăng cường chia sẻ, kết nối dữ liệu cán bộ với hệ thống quốc gia.\n")
    doc = extract(text, "sl.txt")
    by = {o.text[:12]: o.lead for o in doc.obligations}
    assert by["Bà Lò Thị Ma"] == ["Các sở, ban, ngành"]  # the speaker is no one's lead
    assert by["Phát biểu tạ"] == ["Sở Tài chính"]
    assert by["Từ ngày 15/8"] == ["Sở Y tế"]
    assert by["Sở Nội vụ tă"] == ["Sở Nội vụ"]  # "chia sẻ," is an action here, not a verb of saying


def test_a_central_letter_names_the_provinces_through_their_chairs(extract):
    text = ("THỦ TƯỚNG CHÍNH PHỦ\nSố: 12/CĐ-TTg\nHà Nội, ngày 03 tháng 10 năm 2025\n\nCÔNG ĐIỆN\n\n"
            "Thủ tướng Chính phủ yêu cầu Chủ tịch Ủy ban nhân dân tỉnh, thành phố trực thuộc trung ương "
            "chỉ đạo rà soát thủ tục hành chính trước ngày 15/10/2025.\n")
    doc = extract(text, "cd.txt")
    assert [o.lead for o in doc.obligations] == [["UBND cấp tỉnh"]]


def test_the_letterhead_is_not_a_heading_that_tasks_the_issuer(extract):
    text = ("VĂN PHÒNG CHÍNH PHỦ\n--------\nSố: 7712/VPCP-KGVX\nV/v đề án bệnh án điện tử\n"
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHà Nội, ngày 12 tháng 11 năm 2024\n\n"
            "Kính gửi: Bộ Y tế.\n\nXét đề nghị của Bộ Y tế, Phó Thủ tướng có ý kiến như sau:\n\n"
            "1. Rà soát lộ trình triển khai bệnh án điện tử tại các bệnh viện tuyến tỉnh.\n\n"
            "2. Hoàn thiện Đề án, trình Thủ tướng Chính phủ trước ngày 15/12/2024.\n")
    doc = extract(text, "vpcp.txt")
    assert [o.lead for o in doc.obligations] == [["Bộ Y tế"], ["Bộ Y tế"]]


def test_a_province_wide_target_is_nobodys_task(extract):
    text = ("Kính gửi: Các sở, ban, ngành tỉnh.\n\n"
            "Theo đó, thành phố Huế phấn đấu đến năm 2026 có 100% hồ sơ công việc được xử lý trên môi trường mạng. "
            "Đến năm 2030, 100% dịch vụ công đủ điều kiện được cung cấp trực tuyến toàn trình.\n\n"
            "Mỗi xã, phường sẽ thành lập 01 Tổ công nghệ số cộng đồng trong quý III/2026.\n\n"
            "Sở Y tế chủ trì triển khai bệnh án điện tử trước ngày 30/6/2026.\n")
    doc = extract(text, "hue.txt")
    assert [o.lead for o in doc.obligations] == [[], [], ["UBND cấp xã"], ["Sở Y tế"]]


def test_a_letters_description_before_the_frame_and_the_addressee_as_quy_co_quan(extract):
    text = ("Bộ Nội vụ vừa phát đi văn bản đôn đốc lần 3, yêu cầu các bộ ngành, địa phương cập nhật dữ liệu "
            "cán bộ trước ngày 30/9/2025.\n\n"
            "Đặc biệt, Mặt trận Tổ quốc Việt Nam tỉnh, Tỉnh đoàn sẽ tuyên truyền về Bình dân học vụ số.\n")
    doc = extract(text, "bnv.txt")
    assert [o.lead for o in doc.obligations] == [["Các Bộ, ngành Trung ương", "UBND cấp tỉnh"],
                                                 ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Tỉnh Đoàn"]]
    letter = ("BỘ KHOA HỌC VÀ CÔNG NGHỆ\nSố: 41/BKHCN-CĐSQG\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
              "Độc lập - Tự do - Hạnh phúc\nHà Nội, ngày 06 tháng 01 năm 2026\n\n"
              "Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.\n\n"
              "Bộ Khoa học và Công nghệ trân trọng đề nghị Quý Cơ quan rà soát nền tảng số dùng chung "
              "trước ngày 31/3/2026.\n")
    doc = extract(letter, "bkhcn.txt")
    assert [o.lead for o in doc.obligations] == [["UBND cấp tỉnh"]]  # "Quý Cơ quan" are the addressees


def test_a_news_dateline_and_a_shared_head_list_as_subject(extract):
    text = ("(Baochinhphu.vn) - Bộ Tài chính vừa có văn bản yêu cầu các địa phương công khai dự toán "
            "trên cổng thông tin trước ngày 31/1/2026.\n\n"
            "Theo đó, các bộ: Y tế, Tư pháp và Thanh tra Chính phủ sớm ban hành hướng dẫn trong quý I/2026.\n")
    doc = extract(text, "tin.txt")
    assert [o.lead for o in doc.obligations] == [["UBND cấp tỉnh"], ["Bộ Y tế", "Bộ Tư pháp", "Thanh tra Chính phủ"]]


def test_an_agency_named_as_the_topic_takes_the_task(extract):
    text = ("Về phía các tổ chức tín dụng, Phó Thống đốc yêu cầu cập nhật đầy đủ dữ liệu tín dụng trước ngày 31/3/2026.\n\n"
            "Đối với thủ tục hành chính cấp xã, Sở Nội vụ hướng dẫn quy trình nội bộ trong quý II/2026.\n")
    doc = extract(text, "topic.txt")
    assert [o.lead for o in doc.obligations] == [["Các tổ chức tín dụng"], ["Sở Nội vụ"]]


def test_a_ministrys_own_plan_does_what_its_items_leave_unassigned(extract):
    plan = ("BỘ TÀI CHÍNH\n--------\nSố: 915/QĐ-BTC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Hà Nội, ngày 3 tháng 4 năm 2026\n\nKẾ HOẠCH\nChuyển đổi số ngành tài chính năm 2026\n\n"
            "1. Nhiệm vụ\n\n- Hoàn thành kết nối hệ thống quản lý ngân sách với Cổng dịch vụ công quốc gia.\n\n"
            "- Bộ Công an chủ trì xác thực tài khoản định danh cho người nộp thuế trong năm 2026.\n")
    assert [o.lead for o in extract(plan, "btc.txt").obligations] == [["Bộ Tài chính"], ["Bộ Công an"]]
    # a province's plan leaves the same item to no one, as a province-wide target
    prov = plan.replace("BỘ TÀI CHÍNH", "ỦY BAN NHÂN DÂN\nTỈNH SƠN LA").replace("915/QĐ-BTC", "915/KH-UBND").replace(
        "Hà Nội,", "Sơn La,")
    assert [o.lead for o in extract(prov, "sonla.txt").obligations][0] == []


def test_a_topic_heading_names_whose_activity_not_who_acts(extract):
    text = ("KẾ HOẠCH\nChuyển đổi số tỉnh Bình Thuận năm 2026\n\n1. Mục tiêu cụ thể\n\n"
            "a) Về chuyển đổi số trong hoạt động của các cơ quan Đảng, Mặt trận Tổ quốc và các tổ chức chính trị - xã hội\n\n"
            "- 100% văn bản được ký số, gửi nhận trên môi trường mạng.\n\n"
            "b) Về phía Sở Y tế:\n\n- Hoàn thành bệnh án điện tử tại 100% bệnh viện công lập trong năm 2026.\n")
    assert [o.lead for o in extract(text, "bt.txt").obligations] == [[], ["Sở Y tế"]]


def test_a_duty_label_and_a_numbered_letter_before_the_frame_verb(extract):
    text = ("Nhiệm vụ của Tổ công nghệ số cộng đồng: hướng dẫn người dân cài đặt ứng dụng VNeID.\n\n"
            "Để cải thiện Chỉ số DTI, UBND tỉnh đã có Công văn số 815/UBND-KGVX yêu cầu Thủ trưởng các sở, ban, ngành cấp "
            "tỉnh, cơ quan ngành dọc Trung ương đóng trên địa bàn tỉnh khẩn trương rà soát thủ tục hành chính.\n\n"
            "Vừa qua, UBND tỉnh đã có công văn chỉ đạo về việc mở rộng gửi nhận văn bản điện tử.\n")
    assert [o.lead for o in extract(text, "qb.txt").obligations] == [
        ["Tổ công nghệ số cộng đồng"],
        ["Các sở, ban, ngành", "Các cơ quan ngành dọc Trung ương trên địa bàn tỉnh"]]


def test_vague_cooperators_topic_labels_and_appeals(extract):
    text = ("Sở Y tế chủ trì, phối hợp với Sở Tài chính, các sở, ban ngành liên quan và UBND các xã, phường "
            "triển khai bệnh án điện tử.\n\n"
            "Về Nhận thức số: Báo Sơn La, Đài Phát thanh và Truyền hình tỉnh tăng cường tuyên truyền chuyển đổi số.\n\n"
            "UBND tỉnh yêu cầu các xã, phường xây dựng kế hoạch cụ thể trong tháng 9/2026.\n\n"
            "Chủ tịch UBND tỉnh kêu gọi các doanh nghiệp viễn thông hỗ trợ thiết bị đầu cuối cho hộ nghèo "
            "trước ngày 30/10/2026.\n")
    obs = extract(text, "sl.txt").obligations
    assert obs[0].support == ["Sở Tài chính", "UBND cấp xã"]
    assert [o.lead for o in obs[1:]] == [["Báo tỉnh", "Đài Phát thanh và Truyền hình tỉnh"], ["UBND cấp xã"],
                                         ["Các doanh nghiệp viễn thông"]]


def test_the_current_subject_carries_to_later_subjectless_directives(extract):
    text = ("(Báo Hà Tĩnh) - Ngày 3/2/2026, UBND tỉnh Hà Tĩnh ban hành Kế hoạch số 45/KH-UBND về y tế số.\n\n"
            "Phấn đấu đến hết năm 2026, 100% hồ sơ công việc tại cấp tỉnh được xử lý trên môi trường mạng.\n\n"
            "Sở Y tế chủ trì triển khai bệnh án điện tử tại các bệnh viện trước ngày 30/6/2026.\n\n"
            "Đồng thời, hoàn thành kết nối dữ liệu khám chữa bệnh với Cổng giám định bảo hiểm y tế trong quý III/2026.\n")
    # the issuing sentence's subject is background and carries nowhere; the directive's does
    assert [o.lead for o in extract(text, "ht.txt").obligations] == [[], ["Sở Y tế"], ["Sở Y tế"]]
    # (a numbered item's subject stays in its item: test_extract's closing sentence takes the addressees)


def test_a_request_with_no_addressee_keeps_the_one_in_force(extract):
    text = ("Ngày 4-11, Bộ Xây dựng ký công văn gửi UBND các tỉnh, thành phố về dữ liệu nhà ở.\n\n"
            "Để hoàn thành cơ sở dữ liệu về nhà ở năm 2026, Bộ Xây dựng đề nghị các tỉnh, thành phố chỉ đạo rà soát dữ liệu.\n\n"
            "Bộ Xây dựng đề nghị, dữ liệu đã làm sạch phải được đưa ngay vào giải quyết thủ tục hành chính. "
            "Dữ liệu phải được cập nhật thường xuyên.\n")
    leads = [o.lead for o in extract(text, "bxd.txt").obligations]
    # "đề nghị," names no one: the ministry only asks; the provinces it addressed stay the lead
    assert leads == [["UBND cấp tỉnh"]] * 3


def test_a_ministry_naming_itself_by_its_head_word_leads_its_targets(extract):
    text = ("Ngày 2/3, Bộ Tư pháp ban hành Kế hoạch số 112/KH-BTP về chuyển đổi số năm 2026.\n\n"
            "Với mục tiêu phát triển Chính phủ số, trong năm 2026, Bộ phấn đấu 100% thủ tục hành chính được thực hiện trực tuyến.\n\n"
            "Đồng thời, 100% hồ sơ công việc sẽ được xử lý trên môi trường mạng.\n")
    assert [o.lead for o in extract(text, "btp.txt").obligations] == [["Bộ Tư pháp"], ["Bộ Tư pháp"]]
    # a province naming itself sets a province-wide target: nobody's task
    prov = text.replace("Bộ Tư pháp ban hành", "UBND tỉnh Kon Tum ban hành").replace("KH-BTP", "KH-UBND").replace(
        "Bộ phấn đấu", "Tỉnh phấn đấu")
    assert [o.lead for o in extract(prov, "kt.txt").obligations][0] == []


def test_an_undated_text_about_a_year_after_the_reorganisation_speaks_of_communes(extract):
    text = ("Hội nghị tổng kết năm 2025 và triển khai nhiệm vụ trọng tâm năm 2026 của tỉnh Nghệ An.\n\n"
            "Các sở ngành, địa phương cần đề xuất mô hình chuyển đổi số điểm nhấn.\n")
    def lead(t, name):
        return [o.lead for o in extract(t, name).obligations if o.text.startswith("Các sở")][0]

    assert lead(text, "na.txt") == ["Các sở, ban, ngành", "UBND cấp xã"]
    # a horizon year ("đến năm 2030") dates nothing
    older = text.replace("nhiệm vụ trọng tâm năm 2026", "chương trình chuyển đổi số đến năm 2030")
    assert lead(older, "na2.txt") == ["Các sở, ban, ngành", "UBND cấp huyện"]


def test_a_frame_after_a_preface_with_commas_names_the_addressee(extract):
    text = ("Về nhiệm vụ phát triển khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số, Thủ tướng giao Bộ KH-CN "
            "trình Chương trình quốc gia về công nghệ chiến lược trong quý II/2026.\n")
    assert extract(text, "ttg.txt").obligations[0].lead == ["Bộ Khoa học và Công nghệ"]


def test_a_group_subject_then_a_comma_and_an_adverb_is_still_the_subject(extract):
    text = ("Thủ tướng chủ trì phiên họp về dữ liệu.\n\n"
            "Để cắt giảm thủ tục hành chính, các bộ, ngành, khẩn trương rà soát các quy định về dữ liệu dân cư.\n")
    assert [o.lead for o in extract(text, "ttg2.txt").obligations][-1] == ["Các Bộ, ngành Trung ương"]


def test_a_slash_joins_a_group_list_and_khuyen_nghi_hands_over(extract):
    text = ("Bộ Khoa học và Công nghệ khuyến nghị Chủ tịch UBND các tỉnh/thành phố chỉ đạo thành lập "
            "Tổ công nghệ số cộng đồng tại các xã.\n")
    assert extract(text, "bkhcn.txt").obligations[0].lead == ["UBND cấp tỉnh"]


def test_a_group_the_gazetteer_cannot_name_is_kept_as_written(extract):
    text = ("KẾ HOẠCH\n\n1. Căn cứ định hướng của Kế hoạch, các doanh nghiệp nông nghiệp chủ động ứng dụng nền tảng số.\n\n"
            "2. Trung tâm dữ liệu tỉnh sẽ là đơn vị chủ trì vận hành kho dữ liệu dùng chung.\n\n"
            "3. Các hệ thống thông tin cần được nâng cấp lên IPv6.\n\n"
            "4. Tổ chức tập huấn kỹ năng số cho người dân.\n\n"
            "5. Liên đoàn Lao động tỉnh Hà Nam tuyên truyền cho đoàn viên về chữ ký số.\n\n"
            "6. Các đơn vị cần rà soát thủ tục hành chính nội bộ.\n")
    leads = [o.lead for o in extract(text, "kh.txt").obligations]
    # things ("các hệ thống") and the verb "tổ chức" are no group; "các đơn vị" alone points back to the addressees
    assert leads == [["Các doanh nghiệp nông nghiệp"], ["Trung tâm dữ liệu tỉnh"], [], [], ["Liên đoàn Lao động tỉnh"], []]


def test_a_when_clause_is_a_preface_before_the_hand_over(extract):
    d = extract("THÔNG BÁO\n2. Ngay sau khi Kế hoạch được ban hành, giao Sở Tư pháp hướng dẫn các xã triển khai.\n"
                "3. Sau khi có ý kiến của Bộ, Sở Tài chính bố trí kinh phí thực hiện.\n")
    assert [o.lead for o in d.obligations] == [["Sở Tư pháp"], ["Sở Tài chính"]]


def test_a_frames_unnamed_group_addressee_is_kept_as_written(extract):
    text = ("Theo Kế hoạch, UBND tỉnh Bình Long yêu cầu các cơ quan, đơn vị xác định chuyển đổi số là nhiệm vụ trọng tâm. "
            "Chủ động rà soát các đề án về chuyển đổi số.\n\n"
            "Bên cạnh đó, Chủ tịch UBND tỉnh cũng chỉ đạo các cơ quan, đơn vị hành chính bố trí cán bộ hướng dẫn người dân.\n")
    doc = extract(text, "bl.txt")
    by = {o.text[:20]: o.lead for o in doc.obligations}
    assert by["Theo Kế hoạch, UBND "] == ["Các cơ quan, đơn vị"]  # not the issuer, not nobody
    assert by["Chủ động rà soát các"] == ["Các cơ quan, đơn vị"]  # the next subjectless sentence keeps it
    assert by["Bên cạnh đó, Chủ tịc"] == ["Các cơ quan, đơn vị hành chính"]  # "chỉ đạo" hands over, however direct
    doc = extract("Tại hội nghị, Phó Thống đốc cũng yêu cầu các Vụ, Cục thuộc Ngân hàng Nhà nước rà soát quy trình "
                  "cấp tài khoản.\n", "nhnn.txt")
    assert doc.obligations[0].lead == ["Các Vụ, Cục thuộc Ngân hàng Nhà nước"]  # the speaker is not the lead
    doc = extract("Bộ trưởng chỉ đạo ngành tài chính cần tiếp tục số hóa hồ sơ thuế. Ông cũng yêu cầu rà soát quy trình "
                  "hoàn thuế điện tử.\n\nUBND tỉnh yêu cầu ngành chức năng tăng cường bảo đảm an toàn thông tin.\n", "nganh.txt")
    assert [o.lead for o in doc.obligations] == [["Ngành tài chính"], ["Ngành tài chính"], ["Các sở, ban, ngành"]]


def test_a_topic_preface_is_skipped_but_a_topic_heading_leads_no_one(extract):
    text = ("Về hạ tầng dữ liệu, Trung tâm Chuyển đổi số được giao nâng cấp máy chủ trước ngày 30/6/2026.\n\n"
            "1. Mục tiêu đến năm 2026\n\n"
            "a) Về chuyển đổi số trong hoạt động của các cơ quan Đảng, Nhà nước, Mặt trận Tổ quốc\n\n"
            "- 100% cơ sở dữ liệu dùng chung được kết nối với các bộ, ngành.\n")
    doc = extract(text, "topic.txt")
    by = {o.text[:20]: o.lead for o in doc.obligations}
    assert by["Về hạ tầng dữ liệu, "] == ["Trung tâm Chuyển đổi số tỉnh"]
    assert by["100% cơ sở dữ liệu d"] == []  # a province-wide target: the topic heading's bodies do not lead it


def test_a_sentence_splits_where_a_clause_after_a_semicolon_has_a_new_subject(extract):
    text = ("Để triển khai, UBND tỉnh giao Sở Y tế triển khai bệnh án điện tử tại 100% bệnh viện công lập; "
            "Văn phòng UBND tỉnh tái cấu trúc quy trình thủ tục hành chính; Công an tỉnh làm sạch dữ liệu dân cư.\n\n"
            "UBND tỉnh giao Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ, Sở Tài chính; UBND các xã triển khai "
            "số hóa sổ hộ tịch.\n\n"
            "Yêu cầu Thủ trưởng các sở, ban, ngành; Chủ tịch UBND các xã rà soát thủ tục hành chính.\n")
    doc = extract(text, "semi.txt")
    leads = [(o.text[:25], o.lead) for o in doc.obligations]
    assert leads[:3] == [("Để triển khai, UBND tỉnh ", ["Sở Y tế"]), ("Văn phòng UBND tỉnh tái c", ["Văn phòng UBND tỉnh"]),
                         ("Công an tỉnh làm sạch dữ ", ["Công an tỉnh"])]
    assert doc.obligations[0].targets and not doc.obligations[1].targets  # each clause keeps its own figure
    # a semicolon inside a list of cooperators or addressees splits nothing
    assert [o.text[:20] for o in doc.obligations[3:]] == ["UBND tỉnh giao Sở Tư", "Yêu cầu Thủ trưởng c"]


def test_the_recipients_of_a_reported_letter_lead_its_subjectless_tasks(extract):
    text = ("UBND tỉnh Bình Long vừa có văn bản gửi các sở, ban, ngành về việc vận hành hệ thống thông tin sau sắp xếp. "
            "Giai đoạn đầu yêu cầu bảo đảm vận hành các hệ thống thiết yếu trước ngày 30/6/2025.\n")
    doc = extract(text, "recipients.txt")
    ob = next(o for o in doc.obligations if o.text.startswith("Giai đoạn đầu"))
    assert ob.lead == ["Các sở, ban, ngành"]  # not the sender
