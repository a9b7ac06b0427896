"""Directive classifier: made-up sentences from other provinces; accented and unaccented alike."""

import pytest

from extractor.extract.classify import DirectiveClassifier
from extractor.textutil import fold

CLF = DirectiveClassifier()


def directive(text: str, item: bool = False, mentions=()) -> bool:
    return CLF.is_directive(text, fold(text), list(mentions), False, False, item=item)


@pytest.mark.parametrize("text,expected", [
    ("Khai thác tối đa nguồn lực để đầu tư cho chuyển đổi số.", True),   # "tối đa" is not "đã"
    ("Do đó, mỗi cơ quan, đơn vị cần vạch ra lộ trình chuyển đổi số.", True),
    ("Thời gian qua, các cấp đã tập trung triển khai chuyển đổi số.", False),
    ("Tỉnh đã hoàn thành kết nối mạng truyền số liệu chuyên dùng.", False),
    ("Căn cứ Nghị định số 42/2022/NĐ-CP của Chính phủ;", False),
    ("(Báo Yên Bái) - Chủ tịch UBND tỉnh Yên Bái vừa có chỉ đạo đôn đốc triển khai dịch vụ công trực tuyến.", False),
    ("(Đài PT-TH) - Sáng 5/9, Ban Chỉ đạo phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số "
     "tỉnh Bắc Kạn (Ban Chỉ đạo tỉnh) tổ chức Hội nghị sơ kết công tác 8 tháng đầu năm 2025.", False),
    ("Triển khai Nghị quyết số 12/NQ-CP ngày 5/3/2025 của Chính phủ về chuyển đổi số;", False),  # the preamble
    ("Triển khai nền tảng học trực tuyến cho các trường trung học.", True),
    ("Yêu cầu các sở, ngành nghiêm túc triển khai thực hiện Công văn này.", False),
    ("Ủy ban nhân dân tỉnh yêu cầu như sau:", False),
    ("Hằng năm, tham mưu UBND tỉnh Phú Yên kế hoạch chuyển đổi số.", True),
    # what a document or a body is for, and events that took place, are news, not tasks
    ("Kế hoạch nhằm mục tiêu bảo đảm tiến độ xây dựng cơ sở dữ liệu ngành.", False),
    ("Ban này được thành lập nhằm giúp Chủ tịch UBND tỉnh Bình Thuận chỉ đạo chuyển đổi số.", False),
    ("Ngày 14/5, UBND tỉnh Hà Tĩnh tổ chức Lễ ra mắt Trung tâm điều hành thông minh.", False),
    ("Phó Chủ tịch UBND tỉnh Lê Văn Thành dự và phát biểu chỉ đạo Hội nghị.", False),
    ("Buổi lễ được tổ chức trực tiếp kết hợp trực tuyến tới 45 điểm cầu.", False),
    ("Các xã cần làm gì để nâng chỉ số DTI năm 2026?", False),
    # asking to report difficulties is a task, not the closing formula
    ("Trong quá trình thực hiện, nếu có vướng mắc, đề nghị các xã phản ánh về Sở Nội vụ để được hướng dẫn.", True),
])
def test_directive_filter(text, expected):
    assert directive(text) is expected


@pytest.mark.parametrize("text", [
    "Giao Sở Y tế chủ trì triển khai bệnh án điện tử tại các bệnh viện tuyến tỉnh.",
    "Căn cứ Luật Giao dịch điện tử ngày 22/6/2023;",
    "Trên đây là Kế hoạch chuyển đổi số của UBND tỉnh Sóc Trăng.",
])
def test_unaccented_text_is_classified_like_accented(text):
    # OCR and e-mail copies lose marks: the cue words are matched folded, so the answer is the same
    plain = fold(text).capitalize()
    assert directive(plain) is directive(text)


def test_bare_title_item_is_not_a_task_but_a_short_task_is():
    assert directive("Kinh phí thực hiện", item=True) is False
    assert directive("Tổ chức tập huấn kỹ năng số cho cán bộ cấp xã;", item=True) is True


def test_background_openers_and_past_results():
    assert CLF.is_background("Nhìn chung, hạ tầng số đã cơ bản đáp ứng yêu cầu.", fold("Nhìn chung, hạ tầng số đã cơ bản đáp ứng yêu cầu."))
    s = "Phấn đấu đạt tỷ lệ 80% hồ sơ được số hóa."
    assert not CLF.is_background(s, fold(s))


