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
