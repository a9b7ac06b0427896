"""Legacy Vietnamese encodings -> Unicode NFC: TCVN3 (ABC), VNI (Windows) and VIQR.

Older documents typed with .VnTime (TCVN3) or VNI-Times fonts extract from
PDFs and Word files as mojibake: the font's bytes come out as Windows-1252 /
Latin-1 characters ("Céng hßa" for TCVN3, "Coäng hoøa" for VNI).  VIQR is
plain ASCII with the marks typed after the letter ("Co^.ng ho`a").

``detect(text)`` names the encoding a string looks like (or None);
``to_unicode(text, encoding)`` converts; ``fix(text)`` does both and only
keeps the conversion when the result reads as more Vietnamese than the input.

The tables follow TCVN 5712:1993 "VN3" (the ABC font set: lower-case codes,
upper-case toned vowels drawn by the ...H fonts with the same codes) and the
VNI Windows two-byte scheme (base letter + mark byte).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from extractor.textutil import nfc, vietnamese_ratio

# --------------------------------------------------------------------------- TCVN3 (ABC)

# byte -> Unicode for the ABC/VN3 code points above 0x7F.
_TCVN3_BYTES: dict[int, str] = {
    # upper-case vowels without tone (and Đ)
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    # lower-case base letters with shape marks
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    # a
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    # ă
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    # â
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    # e
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    # ê
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    # i
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    # o
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    # ô
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    # ơ
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    # u
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    # ư
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    # y
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}


def _byte_of(ch: str) -> Optional[int]:
    """The font byte a mojibake character stands for (Latin-1 or Windows-1252 view)."""
    o = ord(ch)
    if 0xA0 <= o <= 0xFF:
        return o
    try:
        b = ch.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return b[0] if len(b) == 1 else None


_TCVN3_CHARS: dict[str, str] = {chr(b): u for b, u in _TCVN3_BYTES.items()}
# Windows-1252 renderings of the same bytes (a few viewers use them).
for _b, _u in list(_TCVN3_BYTES.items()):
    try:
        _c = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        continue
    _TCVN3_CHARS.setdefault(_c, _u)

# Characters that never occur in Unicode Vietnamese but are frequent in TCVN3 mojibake.
_TCVN3_SIGNS = set("µ¶·¸¹¨»¼½¾Æ©ÇÈÉË®ÌÎÏÐÑªÒÓÔÕÖ×ØÜÝÞßåæç«¬ëîïñö÷øþ¡¢£¤¥¦§") - set(
    "àáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
)


def tcvn3_to_unicode(text: str) -> str:
    out = []
    for ch in text:
        out.append(_TCVN3_CHARS.get(ch, ch))
    return nfc("".join(out))


# --------------------------------------------------------------------------- VNI

# Mark bytes, shown as their Windows-1252 characters (lower case; upper case below).
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_TONES_UP = {"Ù": "\u0301", "Ø": "\u0300", "Û": "\u0309", "Õ": "\u0303", "Ï": "\u0323"}
# circumflex + tone (after a, e, o)
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_CIRC_UP = {"Â": "", "Á": "\u0301", "À": "\u0300", "Å": "\u0309", "Ã": "\u0303", "Ä": "\u0323"}
# breve + tone (after a)
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_BREVE_UP = {"Ê": "", "É": "\u0301", "È": "\u0300", "Ú": "\u0309", "Ü": "\u0303", "Ë": "\u0323"}
# one-byte letters
_VNI_SINGLE = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì", "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị",
    "î": "ỵ", "Î": "Ỵ",
}
_VNI_SIGNS = set("øûïöñæ") | set("ØÛÏÖÑÆ")


def vni_to_unicode(text: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        low = ch.lower()
        up = ch.isupper()
        if low in "aeo" and nxt:
            circ = _VNI_CIRC_UP if up else _VNI_CIRC
            # VNI documents mix cases rarely; accept either case for the mark byte.
            mark = circ.get(nxt) if nxt in circ else (_VNI_CIRC.get(nxt) if nxt in _VNI_CIRC else _VNI_CIRC_UP.get(nxt))
            if mark is not None:
                out.append(ch + "\u0302" + mark)
                i += 2
                continue
            if low == "a":
                mark = _VNI_BREVE.get(nxt, _VNI_BREVE_UP.get(nxt))
                if mark is not None:
                    out.append(ch + "\u0306" + mark)
                    i += 2
                    continue
        if low in "aeouy" or ch in "ôÔöÖ":
            base = _VNI_SINGLE.get(ch, ch) if ch in "ôÔöÖ" else ch
            if nxt:
                mark = _VNI_TONES.get(nxt, _VNI_TONES_UP.get(nxt))
                if mark is not None:
                    out.append(base + mark)
                    i += 2
                    continue
            out.append(base)
            i += 1
            continue
        out.append(_VNI_SINGLE.get(ch, ch))
        i += 1
    return nfc("".join(out))


# --------------------------------------------------------------------------- VIQR

_VIQR_TONE = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_SHAPE = {"^": "\u0302", "(": "\u0306", "+": "\u031b"}
_VIQR_TOKEN = re.compile(
    r"(?P<dd>[dD][dD])|(?P<v>[aeiouyAEIOUY])(?P<s>[\^(+])?(?P<t>['`?~.])?", re.UNICODE
)


def viqr_to_unicode(text: str) -> str:
    def repl(m: re.Match) -> str:
        if m.group("dd"):
            return "đ" if m.group("dd")[0] == "d" else "Đ"
        v, s, t = m.group("v"), m.group("s"), m.group("t")
        shape = ""
        if s:
            if _shape_ok(v, s):
                shape = _VIQR_SHAPE[s]
            else:
                shape, t = s + (t or ""), None  # "i^" is not a letter: keep literally
        if t:
            after = text[m.end():m.end() + 1]
            # "." after a bare vowel at a word end is a full stop, "?" at a line end
            # a question mark; anywhere else they are tones (strict VIQR escapes
            # literal marks with a backslash, which we honour below).
            if not shape and ((t == "." and not after.isalpha()) or (t == "?" and after in ("", "\n", "\r"))):
                return v + t
            return v + shape + _VIQR_TONE[t]
        return v + shape

    # "\\." and "\\?" are literal punctuation in VIQR: protect them first.
    protected = text.replace("\\.", "\x00").replace("\\?", "\x01")
    out = _VIQR_TOKEN.sub(repl, protected)
    return nfc(out.replace("\x00", ".").replace("\x01", "?"))


def _shape_ok(v: str, s: str) -> bool:
    v = v.lower()
    return (s == "^" and v in "aeo") or (s == "(" and v == "a") or (s == "+" and v in "ou")


# --------------------------------------------------------------------------- detection

_WORD = re.compile(r"\S+")
_VIQR_HINT = re.compile(r"[aeiouyAEIOUY](?:[\^(+][`'?~.]?|[`'~])[a-zA-Z]|[aeiouyAEIOUY][\^(+]?[`'?~]|\b[dD][dD][aeiouAEIOU]")


def detect(text: str) -> Optional[str]:
    """Return "tcvn3", "vni" or "viqr" when ``text`` looks like that encoding, else None."""
    sample = text[:20000]
    words = _WORD.findall(sample)
    if len(words) < 3:
        return None
    if vietnamese_ratio(nfc(sample)) >= 0.3 and not any(ch in _TCVN3_SIGNS for ch in sample[:2000]):
        return None
    n = len(words)
    tcvn = sum(1 for w in words if any(ch in _TCVN3_SIGNS for ch in w)) / n
    vni = sum(1 for w in words if _looks_vni(w)) / n
    viqr = sum(1 for w in words if _VIQR_HINT.search(w)) / n
    best = max((tcvn, "tcvn3"), (vni, "vni"), (viqr, "viqr"))
    if best[0] < 0.08:
        return None
    # Confirm: the conversion must read as Vietnamese.
    converted = to_unicode(sample, best[1])
    if vietnamese_ratio(converted) < max(0.2, vietnamese_ratio(nfc(sample)) + 0.1):
        return None
    return best[1]


def _looks_vni(w: str) -> bool:
    for i, ch in enumerate(w):
        if ch in _VNI_SIGNS:
            return True
        if i and w[i - 1].lower() in "aeouy" and (ch in _VNI_TONES or ch in _VNI_TONES_UP):
            return True
        if i and w[i - 1].lower() in "aeo" and ch in "âáàåãäÂÁÀÅÃÄ" and (i + 1 < len(w)):
            return True
    return False


def to_unicode(text: str, encoding: str) -> str:
    if encoding == "tcvn3":
        return tcvn3_to_unicode(text)
    if encoding == "vni":
        return vni_to_unicode(text)
    if encoding == "viqr":
        return viqr_to_unicode(text)
    raise ValueError(encoding)


def fix(text: str) -> tuple[str, Optional[str]]:
    """Convert ``text`` if it is legacy-encoded; return (text, encoding or None)."""
    enc = detect(text)
    if enc is None:
        return text, None
    return to_unicode(text, enc), enc


def is_decomposed(text: str) -> bool:
    return unicodedata.normalize("NFC", text) != text
