"""Extract stage: outline tree -> obligations with agencies, targets, deadline.

Segmentation (annotations/README.md): one obligation per smallest list item or
task-table row, whole; running prose gives one per directive sentence; an item
is split where a new agency becomes the subject.  Headings give their agencies
(lead) and deadline to the items under them.  Background, results, reasons,
legal bases, recipient lists, signatures and the closing "carry this out"
sentence are not obligations.

Roles: ``lead`` is the sentence subject ("Sở X chủ trì", "Giao X ...", the
item's heading, a table's "Cơ quan chủ trì" cell, the letter's addressees);
``support`` is what follows "phối hợp (với)"/"Cơ quan phối hợp".  Agencies
that only receive reports ("báo cáo UBND tỉnh (qua Sở X)") are neither.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Optional

from extractor.nlp.agencies import Agency, Gazetteer, Mention, without_mentions
from extractor.nlp.deadlines import parse_deadline, pick_deadline
from extractor.model import AgencyRef, Deadline, Node, Obligation, SourceText
from extractor.nlp.components import annotate
from extractor.textutil import DOC_KINDS_RX, fold, squeeze

# ---------------------------------------------------------------- lexicons (folded)
# Verbs that open a directive in Vietnamese administrative prose.
DIRECTIVE_VERBS = set("""
tổ chức|triển khai|xây dựng|chủ trì|phối hợp|tăng cường|đẩy mạnh|rà soát|nghiên cứu|tham mưu|bố trí|thành lập|
hoàn thiện|thực hiện|chỉ đạo|tập trung|đảm bảo|bảo đảm|phát triển|nâng cao|kiện toàn|ưu tiên|hướng dẫn|đôn đốc|
kiểm tra|theo dõi|báo cáo|phổ biến|tuyên truyền|thuê|thiết lập|đào tạo|số hóa|số hoá|kết nối|lựa chọn|huy động|hợp tác|
chuẩn hóa|chuẩn hoá|áp dụng|cung cấp|tạo điều kiện|thí điểm|thu hút|gắn|lồng ghép|làm đầu mối|là cơ quan|tạo lập|mở|
đạt|phấn đấu|nâng cấp|vận hành|duy trì|bồi dưỡng|tập huấn|ban hành|trình|đề xuất|khuyến khích|hỗ trợ|thúc đẩy|
phát động|chịu trách nhiệm|có trách nhiệm|bổ sung|cập nhật|tích hợp|chia sẻ|khai thác|sử dụng|đánh giá|giám sát|
xử lý|ứng dụng|đầu tư|mua sắm|trang bị|phân bổ|bố trí kinh phí|tổng hợp|rút kinh nghiệm|quán triệt|sơ kết|tổng kết|
công khai|công bố|chấn chỉnh|khắc phục|giải quyết|tiếp nhận|tiếp tục|chủ động|tích cực|khẩn trương|kịp thời|
quyết liệt|nghiêm túc|thường xuyên|cải thiện|phát huy|tập trung|đổi mới|tuyển dụng|lập|giao|yêu cầu|đề nghị|
người đứng đầu|thủ trưởng|xác định|thẩm định|phê duyệt|điều phối|hoàn thành|ký số|gửi|nhập|lưu trữ|đăng ký|vinh danh|
""".replace("\n", "").split("|")) - {""}
DIRECTIVE_FOLDED = {fold(v) for v in DIRECTIVE_VERBS}
_DIRECTIVE_RX = re.compile(r"^(?:" + "|".join(sorted((re.escape(v) for v in DIRECTIVE_FOLDED), key=len, reverse=True)) + r")(?![a-z])")
_MODAL = re.compile(r"\b(phai|can|co trach nhiem|chiu trach nhiem|chu tri|phoi hop|de nghi|yeu cau|giao|phan dau|dam bao|bao dam)\b")
_BACKGROUND = re.compile(
    r"(^|\s)(dat duoc|ket qua|thoi gian qua|tuy nhien|han che|trong nhung nam qua|van con|chua dap ung|"
    r"nguyen nhan|ben canh|nham|giup|la xu the|la mot trong|se tao|se giup|doi voi)(\s|,|$)")
_CLOSING = re.compile(
    r"(nghiem tuc trien khai thuc hien|trien khai thuc hien nghiem tuc|to chuc thuc hien|to chuc trien khai thuc hien nghiem tuc|"
    r"thuc hien nghiem tuc|nghiem tuc thuc hien)\s+(cac noi dung tren|(chi thi|quyet dinh|ke hoach|cong van|thong bao|van ban|de an) nay|"
    r"noi dung (chi thi|cong van|van ban) nay)|chiu trach nhiem thi hanh (quyet dinh|van ban) nay|co hieu luc (thi hanh )?(ke )?tu ngay|"
    r"trong qua trinh (trien khai )?thuc hien,? neu co (kho khan|vuong mac)|^tren day la|thong bao (de|cho) .{0,80}(biet|thuc hien)\W*$")
_LEGAL_BASIS = re.compile(r"^can cu\s+(vao\s+)?(cac\s+)?(" + DOC_KINDS_RX + r"|y kien|tinh hinh|ket qua)")
_INTRO = re.compile(r"(nhu sau|sau day|cu the)\s*:?\s*$|:\s*$")
# Words that may stand before a subject list ("Giao Sở X", "Yêu cầu Thủ trưởng các sở").
_SUBJECT_LEAD = re.compile(
    r"^(?:(?:hang nam|hang quy|hang thang|dinh ky|trong nam \d{4}|nam \d{4}|can cu [^,]{3,60}|do do|vi vay|dong thoi|"
    r"ngoai ra|theo do),\s*)?"
    r"(?:(?:giao|yeu cau|de nghi|uy quyen)\s+)?(?:(?:thu truong|chu tich|giam doc|lanh dao|truong|nguoi dung dau)\s+)?")
_TITLE = re.compile(r"^\s*(?:thu truong|chu tich|giam doc|lanh dao|truong)\s+")
_SUPPORT_CUE = re.compile(r"((?:co quan|don vi) phoi hop|phoi hop chat che voi|phoi hop voi|phoi hop cung|phoi hop|cung voi|cung)\s*:?\s+")
_OBJECT_CUE = re.compile(r"(\(?\s*(?:thong\s+)?qua|bao cao|gui|ve|trinh|tham muu|de xuat|cho|don doc|kiem tra|huong dan|cua|tai)\s*$")
_GENERIC_SUBJECT_IDS = {"cq-dv-dp"}


@dataclass
class Context:
    lead: list[Mention] = field(default_factory=list)
    deadline: Optional[Deadline] = None
    section: list[str] = field(default_factory=list)
    background: bool = False  # inside a section that reports or explains (no obligations)


# Headings of sections that report, analyse or justify rather than direct (folded, at the start).
_BACKGROUND_SECTION = re.compile(
    r"^(danh gia|thuc trang|ket qua|phan tich|su can thiet|can cu|boi canh|tinh hinh|han che|nguyen nhan|"
    r"tong quan|gioi thieu|muc luc|danh muc cac tu viet tat|tac dong|mot so tac dong|tinh kha thi|"
    r"bai hoc|co so phap ly|co so thuc tien|quan diem|hien trang|ton tai|cac tieu chi|bieu do|"
    r"loi mo dau|dat van de|khai quat|tom tat)")


# Labelled fields that describe the task above them (folded).
_FIELD = re.compile(r"^\W*((?:co quan |don vi )?chu tri(?: thuc hien)?|(?:co quan |don vi )?phoi hop(?: thuc hien)?|"
                    r"thoi gian(?: thuc hien| hoan thanh)?|thoi han(?: hoan thanh)?|tien do|san pham(?: dau ra)?)\s*:\s*")
_FIELD_ROLE = {}
for _k in ("chu tri", "co quan chu tri", "don vi chu tri", "chu tri thuc hien", "co quan chu tri thuc hien",
           "don vi chu tri thuc hien"):
    _FIELD_ROLE[_k] = "lead"
for _k in ("phoi hop", "co quan phoi hop", "don vi phoi hop", "phoi hop thuc hien", "co quan phoi hop thuc hien",
           "don vi phoi hop thuc hien"):
    _FIELD_ROLE[_k] = "support"
for _k in ("thoi gian", "thoi gian thuc hien", "thoi gian hoan thanh", "thoi han", "thoi han hoan thanh", "tien do"):
    _FIELD_ROLE[_k] = "deadline"
_FIELD_ROLE["san pham"] = _FIELD_ROLE["san pham dau ra"] = "product"


@dataclass
class Candidate:
    start: int
    end: int
    kind: str
    ctx: Context
    node: Node
    cells: dict = field(default_factory=dict)


# ---------------------------------------------------------------- sentence splitting
_SENT_END = re.compile(r"(?<=[.!?])(?:\s*\./\.)?\s+(?=[\"“(]?[A-ZĐÀ-Ỹ])")
_ABBREV = re.compile(r"(?:\b(?:TP|Tp|ThS|TS|PGS|GS|Th\.S|St|v\.v|Ths|No)\.)$")


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    seg = text[start:end]
    out = []
    pos = 0
    for m in _SENT_END.finditer(seg):
        if _ABBREV.search(seg[:m.start()]):
            continue
        out.append((start + pos, start + m.start()))
        pos = m.end()
    out.append((start + pos, end))
    return [(a, b) for a, b in out if text[a:b].strip()]


# ---------------------------------------------------------------- classification
def _strip_subject(folded: str, mentions: list[Mention]) -> str:
    """The text after a leading subject list and adverbs, for verb checks."""
    s = folded
    m = _SUBJECT_LEAD.match(s)
    pos = m.end() if m else 0
    for men in mentions:
        if men.start <= pos + 6 and men.end > pos:
            pos = men.end
            rest = re.match(r"[\s,;]*(?:va\s+|cung\s+|cac\s+)?", s[pos:])
            pos += rest.end() if rest else 0
    return s[pos:].lstrip(" ,;:")


_BACKGROUND_OPENERS = re.compile(r"^(tuy nhien|thoi gian qua|trong nhung nam qua|trong thoi gian qua|ben canh|nam \d{4},? |"
                                 r"qua \d+ nam|sau khi nghe|ngay \d+/\d+/\d{4},? |nhin chung|ket qua)")


# Connectives that open a sentence without changing who acts ("Do đó, mỗi cơ quan ... cần ...").
_CONNECTIVE = re.compile(r"^(?:(?:do do|vi vay|dong thoi|ngoai ra|ben canh do|mat khac|theo do|tren co so do)\s*,\s*)+")
_TIME_OPENER = re.compile(
    r"^(?:(?:(?:theo\s+)?dinh\s+ky|hang\s+(?:nam|quy|thang|tuan)|thuong\s+xuyen|truoc\s+ngay\s+[\d/]+|"
    r"(?:trong|den|cuoi)\s+nam\s+\d{4}|nam\s+\d{4}|kip\s+thoi)[\s,]*)+")


# "đã" marks a result already achieved; matched with its tone mark ("tối đa" folds to the same letters).
_PAST = re.compile(r"(?<!\w)đã(?!\w)")


def is_background(sentence: str) -> bool:
    f = fold(squeeze(sentence))
    if _BACKGROUND_OPENERS.match(f):
        return True
    return bool(_PAST.search(sentence.lower())) and not _DIRECTIVE_RX.match(f) and not _MODAL.search(f)


def is_directive(text: str, mentions: list[Mention], has_target: bool, has_deadline: bool, item: bool = False) -> bool:
    """Does ``text`` direct someone to act or fix a target?  List items in a
    directive section default to yes unless they read as background."""
    f = fold(squeeze(text))
    if not f or len(f) < 12:
        return False
    if _LEGAL_BASIS.match(f) or _CLOSING.search(f):
        return False
    if re.match(r"^(theo de nghi|xet de nghi|quyet dinh\s*:|dieu \d)", f):
        return False
    f = _CONNECTIVE.sub("", f)
    body = _strip_subject(f, mentions)
    # time adverbials open many directives: "Định kỳ báo cáo ...", "Hằng năm, tham mưu ..."
    body = _TIME_OPENER.sub("", body)
    opens_with_verb = bool(_DIRECTIVE_RX.match(body)) or bool(_DIRECTIVE_RX.match(f))
    if _INTRO.search(f) and len(f) < 400 and not has_target:
        return False
    if opens_with_verb:
        head = f[:60]
        # "Tuy nhiên, ...", "Thời gian qua, ... đã ..." open like verbs rarely; guard background openers
        return not re.match(r"^(tuy nhien|thoi gian qua|trong nhung nam qua|ben canh)", head)
    if _PAST.search(text.lower()) and not has_target:
        return False  # "đã": a result already achieved
    if _MODAL.search(f) or has_target or has_deadline:
        return True
    # a list item is a task unless it plainly reports or explains, or is a bare title
    # ("Quan điểm chuyển đổi số", "Kinh phí thực hiện"); a sentence needs a cue
    if item and len(f.split()) <= 8 and not re.search(r"[.;]$", f):
        return False
    return item and not (is_background(text) or re.search(r"\b(giup|la xu the|se tao|se giup)\b", f))


# ---------------------------------------------------------------- roles
def subject_mentions(text: str, mentions: list[Mention]) -> tuple[list[Mention], int]:
    """Agencies forming the grammatical subject at the start of ``text``."""
    f = fold(text)
    m = _SUBJECT_LEAD.match(f)
    pos = m.end() if m else 0
    subj: list[Mention] = []
    for men in mentions:
        if men.start < pos:
            continue
        gap = f[pos:men.start]
        if subj and not re.fullmatch(r"[\s,;]*(?:va|cung|voi)?\s*(?:cac\s+)?(?:thu truong|chu tich|giam doc|lanh dao)?\s*(?:cac\s+)?", gap):
            break
        if not subj and not re.fullmatch(r"\s*(?:cac\s+)?(?:thu truong|chu tich|giam doc|lanh dao)?\s*(?:cac\s+)?(?:so\s*:\s*)?", gap):
            break
        subj.append(men)
        pos = men.end
    if not subj:
        return [], 0
    # The subject must be followed by a predicate, not be the object of a preposition.
    return subj, pos


def support_mentions(text: str, mentions: list[Mention]) -> list[Mention]:
    f = fold(text)
    out: list[Mention] = []
    for cue in _SUPPORT_CUE.finditer(f):
        pos = cue.end()
        for men in mentions:
            if men.start < pos:
                continue
            gap = f[pos:men.start]
            if not re.fullmatch(r"[\s,;]*(?:va\s+|voi\s+|cac\s+)*", gap):
                break
            out.append(men)
            pos = men.end
    # "(Sở X chủ trì, Sở Y và Sở Z phối hợp)": agencies named right before "phối hợp"
    for i, men in enumerate(mentions):
        if i == 0 and men.start < 12:
            continue  # the sentence's subject ("Sở Y phối hợp với ...") leads
        if re.match(r"\s*(?:\([^)]*\)\s*)?phoi hop(?!\s+voi)", f[men.end:men.end + 60]):
            out += [m for m in _group_before(f, mentions, i) if m not in out]
    return out


def _group_before(f: str, mentions: list[Mention], i: int) -> list[Mention]:
    """mentions[i] with the ones joined to it by ',', ';' or 'và' just before it."""
    group = [mentions[i]]
    j = i - 1
    while j >= 0 and re.fullmatch(r"[\s,;]*(?:va\s+)?(?:cac\s+)?", f[mentions[j].end:group[0].start]):
        group.insert(0, mentions[j])
        j -= 1
    return group


def explicit_lead(text: str, mentions: list[Mention]) -> list[Mention]:
    """"X chủ trì" / "do X chủ trì" anywhere in the text."""
    f = fold(text)
    out = []
    for i, men in enumerate(mentions):
        after = re.sub(r"^\s*\([^)]*\)", "", f[men.end:men.end + 80])[:14]
        # "dự án do các ngành chủ trì" is a relative clause; ", do Sở X chủ trì" assigns the task
        if re.match(r"\s*(?:la co quan\s+)?chu tri", after):
            group = _group_before(f, mentions, i)
            if not re.search(r"[^,\s]\s+do\s+(cac\s+)?$", f[max(0, group[0].start - 10):group[0].start]):
                out += [m for m in group if m not in out]
    for cue in re.finditer(r"(?:co quan|don vi)?\s*chu tri(?: thuc hien)?\s*:\s*", f):
        pos = cue.end()
        for men in mentions:
            if men.start < pos:
                continue
            if not re.fullmatch(r"[\s,;]*(?:va\s+)?(?:cac\s+)?", f[pos:men.start]):
                break
            if men not in out:
                out.append(men)
            pos = men.end
    return out


def _expand(g: Gazetteer, men: Mention, on: Optional[str] = None) -> list[tuple[Mention, Optional[Agency]]]:
    """A group phrase ("các cơ quan, đơn vị, địa phương") names the groups it
    covers on the document's date: after 01/07/2025 "địa phương" are the communes."""
    if men.agency and men.agency.expands:
        return [(men, g.current(g.get(x), on=on) if on else g.get(x)) for x in men.agency.expands]
    return [(men, men.agency)]


