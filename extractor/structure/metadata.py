"""Document metadata: number, type, issuer, province, date, signer, addressees.

Values the text does not give stay None; they are never guessed.  Values that
came from OCR of handwriting or from signature widgets are listed in
``DocMeta.unsure`` by the reader (``SourceText.hints``).
"""

from __future__ import annotations

import difflib
import re
from typing import Optional

from extractor.nlp.agencies import CENTRAL_TYPES, Gazetteer, Mention, load_gazetteer
from extractor.model import DocMeta, Node, SourceText
from extractor.nlp.document import values_in
from extractor.rules import load_rules
from extractor.textutil import fold, squeeze

_R = load_rules()
# Type codes inside the number ("3050/QĐ-UBND") -> document type; type titles; both in models/rules/metadata.json.
TYPE_CODES = _R.table("metadata.type_codes")
TYPE_TITLES = [w.lower() for w in _R.get("metadata.lexicons.type_titles")]
_UNSTATED_ISSUER_KINDS = set(_R.words("metadata.unstated_issuer_kinds"))
_LIMIT = {k: v["value"] for k, v in _R.table("metadata.limits").items()}
_NUMBER = re.compile(r"(?m)^[\s*#|]*Số\s*[:.]?\s*([0-9]{1,6})?\s*[/]\s*([A-ZĐa-zđ0-9\-&.]+(?:\s*-\s*[A-ZĐ0-9&.]+)*)", re.I)
_DATE = re.compile(r"([^\n,]{2,40}),\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_SIGN_TITLE = re.compile(r"(?:" + _R.alt("common.signer_titles") + r")\s*$")  # on the folded line


def type_from_code(code: str) -> Optional[str]:
    """"QĐ-UBND" -> Quyết định; "UBND-TH" (no type code) -> Công văn."""
    parts = [c for c in re.split(r"[-/\s]", code) if c]
    if not parts:
        return None
    return TYPE_CODES.get(fold(parts[0]).lower(), "Công văn")


_NUMBER_BODIES = {fold(k): v for k, v in _R.get("metadata.number_body_codes.names").items()}


def _issuer_from_code(code: str, g: Gazetteer) -> Optional[str]:
    """"TB-VPCP" -> Văn phòng Chính phủ, "QĐ-TTg" -> Thủ tướng Chính phủ: a national body's code in the number.
    Local codes (UBND, the Sở's) name no province, so they are left to the header and the article."""
    for part in (c for c in re.split(r"[-/\s]", code) if c):
        name = _NUMBER_BODIES.get(fold(part))
        if name:
            return name
        a = g.resolve(part)
        if a and a.type in CENTRAL_TYPES:
            return a.name
    return None


def _title_case_agency(upper: str, g: Gazetteer) -> str:
    a = g.resolve(upper)
    if a:
        return a.name
    words = upper.lower().split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def read_meta(src: SourceText, root: Node, g: Gazetteer) -> DocMeta:
    text = src.text
    head = text[:_LIMIT["header_chars"]]
    meta = DocMeta()
    # ---- number
    m = _NUMBER.search(head)
    if m and m.group(1):
        meta.number = m.group(1) + "/" + re.sub(r"\s+", "", m.group(2)).strip(".-")
    code = m.group(2) if m else None
    # ---- type: the title line ("KẾ HOẠCH", read folded so OCR's "KÉ HOẠCH" counts), else the number's code
    for ln in src.lines[:60]:
        t = text[ln.start:ln.end].strip(" *#")
        kind = _snap_type(t)
        if kind:
            meta.type = kind
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
        meta.province = place[spans[-1][0]:spans[-1][1]] if spans else _snap_province(place, g)
    # ---- issuer: the lines before the national motto
    issuer = _issuer(src, g, meta)
    meta.issuer = issuer
    if meta.province is None and issuer:
        p = g.province_in(issuer)
        if p:
            mm = re.search(r"(?:tỉnh|thành phố)\s+(.+)$", issuer)
            meta.province = mm.group(1) if mm else p
    if meta.province and meta.province.lower() not in _SPELLED:
        # "Lâm Đòng" (OCR) folds to a province but is no spelling of one: the closed list's name
        p = g.provinces.get(fold(meta.province))
        if p:
            if meta.issuer:
                meta.issuer = meta.issuer.replace(meta.province, p["name"])
            meta.province = p["name"]
    # ---- title (V/v or the line after the type)
    vv = re.search(r"V/v\s+([^\n]+(?:\n[^\n]+)?)", head)
    if vv:
        meta.title = squeeze(vv.group(1))
    # ---- signer: the name after the signature titles near the end
    meta.signer = _signer(src)
    # ---- a legal database's table of the letter's fields ("| Số hiệu | 219/KH-UBND |", "Người ký: ...")
    own = bool(_MOTTO.search(fold(head)) or meta.number)
    table = _table_fields(head, g)
    for k, v in table.items():
        if getattr(meta, k) is None or (k == "issuer" and not own):
            setattr(meta, k, v)
    if not own and not table:
        # ---- a news or portal article: the directive it reports is the document
        rep = _reported(text, g)
        meta.reported = bool(rep)
        if rep:
            for k, v in rep.items():
                if getattr(meta, k) is None:
                    setattr(meta, k, v)
    # ---- widget / OCR hints from the reader
    for k in ("number", "issued_date", "type", "issuer", "signer"):
        if getattr(meta, k) is None and src.hints.get(k):
            setattr(meta, k, src.hints[k])
    if meta.type is None and meta.number and "/" in meta.number:
        meta.type = type_from_code(meta.number.split("/", 1)[1])
    if meta.issuer is None and meta.province and code and re.search(r"(^|-)UBND$", code.strip()):
        meta.issuer = _local_name("UBND tỉnh", meta.province)  # "55/KH-UBND": the body after the type code issued it
    if meta.issuer is None and meta.number and "/" in meta.number:
        meta.issuer = _issuer_from_code(meta.number.split("/", 1)[1], g)
    meta.unsure = list(src.hints.get("unsure", []))
    issuer_agency = g.resolve(meta.issuer) if meta.issuer else None
    if issuer_agency and issuer_agency.type in CENTRAL_TYPES:
        meta.province = None  # a ministry's letter dated "Hà Nội" belongs to no province
    elif meta.province is None and not own and not table:
        meta.province = _article_province(text, g)
        if meta.issuer and meta.province and not g.province_in(meta.issuer):
            if fold(meta.issuer) in _BARE_LOCAL:
                meta.issuer = _local_name(meta.issuer, meta.province)
            elif issuer_agency and issuer_agency.type in ("party", "mass_org"):
                meta.issuer = f"{meta.issuer} {meta.province}"  # "Ban Thường vụ Tỉnh ủy" + Quảng Ninh
    if meta.issuer is None and meta.province and meta.type and fold(meta.type) in _UNSTATED_ISSUER_KINDS:
        meta.issuer = _local_name("UBND tỉnh", meta.province)  # "Lạng Sơn ban hành kế hoạch …" names no body
    if src.pages and src.pages[0].origin == "ocr" and meta.issuer and "issuer" not in meta.unsure:
        meta.unsure.append("issuer")  # read from an OCR'd header
    return meta


# ------------------------------------------------------------------ closed lists (OCR slips)
_MOTTO = re.compile(r"cong\s+hoa\s+xa\s+hoi")


def _snap_type(line: str) -> Optional[str]:
    """A title line ("KẾ HOẠCH", "QUYET DJNH") -> its type from the closed list, or None."""
    f = " ".join(fold(line).split())
    if not f:
        return None
    titles = {fold(t): t for t in TYPE_TITLES}
    if f in titles:
        return titles[f].capitalize()
    if not (line.isupper() and len(line) < 40):
        return None
    for n in (2, 3, 1):
        key = " ".join(f.split()[:n])
        if key in titles:
            return titles[key].capitalize()
        close = difflib.get_close_matches(key, titles, n=1, cutoff=_LIMIT["snap_ratio"])
        if close and len(key.split()) == len(close[0].split()):
            return titles[close[0]].capitalize()
    return None


def _snap_province(place: str, g: Gazetteer) -> Optional[str]:
    """The place of the date line, garbled by OCR ("Lào Caj") -> the province it names, or None."""
    words = fold(place).split()
    names = {fold(p["name"]): p["name"] for p in g.provinces.values()}
    for n in (2, 3, 4):
        if len(words) >= n:
            close = difflib.get_close_matches(" ".join(words[-n:]), names, n=1, cutoff=_LIMIT["snap_ratio"])
            if close:
                return names[close[0]]
    return None


_SPELLED = {n.lower() for p in load_gazetteer().provinces.values() for n in [p["name"], *p.get("variants", [])]}
_CITIES = {fold(c) for c in _R.get("metadata.city_provinces.names")}
_BARE_LOCAL = {"ubnd tinh", "van phong ubnd tinh", "ubnd thanh pho"}


def _local_name(canonical: str, province: str) -> str:
    """"UBND tỉnh" + "Cần Thơ" -> "UBND thành phố Cần Thơ"; "Sở Y tế" + "Lào Cai" -> "Sở Y tế tỉnh Lào Cai"."""
    kind = "thành phố" if fold(province) in _CITIES else "tỉnh"
    base = re.sub(r"\s+(?:tỉnh|thành phố)$", "", canonical)
    return f"{base} {kind} {province}"


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
        if glued and glued.group(1).strip() not in lines:  # two columns on one line: the left one already read
            lines.append(glued.group(1).strip())
    if not lines:
        # A directive without a header: "UBND tỉnh chỉ đạo như sau" names its author.
        if meta.province and re.search(r"(UBND|Ủy ban nhân dân|Uỷ ban nhân dân) tỉnh\s+(chỉ đạo|yêu cầu|ban hành|quyết định)", text[:8000]):
            return _local_name("UBND tỉnh", meta.province)
        return None
    joined = re.sub(r"\s+", " ", " ".join(lines)).strip()
    if re.fullmatch(r"(UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)", joined, re.I) and meta.province:
        return _local_name("UBND tỉnh", meta.province)  # the province line is missing from the header
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
        return _local_name(a.name, p) if p and a.type not in CENTRAL_TYPES else a.name
    if top:
        return top.name
    return _truncated_central(joined, g) or _title_case_agency(joined, g)


def _truncated_central(header: str, g: Gazetteer) -> Optional[str]:
    """"BỘ KHOA HỌC VÀ" (a two-column export cut the line): the one central body whose name starts so."""
    f = " ".join(fold(header).split())
    if len(f.split()) < _LIMIT["truncated_header_words"]:
        return None
    hits = {a.name for a in g.agencies.values() if a.type in CENTRAL_TYPES
            and any(" ".join(fold(v).split()).startswith(f + " ") for v in [a.name, *a.variants])}
    return hits.pop() if len(hits) == 1 else None


def _signer(src: SourceText) -> Optional[str]:
    text = src.text
    lines = [text[ln.start:ln.end].strip(" *#|") for ln in src.lines]
    for i in range(len(lines) - 1, -1, -1):
        if _SIGN_TITLE.search(fold(lines[i])) and lines[i].isupper():
            for j in range(i + 1, min(i + 6, len(lines))):
                cand = lines[j].strip()
                if _is_name(cand):
                    return cand
    # metadata tables ("| Người ký | Bùi Đình Long |")
    m = re.search(r"Người ký\s*\n\s*([^\n]+)", text[:3000])
    if m and _is_name(m.group(1).strip()):
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


# ------------------------------------------------------------------ metadata tables of legal databases
_FIELD_LABELS = {k: [fold(w) for w in ws] for k, ws in _R.table("metadata.table.fields").items()}
_ALL_LABELS = sorted({w for ws in _FIELD_LABELS.values() for w in ws}, key=len, reverse=True)
_LABEL_RX = re.compile(r"(?:^|[|\n]|\s{2,}|(?<=\s))(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _ALL_LABELS)
                       + r")\s*(?:\|\s*|:\s*)")
_ISO_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def _table_fields(head: str, g: Gazetteer) -> dict:
    """"| Số hiệu | 219/KH-UBND |" or "Số hiệu: 2491/QĐ-BYT Loại văn bản: Quyết định" -> the fields they give."""
    folded = fold(head)
    out: dict = {}
    hits = list(_LABEL_RX.finditer(folded))
    for i, m in enumerate(hits):
        label = " ".join(m.group(1).split())
        field_ = next(k for k, ws in _FIELD_LABELS.items() if label in ws)
        if field_ in out:
            continue
        stop = len(head)
        nxt = re.search(r"[|\n]", head[m.end():])
        if nxt:
            stop = m.end() + nxt.start()
        if i + 1 < len(hits) and hits[i + 1].start() < stop:
            stop = hits[i + 1].start()
        value = head[m.end():stop].strip(" :*|\t")
        if not value or len(value) > 120:
            continue
        if field_ == "number":
            value = re.sub(r"\s+", "", value)
            if not re.match(r"\d", value):
                continue
        elif field_ == "issued_date":
            dm = _ISO_DMY.search(value)
            if not dm:
                continue
            value = f"{int(dm.group(3)):04d}-{int(dm.group(2)):02d}-{int(dm.group(1)):02d}"
        elif field_ == "type":
            value = _snap_type(value.upper()) or None
        elif field_ == "signer":
            if not _is_name(value):
                continue
        elif field_ == "issuer":
            value = _issuer_named(value, g)
        if value:
            out[field_] = value
    return out


def _issuer_named(value: str, g: Gazetteer) -> Optional[str]:
    """A table's "Cơ quan ban hành": "Thành phố Cần Thơ" -> UBND thành phố Cần Thơ; "Bộ Y tế" -> Bộ Y tế."""
    bare = re.sub(r"^(?:tỉnh|thành phố|tp\.?)\s+", "", value.strip(), flags=re.I)
    p = g.province_in(bare)
    if p and len(fold(bare).split()) == len(fold(p).split()):
        return _local_name("UBND tỉnh", p)
    a = g.resolve(value)
    if a:
        return _local_name(a.name, p) if p and a.type not in CENTRAL_TYPES else a.name
    return value


# ------------------------------------------------------------------ a news or portal article's reported directive
_DOC_REF = _R.rx("metadata.doc_ref")
_REF_DATE = _R.rx("metadata.ref_date")
_CITED_AFTER = _R.rx("metadata.cited_after")
_CITED_BEFORE = re.compile(r"(?:^|\W)(?:" + _R.alt("metadata.citation_before") + r")\s*$")
_KIND_ONLY = _R.rx("metadata.kind_only")
_KIND_BEFORE = re.compile(r"(?:^|\W)(?:" + _R.alt("metadata.kind_only_before") + r")(?:\s+(?:"
                          + _R.alt("metadata.tense_words") + r"))*\s*$")
_KIND_DESCRIBED = _R.rx("metadata.kind_described")
_KIND_OF_BEFORE = _R.rx("metadata.kind_of_before")
_KIND_TITLED = _R.rx("metadata.kind_titled_described")
_KIND_OPENS = _R.rx("metadata.kind_opens_clause")
_KIND_AFTER_THEO = _R.rx("metadata.kind_after_theo")
_KIND_ATTRIBUTED = _R.rx("metadata.kind_attributed")
_OF = re.compile(r"\s*cua(?= )")
_SOURCE_LABEL = re.compile(r"(?:" + _R.alt("metadata.source_labels") + r")\s*:\s*$")
_DATE_BEFORE = _R.rx("metadata.date_before")
_ISSUING_AFTER = _R.rx("metadata.issuing_after")
_SIGNING = _R.rx("metadata.signing_verb")
_TITLE_BEFORE = _R.rx("metadata.title_before")
_OBJECT_BEFORE = _R.rx("metadata.object_before")
_DATELINE = _R.rx("metadata.dateline")
_PAGE_DATE = _R.rx("metadata.page_date")
_SOURCE_LINE = _R.rx("metadata.source_line")
_ABBREV = _R.get("metadata.body_abbreviations.names")
_WORD = re.compile(r"\w+")


def _is_name(s: str) -> bool:
    p = _person(s.strip())
    return bool(p) and p[1] == len(s.strip())


def _person(s: str) -> Optional[tuple[str, int]]:
    """A personal name at the start of ``s`` (2 to 5 capitalised syllables): (name, end) or None.
    Letter case is read with str methods: the range À-Ỹ also holds lower-case letters."""
    words, end = [], 0
    for m in _WORD.finditer(s):
        w = m.group(0)
        if s[end:m.start()].strip() or not (w[0].isupper() and w[1:].islower() and w.isalpha()):
            break
        words.append(w)
        end = m.end()
        if len(words) == _LIMIT["name_words"]:
            break
    return (" ".join(words), end) if len(words) >= 2 else None


def _body(text: str) -> str:
    """The article without its "# source: URL" line."""
    first = text.split("\n", 1)[0]
    return text[len(first) + 1:] if _SOURCE_LINE.match(fold(first)) else text


def _ymd(m: re.Match, year: Optional[int]) -> Optional[str]:
    d, mo = int(m.group("d")), int(m.group("m"))
    y = int(m.group("y")) if m.group("y") else year
    if y and 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _published_year(body: str) -> Optional[int]:
    """The article's own date (its dateline or the date printed under the headline): the year of a bare "Ngày 6/10"."""
    top = fold(body[:400])
    m = _DATELINE.search(top) or _PAGE_DATE.search(top)
    return int(m.group("y")) if m else None


def published_year(text: str) -> Optional[int]:
    """The year an article is dated by (see :func:`_published_year`), for its bare "trước ngày 15/9"."""
    return _published_year(_body(text))


def _reported(text: str, g: Gazetteer) -> dict:
    """The directive a news or portal article reports: "UBND tỉnh ban hành Công văn số 123/UBND-KT ngày 5/3/2025",
    "Ngày 15/7/2022, UBND tỉnh ban hành ...", "Phó Chủ tịch UBND tỉnh Nguyễn Văn A vừa ký văn bản ...".
    Fields the article does not give stay out."""
    body = _body(text)
    lead = body[:_LIMIT["lead_chars"]]
    flead = fold(lead)
    year = _published_year(body)
    out: dict = {}
    # the numbered reference: a source note anywhere ("Nguồn: Công văn số ..."), else the first one in the lead
    # that is not a citation ("theo Kế hoạch số ...", "... ngày 6/5/2022 của UBND tỉnh")
    fbody = fold(body)
    refs = [m for m in _DOC_REF.finditer(fbody) if _SOURCE_LABEL.search(fbody[max(0, m.start() - 20):m.start()])]
    refs += [m for m in _lead_refs(flead) if not _CITED_AFTER.match(flead, m.end())]
    ref_text = fbody if refs and refs[0].string is fbody else flead
    if refs:
        r = refs[0]
        src = body if ref_text is fbody else lead
        out["number"] = re.sub(r"\s+", "", src[r.start("num"):r.end("num")])
        kind = fold(r.group("kind"))
        code = out["number"].split("/", 1)[1] if "/" in out["number"] else ""
        out["type"] = _kind_name(kind) or type_from_code(code)
        dm = _REF_DATE.match(ref_text, r.end())
        if dm:
            out["issued_date"] = _ymd(dm, year)
    # the issuer: the first agency (or official of one) that issues, asks, assigns or reports in the lead
    subj = _issuing_subject(lead, flead, g, year)
    at = subj.pop("_at", 0)
    if not refs:
        # an unnumbered kind ("vừa ban hành kế hoạch", "theo công văn"), in the opening sentence or the issuer's:
        # further down "ban hành Quyết định công bố ..." is what the directive asks for; a kind the article
        # describes ("Quyết định nêu rõ", "Kế hoạch của UBND tỉnh") is the reported one wherever the lead has it
        for m in _KIND_ONLY.finditer(flead):
            name = _kind_name(fold(m.group("kind")))
            if not name:
                continue
            opening = m.start() < _sentence_end(flead, 0) or _sentence_start(flead, at) <= m.start() < _sentence_end(flead, at)
            after = flead[m.end():m.end() + 40]
            of = _OF.match(after)  # "Kế hoạch của …": is the kind itself led in as "Theo Kế hoạch của"?
            before = flead[max(0, m.start() - 30):m.start()]
            described = (_KIND_DESCRIBED.match(after) or (of and _kind_of_before(flead, m.end() + of.end()))
                         or (_KIND_OPENS.search(before) and _KIND_TITLED.match(flead[m.end():m.end() + 200]))
                         or (_KIND_AFTER_THEO.search(before) and _KIND_ATTRIBUTED.match(flead[m.end():m.end() + 200])))
            if (opening and _KIND_BEFORE.search(before)) or described:
                out["type"] = name
                break
    for k, v in subj.items():
        out.setdefault(k, v)
    return {k: v for k, v in out.items() if v}


def _lead_refs(flead: str) -> list[re.Match]:
    """Document references that are not cited: not after "thực hiện", "theo", "quy định tại" …, nor joined
    to a cited one ("thực hiện Thông tư 15/2023/TT-NHNN và Quyết định 573/QĐ-NHNN": both are cited)."""
    out, prev_cited_end = [], None
    for m in _DOC_REF.finditer(flead):
        before = flead[max(0, m.start() - 30):m.start()]
        cited = bool(_CITED_BEFORE.search(before) or _CITED_LIST.search(flead[max(0, m.start() - 120):m.start()])) or (
            prev_cited_end is not None and _JOINED.fullmatch(flead[prev_cited_end:m.start()]) is not None)
        prev_cited_end = m.end() if cited else None
        if not cited:
            out.append(m)
    return out


_JOINED = re.compile(r"[^.;:]{0,80}?(?:,|\bva)\s*")
# "thực hiện Thông tư 15/2023/TT-NHNN và <ref>": the list a citation word opens (a reference the pattern
# does not read, a law without "số", sits between)
_CITED_LIST = re.compile(r"(?:^|\W)(?:" + _R.alt("metadata.citation_before") + r")\s+[^.;:]{0,80}?(?:,|\bva)\s*$")


def _sentence_start(t: str, i: int) -> int:
    m = list(re.finditer(r"[.!?;\n]\s", t[:i]))
    return m[-1].end() if m else 0


def _sentence_end(t: str, i: int) -> int:
    m = re.compile(r"[.!?;\n]\s").search(t, i)
    return m.start() if m else len(t)


def _kind_of_before(flead: str, end: int) -> bool:
    """Does the lead read "Theo Kế hoạch của" / ", công văn của" just before ``end``?  (Searched in place:
    on a slice, "^" would match wherever the slice happens to start.)"""
    return bool(_KIND_OF_BEFORE.search(flead, max(0, end - _LIMIT["kind_of_window"]), end))


def _kind_name(folded_kind: str) -> Optional[str]:
    titles = {fold(t): t for t in TYPE_TITLES}
    t = titles.get(" ".join(folded_kind.split()))
    return t.capitalize() if t else None


def _subjects(lead: str, flead: str, g: Gazetteer) -> list[tuple[int, int, str, Optional[object]]]:
    """Agency mentions in the lead, and bodies named only by abbreviation ("NHNN"): (start, end, text, agency)."""
    out = [(m.start, m.end, m.text, m.agency) for m in g.find(lead)]
    for abbr, full in _ABBREV.items():
        for m in re.finditer(r"(?<!\w)" + re.escape(fold(abbr)) + r"(?!\w)", flead):
            if not any(s <= m.start() < e for s, e, _, _ in out):
                out.append((m.start(), m.end(), full, None))
    # "tỉnh Cao Bằng đặt mục tiêu", "TP.Hải Phòng yêu cầu": the province speaks through its people's committee
    for s, e in g.province_mentions(lead):
        pre = _PROVINCE_AS_BODY.search(flead[max(0, s - 12):s])
        if pre and not any(a <= s < b for a, b, _, _ in out):
            out.append((s - len(pre.group(0)), e, lead[s:e], _PROVINCE_BODY))
    return sorted(out, key=lambda t: t[0])


_PROVINCE_BODY = "province"
_PROVINCE_AS_BODY = _R.rx("metadata.province_as_body")


def _issuing_subject(lead: str, flead: str, g: Gazetteer, year: Optional[int]) -> dict:
    for start, end, written, agency in _subjects(lead, flead, g):
        tail, ftail = lead[end:end + 80], flead[end:end + 80]
        # "UBND thành phố Đà Nẵng", "Phó Chủ tịch UBND tỉnh Đồng Nai Lê Trường Sơn": province and name after it
        prov, skip = None, 0
        pm = g.province_mentions(tail)
        if pm and re.fullmatch(r"[\s,]*(?:(?:tinh|thanh pho|tp\.?)\s*)?", ftail[:pm[0][0]]):
            prov = g.province_in(tail[pm[0][0]:pm[0][1]])
            skip = pm[0][1]
        title = _TITLE_BEFORE.search(flead[max(0, start - 40):start])
        lead_from = start - (len(title.group(0)) if title else 0)
        # "Theo Kế hoạch của UBND TP.HCM, ...": the body whose unnumbered document the article describes
        described = _kind_of_before(flead, lead_from)
        if not described and _OBJECT_BEFORE.search(flead[max(0, lead_from - 20):lead_from]):
            continue
        name = None
        rest = tail[skip:]
        titled = bool(title) or _title_in(written)
        hon = _HONORIFIC.match(ftail[skip:]) if titled else None
        pad = hon.end() if hon else len(rest) - len(rest.lstrip())
        nm = _person(rest[pad:])
        if nm and titled:
            name = nm[0]
            skip += pad + nm[1]
        va = _ISSUING_AFTER.match(ftail[skip:])
        if not va and not described:
            continue
        if agency == _PROVINCE_BODY:
            prov = prov or written
            agency, written = None, _local_name("UBND tỉnh", prov)
        elif agency is not None and agency.type == "group":
            continue  # "các cơ quan, đơn vị" receive a directive, they do not issue one
        if agency is None:
            out = {"issuer": written}  # an abbreviation spelled out (national bodies)
        elif agency.type in CENTRAL_TYPES:
            out = {"issuer": agency.name}
        elif agency.type in ("party", "mass_org"):
            # "Ban Thường vụ Tỉnh ủy" is written as the article has it; the gazetteer folds it into "Tỉnh ủy"
            t = _TITLE_START.match(fold(written))
            out = {"issuer": squeeze(written[t.end():] if t else written)
                   + (f" {prov}" if prov and not g.province_in(written) else "")}
        else:
            body = agency.name
            prov = prov or g.province_in(written)  # "UBND TP.HCM", "UBND tỉnh Phú Thọ" matched whole
            if fold(body) == "ubnd tinh" and re.search(r"thanh pho|tp\b", fold(written)):
                body = "UBND thành phố"  # "Ủy ban nhân dân thành phố ban hành …": a centrally-run city
            out = {"issuer": _local_name(body, prov) if prov else body}
        if prov:
            out["province"] = prov
        if name and va and _SIGNING.match(fold(va.group("verb"))):
            out["signer"] = name
        out["_at"] = start
        db = _DATE_BEFORE.search(flead[max(0, lead_from - 40):lead_from])
        if db:
            out["issued_date"] = _ymd(db, year)
        return out
    return {}


_TITLE_START = _R.rx("metadata.title_start")
_HONORIFIC = _R.rx("metadata.honorific")


def _title_in(mention_text: str) -> bool:
    return bool(_TITLE_START.match(fold(mention_text)))


def _article_province(text: str, g: Gazetteer) -> Optional[str]:
    """The province an article is about: the one its text names most (first on a tie)."""
    body = _body(text)
    counts: dict[str, int] = {}
    written = {n.lower(): p["name"] for p in g.provinces.values() for n in [p["name"], *p.get("variants", [])]}
    for s, e in g.province_mentions(body):
        # as spelled, or after "tỉnh": folded alone, "Trần Huệ" would be Huế
        w = body[s:e].lower()
        if w in written or re.search(r"(?:tỉnh|thành phố|tp\.)\s*$", body[max(0, s - 12):s].lower()):
            name = written.get(w) or g.provinces[fold(body[s:e])]["name"]
            counts[name] = counts.get(name, 0) + 1
    if counts:
        top = max(counts, key=lambda k: counts[k])  # dicts keep first-seen order: ties go to the first
        return top if counts[top] > _LIMIT["article_province_share"] * sum(counts.values()) else None
    return _host_province(text)


_HOST_PREFIXES = tuple(_R.get("metadata.host_prefixes.names"))
_HOST_SLUGS: dict[str, str] = {}  # "thuathienhue" -> "Thừa Thiên Huế": the first spelling of a slug wins
for _p in load_gazetteer().provinces.values():
    for _n in [_p["name"], *_p.get("variants", [])]:
        _HOST_SLUGS.setdefault(re.sub(r"[^a-z]", "", fold(_n)), _n)


def _host_province(text: str) -> Optional[str]:
    """The province of the portal or provincial paper a saved article came from, by its address.

    Only an article that names no province reaches here ("UBND tỉnh ban hành ..." on
    kontum.gov.vn); the address is the one fact left that says whose "tỉnh" it is.
    """
    m = _SOURCE_LINE.match(fold(text.split("\n", 1)[0]))
    host = re.match(r"(?:[a-z]+://)?([^/?#]+)", m.group("url")) if m else None
    if not host:
        return None
    # the name the host spells, as the body path keeps "as written": baothuathienhue -> Thừa Thiên Huế
    for label in host.group(1).lower().split("."):
        label = re.sub(r"[^a-z]", "", label)
        for cand in (label, *(label[len(p):] for p in _HOST_PREFIXES if label.startswith(p))):
            if len(cand) >= 3 and cand in _HOST_SLUGS:
                return _HOST_SLUGS[cand]
    return None
