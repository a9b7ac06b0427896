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


def _long_plan() -> str:
    """A made-up plan with sections I.-VI., each with numbered tasks (Phú Thọ)."""
    head = "UBND TỈNH PHÚ THỌ\nSố: 88/KH-UBND\nPhú Thọ, ngày 04 tháng 5 năm 2025\n\nKẾ HOẠCH\nChuyển đổi số năm 2025\n\n"
    agencies = ["Sở Y tế", "Sở Nội vụ", "Sở Tài chính", "Công an tỉnh", "Sở Giáo dục và Đào tạo"]
    parts = [head]
    for s, roman in enumerate(["I", "II", "III", "IV", "V", "VI"]):
        parts.append(f"{roman}. NHIỆM VỤ NHÓM {s + 1}\n\n")
        for k in range(1, 9):
            ag = agencies[(s + k) % len(agencies)]
            parts.append(f"{k}. {ag} chủ trì, phối hợp với Sở Khoa học và Công nghệ số hóa hồ sơ nhóm {s}-{k}, "
                         f"hoàn thành trước ngày {10 + k}/{6 + s % 6}.\n\n")
    return "".join(parts)


def test_a_long_text_is_annotated_in_bounded_chunks_with_the_same_obligations(pipeline, tmp_path, monkeypatch):
    from conftest import write
    from extractor.ingest import read
    from extractor.pipeline import chunk_bounds
    from extractor.rules import load_rules

    src = read(write(tmp_path, "long.txt", _long_plan()))
    whole = pipeline.structure_and_extract(src)
    rules = load_rules()
    real = rules.threshold
    limit = len(src.text) // 3
    monkeypatch.setattr(rules, "threshold", lambda k: limit if k == "document.chunk_chars" else real(k))
    bounds = chunk_bounds(src, limit)
    assert len(bounds) >= 3 and bounds[0][0] == 0 and bounds[-1][1] == len(src.text)
    assert all(b - a <= limit for a, b in bounds)
    # cuts fall before a top-level heading, so no section loses its title
    assert all(src.text[a:a + 4].split(".")[0] in ("I", "II", "III", "IV", "V", "VI") for a, _ in bounds[1:])
    made: list = []
    orig = pipeline.annotate
    monkeypatch.setattr(pipeline, "annotate", lambda s, head=None: made.append(len(s.text)) or orig(s, head))
    chunked = pipeline.structure_and_extract(src)
    assert len(made) == len(bounds) and max(made) <= limit
    key = lambda d: [(o.id, o.start, o.end, o.lead, o.support, o.deadline.date, o.source_line) for o in d.obligations]
    assert len(whole.obligations) == 48
    assert key(chunked) == key(whole)
    assert chunked.meta.number == "88/KH-UBND" and chunked.meta.issued_date == "2025-05-04"
    for ob in chunked.obligations:
        assert src.text[ob.start:ob.end].startswith(ob.text[:20])
        assert ob.deadline.date.startswith("2025-")  # the header's year dates "trước ngày 15/8" in later chunks