@pytest.mark.parametrize("text,expected", [
    ("Các sở, ngành rà soát các hồ sơ đã được số hóa trên hệ thống.", True),     # "đã" in a relative clause
    ("Quảng Bình đã chỉ đạo các sở, ngành đẩy mạnh thanh toán không dùng tiền mặt.", True),  # a reported directive
    ("Năm qua, tỉnh đã cấp 12.000 chữ ký số cho người dân.", False),             # a result
    ("Tỉnh sẽ xây dựng trung tâm điều hành thông minh trong năm 2026.", True),     # a future commitment
])
def test_past_marker_only_when_the_action_is_done(text, expected, gazetteer):
    assert directive(text, mentions=gazetteer.find(text)) is expected


def test_announced_intro_is_no_task_however_long_its_purpose_clause():
    long_intro = ("Để khắc phục tình trạng trên và thực hiện tốt Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng "
                  "Chính phủ" + ", Kế hoạch số 12/KH-UBND ngày 01/02/2021 của UBND tỉnh Gia Lai" * 8 + ", UBND tỉnh chỉ đạo như sau:")
    assert len(long_intro) > 400 and directive(long_intro) is False
    # "… các nhiệm vụ, giải pháp … sau:" announces the list as "như sau:" does
    named = ("Để khắc phục những hạn chế nêu trên và nâng cao chất lượng dịch vụ công trực tuyến tại các sở, ngành và "
             "địa phương, Chủ tịch UBND tỉnh Bình Định yêu cầu Thủ trưởng các sở, ban, ngành, Chủ tịch UBND các xã, "
             "phường tập trung chỉ đạo, tổ chức thực hiện nghiêm, đầy đủ, kịp thời, có hiệu quả các nhiệm vụ, giải pháp về "
             "cải cách thủ tục hành chính, dịch vụ công trực tuyến và chuyển đổi số trong năm 2026 sau:")
    assert len(named) > 400 and directive(named) is False
    assert directive("Yêu cầu các xã rà soát thủ tục sau khi sáp nhập:") is False  # short: an intro anyway


@pytest.mark.parametrize("dateline", ["(Baoquangngai.vn) - ", "(Cổng TTĐT tỉnh Kon Tum) - ", "(CT) – "])
def test_a_news_dateline_of_any_length_opens_background(dateline):
    # portals put their own name, often several words, before the lead sentence
    s = dateline + "Năm 2025, tỉnh đã cấp 15.000 tài khoản định danh điện tử mức độ 2."
    assert CLF.is_background(s, fold(s))


def test_a_causes_paragraph_is_background():
    s = ("Nguyên nhân của những hạn chế trên là hạ tầng công nghệ thông tin tại một số xã chưa đồng bộ, "
         "cán bộ cần được bồi dưỡng thêm.")
    assert CLF.is_background(s, fold(s))


@pytest.mark.parametrize("text,expected", [
    ("UBND tỉnh Bến Tre vừa ban hành Công văn số 215/UBND-KT về đẩy mạnh thanh toán không dùng tiền mặt.", False),
    ("Phó Chủ tịch UBND tỉnh Trà Vinh vừa ký ban hành Kế hoạch số 77/KH-UBND về chuyển đổi số.", False),
    ("Thông báo số 51/TB-VPCP ngày 3/3/2025 kết luận cuộc họp về Đề án 06.", False),
    ("Chủ tịch UBND tỉnh Sóc Trăng vừa chủ trì cuộc họp về chính quyền số.", False),
    # the news of a document that goes on to hand a task over is a directive
    ("UBND tỉnh Bạc Liêu vừa ban hành Công văn số 90/UBND-VX, yêu cầu các sở rà soát dịch vụ công trực tuyến.", True),
    # "giáo dục" is no hand-over; "thực hiện một số công việc" announces the tasks the article lists next
    ("UBND tỉnh Hòa Bình vừa ban hành văn bản số 88/UBND-VX về chuyển đổi số trong giáo dục và y tế.", False),
    ("Thống đốc NHNN vừa ban hành văn bản số 512/NHNN-TT yêu cầu chi nhánh thực hiện một số công việc để "
     "đẩy mạnh thanh toán trong giáo dục.", False),
    # an imperative "ban hành" is a task
    ("Khẩn trương ban hành Kế hoạch thực hiện Chương trình chuyển đổi số năm 2026.", True),
])
def test_news_of_a_document_is_no_obligation(text, expected):
    assert directive(text) is expected


