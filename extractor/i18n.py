"""User-facing messages in Vietnamese when the locale is Vietnamese (LANGUAGE/LC_ALL/LC_MESSAGES/LANG
starting with ``vi``), English otherwise.

The catalogue is the gettext source ``extractor/locale/vi/LC_MESSAGES/extractor.po``; it is compiled in
memory (the few lines of msgfmt this needs), so no binary .mo file is kept in the repository and no
msgfmt is needed at build time.
"""

from __future__ import annotations

import ast
import gettext
import io
import os
import struct
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"


def _lang() -> str:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        v = os.environ.get(var)
        if v:
            return v.split(":")[0].split("_")[0].split(".")[0].lower()
    return "en"


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (plain entries; empty translations left out)."""
    out: dict[str, str] = {}
    cur, buf = None, {"msgid": "", "msgstr": ""}

    def flush():
        if buf["msgid"] and buf["msgstr"]:
            out[buf["msgid"]] = buf["msgstr"]

    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            buf = {"msgid": "", "msgstr": ""}
            cur, line = "msgid", line[6:]
        elif line.startswith("msgstr "):
            cur, line = "msgstr", line[7:]
        if cur and line.startswith('"'):
            buf[cur] += ast.literal_eval(line)
    flush()
    return out


def compile_mo(messages: dict[str, str]) -> bytes:
    """GNU .mo bytes for ``messages`` (the layout of CPython's Tools/i18n/msgfmt.py)."""
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for k in keys:
        kb, vb = k.encode(), messages[k].encode()
        offsets.append((len(ids), len(kb), len(strs), len(vb)))
        ids += kb + b"\0"
        strs += vb + b"\0"
    header = {"": "Content-Type: text/plain; charset=UTF-8\n"}
    if "" not in messages:  # charset header so gettext decodes UTF-8
        return compile_mo({**header, **messages})
    n = len(keys)
    keystart = 7 * 4 + 16 * n
    valuestart = keystart + len(ids)
    koffsets, voffsets = [], []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    return (struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
            + struct.pack(f"{len(koffsets)}i", *koffsets) + struct.pack(f"{len(voffsets)}i", *voffsets) + ids + strs)


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "extractor.po"
    if not po.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_mo(parse_po(po.read_text(encoding="utf-8")))))


def _(message: str) -> str:
    """``message`` in the user's language (format placeholders are kept: translate first, then .format)."""
    return translations(_lang()).gettext(message)
