"""Text ingest: NFC, markup stripping with offsets, flattened tables, encodings, bad input."""

import unicodedata

import pytest

from extractor.errors import InputError
from extractor.ingest import read, sniff
from conftest import write


def test_markdown_is_stripped_and_offsets_map_back(tmp_path):
    src = "# **KẾ HOẠCH**\n\n**2. Sở Y tế:** Triển khai *bệnh án điện tử*.\n"
    p = write(tmp_path, "a.md", src)
    s = read(p)
    assert "**" not in s.text and "#" not in s.text
    i = s.text.index("bệnh án")
    assert src[s.to_source(i):s.to_source(i) + 7] == "bệnh án"
    line = s.line_at(s.text.index("Sở Y tế"))
    assert line is not None and any(s.text[a:b] == "2. Sở Y tế:" for a, b in line.emph)
    assert s.lines[0].heading


def test_text_is_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Sở Thông tin và Truyền thông chủ trì.")
    s = read(write(tmp_path, "nfd.txt", decomposed))
    assert s.text.strip() == "Sở Thông tin và Truyền thông chủ trì."


def test_icelandic_eth_is_read_as_vietnamese_d(tmp_path, pipeline):
    # old fonts and VNI conversions type "Ð" (U+00D0) for "Đ": "Ðồng thời, giao Sở ..." must read as a frame
    s = read(write(tmp_path, "eth.txt", "Ðồng thời, giao Giám đốc Sở Nội vụ rà soát vị trí việc làm ðến năm 2026.\n"))
    assert "\u00d0" not in s.text and "\u00f0" not in s.text and s.text.startswith("Đồng thời")
    doc = pipeline.structure_and_extract(s)
    assert [o.lead for o in doc.obligations] == [["Sở Nội vụ"]]


def test_flattened_table_rows_and_empty_cells(tmp_path):
    src = "\n".join([
        "|", "STT |", "Nội dung nhiệm vụ |", "Cơ quan chủ trì |", "Cơ quan phối hợp |", "Thời gian thực hiện |",
        "|", "1 |", "Số hóa hồ sơ |", "Sở Tư pháp |", "|", "Năm 2025 |",
        "|", "2 |", "Xây dựng kho dữ liệu", "dùng chung của tỉnh |", "Sở KH&CN |", "Các sở, ngành |", "2025 - 2026 |",
        "Văn bản kết thúc ở đây.",
    ])
    s = read(write(tmp_path, "t.txt", src))
    (t,) = s.tables
    cells = [[s.text[c.start:c.end] for c in r] for r in t.rows]
    assert cells[0] == ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]
    assert cells[1] == ["1", "Số hóa hồ sơ", "Sở Tư pháp", "", "Năm 2025"]
    assert cells[2][1] == "Xây dựng kho dữ liệu dùng chung của tỉnh"  # a cell wrapped over two lines
    assert "Văn bản kết thúc ở đây." in [s.text[l.start:l.end] for l in s.lines]


def test_one_line_markdown_rows(tmp_path):
    s = read(write(tmp_path, "m.md", "| Số hiệu | 12/KH-UBND |\n|---|---|\n| Người ký | Lê Văn A |\n"))
    assert [[s.text[c.start:c.end] for c in r] for r in s.tables[0].rows] == [["Số hiệu", "12/KH-UBND"], ["Người ký", "Lê Văn A"]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "cp1258", "utf-8-sig"])
def test_other_encodings(tmp_path, encoding):
    text = "Sở Nội vụ chủ trì, hoàn thành trước ngày 30/6/2025."
    if encoding == "cp1258":
        # Windows-1258 has the vowels with circumflex/breve/horn but writes tones as combining marks
        tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
        out = []
        for ch in text:
            d = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
            out.append(base + "".join(c for c in d if c in tones))
        p = tmp_path / "w.txt"
        p.write_bytes("".join(out).encode("cp1258"))
    else:
        p = write(tmp_path, "e.txt", text, encoding)
    s = read(p)
    assert s.text.strip() == text


@pytest.mark.parametrize("content,message", [
    (b"", "empty file"),
    (b"   \n\n  ", "no text"),
    (b"\x00\x01\x02\x03binary\x00\x00\xff\xfe\x00garbage" * 20, "binary"),
    (bytes(range(128, 256)) * 10, "not valid"),
])
def test_bad_input_is_one_clear_line(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        read(p)
    assert message in str(e.value) and "bad.txt" in str(e.value) and "\n" not in str(e.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        read(tmp_path)


def test_sniff_by_content_not_extension():
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "image"
    assert sniff(b"PK\x03\x04" + b"[Content_Types].xml word/document.xml") == "docx"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == "doc"
    assert sniff("Kính gửi".encode()) == "text"
