"""Document metadata: number, type, issuer, province, date, signer, addressees.

Values the text does not give stay None; they are never guessed.  Values that
came from OCR of handwriting or from signature widgets are listed in
``DocMeta.unsure`` by the reader (``SourceText.hints``).
"""

from __future__ import annotations

import re
from typing import Optional

from extractor.nlp.agencies import Gazetteer, Mention
from extractor.model import DocMeta, Node, SourceText
from extractor.nlp.document import values_in
from extractor.textutil import fold, squeeze

# Type codes inside the number ("3050/QĐ-UBND") -> document type.
TYPE_CODES = {
    "qd": "Quyết định", "kh": "Kế hoạch", "ct": "Chỉ thị", "tb": "Thông báo", "bc": "Báo cáo", "ttr": "Tờ trình",
    "nq": "Nghị quyết", "da": "Đề án", "hd": "Hướng dẫn", "ctr": "Chương trình", "qc": "Quy chế", "gm": "Giấy mời",
    "cv": "Công văn",
}
TYPE_TITLES = ["quyết định", "kế hoạch", "chỉ thị", "thông báo", "báo cáo", "tờ trình", "nghị quyết", "đề án",
               "hướng dẫn", "chương trình", "quy chế", "công văn", "giấy mời"]
_NUMBER = re.compile(r"(?m)^[\s*#|]*Số\s*[:.]?\s*([0-9]{1,6})?\s*[/]\s*([A-ZĐa-zđ0-9\-&.]+(?:\s*-\s*[A-ZĐ0-9&.]+)*)", re.I)
_DATE = re.compile(r"([^\n,]{2,40}),\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_NAME = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")
_SIGN_TITLE = re.compile(r"(chủ tịch|giám đốc|chánh văn phòng|trưởng ban|bí thư|bộ trưởng|thủ tướng|tổng cục trưởng|cục trưởng)\s*$", re.I)


CENTRAL_TYPES = ("ministry", "central_body")


def type_from_code(code: str) -> Optional[str]:
    """"QĐ-UBND" -> Quyết định; "UBND-TH" (no type code) -> Công văn."""
    parts = [c for c in re.split(r"[-/\s]", code) if c]
    if not parts:
        return None
    return TYPE_CODES.get(fold(parts[0]).lower(), "Công văn")


def _title_case_agency(upper: str, g: Gazetteer) -> str:
    a = g.resolve(upper)
    if a:
        return a.name
    words = upper.lower().split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def read_meta(src: SourceText, root: Node, g: Gazetteer) -> DocMeta:
    text = src.text
    head = text[:6000]
    meta = DocMeta()
    # ---- number
    m = _NUMBER.search(head)
    if m and m.group(1):
        meta.number = m.group(1) + "/" + re.sub(r"\s+", "", m.group(2)).strip(".-")
    code = m.group(2) if m else None
    # ---- type: the title line ("KẾ HOẠCH", read folded so OCR's "KÉ HOẠCH" counts), else the number's code
    titles = {fold(t): t for t in TYPE_TITLES}
    for ln in src.lines[:60]:
        t = text[ln.start:ln.end].strip(" *#")
        key = " ".join(fold(t).split()[:2])
        if fold(t) in titles or (key in titles and t.isupper() and len(t) < 40):
            meta.type = titles[fold(t) if fold(t) in titles else key].capitalize()
            break
    if meta.type is None:
        meta.type = type_from_code(code) if code else ("Công văn" if re.search(r"\bV/v\b", head) else None)
    # ---- place, date
    dm = _DATE.search(head)
    if dm:
        place = dm.group(1).strip(" *#\n")
        place = re.sub(r"^.*\b(?:TP\.?|Thành phố)\s*", "", place).strip()
        d, mo, y = int(dm.group(2)), int(dm.group(3)), int(dm.group(4))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            meta.issued_date = f"{y:04d}-{mo:02d}-{d:02d}"
        spans = g.province_mentions(place)
        # as written ("Đăk Nông"), and only the province, not what OCR glued before it
        meta.province = place[spans[-1][0]:spans[-1][1]] if spans else None
    # ---- issuer: the lines before the national motto
    issuer = _issuer(src, g, meta)
    meta.issuer = issuer
    if meta.province is None and issuer:
        p = g.province_in(issuer)
        if p:
            mm = re.search(r"tỉnh\s+(.+)$", issuer)
            meta.province = mm.group(1) if mm else p
    # ---- title (V/v or the line after the type)
    vv = re.search(r"V/v\s+([^\n]+(?:\n[^\n]+)?)", head)
    if vv:
        meta.title = squeeze(vv.group(1))
    # ---- signer: the name after the signature titles near the end
    meta.signer = _signer(src)
    # ---- widget / OCR hints from the reader
    for k in ("number", "issued_date", "type", "issuer", "signer"):
        if getattr(meta, k) is None and src.hints.get(k):
            setattr(meta, k, src.hints[k])
    if meta.type is None and meta.number and "/" in meta.number:
        meta.type = type_from_code(meta.number.split("/", 1)[1])
    if meta.issuer is None and meta.province and code and re.search(r"(^|-)UBND$", code.strip()):
        meta.issuer = f"UBND tỉnh {meta.province}"  # "55/KH-UBND": the body after the type code issued it
    meta.unsure = list(src.hints.get("unsure", []))
    issuer_agency = g.resolve(meta.issuer) if meta.issuer else None
    if issuer_agency and issuer_agency.type in CENTRAL_TYPES:
        meta.province = None  # a ministry's letter dated "Hà Nội" belongs to no province
    if src.pages and src.pages[0].origin == "ocr" and meta.issuer and "issuer" not in meta.unsure:
        meta.unsure.append("issuer")  # read from an OCR'd header
    return meta


