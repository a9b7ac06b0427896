"""PDF -> SourceText: text layer where it is sane, OCR where it is not, page by page.

pypdfium2 does what it is fastest at: opening, characters with their boxes
and fonts (bold), signature widgets (flattened so their printed values, such
as the document number "329" and day "19" of e-office PDFs, join the text),
and rendering pages for OCR.  pdfplumber is only asked for ruled tables, and
only on pages whose drawing objects could form a grid.

Per page the text layer must pass a quality gate before it is trusted:
enough characters for the ink on the page, few replacement/private-use
characters, and words that read as Vietnamese (``vietnamese_ratio``); a
legacy TCVN3/VNI layer is converted when the conversion reads as Vietnamese.
Pages that fail are rendered (with form fields drawn) and OCR'd.
"""

from __future__ import annotations

import ctypes
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from extractor.errors import InputError
from extractor.model import SourceText
from extractor.textutil import nfc, vietnamese_ratio
from extractor.ingest import legacy
from extractor.ingest.geometry import PageFlow, RawTable, Seg, segs_from_chars
from extractor.ingest.layout import assemble, order_page, strip_furniture

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|,b\b|-b\b|\bbd\b", re.I)
GATE_MIN_RATIO = 0.15  # share of words with Vietnamese marks below which a layer is junk
GATE_MIN_WORDS = 20


@dataclass
class _PageScan:
    number: int
    width: float
    height: float
    chars: list  # char tuples (layer)
    widget_chars: list
    n_chars: int
    image_ratio: float
    n_paths: int
    rotation: int
    has_widgets: bool


def _open(path: str, data: bytes):
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise InputError(path, "encrypted PDF (a password is needed to open it)") from e
        # PDFium refuses a document whose page tree is empty (its error code is then
        # stale, so look at the bytes): no page object and a page count of 0
        if "success" in msg or (re.search(rb"/Count\s+0\b", data) and not re.search(rb"/Type\s*/Page(?!s)", data)):
            raise InputError(path, "PDF has no pages (empty or missing page tree)") from e
        if "format" in msg or "file" in msg or "data" in msg:
            raise InputError(path, "corrupt or truncated PDF (PDFium cannot parse it)") from e
        raise InputError(path, f"unreadable PDF ({e})") from e
    except Exception as e:  # pragma: no cover - defensive
        raise InputError(path, f"unreadable PDF ({e})") from e
    return pdf


# --------------------------------------------------------------------------- characters


class _FontCache:
    def __init__(self) -> None:
        self.bold_by_font: dict[int, bool] = {}
        self.buf = ctypes.create_string_buffer(256)

    def is_bold(self, c, textobj) -> bool:
        if not textobj:
            return False
        font = c.FPDFTextObj_GetFont(textobj)
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        b = self.bold_by_font.get(key)
        if b is None:
            n = c.FPDFFont_GetBaseFontName(font, self.buf, 256)
            name = self.buf.raw[: max(0, n - 1)].decode("latin-1", "replace") if n else ""
            weight = c.FPDFFont_GetWeight(font)
            b = bool(_BOLD_NAME.search(name)) or weight >= 600
            self.bold_by_font[key] = b
        if not b:
            # Word's simulated bold: fill + stroke rendering
            try:
                mode = c.FPDFTextObj_GetTextRenderMode(textobj)
                return mode == 2  # FPDF_TEXTRENDERMODE_FILL_STROKE
            except Exception:
                return False
        return b


