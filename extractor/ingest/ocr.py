"""OCR with Tesseract (``-l vie``): preprocessing, orientation, page-parallel runs.

Per page: red seals/stamps are whitened (they cover text and become noise),
the page is turned to grayscale, a 3x3 median filter is applied when the page
is speckled (specks otherwise turn into diacritics: A -> Ạ), small skew is
corrected, pages scanned sideways or upside down are turned (a projection
test for sideways pages, Tesseract OSD when the first reading is poor), and
Tesseract runs as its own process with ``OMP_THREAD_LIMIT=1``.

Pages are processed by a pool of worker threads, one per core: each worker
renders/loads its page, preprocesses it (numpy/Pillow release the GIL) and
waits on its Tesseract process, so every core runs one single-threaded
Tesseract, the arrangement that is fastest on this hardware (OpenMP threads
inside parallel processes slow OCR down by an order of magnitude).  At most
``2 x workers`` pages are in flight, so memory stays bounded on long scans.

Words come back as ``layout.Seg`` objects in PDF points, so the layout stage
handles OCR text exactly like a text layer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

from extractor.textutil import nfc, vietnamese_ratio
from extractor.ingest.geometry import RawCell, RawTable, Seg

OCR_DPI = 300
LANG = "vie"
PSM = 3


class OcrUnavailable(RuntimeError):
    pass


@dataclass
class OcrPage:
    segs: list[Seg]
    width_pt: float
    height_pt: float
    quality: float
    mean_conf: float
    rotation: int = 0  # degrees the image was turned (clockwise) before OCR
    skew: float = 0.0
    median: bool = False
    red_pixels: int = 0
    tables: list[RawTable] = field(default_factory=list)
    words: int = 0
    text: str = ""


def tesseract_cmd() -> str:
    try:
        import pytesseract

        cmd = pytesseract.pytesseract.tesseract_cmd
    except Exception:  # pragma: no cover - pytesseract is a dependency
        cmd = "tesseract"
    path = shutil.which(cmd) or shutil.which("tesseract")
    if not path:
        raise OcrUnavailable("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)")
    return path


def _env() -> dict:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def workers() -> int:
    n = os.environ.get("EXTRACTOR_OCR_WORKERS")
    if n and n.isdigit() and int(n) > 0:
        return int(n)
    return _machine_cores()


# --------------------------------------------------------------------------- preprocessing


def suppress_red(img):
    """Whiten strongly red pixels (seals, incoming stamps); returns (L image, red pixel count)."""
    from PIL import Image, ImageChops

    if img.mode not in ("RGB", "RGBA"):
        return img.convert("L"), 0
    rgb = img.convert("RGB")
    # quick look on a thumbnail: most pages have no red at all
    thumb = rgb.reduce(8)
    r, g, b = thumb.split()
    redness = ImageChops.subtract(r, ImageChops.lighter(g, b))
    if redness.point(lambda v: 255 if v > 60 else 0).getbbox() is None:
        return rgb.convert("L"), 0
    r, g, b = rgb.split()
    redness = ImageChops.subtract(r, ImageChops.lighter(g, b))
    # bright red only: black text under the seal stays dark in every channel
    mask = ImageChops.multiply(redness.point(lambda v: 255 if v > 45 else 0), r.point(lambda v: 255 if v > 110 else 0))
    gray = rgb.convert("L")
    white = Image.new("L", gray.size, 255)
    gray.paste(white, mask=mask)
    import numpy as np

    return gray, int(np.count_nonzero(np.asarray(mask.reduce(4))))


def _med3(a, b, c):
    import numpy as np

    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def median3x3(gray, block: int = 128):
    """3x3 median of an 8-bit image, equal to PIL's MedianFilter(3) pixel for
    pixel but ~20x faster: each column triple is sorted once and reused by its
    three neighbours (median = med3(max of lows, med of mids, min of highs)),
    and the page is done in stripes that stay in cache."""
    import numpy as np
    from PIL import Image

    a = np.asarray(gray.convert("L") if gray.mode != "L" else gray)
    p = np.pad(a, 1, mode="edge")
    out = np.empty_like(a)
    for y in range(0, a.shape[0], block):
        q = p[y:min(y + block, a.shape[0]) + 2]
        u, m, d = q[:-2], q[1:-1], q[2:]
        lo = np.minimum(np.minimum(u, m), d)
        hi = np.maximum(np.maximum(u, m), d)
        md = _med3(u, m, d)
        max_lo = np.maximum(np.maximum(lo[:, :-2], lo[:, 1:-1]), lo[:, 2:])
        min_hi = np.minimum(np.minimum(hi[:, :-2], hi[:, 1:-1]), hi[:, 2:])
        out[y:y + len(u)] = _med3(max_lo, _med3(md[:, :-2], md[:, 1:-1], md[:, 2:]), min_hi)
    return Image.fromarray(out)


def _dark(arr, thr: int = 150):
    return arr < thr


def speckle_score(gray) -> float:
    """Share of dark pixels that are isolated specks, on a central sample."""
    import numpy as np

    w, h = gray.size
    cw, ch = min(w, 900), min(h, 900)
    box = ((w - cw) // 2, (h - ch) // 2, (w + cw) // 2, (h + ch) // 2)
    a = _dark(np.asarray(gray.crop(box)))
    if a.sum() < 50:
        return 0.0
    p = np.pad(a, 1)
    nb = (p[:-2, :-2].astype(np.uint8) + p[:-2, 1:-1] + p[:-2, 2:] + p[1:-1, :-2] + p[1:-1, 2:]
          + p[2:, :-2] + p[2:, 1:-1] + p[2:, 2:])
    isolated = np.logical_and(a, nb <= 1).sum()
    return float(isolated) / float(a.sum())


def _profile_score(binary) -> float:
    import numpy as np

    prof = binary.sum(axis=1).astype(np.float64)
    if prof.size < 3:
        return 0.0
    d = np.diff(prof)
    return float((d * d).sum())


def _thumb_binary(gray):
    import numpy as np

    w, h = gray.size
    f = max(1, int(round(max(w, h) / 800)))
    th = gray.reduce(f) if f > 1 else gray
    return th.point(lambda v: 255 if v < 140 else 0), np.asarray(th) < 140


def orientation(gray, max_angle: float = 3.0) -> tuple[bool, float]:
    """(sideways, correction angle): projection profiles of a thumbnail over small
    rotations.  Text lines give a sharply alternating row profile at the right
    angle; a page scanned at 90/270 degrees gives it in columns instead.  The
    angle is counter-clockwise, as PIL's rotate takes it."""
    import numpy as np
    from PIL import Image

    bw, a = _thumb_binary(gray)
    if a.sum() < 200:
        return False, 0.0
    best_row = (-1.0, 0.0)
    best_col = -1.0
    for k in range(int(-2 * max_angle), int(2 * max_angle) + 1):
        ang = k / 2
        r = np.asarray(bw.rotate(ang, resample=Image.NEAREST, fillcolor=0)) > 0
        rs, cs = _profile_score(r), _profile_score(r.T)
        if rs > best_row[0]:
            best_row = (rs, ang)
        best_col = max(best_col, cs)
    side = best_col > 1.5 * best_row[0]
    if side:
        return True, 0.0
    a0 = best_row[1]

    def score(angle: float) -> float:
        r = bw.rotate(angle, resample=Image.NEAREST, fillcolor=0)
        return _profile_score(np.asarray(r) > 0)

    fine = max((score(a0 + d / 10), a0 + d / 10) for d in range(-4, 5))
    return False, fine[1]


