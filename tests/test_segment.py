"""Segmenter: candidates and their context from the outline (made-up Lai Châu plan)."""

PLAN = """KẾ HOẠCH
Chuyển đổi số tỉnh Lai Châu năm 2024

I. ĐÁNH GIÁ KẾT QUẢ
1. Năm 2023 tỉnh đã triển khai nền tảng họp trực tuyến.

II. NHIỆM VỤ
1. Sở Nội vụ:
a) Hoàn thiện cơ sở dữ liệu cán bộ, công chức.
b) Hướng dẫn lưu trữ hồ sơ điện tử.
2. Xây dựng kho dữ liệu dùng chung của tỉnh.
- Cơ quan chủ trì: Sở Khoa học và Công nghệ
- Thời gian thực hiện: Quý III/2024
"""


def test_background_sections_give_no_candidates_and_headings_pass_their_agency(annotate):
    doc = annotate(PLAN)
    text = doc.user_data["text"]
    cands = doc.user_data["candidates"]
    assert not any("nền tảng họp trực tuyến" in text[c.start:c.end] for c in cands)
    a = [c for c in cands if "cơ sở dữ liệu cán bộ" in text[c.start:c.end]][0]
    assert [m.canonical for m in a.ctx.lead] == ["Sở Nội vụ"]


def test_labelled_fields_are_cells_of_the_task_above(annotate):
    doc = annotate(PLAN)
    text = doc.user_data["text"]
    task = [c for c in doc.user_data["candidates"] if "kho dữ liệu" in text[c.start:c.end]][0]
    assert text[slice(*task.cells["lead"])].strip() == "Sở Khoa học và Công nghệ"
    assert text[slice(*task.cells["deadline"])].strip() == "Quý III/2024"
    obs = [sp._.value for sp in doc.spans["obligations"]]
    ob = [o for o in obs if "kho dữ liệu" in o.text][0]
    assert ob.lead == ["Sở Khoa học và Công nghệ"] and ob.deadline.kind == "period" and ob.deadline.date == "2024-09-30"
    assert len([o for o in obs if "Cơ quan chủ trì" in o.text]) == 0


def test_sentences_do_not_end_at_abbreviations(annotate):
    from extractor.pipeline import build_pipeline

    doc = annotate("Giao UBND TP. Lai Châu triển khai. Sở Y tế phối hợp.\n")
    seg = build_pipeline().get_pipe("obligation_segmenter").segmenter
    text = doc.user_data["text"]
    assert [text[a:b] for a, b in seg.sentences(doc, 0, len(text.rstrip()))] == [
        "Giao UBND TP. Lai Châu triển khai.", "Sở Y tế phối hợp."]


def test_deadline_only_sentence_joins_its_task_and_preambles_are_no_tasks(extract):
    text = ("KẾ HOẠCH TRIỂN KHAI NGHỊ QUYẾT SỐ 57-NQ/TW NGÀY 22/12/2024 CỦA BỘ CHÍNH TRỊ VỀ ĐỘT PHÁ PHÁT TRIỂN KHOA HỌC, "
            "CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ TRÊN ĐỊA BÀN TỈNH BẮC KẠN\n\n"
            "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị, UBND tỉnh ban hành Kế hoạch như sau:\n\n"
            "Sở Tư pháp rà soát quy trình nội bộ của từng thủ tục hành chính. Hoàn thành trước ngày 15/8/2025.\n\n"
            "Đây là nhiệm vụ trọng tâm của năm 2025.\n")
    doc = extract(text, "bk.txt")
    assert [o.text for o in doc.obligations] == [
        "Sở Tư pháp rà soát quy trình nội bộ của từng thủ tục hành chính. Hoàn thành trước ngày 15/8/2025."]
    ob = doc.obligations[0]
    assert ob.lead == ["Sở Tư pháp"] and ob.deadline.date == "2025-08-15"


def test_sentences_may_open_with_a_percentage_never_with_a_small_letter(extract, annotate, pipeline):
    text = ("Đến năm 2026 tỉnh Sóc Trăng có 250 điểm phục vụ bưu chính. 100% số xã có điểm phục vụ có người phục vụ. "
            "Tổ công nghệ số cộng đồng có nhiệm vụ hướng dẫn người dân cài đặt VNeID.\n")
    doc = extract(text, "st.txt")
    assert [o.text[:12] for o in doc.obligations] == ["Đến năm 2026", "100% số xã c", "Tổ công nghệ"]
    seg = pipeline.nlp.get_pipe("obligation_segmenter").segmenter
    d2 = annotate("Hồ sơ được số hóa. được lưu trữ trên kho dữ liệu.\n", "s2.txt")
    assert len(seg.sentences(d2, 0, len(d2.user_data["text"]))) == 1  # "được" is no sentence start