def _page_chars(textpage, c, left: float, top: float, width: float, height: float, rotation: int,
                fonts: _FontCache, start: int = 0) -> list[tuple]:
    """Characters as (ch, x0, top, x1, bottom, size, bold) in top-left page points."""
    raw = textpage.raw
    n = c.FPDFText_CountChars(raw)
    out: list[tuple] = []
    rect = c.FS_RECTF()
    last_obj = None
    last_bold = False
    for i in range(start, n):
        u = c.FPDFText_GetUnicode(raw, i)
        if u == 0:
            continue
        ch = chr(u)
        if c.FPDFText_IsGenerated(raw, i):
            if ch in "\r\n":
                if ch == "\n" or not out or out[-1][0] != "\n":
                    out.append(("\n", 0, 0, 0, 0, 0, False))
                continue
            if ch == " " and out and out[-1][0] != "\n":
                p = out[-1]
                out.append((" ",) + p[1:])
            continue
        if ch in "\r\n":
            if not out or out[-1][0] != "\n":
                out.append(("\n", 0, 0, 0, 0, 0, False))
            continue
        if u == 0x02:
            ch = "-"  # pdfium's mark for a hyphen at a line break
        elif u < 0x20 and ch != "\t":
            continue
        elif u in (0xFFFE, 0xFFFF) or ch in "\u200b\u200c\u200d\u2060\ufeff":
            continue
        c.FPDFText_GetLooseCharBox(raw, i, rect)
        x0, x1 = rect.left - left, rect.right - left
        t, b = top - rect.top, top - rect.bottom
        if rotation:
            x0, t, x1, b = _rotate_box(x0, t, x1, b, rotation, width, height)
        obj = c.FPDFText_GetTextObject(raw, i)
        okey = ctypes.cast(obj, ctypes.c_void_p).value
        if okey != last_obj:
            last_obj = okey
            last_bold = fonts.is_bold(c, obj)
        size = c.FPDFText_GetFontSize(raw, i)
        out.append((ch, x0, t, x1, b, size, last_bold))
    return out


def _rotate_box(x0, t, x1, b, rotation, w, h):
    """Unrotated top-left coordinates -> as displayed with /Rotate (clockwise)."""
    if rotation == 90:
        return h - b, x0, h - t, x1
    if rotation == 180:
        return w - x1, h - b, w - x0, h - t
    if rotation == 270:
        return t, w - x1, b, w - x0
    return x0, t, x1, b


def _ink(page, c) -> tuple[float, int]:
    """(share of the page covered by images, number of path objects)."""
    w, h = page.get_size()
    area = 0.0
    paths = 0
    try:
        for o in page.get_objects(filter=(c.FPDF_PAGEOBJ_IMAGE, c.FPDF_PAGEOBJ_PATH), max_depth=2):
            if o.type == c.FPDF_PAGEOBJ_IMAGE:
                l, b, r, t = o.get_bounds()
                area += max(0.0, min(r, w) - max(l, 0)) * max(0.0, min(t, h) - max(b, 0))
            else:
                paths += 1
    except Exception:
        pass
    return min(1.0, area / max(w * h, 1.0)), paths


def _widgets(page, c) -> list[tuple[float, float, float, float]]:
    rects = []
    try:
        n = c.FPDFPage_GetAnnotCount(page.raw)
    except Exception:
        return rects
    for k in range(n):
        a = c.FPDFPage_GetAnnot(page.raw, k)
        if not a:
            continue
        try:
            if c.FPDFAnnot_GetSubtype(a) == c.FPDF_ANNOT_WIDGET and c.FPDFAnnot_GetObjectCount(a) > 0:
                r = c.FS_RECTF()
                if c.FPDFAnnot_GetRect(a, r):
                    rects.append((r.left, r.bottom, r.right, r.top))
        finally:
            c.FPDFPage_CloseAnnot(a)
    return rects


# --------------------------------------------------------------------------- quality gate


