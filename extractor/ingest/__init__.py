"""Ingest stage: any input file -> SourceText.

The kind is detected from the bytes, not the extension; readers are looked up
in ``READERS`` and imported lazily so that a text-only run never loads
pdfplumber, Tesseract bindings or python-docx.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Callable, Optional

from extractor.errors import InputError
from extractor.model import SourceText

# kind -> "module:function"; each function takes (path, data: bytes, sha256) -> SourceText
READERS: dict[str, str] = {
    "text": "extractor.ingest.text:read_text",
    "pdf": "extractor.ingest.pdf:read_pdf",
    "image": "extractor.ingest.image:read_image",
    "docx": "extractor.ingest.docx:read_docx",
    "doc": "extractor.ingest.doc:read_doc",
}

MAX_BYTES = 200 * 1024 * 1024  # larger inputs are refused rather than read into memory
# Set by batch workers: a per-page progress callback (pages read or OCR'd, total)
# and the page budget of one document; both None for a plain read.
PAGE_HOOK: Optional[Callable[[int, int], None]] = None
MAX_PAGES: Optional[int] = None


def page_done(done: int, total: int) -> None:
    if PAGE_HOOK is not None:
        try:
            PAGE_HOOK(done, total)
        except Exception:  # progress must never break a read
            pass


SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".docx", ".doc"}


def sniff(data: bytes) -> str:
    """Return the input kind from magic bytes ("text" when nothing else fits)."""
    head = data[:16]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff"):
        return "image"
    if head.startswith(b"II*\x00") or head.startswith(b"MM\x00*"):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536]:
            return "docx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    return "text"


def get_reader(kind: str) -> Callable[[str, bytes, str], SourceText]:
    target = READERS.get(kind)
    if target is None:
        raise KeyError(kind)
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def read(path: str | Path) -> SourceText:
    """Read one file into a SourceText, or raise InputError with a one-line reason."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "no such file")
    if p.is_dir():
        raise InputError(str(p), "is a folder, not a file")
    size = p.stat().st_size
    if size == 0:
        raise InputError(str(p), "empty file")
    if size > MAX_BYTES:
        raise InputError(str(p), f"file too large ({size / 1e6:.0f} MB > {MAX_BYTES / 1e6:.0f} MB)")
    data = p.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(data)
    if kind == "zip":
        raise InputError(str(p), "a ZIP archive that is not a Word document")
    suffix = p.suffix.lower()
    declared = {".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".png": "image", ".jpg": "image",
                ".jpeg": "image", ".tif": "image", ".tiff": "image"}.get(suffix)
    try:
        reader = get_reader(kind)
    except (KeyError, ImportError) as e:
        raise InputError(str(p), f"cannot read {kind} files in this installation ({e})") from e
    src = reader(str(p), data, sha)
    if declared and declared != kind:
        src.warnings.append(f"{p.name}: extension says {declared}, content is {kind}; read as {kind}")
    return src
