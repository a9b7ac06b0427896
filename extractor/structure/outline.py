"""Structure stage: SourceText -> outline tree of Nodes.

Recognises Roman and Arabic numbered headings (I., 1., 1.1., 2.3.1.), lettered
items (a), b)), bullets (-, +, *, •), bold agency lead-ins ("**4. Sở Tài
Chính:**"), task tables (rows mapped to roles by their header), and the
blocks that are not content: national motto, "Số:", "Kính gửi", "Nơi nhận",
signatures.  Wrapped lines are joined back into one node.
"""

from __future__ import annotations

import re
from typing import Optional

from extractor.model import Node, SourceText, Table
from extractor.nlp.agencies import without_mentions
from extractor.nlp.document import Window
from extractor.rules import load_rules
from extractor.textutil import fold

_R = load_rules()

_MARKERS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(Phần\s+[IVXLC\d]+|PHẦN\s+[IVXLC\d]+|Phụ\s+lục\s*[IVXLC\d]*|PHỤ\s+LỤC\s*[IVXLC\d]*)\b[.:]?\s*"), "part"),
    (re.compile(r"^(Điều\s+\d+)[.:]\s*"), "article"),
    (re.compile(r"^([IVXLC]{1,5})[.)]\s+"), "roman"),
    (re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+"), "multi"),
    (re.compile(r"^(\d{1,2})[.)]\s+"), "arabic"),
    (re.compile(r"^([a-zđ])[)]\s+"), "letter"),
    (re.compile(r"^\((\d{1,2}|[ivx]{1,4}|[a-zđ])\)\s+"), "paren"),  # "(1)", "(ii)", "(a)"
    (re.compile(r"^([-–—])\s*"), "dash"),
    (re.compile(r"^([+])\s*"), "plus"),
    (re.compile(r"^([*•·▪◦])\s+"), "star"),
]
_LEVEL = {"part": 0, "article": 1, "roman": 1, "arabic": 2, "paren": 5, "letter": 6, "dash": 7, "plus": 8, "star": 9}

_META_LINE = re.compile(
    r"^(cong hoa xa hoi chu nghia viet nam|doc lap\s*-\s*tu do\s*-\s*hanh phuc|so\s*:|v/v\b|ve viec\b|"
    r"kinh gui\b|noi nhan|noi nham|luu\s*:|tm\.|kt\.|q\.|tl\.|tuq\.|ktl\.|\(ky|\(da ky|ky boi|"
    r"nhu tren|uy ban nhan dan$|ubnd tinh [^,]{0,30}$|(?:(?:source|nguon)\s*:\s*)?https?://\S+$)", re.I)
# A signer's title stands alone on its line; a body sentence may open with one ("Chủ tịch UBND tỉnh yêu cầu ...").
_TITLE_LINE = _R.rx("common.signer_title_line")
_PLACE_DATE = re.compile(r"^[^\d,]{2,40},\s*ngay\s+\.*\s*\d{0,2}\s*\.*\s*thang\s+\.*\s*\d{0,2}\s*\.*\s*nam\s+\d{4}")
_SIGNER_TITLES = _R.rx("common.signer_line")  # "KT. CHỦ TỊCH", "PHÓ GIÁM ĐỐC" (models/rules/common.json)

# Header words of task tables -> role (models/rules/columns.json), folded.
COLUMN_ROLES: list[tuple[str, str]] = [(" ".join(fold(k).split()), r) for k, r in _R.table("columns.roles")]


def column_role(header: str) -> Optional[str]:
    h = re.sub(r"\s+", " ", fold(header)).strip(" .:*")
    for key, role in COLUMN_ROLES:
        if h == key:
            return role
    for key, role in COLUMN_ROLES:
        if len(key) > 3 and h.startswith(key):
            return role
    for key, role in COLUMN_ROLES:
        if len(key) > 6 and key in h:
            return role
    return None


def _marker(text: str) -> tuple[str, str, int]:
    """(marker, style, length of marker incl. following space) or ('', '', 0)."""
    for rx, style in _MARKERS:
        m = rx.match(text)
        if m:
            if style == "roman" and not re.match(r"^[IVXLC]+$", m.group(1)):
                continue
            return m.group(1), style, m.end()
    return "", "", 0


def _level(style: str, marker: str) -> int:
    if style == "multi":
        return 2 + marker.count(".")
    return _LEVEL.get(style, 10)