def layer_verdict(text: str, n_chars: int, image_ratio: float, n_paths: int) -> tuple[str, Optional[str], float]:
    """Return (decision, legacy encoding or None, quality) for a page's text layer.

    decision: "layer" (trust it), "ocr" (render and OCR), "empty" (nothing on the page).
    """
    words = re.findall(r"[^\W\d_]+", text)
    q = vietnamese_ratio(text)
    if n_chars < 30:
        if image_ratio > 0.25 or n_paths > 300:
            return "ocr", None, q
        if n_chars == 0:
            return "empty", None, 0.0
        return "layer", None, q
    bad = sum(1 for ch in text if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    if bad > 0.05 * n_chars:
        return "ocr", None, q
    chars = set(text)
    if len(words) >= 10 and (q < 0.5 or chars & legacy._TCVN3_SIGNS or chars & legacy._VNI_SIGNS):
        enc = legacy.detect(text)
        if enc:
            return "layer", enc, vietnamese_ratio(legacy.to_unicode(text, enc))
    if len(words) >= GATE_MIN_WORDS and q < GATE_MIN_RATIO:
        return "ocr", None, q
    # a big scanned image with only a few lines of real text (a stamp, a header) on top
    if image_ratio > 0.6 and n_chars < 150:
        return "ocr", None, q
    return "layer", None, q


# --------------------------------------------------------------------------- reader


def read_pdf(path: str, data: bytes, sha256: str, *, pages: Optional[list[int]] = None,
             ocr: bool = True) -> SourceText:
    """Read a PDF.  ``pages`` (1-based) limits the pages read (tests, previews)."""
    import pypdfium2.raw as c

    from extractor.ingest.ocr import OcrUnavailable, ocr_stream, pdfium_lock

    name = Path(path).name
    lock = pdfium_lock()
    with lock:
        pdf = _open(path, data)
        try:
            n_pages = len(pdf)
        except Exception as e:
            raise InputError(path, f"corrupt PDF (page tree unreadable: {e})") from e
        if n_pages == 0:
            raise InputError(path, "PDF has no pages")
        from extractor import ingest as _ingest

        if _ingest.MAX_PAGES and n_pages > _ingest.MAX_PAGES:
            raise InputError(path, f"{n_pages} pages, over the budget of {_ingest.MAX_PAGES} (--max-pages); not read")
        try:
            pdf.init_forms()
        except Exception:
            pass
    wanted = [p for p in (pages or range(1, n_pages + 1)) if 1 <= p <= n_pages]
    warnings: list[str] = []
    try:  # PDFium rebuilds a broken cross-reference table from what survives; say so
        xref_ok = bool(c.FPDF_DocumentHasValidCrossReferenceTable(pdf.raw))
    except Exception:
        xref_ok = True
    if not xref_ok or b"%%EOF" not in data[-2048:]:
        why = "its cross-reference table is broken" if not xref_ok else "no %%EOF at its end"
        warnings.append(f"{name}: the file is truncated or damaged ({why}); what could be read is kept, "
                        f"check it against the original")
    flows: dict[int, PageFlow] = {}
    ocr_pages: list[int] = []
    widget_texts: dict[int, list[Seg]] = {}
    fonts = _FontCache()
    plumber = None
    failed = 0
    from extractor.ingest import page_done

    done = 0

    def plumber_page(i: int):
        nonlocal plumber
        import pdfplumber

        if plumber is None:
            plumber = pdfplumber.open(io.BytesIO(data))
        return plumber.pages[i - 1]

    for pno in wanted:
        try:
            with lock:
                flow, needs_ocr, wsegs = _read_layer_page(pdf, c, pno, fonts, plumber_page, name, warnings)
        except InputError:
            raise
        except Exception as e:
            failed += 1
            warnings.append(f"{name} p.{pno}: page unreadable ({type(e).__name__}: {str(e)[:80]}); skipped")
            flows[pno] = PageFlow(number=pno, width=0, height=0, items=[], origin="empty", note="unreadable")
            continue
        if wsegs:
            widget_texts[pno] = wsegs
        flows[pno] = flow
        if needs_ocr:
            ocr_pages.append(pno)
        else:
            done += 1
            page_done(done, len(wanted))
    if plumber is not None:
        try:
            plumber.close()
        except Exception:
            pass
    if failed and failed == len(wanted):
        raise InputError(path, "corrupt or truncated PDF (no page could be read)")

    # ---- OCR pages that have no usable text layer
    if ocr_pages:
        if not ocr:
            for pno in ocr_pages:
                warnings.append(f"{name} p.{pno}: no usable text layer and OCR is off; page left empty")
        else:
            def loader(pno: int):
                def load():
                    with lock:
                        page = pdf[pno - 1]
                        try:
                            bm = page.render(scale=300 / 72, may_draw_forms=True, grayscale=False)
                            img = bm.to_pil()
                        finally:
                            page.close()
                    return img, 300

                return load

            try:
                for pno, res in ocr_stream((p, loader(p)) for p in ocr_pages):
                    done += 1
                    page_done(done, len(wanted))
                    f = flows[pno]
                    prior = f.note
                    if isinstance(res, Exception):
                        warnings.append(f"{name} p.{pno}: OCR failed ({str(res)[:100]})")
                        f.items = []
                        f.origin = "empty"
                        continue
                    for t in res.tables:
                        t.page = pno
                        t.row_pages = [pno] * len(t.rows)
                    items = order_page(res.segs, res.tables, pno, res.width_pt, res.height_pt)
                    f.items = items
                    f.origin = "ocr" if items else "empty"
                    f.quality = round(res.quality, 3)
                    f.width, f.height = res.width_pt, res.height_pt
                    bits = [prior] if prior else []
                    if res.rotation:
                        bits.append(f"turned {res.rotation}°")
                    if abs(res.skew) >= 0.4:
                        bits.append(f"deskewed {res.skew:.1f}°")
                    if res.red_pixels:
                        bits.append("red stamp suppressed")
                    if res.median:
                        bits.append("median filtered")
                    bits.append(f"OCR conf {res.mean_conf:.0f}")
                    f.note = "; ".join(bits)
                    if not items:
                        warnings.append(f"{name} p.{pno}: no text found by OCR (blank page?)")
                    elif res.words >= 20 and res.quality < 0.3:
                        warnings.append(f"{name} p.{pno}: OCR text reads poorly (Vietnamese share {res.quality:.2f})")
            except OcrUnavailable as e:
                for pno in ocr_pages:
                    flows[pno].origin = "empty"
                warnings.append(f"{name}: {e}; {len(ocr_pages)} page(s) left empty")
    with lock:
        try:
            pdf.close()
        except Exception:
            pass

    ordered = [flows[p] for p in wanted]
    strip_furniture(ordered)
    asm = assemble(ordered)
    if not asm.text.strip():
        warnings.append(f"{name}: no text found in the PDF")
    src = SourceText(
        path=path, sha256=sha256,
        kind="scan" if ordered and all(f.origin in ("ocr", "empty") for f in ordered) and ocr_pages else "pdf",
        text=asm.text, lines=asm.lines, tables=asm.tables, pages=asm.pages, warnings=warnings,
    )
    src.hints = find_hints(src, widget_texts)
    return src


def _read_layer_page(pdf, c, pno: int, fonts: _FontCache, plumber_page, name: str, warnings: list[str]):
    page = pdf[pno - 1]
    try:
        width, height = page.get_size()
        try:
            rotation = page.get_rotation() % 360
        except Exception:
            rotation = 0
        try:
            cl, _, _, ct = page.get_cropbox()
        except Exception:
            cl, ct = 0.0, height
        uw, uh = (height, width) if rotation in (90, 270) else (width, height)
        widgets = _widgets(page, c)
        tp = page.get_textpage()
        chars = _page_chars(tp, c, cl, ct, uw, uh, rotation, fonts)
        n0 = c.FPDFText_CountChars(tp.raw)
        tp.close()
        layer_text = "".join(ch[0] for ch in chars)
        n_chars = sum(1 for ch in chars if not ch[0].isspace())
        image_ratio, n_paths = _ink(page, c)
        decision, enc, q = layer_verdict(layer_text, n_chars, image_ratio, n_paths)
        flow = PageFlow(number=pno, width=width, height=height, items=[], origin="layer", quality=round(q, 3))
        wsegs: list[Seg] = []
        if decision == "ocr":
            if n_chars:
                why = f"text layer rejected ({n_chars} chars, Vietnamese share {q:.2f})"
                flow.note = why
                warnings.append(f"{name} p.{pno}: {why}; page read by OCR")
            return flow, True, wsegs
        if decision == "empty":
            flow.origin = "empty"
            return flow, False, wsegs
        # signature widgets: flatten so their printed values become page text
        if widgets:
            try:
                if c.FPDFPage_Flatten(page.raw, c.FLAT_NORMALDISPLAY) == c.FLATTEN_SUCCESS:
                    page.close()
                    page = pdf[pno - 1]
                    tp = page.get_textpage()
                    extra = _page_chars(tp, c, cl, ct, uw, uh, rotation, fonts, start=n0)
                    tp.close()
                    wsegs = [s for s in segs_from_chars(extra, origin="widget") if s.text.strip()]
            except Exception as e:  # widget text is a bonus; never fail the page on it
                warnings.append(f"{name} p.{pno}: signature widgets unreadable ({type(e).__name__})")
        tables: list[RawTable] = []
        body_chars = chars
        if rotation == 0:
            from extractor.ingest.tables import page_may_have_table, tables_from_plumber

            if page_may_have_table(page):
                try:
                    pp = plumber_page(pno)
                    tables, used = tables_from_plumber(pp, chars, pno)
                    try:
                        pp.close()
                    except Exception:
                        pass
                    if tables:
                        body_chars = [ch for ch, u in zip(chars, used) if not u]
                except Exception as e:
                    warnings.append(f"{name} p.{pno}: table finder failed ({type(e).__name__}); read as text")
        if not enc:  # a soft hyphen is invisible; in TCVN3 the same byte is "ư"
            body_chars = [ch for ch in body_chars if ch[0] != "\u00ad"]
        segs = segs_from_chars(body_chars)
        if enc:
            for s in segs:
                s.text = legacy.to_unicode(s.text, enc)
                s.bold = [bool(s.bold and sum(s.bold) > len(s.bold) / 2)] * len(s.text) if s.bold else []
            for t in tables:
                for row in t.rows:
                    for cell in row:
                        if not getattr(cell, "_conv", False):
                            cell.text = legacy.to_unicode(cell.text, enc)
                            cell.bold = []
                            cell._conv = True  # type: ignore[attr-defined]
            flow.note = f"legacy {enc.upper()} text converted to Unicode"
            warnings.append(f"{name} p.{pno}: legacy {enc.upper()} encoding converted to Unicode")
        segs.extend(wsegs)
        flow.items = order_page(segs, tables, pno, width, height)
        if wsegs:
            flow.note = ((flow.note + "; ") if flow.note else "") + "signature-widget text merged"
        return flow, False, wsegs
    finally:
        try:
            page.close()
        except Exception:
            pass


# --------------------------------------------------------------------------- hints

_NUM_LINE = re.compile(r"(?:^|\n)[^\n]{0,40}?\bS[ốôoó6][:.]?\s*:?\s*([^\n]{0,60})", re.I)
# "Place, ngày 19 tháng 12 năm 2025": the letter's own date line (citations in the
# body have no "Place," before them)
_DATE = re.compile(r"(?:^|\n)[^\n,]{2,40},\s*ngày\s+(\S{1,4})\s+tháng\s+(\S{1,4})\s+năm\s+(\d{4})", re.I)


def _number_from(tail: str) -> Optional[str]:
    # stop at the place/date part ("Lâm Đồng, ngày ...") or a wide gap
    tail = re.split(r"\s{3,}|\s(?=[A-ZĐÀ-Ỹ][a-zà-ỹđ]+[ ,])", tail)[0]
    m = re.search(r"([0-9A-Za-zĐđÀ-ỹ'‡\-]*)\s*/\s*([A-ZĐ0-9][A-ZĐa-zđ0-9 \-–.]*)", tail)
    if not m:
        return None
    num = m.group(1)
    code = re.sub(r"\s+", "", m.group(2)).strip("-.")
    return f"{num}/{code}" if num else f"/{code}"


def find_hints(src: SourceText, widget_texts: dict[int, list[Seg]]) -> dict:
    """Document number and date read from signature widgets or OCR (page 1)."""
    if not src.pages:
        return {}
    p1 = src.pages[0]
    head = src.text[p1.start:min(p1.end, p1.start + 1500)]
    hints: dict = {}
    unsure: list[str] = []
    wtext = " ".join(s.text for s in widget_texts.get(p1.number, []))
    from_ocr = p1.origin == "ocr"
    if not (wtext or from_ocr):
        return {}
    src_label = "ocr" if from_ocr else "widget"
    m = _NUM_LINE.search(head)
    if m:
        num = _number_from(m.group(1))
        if num and num.split("/")[0]:
            digits = num.split("/")[0]
            if from_ocr or any(tok in wtext for tok in re.findall(r"\d+", digits)):
                hints["number"] = num
                if from_ocr or not digits.isdigit():
                    unsure.append("number")
    d = _DATE.search(head)
    if d:
        day, month, year = d.group(1), d.group(2), d.group(3)
        if day.isdigit() and month.isdigit() and 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            if from_ocr or day in wtext.split() or month in wtext.split():
                hints["issued_date"] = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
                if from_ocr:
                    unsure.append("issued_date")
        elif from_ocr:
            unsure.append("issued_date")
    if hints or unsure:
        hints["from"] = src_label
    if unsure:
        hints["unsure"] = unsure
    if wtext:
        hints["widget_text"] = nfc(wtext)[:300]
    return hints
