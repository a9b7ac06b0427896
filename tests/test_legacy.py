"""Legacy Vietnamese encodings: TCVN3 (ABC), VNI, VIQR -> Unicode NFC."""

from __future__ import annotations

import unicodedata

import pytest

from extractor.ingest import legacy

UNI = ("Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc. Ủy ban nhân dân tỉnh Lâm Đồng "
       "yêu cầu các sở, ngành thực hiện chuyển đổi số trước ngày 31 tháng 12 năm 2025; ưu tiên ứng dụng, "
       "kỹ năng, dữ liệu, người dân, quyết định, phường, xã, huyện, đặc khu, thường xuyên.")


def test_tcvn3_sample():
    # Bytes as a .VnTime font shows them through Windows-1252/Latin-1
    moji = "Céng hßa x· héi chñ nghÜa ViÖt Nam. §éc lËp - Tù do - H¹nh phóc"
    assert legacy.detect(moji * 3) == "tcvn3"
    out = legacy.tcvn3_to_unicode(moji)
    assert out == "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc"
    assert unicodedata.is_normalized("NFC", out)


def test_tcvn3_full_table_round_trip():
    inv = {u: b for b, u in legacy._TCVN3_BYTES.items()}
    # every lower-case toned vowel and the upper-case shape letters appear in the table once
    lower = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    assert all(ch in inv for ch in lower) and all(ch in inv for ch in "ĂÂÊÔƠƯĐ")
    assert len(set(legacy._TCVN3_BYTES.values())) == len(legacy._TCVN3_BYTES)
    text = UNI.lower()
    moji = "".join(chr(inv[ch]) if ch in inv else ch for ch in text)
    assert legacy.fix(moji) == (text, "tcvn3")


def _to_vni(s: str) -> str:
    tone = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
    circ = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
    brev = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
    i_tone = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}
    out = []
    for ch in s:
        if ch in "đĐ":
            out.append("ñ" if ch == "đ" else "Ñ")
            continue
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        up = (lambda x: x.upper()) if base.isupper() else (lambda x: x)
        shape = [m for m in marks if m in "\u0302\u0306\u031b"]
        tn = "".join(m for m in marks if m in tone)
        if base.lower() == "i" and tn:
            out.append(up(i_tone[tn]))
        elif base.lower() == "y" and tn == "\u0323":
            out.append(up("î"))
        elif shape == ["\u0302"]:
            out.append(base + up(circ[tn]))
        elif shape == ["\u0306"]:
            out.append(base + up(brev[tn]))
        elif shape == ["\u031b"]:
            out.append(up({"o": "ô", "u": "ö"}[base.lower()]) + (up(tone[tn]) if tn else ""))
        elif tn:
            out.append(base + up(tone[tn]))
        else:
            out.append(ch)
    return "".join(out)


def test_vni_sample_and_round_trip():
    moji = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam. Ñoäc laäp - Töï do - Haïnh phuùc"
    assert legacy.vni_to_unicode(moji) == "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc"
    enc = _to_vni(UNI)
    assert legacy.detect(enc) == "vni"
    assert legacy.fix(enc) == (UNI, "vni")


def test_viqr():
    q = ("Co^.ng ho`a xa~ ho^.i chu? nghi~a Vie^.t Nam. DDo^.c la^.p - Tu+. do - Ha.nh phu'c. "
         "U?y ban nha^n da^n ti?nh La^m DDo^`ng ye^u ca^`u ca'c so+?, nga`nh thu+.c hie^.n chuye^?n ddo^?i so^'.")
    assert legacy.detect(q) == "viqr"
    out, enc = legacy.fix(q)
    assert enc == "viqr"
    assert out.startswith("Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc.")
    assert out.endswith("Ủy ban nhân dân tỉnh Lâm Đồng yêu cầu các sở, ngành thực hiện chuyển đổi số.")
    assert legacy.viqr_to_unicode("Ha` No^.i\\.") == "Hà Nội."


@pytest.mark.parametrize("text", [
    UNI,
    "The quick brown fox jumps over the lazy dog, again and again, for the test.",
    "Số: 329/BC-UBND; 17,50; 97,14%; 2025-2030; (1) (2) (3) ...",
])
def test_unicode_and_plain_text_are_left_alone(text):
    assert legacy.detect(text) is None
    assert legacy.fix(text) == (text, None)