def _is_upper_title(t: str) -> bool:
    letters = [c for c in t if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _meta_line(t: str) -> bool:
    f = fold(t).strip(" *#")
    return bool(_META_LINE.match(f) or _PLACE_DATE.match(f)
                or (_TITLE_LINE.match(f) and len(f) < _T("signer_line_max_chars")))


def build_outline(src: SourceText, doc) -> Node:
    """The outline of ``src``; ``doc`` is its annotated document (agency layers name label lead-ins)."""
    text = src.text
    root = Node(kind="root", start=0, end=len(text))
    items: list[tuple[int, object]] = [(ln.start, ln) for ln in src.lines] + [(t.start, t) for t in src.tables]
    items.sort(key=lambda x: x[0])
    stack: list[Node] = [root]
    region = "body"  # "addressees" | "recipients" | "signature" | "body"
    last_node: Optional[Node] = None
    last_line_text = ""
    bare: Optional[tuple[str, str, int]] = None  # (marker, style, end) of a marker alone on its line

    def parent_for(level: int) -> Node:
        while len(stack) > 1 and stack[-1].level >= level:
            stack.pop()
        return stack[-1]

    for _, obj in items:
        if isinstance(obj, Table):
            tnode = _table_node(src, obj)
            parent = stack[-1]
            # a task table starts its own section; later headings close it
            parent.children.append(tnode)
            last_node = None
            continue
        ln = obj
        raw = text[ln.start:ln.end]
        t = raw.strip()
        if not t:
            continue
        a = ln.start + (len(raw) - len(raw.lstrip()))
        z = a + len(t)
        f = fold(t)
        # ---- blocks that are not content
        if re.match(r"^(noi nhan|noi nham)\s*:?", f):
            region = "recipients"
            root.children.append(Node(kind="meta", start=a, end=z, marker="recipients", page=ln.page, bbox=ln.bbox))
            last_node = None
            continue
        if re.match(r"^kinh gui\s*:?", f):
            # "Kính gửi: Bộ Y tế." names its one addressee and ends there
            region = "body" if t.rstrip().endswith(".") else "addressees"
            root.children.append(Node(kind="meta", start=a, end=z, marker="addressees", page=ln.page, bbox=ln.bbox))
            last_node = None
            continue
        if re.match(r"^\[\d+\]", t):
            root.children.append(Node(kind="meta", start=a, end=z, marker="footnote", page=ln.page, bbox=ln.bbox))
            last_node = None
            continue
        marker, style, mlen = _marker(t)
        if region in ("recipients", "addressees"):
            # a short line continues the list, unless it introduces what follows ("… có ý kiến như sau:");
            # a section heading ("I. MỤC TIÊU" of an annexed programme) never belongs to it
            if style not in ("roman", "part") and (style in ("dash", "plus", "star") or (len(t) < 60 and not (region == "addressees" and t.endswith(":")))
                    or (region == "recipients" and not t.endswith("."))):
                root.children.append(Node(kind="meta", start=a, end=z, marker=region, page=ln.page, bbox=ln.bbox))
                if region == "addressees" and t.rstrip().endswith(".") and not style:
                    region = "body"
                continue
            region = "body"
        if _SIGNER_TITLES.match(f) and len(t) < _T("signer_line_max_chars"):
            root.children.append(Node(kind="meta", start=a, end=z, marker="signature", page=ln.page, bbox=ln.bbox))
            last_node = None
            continue
        if _meta_line(t) and not style:
            root.children.append(Node(kind="meta", start=a, end=z, marker="header", page=ln.page, bbox=ln.bbox))
            last_node = None
            continue
        # ---- a list marker alone on its line (web lists copied as "-" then the text) marks the next line
        if style and not t[mlen:].strip():
            bare = (marker, style, z)
            continue
        if bare and not style and not text[bare[2]:a].strip():
            marker, style, mlen = bare[0], bare[1], 0
        bare = None
        # ---- a wrapped line continues the previous node
        if (last_node is not None and not style and t[:1].islower()
                and not re.search(r"[.;:!?]\s*$", last_line_text)):
            last_node.end = z
            last_line_text = t
            continue
        emph = [(max(s, a), min(e, z)) for s, e in ln.emph if e > a and s < z]
        if style:
            level = _level(style, marker)
            body_start = a + mlen
            label_end = _label_end(doc, body_start, z, emph)
            parent = parent_for(level)
            kind = "heading" if (style in ("roman", "part") or (_is_upper_title(t[mlen:]) and len(t) < 200)
                                 or (ln.heading and not label_end and len(t) < _T("markdown_heading_max_chars"))) else "item"
            node = Node(kind=kind, start=body_start, end=z, marker=marker, level=level, label_end=label_end,
                        page=ln.page, bbox=ln.bbox)
            parent.children.append(node)
            stack.append(node)
            last_node = node
        else:
            whole_bold = bool(emph) and emph[0][0] <= a + 1 and emph[-1][1] >= z - 1 and len(emph) == 1
            if (_is_upper_title(t) and len(t) < 200) or (ln.heading and len(t) < _T("markdown_heading_max_chars")) or (whole_bold and len(t) < 150 and not re.search(r"[.;!?]$", t)
                                                        and not t.endswith(":")):
                parent = parent_for(1)
                node = Node(kind="heading", start=a, end=z, level=1, page=ln.page, bbox=ln.bbox)
                parent.children.append(node)
                stack.append(node)
                last_node = node
            else:
                # Bullets hold one paragraph; text after a bullet list belongs to the item above it.
                while len(stack) > 1 and stack[-1].level >= _LEVEL["dash"]:
                    stack.pop()
                node = Node(kind="paragraph", start=a, end=z, level=99, page=ln.page, bbox=ln.bbox)
                stack[-1].children.append(node)
                last_node = node
        last_line_text = t
    return root


def _label_end(doc, body_start: int, z: int, emph: list[tuple[int, int]]) -> Optional[int]:
    """End of a bold lead-in that ends with ':' ("**4. Sở Tài Chính:**") or of an
    agency-only prefix before ':' ("2.2. Các Sở, ban, ngành: Triển khai ...")."""
    text = doc.user_data["text"]
    for s, e in emph:
        if s <= body_start + 1 and e > body_start:
            seg = text[s:e].rstrip()
            if seg.endswith(":"):
                return s + len(seg)
            # bold part followed directly by ':' outside the emphasis
            rest = text[e:z]
            if rest.lstrip().startswith(":") and len(seg) < _T("bold_label_max_chars"):
                return e + rest.index(":") + 1
            break
    colon = text.find(":", body_start, min(z, body_start + _T("label_max_chars")))
    if colon < 0:
        return None
    prefix = Window(doc, body_start, colon)
    if _R.rx("extract.label_assign").match(prefix.folded.strip()) or _R.rx("extract.label_list_intro").search(prefix.folded):
        return None  # "Giao ...:" hands over; "... và các Trường: Cao đẳng A, B" introduces a list
    ms = prefix.mentions(weak=True)
    if ms:
        covered = sum(m.end - m.start for m in ms)
        rest = _R.rx("extract.label_rest").sub("", without_mentions(prefix.folded, ms))
        if covered >= _T("label_cover") * len(prefix.text.strip()) and len(rest) <= _T("label_rest_chars"):
            return colon + 1
    return None


def _T(name: str):
    return _R.threshold(f"structure.{name}")


def _table_node(src: SourceText, table: Table) -> Node:
    text = src.text
    node = Node(kind="table", start=table.start, end=table.end, page=(table.pages[0] if table.pages else None))
    header_idx, roles = None, {}
    for i, row in enumerate(table.rows[:4]):
        r = {j: column_role(text[c.start:c.end]) for j, c in enumerate(row)}
        if sum(1 for v in r.values() if v) >= 2 and "task" in r.values():
            header_idx, roles = i, r
            break
    if header_idx is None:
        node.marker = "data"  # not a task table
        return node
    node.marker = "tasks"
    stack: list[Node] = [node]
    for i, row in enumerate(table.rows[header_idx + 1:], start=header_idx + 1):
        cells: dict[str, tuple[int, int]] = {}
        for j, c in enumerate(row):
            role = roles.get(j)
            if role and role not in cells:
                cells[role] = (c.start, c.end)
        # a header repeated on a later page: short cells that name the same columns
        header_again = sum(1 for j, c in enumerate(row) if roles.get(j) and c.end - c.start < 40
                           and column_role(text[c.start:c.end]) == roles.get(j))
        if header_again >= 2:
            continue  # a header repeated on a later page
        task = cells.get("task")
        if not task or task[1] <= task[0]:
            continue
        stt = text[cells["stt"][0]:cells["stt"][1]].strip() if "stt" in cells else ""
        filled = [r for r in ("lead", "support", "deadline", "lead_support", "target")
                  if r in cells and cells[r][1] > cells[r][0]]
        page = table.row_pages[i] if i < len(table.row_pages) else None
        bbox = row[0].bbox if row and row[0].bbox else None
        is_group = not filled and (re.fullmatch(r"[IVXLC]+\.?|\d+\.?|[A-Z]\.?", stt) or not stt)
        if is_group:
            level = 1 if re.fullmatch(r"[IVXLC]+\.?|[A-Z]\.?", stt) else 2
            while len(stack) > 1 and stack[-1].level >= level:
                stack.pop()
            g = Node(kind="heading", start=task[0], end=task[1], marker=stt, level=level, page=page, bbox=bbox)
            stack[-1].children.append(g)
            stack.append(g)
            continue
        r = Node(kind="row", start=task[0], end=task[1], marker=stt, level=50, cells=cells, page=page, bbox=bbox)
        stack[-1].children.append(r)
    return node