def test_enacting_and_execution_clauses_direct_no_one(extract):
    text = ("QUYẾT ĐỊNH\n\nĐiều 1. Ban hành kèm theo Quyết định này Kế hoạch chuyển đổi số năm 2026 của tỉnh Yên Bái.\n\n"
            "Điều 2. Sở Khoa học và Công nghệ chủ trì theo dõi, đôn đốc thực hiện Kế hoạch.\n\n"
            "Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc các sở, Chủ tịch UBND các xã chịu trách nhiệm "
            "thi hành Nghị quyết này.\n\nĐiều 4. Quyết định này có hiệu lực thi hành sau 10 ngày kể từ ngày ký.\n\n"
            "Sở Giáo dục và Đào tạo ban hành kèm theo văn bản này Hướng dẫn học bạ số.\n\n"
            "Sở Y tế thực hiện báo cáo theo biểu mẫu kèm theo văn bản này.\n")
    doc = extract(text, "qd.txt")
    assert [o.text[:20] for o in doc.obligations] == ["Sở Khoa học và Công ", "Sở Y tế thực hiện bá"]


def test_a_background_opener_does_not_drop_the_directives_after_it(extract):
    text = ("Thời gian qua, tỉnh Lạng Sơn đã triển khai nhiều nền tảng số. Ứng dụng công nghệ số trong giao thông "
            "chưa đáp ứng yêu cầu. Tỷ lệ hồ sơ trực tuyến đạt 61%. Các sở, ban, ngành cần rà soát quy trình nội bộ "
            "trước ngày 30/9/2025.\n")
    doc = extract(text, "ls.txt")
    # the first three report; the last names who acts and uses a modal
    assert [o.text[:22] for o in doc.obligations] == ["Các sở, ban, ngành cần"]


def test_purpose_items_count_only_when_they_name_someone_or_a_figure(extract):
    text = ("KẾ HOẠCH\nChuyển đổi số tỉnh Tây Ninh năm 2026\n\nI. MỤC ĐÍCH, YÊU CẦU\n\n"
            "1. Quán triệt đầy đủ quan điểm, mục tiêu về chuyển đổi số.\n\n"
            "2. Xác định nhiệm vụ cụ thể để các sở, ban, ngành triển khai.\n\n"
            "3. Phấn đấu 90% hồ sơ được xử lý trực tuyến.\n\n"
            "II. NHIỆM VỤ\n\n1. Nâng cấp hạ tầng mạng nội bộ của cơ quan.\n")
    doc = extract(text, "tn.txt")
    assert [o.text[:14] for o in doc.obligations] == ["Xác định nhiệm", "Phấn đấu 90% h", "Nâng cấp hạ tầ"]
    assert doc.obligations[0].lead == ["Các sở, ban, ngành"]  # the agencies it names are the ones to act


def test_issuing_a_numbered_document_is_news_and_drafting_one_is_a_task(extract):
    text = ("Sau hợp nhất tỉnh, UBND tỉnh ban hành Quyết định số 512/QĐ-UBND ngày 02/9/2025 về Quy chế làm việc.\n\n"
            "Bí thư Tỉnh ủy Lò Văn A - Trưởng Ban Chỉ đạo, Chủ tịch UBND tỉnh Hà Văn B - Phó Trưởng Ban chủ trì.\n\n"
            "Sở Nội vụ tham mưu UBND tỉnh ban hành Quyết định quy định chức năng của các phòng trước ngày 30/10/2025.\n")
    doc = extract(text, "qn.txt")
    assert [o.text[:9] for o in doc.obligations] == ["Sở Nội vụ"]


def test_a_past_marker_in_a_condition_does_not_make_a_report(extract):
    text = ("Các chế độ báo cáo giấy sẽ được bãi bỏ nếu đã có dữ liệu số thay thế.\n\n"
            "Năm 2025, tỉnh Bình Phước đã hoàn thành số hóa 90% hồ sơ.\n")
    doc = extract(text, "bp.txt")
    assert [o.text[:14] for o in doc.obligations] == ["Các chế độ báo"]


def test_a_future_main_clause_is_not_undone_by_a_relative_past():
    # "đã có" qualifies "các giải pháp"; the sentence says what the province will do
    assert directive("Giai đoạn 2026-2027, tỉnh Tây Ninh sẽ nâng cấp nền tảng số trên cơ sở các giải pháp đã có.")
    assert not directive("Giai đoạn 2021-2025, tỉnh Tây Ninh đã nâng cấp nền tảng số.")


