"""Images (PNG, JPEG, TIFF incl. multi-page) -> SourceText via OCR.

Each frame is one page.  The resolution comes from the file (DPI tag) when it
is plausible, else it is guessed from the pixel size (an A4 page is 8.27 in
wide); boxes are reported in points at that resolution.  An image with no text
is a warning, not an error.
"""

from __future__ import annotations

import io
from pathlib import Path

from extractor.errors import InputError
from extractor.model import SourceText
from extractor.ingest.geometry import PageFlow
from extractor.ingest.layout import assemble, order_page, strip_furniture


def _dpi(img) -> float:
    dpi = img.info.get("dpi")
    try:
        if dpi and 50 <= float(dpi[0]) <= 1200:
            return float(dpi[0])
    except (TypeError, ValueError, IndexError):
        pass
    w, h = img.size
    # guess: the short side of a portrait A4/letter page is ~8.3 in
    guess = min(w, h) / 8.27
    return max(72.0, min(600.0, guess if guess >= 72 else 300.0))


def read_image(path: str, data: bytes, sha256: str) -> SourceText:
    from PIL import Image, UnidentifiedImageError

    from extractor.ingest.ocr import OcrUnavailable, ocr_stream

    name = Path(path).name
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InputError(path, f"unreadable or truncated image ({e})") from e
    n_frames = getattr(img, "n_frames", 1) or 1

    def loader(k: int):
        def load():
            im = Image.open(io.BytesIO(data))
            if n_frames > 1:
                im.seek(k)
            im.load()
            return im.copy(), _dpi(im)

        return load

    warnings: list[str] = []
    flows: list[PageFlow] = []
    try:
        for k, res in ocr_stream((k, loader(k)) for k in range(n_frames)):
            pno = k + 1
            if isinstance(res, Exception):
                if isinstance(res, OcrUnavailable):
                    raise res
                warnings.append(f"{name} p.{pno}: OCR failed ({str(res)[:100]})")
                flows.append(PageFlow(number=pno, width=0, height=0, items=[], origin="empty"))
                continue
            for t in res.tables:
                t.page = pno
                t.row_pages = [pno] * len(t.rows)
            items = order_page(res.segs, res.tables, pno, res.width_pt, res.height_pt)
            note = []
            if res.rotation:
                note.append(f"turned {res.rotation}°")
            if res.red_pixels:
                note.append("red stamp suppressed")
            flows.append(PageFlow(number=pno, width=res.width_pt, height=res.height_pt, items=items,
                                  origin="ocr" if items else "empty", quality=round(res.quality, 3),
                                  note="; ".join(note) or None))
            if not items:
                warnings.append(f"{name} p.{pno}: no text found in the image")
    except OcrUnavailable as e:
        raise InputError(path, str(e)) from e
    strip_furniture(flows)
    asm = assemble(flows)
    src = SourceText(path=path, sha256=sha256, kind="image", text=asm.text, lines=asm.lines,
                     tables=asm.tables, pages=asm.pages, warnings=warnings)
    from extractor.ingest.pdf import find_hints

    src.hints = find_hints(src, {})
    return src
