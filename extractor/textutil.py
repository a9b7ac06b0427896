"""Vietnamese text helpers shared by every stage: NFC, folding, syllable checks."""

from __future__ import annotations

import re
import unicodedata

# Vietnamese letters that carry marks, in NFC.  Used to judge whether a text
# layer or decoded byte stream "looks Vietnamese".
_VI_MARKED = set(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


# Kinds of official documents, folded; citations and legal bases start with one.
DOC_KINDS = (
    "luat", "hien phap", "nghi dinh", "nghi quyet", "quyet dinh", "thong tu", "chi thi", "cong van", "ke hoach",
    "thong bao", "de an", "chuong trinh", "chien luoc", "van ban", "to trinh", "bao cao", "huong dan", "ket luan",
)
DOC_KINDS_RX = "(?:" + "|".join(k.replace(" ", r"\s+") for k in DOC_KINDS) + ")"


# Icelandic eth (Ð U+00D0, ð U+00F0) looks like Vietnamese Đ/đ and stands for it in
# texts typed with old fonts or converted from VNI; it is never meant in Vietnamese.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def nfc(text: str) -> str:
    """NFC, with look-alike letters replaced by the Vietnamese ones (length-preserving)."""
    return unicodedata.normalize("NFC", text).translate(_LOOKALIKES)


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ->d: the key for tolerant matching.

    Length-preserving on NFC input for every Vietnamese letter (each base+marks
    cluster folds to one character), so offsets in a folded string match the
    NFC string's.
    """
    out = []
    for ch in text:
        if ch in "đĐðÐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base.lower() if len(base.lower()) == 1 else ch.lower())
    return "".join(out)


def fold_key(text: str) -> str:
    """fold() plus punctuation/space squeezing: a dictionary key for names."""
    t = fold(text)
    t = t.replace("&", " va ")
    t = re.sub(r"[^\w]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def vietnamese_ratio(text: str) -> float:
    """Share of alphabetic words containing a Vietnamese marked letter.

    Real Vietnamese prose sits around 0.5-0.8; an OCR layer without marks or
    TCVN3/VNI mojibake sits near 0 (or is full of odd symbols).
    """
    words = _WORD.findall(text.lower())
    if not words:
        return 0.0
    marked = sum(1 for w in words if any(c in _VI_MARKED for c in w))
    return marked / len(words)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def looks_like_text(text: str) -> bool:
    """Printable, mostly Latin/Vietnamese characters: decoded garbage fails this."""
    if not text:
        return False
    sample = text[:20000]
    printable = sum(1 for c in sample if c.isprintable() or c in "\n\r\t")
    latin = sum(1 for c in sample if ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF or 0x2000 <= ord(c) <= 0x206F
                or 0x300 <= ord(c) <= 0x36F)
    return printable / len(sample) >= 0.97 and latin / len(sample) >= 0.9