def has_rules(gray, angle: float = 0.0) -> bool:
    """Does the page carry long horizontal rules (a ruled table)?  Checked on the
    levelled thumbnail: a rule fills most of one row."""
    import numpy as np
    from PIL import Image

    bw, _ = _thumb_binary(gray)
    r = np.asarray(bw.rotate(angle, resample=Image.NEAREST, fillcolor=0)) > 0
    return bool(r.shape[1]) and float(r.sum(axis=1).max()) > 0.4 * r.shape[1]


def estimate_skew(gray, max_angle: float = 3.0) -> float:
    """Correction angle in degrees (counter-clockwise, as PIL's rotate takes it)."""
    return orientation(gray, max_angle)[1]


def sideways(gray) -> bool:
    """True when text lines run vertically (page scanned at 90/270 degrees)."""
    return orientation(gray)[0]


def upside_down(gray) -> bool:
    """Is the page turned 180 degrees?  Vietnamese sets most of its diacritics
    above the letters (only the dot below sits under them), so on an upright
    page small marks with a letter just under them far outnumber marks with a
    letter just over them.  Measured at 150 dpi on the scan corpus and the
    genuine scans of ``../shared/real-docs`` (25 pages): upright pages give a
    ratio of 2.6-5.3, the same pages turned 0.19-0.38; about 30 ms a page, against
    ~2.5 s for the Tesseract reading it saves on a turned page."""
    import numpy as np
    from scipy import ndimage

    w, h = gray.size
    g = gray.reduce(2) if min(w, h) > 1200 else gray
    a = np.asarray(g) < 140
    lab, n = ndimage.label(a)
    if n < 50:
        return False
    boxes = ndimage.find_objects(lab)
    hs = np.array([b[0].stop - b[0].start for b in boxes])
    ws = np.array([b[1].stop - b[1].start for b in boxes])
    if not (hs >= 6).any():
        return False
    xh = float(np.median(hs[hs >= 6]))  # a letter's height
    letters = np.isin(lab, np.flatnonzero(hs >= 0.8 * xh) + 1)
    reach = max(2, int(0.6 * xh))
    over = under = 0  # marks sitting over a letter / under one
    for i, b in enumerate(boxes):
        if not (hs[i] <= 0.45 * xh and ws[i] <= 1.2 * xh):
            continue
        y0, y1, x0, x1 = b[0].start, b[0].stop, b[1].start, b[1].stop
        below = letters[y1:y1 + reach, x0:x1].any()
        above = letters[max(0, y0 - reach):y0, x0:x1].any()
        over += bool(below and not above)
        under += bool(above and not below)
    # 40 marks: fewer is a near-empty page, where the reading decides instead
    return over + under >= 40 and under > 1.5 * over


