"""The annotated document: one Doc per input, layers in document offsets."""

LETTER = """UBND TỈNH BẾN TRE
Số: 45/KH-UBND
Bến Tre, ngày 12 tháng 3 năm 2024

II. NHIỆM VỤ

1. Sở Thông tin và Truyền thông chủ trì, phối hợp với Sở Nội vụ rà soát hạ tầng số, hoàn thành trước ngày 30/6/2024.

2. Phấn đấu 90% hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng.
"""


def test_layers_are_in_document_offsets(annotate):
    doc = annotate(LETTER)
    text = doc.user_data["text"]
    assert text == doc.text
    for key in ("agencies", "agencies_weak", "deadlines", "targets", "candidates", "obligations"):
        assert key in doc.spans
    for sp in doc.spans["agencies"]:
        m = sp._.value
        assert text[m.start:m.end] == m.text
    dl = [sp._.value for sp in doc.spans["deadlines"] if sp._.value.kind == "date"][0]
    assert text[dl.span_start:dl.span_end].endswith("30/6/2024") and dl.date == "2024-06-30"
    obs = [sp._.value for sp in doc.spans["obligations"]]
    assert len(obs) == 2
    for ob in obs:
        assert text[ob.start:ob.end].startswith(ob.text[:20])
        for t in ob.targets:
            assert text[t.start:t.end] == t.text   # no re-basing: targets keep document offsets
        for a in ob.agencies:
            if a.start is not None:
                assert text[a.start:a.end] == a.as_written


def test_window_mentions_are_local_and_convert_back(annotate):
    from extractor.nlp.document import Window

    doc = annotate(LETTER)
    text = doc.user_data["text"]
    a = text.index("1. Sở")
    w = Window(doc, a, text.index("\n", a))
    ms = w.mentions()
    assert [m.canonical for m in ms][:2] == ["Sở Thông tin và Truyền thông", "Sở Nội vụ"]
    assert w.text[ms[0].start:ms[0].end] == ms[0].text
    assert text[w.doc_offset(ms[0].start):w.doc_offset(ms[0].end)] == ms[0].text