def test_a_background_introductions_list_and_questions_are_no_tasks(extract):
    text = ("Thời gian qua, tỉnh Phú Yên đã triển khai nhiều giải pháp. Tuy nhiên, việc triển khai còn một số "
            "khó khăn, vướng mắc, cụ thể:\n\n(i) Các sở chưa thực sự quan tâm đến đào tạo kỹ năng số.\n\n"
            "(ii) Nhiều đơn vị vẫn yêu cầu người dân nộp bản giấy.\n\n(1) Sở Nội vụ:\n\n"
            "- Chủ trì rà soát quy trình nội bộ trước ngày 30/6/2026.\n\n"
            "Yêu cầu đối với các xã trong năm 2026 ra sao?\n\n"
            "Nổi bật là 100% xã đã có Tổ công nghệ số cộng đồng.\n")
    obs = extract(text, "py.txt").obligations
    assert [(o.text[:18], o.lead) for o in obs] == [("Chủ trì rà soát qu", ["Sở Nội vụ"])]


def test_an_undated_meeting_to_hold_is_a_task_a_dated_one_held_is_news(extract):
    text = ("Ngày 14/5, UBND tỉnh Hà Tĩnh tổ chức Lễ ra mắt Trung tâm điều hành thông minh.\n\n"
            "Sở Nội vụ tổ chức hội nghị sơ kết Đề án 06 trước ngày 15/12/2026.\n")
    assert [o.lead for o in extract(text, "ht.txt").obligations] == [["Sở Nội vụ"]]


def test_a_photo_caption_is_page_furniture(extract):
    text = ("Cán bộ Trung tâm Phục vụ hành chính công xã Hòa Bình hướng dẫn người dân nộp hồ sơ trực tuyến. "
            "Ảnh: Báo Bạc Liêu.\n\n"
            "Người dân làm thủ tục tại bộ phận một cửa (Ảnh: Minh Anh/TTXVN)\n\n"
            "Sở Nội vụ chủ trì hướng dẫn các xã số hóa hồ sơ trước ngày 30/9/2026.\n")
    assert [o.lead for o in extract(text, "bl.txt").obligations] == [["Sở Nội vụ"]]


def test_a_paragraph_the_excerpt_cuts_short_is_prose_not_a_headline(extract):
    text = ("UBND tỉnh Bắc Kạn giao Sở Nội vụ rà soát thủ tục hành chính cấp xã.\n\n"
            "Công an tỉnh bảo đảm an toàn thông tin cho các hệ thống\n\n[...]\n")
    assert [o.text for o in extract(text, "bk.txt").obligations][-1] == "Công an tỉnh bảo đảm an toàn thông tin cho các hệ thống"
    # the same line between paragraphs is a web headline
    headline = text.replace("\n\n[...]\n", "\n\nSở Y tế triển khai bệnh án điện tử tại các bệnh viện tuyến tỉnh.\n")
    assert not any(o.text.startswith("Công an tỉnh") for o in extract(headline, "bk2.txt").obligations)


def test_an_authors_byline_ends_the_text_and_bên_cạnh_đó_adds_a_task(extract):
    text = ("UBND tỉnh Hà Giang giao Sở Nội vụ rà soát thủ tục hành chính cấp xã.\n\n"
            "Bên cạnh đó, Sở Tài chính cần bố trí kinh phí cho Tổ công nghệ số cộng đồng.\n\n"
            "Công an tỉnh bảo đảm an toàn thông tin cho các hệ thống\n\nMINH ANH\n")
    texts = [o.text for o in extract(text, "hg.txt").obligations]
    assert any(t.startswith("Bên cạnh đó, Sở Tài chính") for t in texts)
    assert texts[-1] == "Công an tỉnh bảo đảm an toàn thông tin cho các hệ thống"