def osd_rotation(gray) -> tuple[int, float]:
    """Tesseract OSD: (degrees to rotate clockwise, confidence)."""
    import re

    img = gray
    w, h = img.size
    if max(w, h) > 2000:
        f = max(w, h) / 2000
        img = img.resize((int(w / f), int(h / f)))
    try:
        out = _run([tesseract_cmd(), "stdin", "stdout", "--psm", "0", "-l", "osd"], _pgm(img), timeout=60)
    except Exception:
        return 0, 0.0
    m = re.search(r"Rotate:\s*(\d+)", out)
    c = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    return (int(m.group(1)) if m else 0), (float(c.group(1)) if c else 0.0)


def _pgm(gray) -> bytes:
    import io

    buf = io.BytesIO()
    gray.save(buf, format="PPM")
    return buf.getvalue()


def _run(cmd: list[str], data: bytes, timeout: float = 300) -> str:
    r = subprocess.run(cmd, input=data, capture_output=True, env=_env(), timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"tesseract failed: {r.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return r.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------- tesseract


def tesseract_tsv(gray, dpi: int, psm: int = PSM) -> list[dict]:
    cmd = [tesseract_cmd(), "stdin", "stdout", "-l", LANG, "--psm", str(psm), "--dpi", str(int(dpi)),
           "-c", "tessedit_do_invert=0", "tsv"]
    out = _run(cmd, _pgm(gray))
    words = []
    lines = out.splitlines()
    for ln in lines[1:]:
        parts = ln.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = parts[11].strip()
        if not text:
            continue
        try:
            words.append({
                "block": int(parts[2]), "par": int(parts[3]), "line": int(parts[4]),
                "left": int(parts[6]), "top": int(parts[7]), "width": int(parts[8]), "height": int(parts[9]),
                "conf": float(parts[10]), "text": nfc(text),
            })
        except ValueError:
            continue
    return words


def words_to_segs(words: list[dict], dpi: float, origin: str = "ocr") -> list[Seg]:
    """Tesseract words -> Segs (PDF points), one per line, split at wide gaps."""
    k = 72.0 / dpi
    by_line: dict[tuple, list[dict]] = {}
    for w in words:
        by_line.setdefault((w["block"], w["par"], w["line"]), []).append(w)
    segs: list[Seg] = []
    for key in sorted(by_line, key=lambda t: (min(w["top"] for w in by_line[t]), t)):
        ws = sorted(by_line[key], key=lambda w: w["left"])
        hs = sorted(w["height"] for w in ws)
        lh = hs[len(hs) // 2] or 1
        cur: list[dict] = []

        def flush():
            if not cur:
                return
            text = " ".join(w["text"] for w in cur)
            x0 = min(w["left"] for w in cur)
            top = min(w["top"] for w in cur)
            x1 = max(w["left"] + w["width"] for w in cur)
            bot = max(w["top"] + w["height"] for w in cur)
            segs.append(Seg(text=text, x0=x0 * k, top=top * k, x1=x1 * k, bottom=bot * k, size=lh * k,
                            origin=origin))
            cur.clear()

        for w in ws:
            if cur and w["left"] - (cur[-1]["left"] + cur[-1]["width"]) > 2.2 * lh:
                flush()
            cur.append(w)
        flush()
    return segs


def _quality(words: list[dict]) -> tuple[float, float, str]:
    text = " ".join(w["text"] for w in words)
    confs = [w["conf"] for w in words if w["conf"] >= 0]
    return vietnamese_ratio(text), (sum(confs) / len(confs) if confs else 0.0), text


def _rotate_back(segs: list[Seg], rotation: int, w_pt: float, h_pt: float) -> None:
    """Map boxes from the turned image back to the page as it is stored."""
    if rotation % 360 == 0:
        return
    for s in segs:
        x0, t, x1, b = s.x0, s.top, s.x1, s.bottom
        if rotation == 180:
            s.x0, s.x1, s.top, s.bottom = w_pt - x1, w_pt - x0, h_pt - b, h_pt - t
        elif rotation == 90:  # image was turned 90 cw: (x, y) in turned = (H - y, x) of original
            s.x0, s.x1, s.top, s.bottom = t, b, h_pt - x1, h_pt - x0
        elif rotation == 270:
            s.x0, s.x1, s.top, s.bottom = w_pt - b, w_pt - t, x0, x1


def ocr_image(img, dpi: float, *, page: int = 1, detect_tables: bool = True, psm: int = PSM,
              median: Optional[bool] = None) -> OcrPage:
    """OCR one page image (PIL, any mode) whose resolution is ``dpi``."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "P", "1", "I;16", "I", "F", "CMYK"):
        img = img.convert("RGB")
    w_px, h_px = img.size
    w_pt, h_pt = w_px * 72.0 / dpi, h_px * 72.0 / dpi
    gray, red = suppress_red(img)
    # DPI normalisation: Tesseract is tuned for ~300 dpi; low-resolution scans
    # are upscaled, very high ones reduced.
    scale = 1.0
    if dpi < 240 or dpi > 400:
        scale = OCR_DPI / dpi
        gray = gray.resize((max(1, int(w_px * scale)), max(1, int(h_px * scale))), Image.BICUBIC)
    eff_dpi = dpi * scale
    if median is None:
        # Measured on the scan-like corpus: a 3x3 median takes 200 dpi JPEG scans
        # from 0.37-0.54% CER to ~0.05% and costs ~0.15 s a page, partly paid back
        # by a faster Tesseract run; clean 300 dpi renders are not hurt.
        median = os.environ.get("EXTRACTOR_OCR_MEDIAN", "1") != "0"
    if median:
        gray = median3x3(gray)
    rotation = 0
    side, skew = orientation(gray)
    if side:
        rot, conf = osd_rotation(gray)
        if rot in (90, 270) or conf < 1.0:
            rotation = rot if rot in (90, 270) else 90
            gray = gray.rotate(-rotation, expand=True, fillcolor=255)
            skew = estimate_skew(gray)
    # Tesseract reads text skewed by under ~0.8 degrees as well as straight text
    # (measured: 0.00% CER on the 300 dpi variant left unrotated), so the full-page
    # rotation is spent only there, or where ruled table lines must be level.
    if abs(skew) >= 0.8 or (abs(skew) >= 0.4 and has_rules(gray, skew)):
        gray = gray.rotate(skew, resample=Image.BILINEAR, expand=False, fillcolor=255)
    if upside_down(gray):  # turned before the reading, not after a wasted one
        gray = gray.rotate(180, expand=False, fillcolor=255)
        rotation = (rotation + 180) % 360
    words = tesseract_tsv(gray, int(eff_dpi), psm)
    q, conf, text = _quality(words)
    nwords = sum(1 for w in words if any(ch.isalpha() for ch in w["text"]))
    # upside down (or sideways missed): a poor first reading gets an OSD second opinion
    if nwords < 15 or q < 0.25 or conf < 55:
        rot, oconf = osd_rotation(gray)
        if rot in (90, 180, 270) and oconf >= 1.0:
            turned = gray.rotate(-rot, expand=True, fillcolor=255)
            w2 = tesseract_tsv(turned, int(eff_dpi), psm)
            q2, conf2, text2 = _quality(w2)
            if (q2, conf2) > (q, conf) and len(w2) >= 0.5 * len(words):
                words, q, conf, text, gray = w2, q2, conf2, text2, turned
                rotation = (rotation + rot) % 360
    segs = words_to_segs(words, eff_dpi)
    tables: list[RawTable] = []
    if detect_tables and words:
        try:
            tables, used = image_tables(gray, words, eff_dpi, page)
            for t in tables:
                _reread_empty_cells(gray, t, eff_dpi, psm_line=7)
            if tables:
                segs = words_to_segs([w for i, w in enumerate(words) if not used[i]], eff_dpi)
        except Exception:
            tables = []
    # Boxes stay in the upright frame (reading order depends on it); the page's
    # note says how it was turned, and width/height are the upright ones.
    if rotation in (90, 270):
        w_pt, h_pt = h_pt, w_pt
    return OcrPage(segs=segs, width_pt=w_pt, height_pt=h_pt, quality=q, mean_conf=conf, rotation=rotation,
                   skew=skew, median=bool(median), red_pixels=red, tables=tables, words=len(words), text=text)


# --------------------------------------------------------------------------- tables in images


def _long_run_counts(a, length: int, axis: int):
    """Per row (axis=1) or column (axis=0): how many pixels end a dark run >= length."""
    import numpy as np

    cs = np.cumsum(a, axis=axis, dtype=np.int32)
    if axis == 1:
        win = cs[:, length:] - cs[:, :-length]
        return (win >= length - 1).sum(axis=1)
    win = cs[length:, :] - cs[:-length, :]
    return (win >= length - 1).sum(axis=0)


def _peaks(profile, thr: float) -> list[int]:
    import numpy as np

    idx = np.where(profile >= thr)[0]
    if idx.size == 0:
        return []
    out = []
    start = prev = int(idx[0])
    for v in idx[1:]:
        v = int(v)
        if v - prev > 2:
            out.append((start + prev) // 2)
            start = v
        prev = v
    out.append((start + prev) // 2)
    return out


_RULE_TOKEN = re.compile(r"^[|\[\]!]{1,2}$")


def _cell_words_text(ws: list[dict]) -> str:
    """Words of one cell in reading order: visual lines by centre, then x."""
    lines: list[list[dict]] = []
    for wd in sorted(ws, key=lambda wd: wd["top"] + wd["height"] / 2):
        cy = wd["top"] + wd["height"] / 2
        if lines:
            last = lines[-1]
            ly = sum(x["top"] + x["height"] / 2 for x in last) / len(last)
            lh = max(x["height"] for x in last)
            if abs(cy - ly) < 0.5 * max(lh, wd["height"]):
                last.append(wd)
                continue
        lines.append([wd])
    parts = []
    for ln in lines:
        parts.append(" ".join(wd["text"] for wd in sorted(ln, key=lambda wd: wd["left"])))
    return " ".join(parts).strip(" _|") if parts else ""


def image_tables(gray, words: list[dict], dpi: float, page: int) -> tuple[list[RawTable], list[bool]]:
    """Ruled tables drawn in a scanned image: long horizontal and vertical dark runs
    form a grid; OCR words are assigned to its cells by their centre.  Works on a
    half-resolution copy with running sums, so it costs a few tens of ms a page."""
    import bisect

    import numpy as np

    used = [False] * len(words)
    f = 2 if dpi >= 250 else 1
    small = gray.reduce(f) if f > 1 else gray
    a = np.asarray(small) < 170
    a = a | np.roll(a, 1, axis=0)  # tolerate residual skew of a pixel
    h, w = a.shape
    sdpi = dpi / f
    hcount = _long_run_counts(a, max(20, int(sdpi * 0.4)), axis=1)
    ys = _peaks(hcount, 0.25 * w)
    if len(ys) < 3:
        return [], used
    y0, y1 = ys[0], ys[-1]
    if y1 - y0 < sdpi * 0.4:
        return [], used
    band = a[y0:y1 + 1]
    vcount = _long_run_counts(band, max(10, int(sdpi * 0.15)), axis=0)
    vcount = np.convolve(vcount, np.ones(3), mode="same")
    xs = _peaks(vcount, 0.6 * (y1 - y0))
    if len(xs) < 3:
        return [], used
    xs = [x * f for x in xs]
    ys = [y * f for y in ys]
    k = 72.0 / dpi
    nrow, ncol = len(ys) - 1, len(xs) - 1
    cells: list[list[list[dict]]] = [[[] for _ in range(ncol)] for _ in range(nrow)]
    for i, wd in enumerate(words):
        cx = wd["left"] + wd["width"] / 2
        cy = wd["top"] + wd["height"] / 2
        if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
            continue
        r = bisect.bisect_right(ys, cy) - 1
        c = bisect.bisect_right(xs, cx) - 1
        if 0 <= r < nrow and 0 <= c < ncol:
            cells[r][c].append(wd)
            used[i] = True
    rows: list[list[RawCell]] = []
    for r in range(nrow):
        row = []
        for c in range(ncol):
            text = _cell_words_text([wd for wd in cells[r][c] if not _RULE_TOKEN.match(wd["text"])])
            row.append(RawCell(text=text, bbox=(xs[c] * k, ys[r] * k, xs[c + 1] * k, ys[r + 1] * k)))
        rows.append(row)
    rows = [r for r in rows if any(c.text for c in r)]
    from extractor.ingest.tables import _drop_empty, is_false_positive

    rows = _drop_empty(rows)
    if not rows:
        return [], [False] * len(words)
    t = RawTable(bbox=(xs[0] * k, ys[0] * k, xs[-1] * k, ys[-1] * k), page=page, rows=rows,
                 row_pages=[page] * len(rows), origin="ocr")
    if is_false_positive(t):
        return [], [False] * len(words)
    return [t], used


def _reread_empty_cells(gray, t: RawTable, dpi: float, psm_line: int = 7, limit: int = 24) -> None:
    """Short tokens alone in narrow cells ("TT", "1") are often skipped by page-level
    layout analysis: OCR empty cells that hold ink on their own."""
    import numpy as np

    k = dpi / 72.0
    done = 0
    seen: set[int] = set()
    for row in t.rows:
        for cell in row:
            if cell.text or id(cell) in seen or done >= limit:
                continue
            seen.add(id(cell))
            x0, top, x1, bot = cell.bbox
            pad = 4
            box = (int(x0 * k) + pad, int(top * k) + pad, int(x1 * k) - pad, int(bot * k) - pad)
            if box[2] - box[0] < 8 or box[3] - box[1] < 8:
                continue
            crop = gray.crop(box)
            a = np.asarray(crop) < 140
            if a.mean() < 0.004:
                continue
            done += 1
            try:
                words = tesseract_tsv(crop, int(dpi), psm_line if a.shape[0] < 2.2 * dpi / 6 else 6)
            except Exception:
                continue
            cell.text = _cell_words_text([w for w in words if not _RULE_TOKEN.match(w["text"])])


# --------------------------------------------------------------------------- parallel pages


_PDFIUM_LOCK = threading.RLock()  # pdfium is not thread-safe


def pdfium_lock() -> threading.RLock:
    return _PDFIUM_LOCK


# Pages of one scan a process may OCR at once, asked before each page: a batch
# worker sets it so the cores of idle workers go to the scan still being read
# (batch/pool.py); None: ``workers()``, fixed.
CONCURRENCY: Optional[Callable[[], int]] = None


class _Gate:
    """At most ``allowed()`` pages running; the limit is read again while waiting."""

    def __init__(self, allowed: Callable[[], int]):
        self.allowed, self.running, self.cv = allowed, 0, threading.Condition()

    def __enter__(self):
        with self.cv:
            while self.running >= max(1, self.allowed()):
                self.cv.wait(0.2)
            self.running += 1

    def __exit__(self, *exc):
        with self.cv:
            self.running -= 1
            self.cv.notify()


def ocr_stream(jobs: Iterable[tuple[int, Callable[[], tuple]]], n_workers: Optional[int] = None,
               **kw) -> Iterator[tuple[int, object]]:
    """Run ``ocr_image`` on pages produced by ``jobs`` = (key, loader) where loader()
    returns (PIL image, dpi).  Yields (key, OcrPage | Exception) in job order, with
    at most 2 x workers pages in flight."""
    n = n_workers or workers()
    tesseract_cmd()  # fail early and clearly
    dynamic = CONCURRENCY if n_workers is None else None
    cap = max(n, _machine_cores()) if dynamic else n
    gate = _Gate(dynamic or (lambda: n))

    def work(loader):
        try:
            with gate:
                img, dpi = loader()
                return ocr_image(img, dpi, **kw)
        except Exception as e:  # reported per page by the caller
            return e

    if cap <= 1:
        for key, loader in jobs:
            yield key, work(loader)
        return
    from collections import deque

    window = 2 * cap
    with ThreadPoolExecutor(max_workers=cap) as ex:
        pending: deque = deque()
        for key, loader in jobs:
            pending.append((key, ex.submit(work, loader)))
            if len(pending) >= window:
                k, fut = pending.popleft()
                yield k, fut.result()
        while pending:
            k, fut = pending.popleft()
            yield k, fut.result()


def _machine_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)