@pytest.mark.parametrize("text,expected", [
    # a person comments: a figure or a duty word inside the comment's object is no task
    ("Thứ trưởng Nguyễn Văn An cho rằng việc số hóa hồ sơ là công việc khó, đòi hỏi sự vào cuộc của nhiều năm 2026.", False),
    ("Phát biểu tại hội nghị, Chủ tịch UBND tỉnh Hà Nam, ông Trần Văn B nhấn mạnh: 90% người dân đã dùng VNeID.", False),
    ("Giám đốc Sở Tài chính Lê C trình bày báo cáo tóm tắt kết quả năm 2025.", False),
    # praise, or a result the speaker reports, unless they also hand work over
    ("Phát biểu chỉ đạo, Phó Thống đốc Lê E ghi nhận những nỗ lực của trung tâm, bảo đảm khắc phục các tồn đọng.", False),
    ("Ông Trần F - Cục trưởng Cục Tin học cho biết, đến nay ngành đã có 12 triệu hồ sơ được đối chiếu sinh trắc học.", False),
    ("Bộ trưởng biểu dương các đơn vị, đồng thời yêu cầu Cục Tin học bảo đảm an toàn dữ liệu.", True),
    ("Bên cạnh đó,   ông Trần G cho biết, toàn tỉnh đã có 120 điểm phục vụ bưu chính có kết nối.", False),
    ("Tổng Bí thư phát biểu tại hội nghị tổng kết công tác năm 2025 và phương hướng, nhiệm vụ năm 2026", False),
    # what they say carries its own cue
    ("Bà Lê Thị D nhấn mạnh, để đạt 94 tiêu chí, các xã cần hoàn thiện hạ tầng số trước tháng 6/2026.", True),
    ("Phó Chủ tịch UBND tỉnh Gia Lai nêu rõ: khẩn trương rà soát toàn bộ thủ tục hành chính cấp xã.", True),
    # a document restating its content is no speaker
    ("Kế hoạch nhấn mạnh yêu cầu số hóa 100% kết quả giải quyết thủ tục hành chính.", True),
])
def test_what_a_person_says_is_a_task_only_by_its_own_cue(text, expected):
    assert directive(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("Đó là chỉ đạo của Chủ tịch UBND tỉnh Phú Yên tại hội nghị sơ kết Đề án 06.", False),
    ("BPT - Đây chính là yêu cầu của Thủ tướng tại Chỉ thị về thanh toán không dùng tiền mặt.", False),
    ("Đồng thời, đây là nhiệm vụ trọng tâm của các cấp trong năm 2026.", False),
    ("Đôn đốc các xã hoàn thành số hóa hồ sơ đất đai.", True),
])
def test_a_this_is_sentence_says_what_something_is(text, expected):
    assert directive(text) is expected


def test_the_name_ban_chi_dao_is_no_modal():
    assert directive("Ban Chỉ đạo phát triển khoa học, công nghệ và chuyển đổi số tỉnh Bình Long đang "
                     "triển khai các nhiệm vụ phục vụ chính quyền hai cấp.") is False
    assert directive("Hội nghị Ban Chỉ đạo về chuyển đổi số tỉnh năm 2025 diễn ra chiều ngày 23/12.") is False
    assert directive("Chủ tịch UBND tỉnh chỉ đạo các xã hoàn thành số hóa hồ sơ trong tháng 10.") is True


def test_a_general_objectives_intro_makes_a_purpose_section_until_the_specific_ones(extract):
    text = ("UBND tỉnh Bình Long ban hành Kế hoạch chuyển đổi số năm 2026.\n\n"
            "Với mục tiêu chung bao gồm:\n\n"
            "Phát triển hạ tầng số: Phục vụ các hoạt động thiết yếu của xã hội trên môi trường số.\n\n"
            "Phát triển chính quyền số: Tích cực chuyển đổi số toàn diện trong hệ thống chính trị.\n\n"
            "Mục tiêu cụ thể, tỉnh phấn đấu 100% xã có cụm loa truyền thanh ứng dụng công nghệ số.\n\n"
            "Hoàn thành kết nối mạng truyền số liệu chuyên dùng đến cấp xã.\n")
    doc = extract(text, "goals.txt")
    texts = [o.text[:22] for o in doc.obligations]
    assert not any(t.startswith("Phát triển") for t in texts)  # general objectives: no one named, no figure
    assert "Hoàn thành kết nối mạ" in [t[:21] for t in texts]  # after the specific objectives open