def test_a_recipients_list_ends_at_the_annexed_programmes_first_section(extract):
    text = ("Số: 15/NQ-CP\nHà Nội, ngày 10 tháng 3 năm 2026\n\nNGHỊ QUYẾT\n\nĐiều 1. Ban hành kèm theo Nghị quyết này "
            "Chương trình hành động.\n\nNơi nhận:\n- Các bộ, cơ quan ngang bộ;\n- Lưu: VT, KGVX.\n\nTM. CHÍNH PHỦ\n"
            "THỦ TƯỚNG\n\nCHƯƠNG TRÌNH HÀNH ĐỘNG\n\nI. MỤC TIÊU\n\n1. Hoàn thiện thể chế về dữ liệu số trong năm 2026.\n\n"
            "II. NHIỆM VỤ\n\n1. Các bộ xây dựng cơ sở dữ liệu chuyên ngành.\n")
    doc = extract(text, "nq.txt")
    first = next(o for o in doc.obligations if o.text.startswith("Hoàn thiện"))
    # the heading is not swallowed as one more recipient, so the item keeps its section
    assert first.section.startswith("I") and "MỤC TIÊU" in first.section


WEB_LIST = """UBND tỉnh Cao Bằng ban hành Kế hoạch phát triển thanh toán không dùng tiền mặt.
Mục tiêu đến năm 2026:
-
100% cơ sở khám chữa bệnh công lập chấp nhận thanh toán điện tử.
-
Tối thiểu 70% hộ kinh doanh có mã QR thanh toán.
Định hướng đến năm 2030:
-
90% giao dịch học phí được thanh toán trực tuyến.
Phấn đấu 80% chợ truyền thống có điểm thanh toán điện tử.
UBND tỉnh yêu cầu Sở Công Thương hướng dẫn các chợ truyền thống triển khai thanh toán điện tử.
"""


def test_a_bare_list_marker_marks_the_next_line_and_an_introducing_line_passes_its_deadline(extract):
    d = extract(WEB_LIST)
    items = [n for n in d.outline.children if n.kind == "item"]
    assert [d.source.text[n.start:n.end][:4] for n in items] == ["100%", "Tối ", "90% "]
    obs = {o.text[:12]: o for o in d.obligations}
    assert obs["100% cơ sở k"].deadline.date == "2026-12-31" and obs["100% cơ sở k"].deadline.inherited
    assert obs["Tối thiểu 70"].deadline.date == "2026-12-31"
    # "Định hướng đến năm 2030:" opening its line heads a list; it is no plan name's tail
    assert obs["90% giao dịc"].deadline.date == "2030-12-31"
    # a paragraph of the list whose marker the web lost still belongs to it; one that opens with a
    # directive of its own ends it
    assert obs["Phấn đấu 80%"].deadline.date == "2030-12-31"
    later = [o for o in d.obligations if o.text.startswith("UBND tỉnh yêu cầu")]
    assert later and all(o.deadline is None for o in later)


def test_a_plan_names_tail_is_still_no_deadline(extract):
    d = extract("Sở Tài chính bố trí kinh phí thực hiện Chương trình chuyển đổi số đến năm 2025, "
                "định hướng đến năm 2030 trong dự toán hằng năm.\n")
    assert d.obligations and all(o.deadline is None or o.deadline.date != "2030-12-31" for o in d.obligations)


def test_a_purpose_label_on_the_item_line_makes_it_a_purpose_item(extract):
    d = extract("KẾ HOẠCH\nỦy ban nhân dân tỉnh ban hành Kế hoạch như sau:\n1. Mục đích: Triển khai kịp thời, hiệu quả các giải pháp chuyển đổi số của tỉnh.\n"
                "2. Mục đích: Sở Y tế hoàn thành kết nối dữ liệu tiêm chủng.\n")
    # a purpose item counts only when it names who acts, a figure or a deadline
    assert [o.lead for o in d.obligations] == [["Sở Y tế"]]


def test_markdown_headings_head_sections_and_are_no_tasks(extract):
    d = extract("# NGHỊ QUYẾT\n## Ban hành Chương trình chuyển đổi số của tỉnh Vĩnh Long\n"
                "### 1. Nâng cao nhận thức về chuyển đổi số trong toàn xã hội\n"
                "a) Xây dựng chương trình tuyên truyền trên báo, đài của tỉnh.\n")
    assert [o.text for o in d.obligations] == ["Xây dựng chương trình tuyên truyền trên báo, đài của tỉnh."]
    assert "Nâng cao nhận thức" in d.obligations[0].section