def _issuer(src: SourceText, g: Gazetteer, meta: DocMeta) -> Optional[str]:
    text = src.text
    motto = re.search(r"cong\s+hoa\s+xa\s+hoi", fold(text[:5000]))  # folded: OCR writes "CỘNG HOÀ"
    lines = []
    if motto:
        before = text[:motto.start()]
        for raw in before.split("\n"):
            t = raw.strip(" *#|")
            if t and not t.startswith(("Số", "Quyết định", "|")) and len(t) < 80 and not re.search(r"\d", t):
                lines.append(t)
        lines = [t for t in lines if t.isupper() and not re.match(r"(KT|TM|TL|Q)\.|TỜ TRÌNH|BÁO CÁO|KẾ HOẠCH", t)]
        lines = list(dict.fromkeys(lines))[-3:]  # a header read twice (two-column OCR) counts once
        # "VĂN PHÒNGCỘNG HÒA" glued together in some exports
        glued = re.search(r"\n([A-ZĐÀ-Ỹ ]{3,40})CỘNG\s+H[ÒO]A", text[:motto.end()])
        if glued:
            lines.append(glued.group(1).strip())
    if not lines:
        # A directive without a header: "UBND tỉnh chỉ đạo như sau" names its author.
        if meta.province and re.search(r"(UBND|Ủy ban nhân dân|Uỷ ban nhân dân) tỉnh\s+(chỉ đạo|yêu cầu|ban hành|quyết định)", text[:8000]):
            return f"UBND tỉnh {meta.province}"
        return None
    joined = re.sub(r"\s+", " ", " ".join(lines)).strip()
    if re.fullmatch(r"(UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)", joined, re.I) and meta.province:
        return f"UBND tỉnh {meta.province}"  # the province line is missing from the header
    m = re.match(r"^(?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s+(TỈNH|THÀNH PHỐ)\s+(.+)$", joined, re.I)
    if m:
        # "UBND TỈNH QUẢNG TRỊ VĂN PHÒNG": the province, then an office under it
        rest = m.group(2)
        prov = None
        for span in g.province_mentions(rest):
            if span[0] == 0:
                prov = rest[:span[1]]
                rest = rest[span[1]:].strip()
                break
        prov_name = meta.province or (prov.title() if prov else None) or rest.title()
        kind = "tỉnh" if m.group(1).upper() == "TỈNH" else "thành phố"
        base = f"UBND {kind} {prov_name}"
        if rest and prov:
            a = g.resolve(rest)
            name = a.name if a else _title_case_agency(rest, g)
            if fold(name).startswith("van phong"):
                return f"Văn phòng {base}"
            return f"{name} {kind} {prov_name}"
        return base
    a = g.resolve(lines[-1])
    top = g.resolve(lines[0])
    if len(lines) >= 2 and a and not fold(a.name).startswith("ubnd"):
        p = meta.province or g.province_in(joined)
        return f"{a.name} tỉnh {p}" if p and a.type not in CENTRAL_TYPES else a.name
    return _title_case_agency(joined, g) if not top else top.name


def _signer(src: SourceText) -> Optional[str]:
    text = src.text
    lines = [text[ln.start:ln.end].strip(" *#|") for ln in src.lines]
    for i in range(len(lines) - 1, -1, -1):
        if _SIGN_TITLE.search(lines[i]) and lines[i].isupper():
            for j in range(i + 1, min(i + 6, len(lines))):
                cand = lines[j].strip()
                if _NAME.match(cand):
                    return cand
    # metadata tables ("| Người ký | Bùi Đình Long |")
    m = re.search(r"Người ký\s*\n\s*([^\n]+)", text[:3000])
    if m and _NAME.match(m.group(1).strip()):
        return m.group(1).strip()
    return None


def addressees(doc, root: Node) -> list[Mention]:
    """Agencies in the "Kính gửi" block (the lead when nothing narrower is named), from the
    annotated document's agency layer (document offsets)."""
    out: list[Mention] = []
    folded = doc.user_data["folded"]
    for n in root.children:
        if n.kind == "meta" and n.marker == "addressees":
            m = _KINH_GUI.match(folded, n.start, n.end)
            out += values_in(doc, "agencies", m.end() if m else n.start, n.end)
    return out


_KINH_GUI = re.compile(r"\s*kinh gui\s*:?")