def _refs(g: Gazetteer, mentions: list[Mention], role: str, source: str, offset: int, on: Optional[str]) -> list[AgencyRef]:
    out: list[AgencyRef] = []
    seen = set()
    for men in mentions:
        for m, a in _expand(g, men, on):
            canonical = a.name if a else m.canonical
            if (canonical, role) in seen:
                continue
            seen.add((canonical, role))
            cur = g.current(a).name if a and a.successor else None
            out.append(AgencyRef(
                as_written=squeeze(m.text), canonical=canonical, role=role, agency_id=a.id if a else None,
                current=cur, known=a is not None, start=(m.start + offset) if source != "context" else None,
                end=(m.end + offset) if source != "context" else None, source=source))
    return out


# ---------------------------------------------------------------- main
class ObligationExtractor:
    def __init__(self, nlp, gazetteer: Gazetteer):
        self.nlp = nlp
        self.g = gazetteer

    def mentions(self, text: str, weak: bool = False) -> list[Mention]:
        doc = annotate(self.nlp, text, weak_agencies=weak)
        return [sp._.value for sp in doc.spans["agencies"]]

    def is_heading_item(self, item: Node, body: str) -> bool:
        """A numbered item that titles what follows rather than stating a task."""
        if not body:
            return True
        if not item.children:
            return False
        open_end = not re.search(r"[.;]$", body)
        return ((body.rstrip().endswith(":") and len(body) < 400)          # "... thực hiện các nhiệm vụ sau:"
                or self.agency_only(body)                                   # "4. Sở Kế hoạch và Đầu tư, Sở Tài chính"
                or (any(c.kind in ("item", "heading") for c in item.children) and len(body) < 200 and open_end
                    and not self.has_verb_subject(body))                    # "1. Phân tích kết quả năm 2021"
                or (len(body) < 120 and open_end
                    and bool(re.match(r"(đề nghị|giao|yêu cầu)\s", body.lower()))))  # "10. Đề nghị các doanh nghiệp"

    def has_verb_subject(self, text: str) -> bool:
        """"Sở X chủ trì ..." opens with an agency and a verb: a task, not a title."""
        ms = self.mentions(text)
        subj, end = subject_mentions(text, ms)
        return bool(subj) and bool(_DIRECTIVE_RX.match(fold(text[end:]).strip(" ,")))

    def agency_only(self, text: str) -> bool:
        """Is ``text`` a list of agencies ("Sở Kế hoạch và Đầu tư, Sở Tài chính")?"""
        t = re.sub(r"^\s*(đề nghị|giao)\s+", "", text.strip().rstrip(":").strip(), flags=re.I)
        ms = self.mentions(t, weak=True)
        if not ms:
            return False
        rest = re.sub(r"[\s,;.]|\bvà\b|\bcác\b|\btrên địa bàn( tỉnh)?\b", "", without_mentions(t, ms), flags=re.I)
        return len(rest) <= max(8, 0.25 * len(t))

    def heading_context(self, src: SourceText, node: Node, ctx: Context, doc_year) -> Context:
        text = src.text
        a = node.start
        z = node.label_end or node.end
        htext = text[a:z]
        ms = self.mentions(htext, weak=True)
        subj, _ = subject_mentions(htext, ms)
        lead = subj
        # An agency-only heading ("2. Sở Thông tin và Truyền thông", "Báo X, Đài Y và các cơ quan ...")
        # or one that hands work over ("9. Đề nghị các doanh nghiệp công nghệ số")
        if not lead and ms and (sum(m.end - m.start for m in ms) >= 0.5 * len(htext.strip())
                                or re.match(r"^\s*(đề nghị|giao)\b", htext.strip().lower())):
            lead = ms
        # Only numbered sections pass a deadline down; a document title ("ĐỀ ÁN ... ĐẾN NĂM 2030") does not.
        dl = parse_deadline(htext, doc_year) if node.marker and not node.marker.lower().startswith(("phụ lục", "phần")) else None
        if dl is not None and re.search(r"\b(de an|ke hoach|chuong trinh|chien luoc|quyet dinh|nghi quyet|danh muc)\b", fold(htext)):
            dl = None  # the heading names a plan ("Đề án chuyển đổi số đến năm 2030"), not a deadline
        if dl is not None and dl.kind == "year" and not re.match(r"(den|trong|cuoi|het|truoc)", fold(dl.text)):
            dl = None  # "Chính quyền số năm 2022" in a title names the year, it sets no deadline
        label = squeeze(f"{node.marker} {text[node.start:node.end]}" if node.marker else text[node.start:node.end])
        section = ctx.section + [label[:120]]
        background = ctx.background or bool(_BACKGROUND_SECTION.match(fold(htext).strip(" *:.")))
        return Context(lead=lead or ctx.lead, deadline=dl or ctx.deadline, section=section, background=background)

    def candidates(self, src: SourceText, root: Node, doc_year) -> list[Candidate]:
        out: list[Candidate] = []
        text = src.text

        def visit(node: Node, ctx: Context):
            if ctx.background:
                return
            for child in node.children:
                if child.kind in ("meta",):
                    continue
                if child.kind == "table":
                    if child.marker == "tasks":
                        visit(child, ctx)
                    continue
                if child.kind == "heading":
                    visit(child, self.heading_context(src, child, ctx, doc_year))
                    continue
                if child.kind == "row":
                    out.append(Candidate(child.start, child.end, "row", ctx, child, child.cells))
                    visit(child, ctx)
                    continue
                body_start = child.label_end if child.label_end else child.start
                while body_start < child.end and text[body_start] in " \t:":
                    body_start += 1
                body = text[body_start:child.end].strip()
                field = _FIELD.match(fold(text[child.start:child.end]))
                if field and out and child.kind in ("item", "paragraph"):
                    # "- Cơ quan chủ trì: Sở X" under a task is a field of that task, not a task
                    role = _FIELD_ROLE[re.sub(r"\s+", " ", field.group(1))]
                    vstart = child.start + field.end()
                    out[-1].cells.setdefault(role, (vstart, child.end))
                    continue
                if child.kind == "item":
                    if child.label_end:
                        hctx = self.heading_context(src, child, ctx, doc_year)
                    else:
                        hctx = ctx
                    if self.is_heading_item(child, body):
                        # A heading item: its subject/agencies and deadline pass down.
                        sub = self.heading_context(src, Node(kind="heading", start=body_start or child.start, end=child.end,
                                                             marker=child.marker), hctx, doc_year) if body else hctx
                        visit(child, sub if body else hctx)
                        continue
                    if child.children and any(c.kind == "paragraph" for c in child.children):
                        # An item followed by its own paragraphs reads as prose: sentence by sentence,
                        # and the item's last stated subject carries over to its paragraphs.
                        lead = []
                        for a, b in split_sentences(text, body_start, child.end):
                            out.append(Candidate(a, b, "sentence", hctx, child))
                            ms = self.mentions(text[a:b])
                            lead = explicit_lead(text[a:b], ms) or subject_mentions(text[a:b], ms)[0] or lead
                        visit(child, replace(hctx, lead=lead or hctx.lead))
                        continue
                    out.append(Candidate(body_start, child.end, "item", hctx, child))
                    visit(child, hctx)
                elif child.kind == "paragraph":
                    sents = split_sentences(text, child.start, child.end)
                    if sents and is_background(text[sents[0][0]:sents[0][1]]):
                        continue  # a background paragraph: its later sentences describe, not direct
                    pctx = ctx
                    if sents and _CLOSING.search(fold(text[sents[0][0]:sents[0][1]])):
                        # "Đề nghị ... nghiêm túc triển khai các nội dung trên. Định kỳ báo cáo ...":
                        # the closing paragraph speaks to the whole letter, not to the item above it
                        pctx = Context(section=ctx.section)
                    for a, b in sents:
                        out.append(Candidate(a, b, "sentence", pctx, child))
                    visit(child, ctx)

        visit(root, Context())
        return out

    def extract(self, src: SourceText, root: Node, doc_id: str, doc_year: Optional[int],
                addressees: list[Mention], issued: Optional[str]) -> list[Obligation]:
        text = src.text
        obligations: list[Obligation] = []
        prev_subject: dict[int, list[Mention]] = {}  # paragraph node id -> last subject
        for cand in self.candidates(src, root, doc_year):
            raw = text[cand.start:cand.end]
            lstrip = len(raw) - len(raw.lstrip(" -–+*•\t"))
            a = cand.start + lstrip
            b = cand.end
            while b > a and text[b - 1] in " \t\n":
                b -= 1
            otext = text[a:b]
            if otext.endswith("./.") or otext.endswith("/."):
                otext = otext[: -2 if otext.endswith("/.") and not otext.endswith("./.") else -2]
            otext = re.sub(r"\s*#\s*$", "", otext)
            doc = annotate(self.nlp, otext, doc_year=doc_year)
            ments = [sp._.value for sp in doc.spans["agencies"]]
            deadlines = [sp._.value for sp in doc.spans["deadlines"]]
            targets = [sp._.value for sp in doc.spans["targets"]]
            dcell = cand.cells.get("deadline")
            if cand.kind == "row" or dcell:
                # a table row, or a task with a "Thời gian thực hiện:" field: the deadline is that cell's
                deadlines = []
                if dcell and dcell[1] > dcell[0]:
                    d = parse_deadline(text[dcell[0]:dcell[1]], doc_year)
                    if d:
                        d.span_start, d.span_end = dcell[0] - a, dcell[1] - a  # relative, like the text's own
                        deadlines = [d]
            if cand.kind == "row" or cand.cells:
                pass  # a row or a task with labelled fields is a task
            elif not is_directive(otext, ments, bool(targets), bool(deadlines), item=cand.kind == "item"):
                if cand.kind == "sentence":
                    subj, _ = subject_mentions(otext, ments)
                    if subj:
                        prev_subject[id(cand.node)] = subj
                continue
            # ---- split an item where a new agency becomes the subject
            pieces = [(0, len(otext))]
            if cand.kind == "item":
                pieces = self._split_on_new_subject(otext, ments)
            for pa, pb in pieces:
                ptext = otext[pa:pb].strip()
                if not ptext:
                    continue
                p_ments = [m for m in ments if pa <= m.start < pb]
                p_ments = [replace(m, start=m.start - pa, end=m.end - pa) for m in p_ments]
                p_targets = [t for t in targets if pa <= (t.start or 0) < pb] if len(pieces) > 1 else targets
                p_deadlines = [d for d in deadlines if pa <= (d.span_start or 0) < pb] if len(pieces) > 1 and cand.kind != "row" else deadlines
                ob = self._build(src, cand, a + pa, ptext, p_ments, p_targets, p_deadlines, doc_id, addressees,
                                 prev_subject, issued)
                obligations.append(ob)
        _assign_ids(obligations, doc_id)
        return obligations

    def _split_on_new_subject(self, otext: str, ments: list[Mention]) -> list[tuple[int, int]]:
        sents = split_sentences(otext, 0, len(otext))
        if len(sents) < 2:
            return [(0, len(otext))]
        cuts = [0]
        first_subj, _ = subject_mentions(otext[sents[0][0]:sents[0][1]], [replace(m, start=m.start - sents[0][0], end=m.end - sents[0][0]) for m in ments if sents[0][0] <= m.start < sents[0][1]])
        current = {m.canonical for m in first_subj}
        for sa, sb in sents[1:]:
            local = [replace(m, start=m.start - sa, end=m.end - sa) for m in ments if sa <= m.start < sb]
            subj, end = subject_mentions(otext[sa:sb], local)
            names = {m.canonical for m in subj}
            f = fold(otext[sa:sb])
            is_subject = bool(subj) and subj[0].start <= 12
            if subj and is_subject and names != current and re.match(r"\s*(?:chu tri|phoi hop|tham muu|thuc hien|trien khai|day manh|tang cuong|[a-z]+)", f[end:]):
                cuts.append(sa)
                current = names
        cuts.append(len(otext))
        return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]

    def _build(self, src: SourceText, cand: Candidate, start: int, otext: str, ments: list[Mention], targets, deadlines,
               doc_id: str, addressees: list[Mention], prev_subject: dict, issued: Optional[str]) -> Obligation:
        g = self.g
        refs: list[AgencyRef] = []
        if cand.kind == "row" or ("lead" in cand.cells or "lead_support" in cand.cells):
            refs = self._row_agencies(src, cand, issued)
        else:
            subj, subj_end = subject_mentions(otext, ments)
            # "các cơ quan, đơn vị, địa phương" under an agency heading means that heading's agencies
            if subj and all(m.agency and m.agency.id in _GENERIC_SUBJECT_IDS for m in subj) and cand.ctx.lead:
                subj = []
            lead_m = explicit_lead(otext, ments)
            f = fold(otext)
            # "Sở X (Phòng Y) cân đối ...": a parenthesis after the subject only names a unit
            after_subj = re.sub(r"^\s*\([^)]*\)", "", f[subj_end:])
            if subj and re.match(r"\s*(?:,|$)", after_subj[:2]) and not re.match(r"^(giao|yeu cau|de nghi)", f):
                # "Sở X, Sở Y" followed by a comma is a list inside the sentence, not a subject
                subj = subj if re.match(r"^\s*[,;]?\s*(chu tri|phoi hop)", after_subj) else []
            lead = lead_m or subj
            source = "explicit"
            pid = id(cand.node)
            if not lead and cand.kind == "sentence" and prev_subject.get(pid):
                lead, source = prev_subject[pid], "subject"
            if not lead and cand.ctx.lead:
                lead, source = cand.ctx.lead, "heading"
            if not lead and addressees:
                lead, source = addressees, "addressee"
            if subj and cand.kind == "sentence":
                prev_subject[pid] = subj
            support = [m for m in support_mentions(otext, ments) if m not in lead]
            lead_names = {m.canonical for m in lead}
            support = [m for m in support if m.canonical not in lead_names]
            refs = _refs(g, lead, "lead", source, start, issued) + _refs(g, support, "support", "explicit", start, issued)
        dl = pick_deadline(deadlines)
        if dl is None and cand.ctx.deadline is not None:
            dl = replace(cand.ctx.deadline, inherited=True, span_start=None, span_end=None)
        elif dl is not None and dl.span_start is not None:
            dl = replace(dl, span_start=dl.span_start + start, span_end=dl.span_end + start)
        for t in targets:  # target offsets: from the obligation text to the document text
            t.start = (t.start or 0) + start
            t.end = (t.end or 0) + start
        end = start + len(otext)
        return Obligation(
            id="", text=squeeze(otext), start=start, end=end, kind=cand.kind if cand.kind != "sentence" else "sentence",
            section=" > ".join(cand.ctx.section)[:300], agencies=refs, targets=targets, deadline=dl,
            page=cand.node.page or src.page_of(start), bbox=cand.node.bbox,
            source_start=src.to_source(start), source_end=src.to_source(max(start, end - 1)) + 1,
        )

    def _row_agencies(self, src: SourceText, cand: Candidate, issued) -> list[AgencyRef]:
        text = src.text
        refs: list[AgencyRef] = []
        for role_key, role in (("lead", "lead"), ("lead_support", "lead"), ("support", "support")):
            cell = cand.cells.get(role_key)
            if not cell or cell[1] <= cell[0]:
                continue
            ctext = text[cell[0]:cell[1]]
            ms = self.mentions(ctext, weak=True)
            ms = _cell_unknowns(ctext, ms)
            refs += _refs(self.g, ms, role, "table", cell[0], issued)
        if not any(r.role == "lead" for r in refs) and cand.ctx.lead:
            refs = _refs(self.g, cand.ctx.lead, "lead", "heading", 0, issued) + refs
        leads = {r.canonical for r in refs if r.role == "lead"}
        return [r for r in refs if r.role == "lead" or r.canonical not in leads]


def _cell_unknowns(ctext: str, ms: list[Mention]) -> list[Mention]:
    """In a table cell every ';'- or line-separated phrase names agencies: keep the
    gazetteer's matches and add the other phrases as unknown agencies.  A comma
    piece that starts with a capitalised word that is no agency head continues
    the name before it ("Trung tâm Xúc tiến đầu tư, Thương mại và Du lịch")."""
    # "(Cổng Thông tin điện tử tỉnh)" after an agency names its unit, not a second agency
    parens = [(m.start(), m.end()) for m in re.finditer(r"\([^)]*\)", ctext)]
    known = [m for m in ms if m.agency and not any(a <= m.start and m.end <= b for a, b in parens)]
    out = list(known)
    for part in re.finditer(r"[^;\n]+", ctext):
        pieces: list[list[int]] = []
        for piece in re.finditer(r"[^,()]+", part.group(0)):
            s, e = part.start() + piece.start(), part.start() + piece.end()
            if any(a <= s and e <= b for a, b in parens) or any(m.start < e and s < m.end for m in known):
                pieces.append([])  # a known agency or a parenthesis sits between
                continue
            seg = ctext[s:e].strip()
            if not seg:
                continue
            first = seg.split()[0]
            if pieces and pieces[-1] and first[:1].isupper() and not _HEAD_WORD.match(seg):
                pieces[-1][1] = e  # continues the previous name
                continue
            pieces.append([s, e])
        for p in pieces:
            if not p:
                continue
            s, e = p
            raw = ctext[s:e]
            seg = raw.strip()
            if len(seg) < 3 or re.search(r"\bliên quan\b", seg.lower()):
                continue
            if re.fullmatch(r"(và|các|cơ quan|đơn vị|địa phương|theo .*|\W+)", seg.lower()):
                continue
            name = seg
            words = seg.split()
            if len(words) <= 4 and not any(w[:1].isupper() for w in words[1:]) and not fold(seg).startswith("cac "):
                name = "Các " + seg.lower()  # a generic plural: "Viện" -> "Các viện"
            lead_ws = len(raw) - len(raw.lstrip())
            out.append(Mention(s + lead_ws, s + lead_ws + len(seg), name, None))
    out.sort(key=lambda m: m.start)
    return out


_HEAD_WORD = re.compile(r"(Sở|Ban|Cục|Chi cục|Trường|Trung tâm|Đài|Báo|Viện|Hội|Hiệp hội|Văn phòng|UBND|Ủy ban|Uỷ ban|"
                        r"Công an|Bộ|Tổng cục|Kho bạc|Ngân hàng|Công ty|Tập đoàn|Thanh tra|Tỉnh|Các|Doanh nghiệp)\b")


def _assign_ids(obligations: list[Obligation], doc_id: str) -> None:
    """Stable ids: document id + normalised text + occurrence number, so a
    re-run that changes nothing keeps them, and editing one obligation does
    not renumber the others."""
    seen: dict[str, int] = {}
    for ob in obligations:
        key = fold(ob.text)
        n = seen.get(key, 0)
        seen[key] = n + 1
        h = hashlib.sha1(f"{doc_id}|{key}|{n}".encode()).hexdigest()[:12]
        ob.id = f"{doc_id[:8]}-{h}"
