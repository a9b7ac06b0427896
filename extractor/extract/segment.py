"""Segmenter: the outline tree -> candidate stretches with their context.

One candidate per smallest list item or task-table row (whole), one per
sentence of running prose (annotations/README.md).  Headings pass their agencies
(lead) and deadline down to the items under them; sections that report or
explain ("Đánh giá", "Thực trạng", ...) give none; a labelled field under a
task ("- Cơ quan chủ trì: Sở X") is a cell of that task, not a task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from extractor.extract.classify import DirectiveClassifier
from extractor.extract.roles import RoleResolver
from extractor.model import Deadline, Node
from extractor.nlp.agencies import Mention
from extractor.nlp.deadlines import pick_deadline
from extractor.nlp.document import Window, values_in
from extractor.rules import Rules, load_rules
from extractor.textutil import fold, squeeze


_FIRST_MARKERS = {"1", "i", "a"}  # a list numbered from its start again is a new list


@dataclass
class Context:
    lead: list[Mention] = field(default_factory=list)
    deadline: Optional[Deadline] = None
    section: list[str] = field(default_factory=list)
    background: bool = False  # inside a section that reports or explains (no obligations)
    purpose: bool = False  # inside "Mục đích, yêu cầu" / general objectives: only named or measurable items count


@dataclass
class Candidate:
    start: int
    end: int
    kind: str  # "item", "row", "sentence"
    ctx: Context
    node: Node
    cells: dict = field(default_factory=dict)  # role -> (start, end) in document offsets
    directive: bool = False  # set by the classifier
    deadlines: list = field(default_factory=list)  # the deadline layer inside it (or its deadline cell)
    pieces: list = field(default_factory=list)  # (Window, Obligation) made of it by the builder


def _field_roles(rules: Rules) -> dict[str, str]:
    return {" ".join(fold(label).split()): role for label, role in rules.table("columns.fields")}


class Segmenter:
    def __init__(self, classifier: DirectiveClassifier, roles: RoleResolver, rules: Optional[Rules] = None):
        R = rules or load_rules()
        self.clf = classifier
        self.modal_strict = R.rx("extract.modal_strict")
        self.roles = roles
        self.field_role = _field_roles(R)
        labels = sorted(self.field_role, key=len, reverse=True)  # the field pattern is built from the table's labels
        self.field = re.compile(r"\W*(" + "|".join(re.escape(x).replace(r"\ ", r"\s+") for x in labels) + r")\s*:\s*")
        self.sentence_end = R.rx("extract.sentence_end")
        self.abbrev = R.rx("extract.abbreviation_before")
        self.item_end = R.rx("extract.list_item_end")
        self.prose_end = R.rx("extract.prose_end")
        self.deadline_only = R.rx("extract.deadline_only")
        self.assign_opener = R.rx("extract.assign_opener")
        self.topic_heading = R.rx("extract.topic_heading")
        self.caption = R.rx("extract.caption")
        self.elision = R.rx("extract.elision")
        self.assign_opener_ws = R.rx("extract.assign_opener_ws")
        self.assign_heading = R.rx("extract.assign_opener_heading")
        self.agency_rest = R.rx("extract.agency_list_rest")
        self.plan_name = R.rx("extract.plan_name")
        self.deadline_cue = R.rx("extract.heading_deadline_cue")
        self.background_section = R.rx("extract.background_section")
        self.purpose_section = R.rx("extract.purpose_section")
        self.purpose_intro = R.rx("extract.purpose_intro")
        self.specific_goals = R.rx("extract.specific_goals_opener")
        self.no_deadline_markers = tuple(R.words("extract.heading_no_deadline_markers"))
        self.T = {k: R.threshold(f"segment.{k}") for k in (
            "heading_colon_max_chars", "heading_item_max_chars", "handover_heading_max_chars", "agency_heading_cover",
            "agency_only_rest_chars", "agency_only_rest_share", "section_label_chars", "headline_max_chars", "deadline_only_max_chars", "upper_title_max_chars",
            "byline_max_words")}

    # ------------------------------------------------------------------ sentences
    def sentences(self, doc, start: int, end: int) -> list[tuple[int, int]]:
        """Sentence stretches of [start, end) in document offsets (abbreviations like "TP." do not end one)."""
        text = doc.user_data["text"]
        folded = doc.user_data["folded"]
        out, pos = [], start
        for m in self.sentence_end.finditer(text, start, end):
            if self.abbrev.search(folded, start, m.start()):
                continue
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, end))
        return [(a, b) for a, b in out if text[a:b].strip()]

    def is_headline(self, para: str) -> bool:
        """A short paragraph without closing punctuation is a title, headline or caption, not prose;
        so is one in capital letters."""
        t = para.strip()
        letters = [c for c in t if c.isalpha()]
        if letters and all(c.isupper() for c in letters) and len(t) < self.T["upper_title_max_chars"]:
            return True
        return len(t) < self.T["headline_max_chars"] and not self.prose_end.search(t)

    def cut_short(self, text: str, end: int) -> bool:
        """Is the text cut right after ``end``: its end (an author's byline, "QUANG VINH", may follow), or an
        elision mark "[...]" on the next line?"""
        rest = text[end:].strip()
        byline = "\n" not in rest and rest.isupper() and len(rest.split()) <= self.T["byline_max_words"]
        return not rest or byline or bool(self.elision.match(rest))

    def prose(self, doc, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences of a paragraph, a deadline-only sentence joined to the one before it."""
        folded = doc.user_data["folded"]
        out: list[tuple[int, int]] = []
        for a, b in self.sentences(doc, start, end):
            if (out and b - a < self.T["deadline_only_max_chars"] and self.deadline_only.match(folded, a, b)
                    and values_in(doc, "deadlines", a, b)):
                out[-1] = (out[-1][0], b)
                continue
            out.append((a, b))
        return out

    # ------------------------------------------------------------------ headings
    def has_verb_subject(self, w: Window) -> bool:
        """"Sở X chủ trì ..." opens with an agency and a verb: a task, not a title."""
        subj, end = self.roles.subject(w)
        return bool(subj) and bool(self.clf.verb.match(w.folded[end:].strip(" ,")))

    def agency_only(self, w: Window) -> bool:
        """Is the window a list of agencies ("Sở Kế hoạch và Đầu tư, Sở Tài chính")?"""
        t = w.text
        lo = len(t) - len(t.lstrip())
        hi = len(t.rstrip().rstrip(":").rstrip())
        m = self.assign_heading.match(w.folded, lo)
        if m:  # "Đề nghị các doanh nghiệp ...": what follows the verb
            lo = m.end()
            while lo < hi and w.folded[lo].isspace():
                lo += 1
        sub = w.sub(lo, max(lo, hi))
        ms, rest = self.roles.agency_share(sub)
        if not ms:
            return False
        rest = self.agency_rest.sub("", rest)
        size = len(sub.text)
        return len(rest) <= max(self.T["agency_only_rest_chars"], self.T["agency_only_rest_share"] * size)

    def stands_alone(self, doc, a: int, b: int) -> bool:
        """After a background opener, does a sentence direct on its own evidence (a subject agency
        or a modal)?  Its figures alone do not: in a report they are results."""
        w = Window(doc, a, b)
        if self.clf.is_background(w.text, w.folded):
            return False
        return bool(self.modal_strict.search(squeeze(w.folded)) or self.roles.subject(w)[0])

    def is_heading_item(self, doc, item: Node, body: Window) -> bool:
        """A numbered item that titles what follows rather than stating a task."""
        b = body.text.strip()
        if not b:
            return True
        if not item.children:
            return False
        open_end = not self.item_end.search(b)
        fb = fold(b)
        return ((b.rstrip().endswith(":") and len(b) < self.T["heading_colon_max_chars"])   # "... các nhiệm vụ sau:"
                or self.agency_only(body)                                                  # "4. Sở X, Sở Y"
                or (any(c.kind in ("item", "heading") for c in item.children) and len(b) < self.T["heading_item_max_chars"]
                    and open_end and not self.has_verb_subject(body))                      # "1. Phân tích kết quả năm 2021"
                or (len(b) < self.T["handover_heading_max_chars"] and open_end and bool(self.assign_opener_ws.match(fb))))

    def heading_context(self, doc, node: Node, ctx: Context) -> Context:
        a, z = node.start, node.label_end or node.end
        w = Window(doc, a, z)
        ms = w.mentions(weak=True)
        hs = w.folded.strip()
        # a topic heading ("a) Về chuyển đổi số trong các cơ quan Đảng, Nhà nước …") names no one who acts
        subj = [] if self.topic_heading.match(hs) else self.roles.subject(w, weak=True)[0]
        lead = subj or self.roles.topic(w)  # "b) Về phía Sở Y tế:", "Đối với UBND cấp xã:"
        # An agency-only heading ("2. Sở Thông tin và Truyền thông", "Báo X, Đài Y và các cơ quan ...")
        # or one that hands work over ("9. Đề nghị các doanh nghiệp công nghệ số")
        if not lead and ms and not self.topic_heading.match(hs) and (sum(m.end - m.start for m in ms) >= self.T["agency_heading_cover"] * len(w.text.strip())
                                or self.assign_opener.match(hs)):
            lead = ms
        issuer = doc.user_data.get("issuer")  # resolved once per document (Pipeline.annotate)
        if lead and issuer and all(m.agency is issuer for m in lead):
            lead = []  # the letterhead ("VĂN PHÒNG CHÍNH PHỦ"): the issuer assigns, it is not the one tasked
        # Only numbered sections pass a deadline down; a document title ("ĐỀ ÁN ... ĐẾN NĂM 2030") does not.
        dl = None
        if node.marker and not fold(node.marker).startswith(self.no_deadline_markers):
            dl = self.passed_deadline(doc, w)
        text = doc.user_data["text"]
        label = squeeze(f"{node.marker} {text[node.start:node.end]}" if node.marker else text[node.start:node.end])
        section = ctx.section + [label[: self.T["section_label_chars"]]]
        title = w.folded.strip(" *:.")
        background = ctx.background or bool(self.background_section.match(title))
        purpose = ctx.purpose or bool(self.purpose_section.fullmatch(title))
        return Context(lead=lead or ctx.lead, deadline=dl or ctx.deadline, section=section,
                       background=background, purpose=purpose)

    def passed_deadline(self, doc, w: Window):
        """The deadline a heading or an introducing line ("Mục tiêu cụ thể đến năm 2025:") gives the items under it."""
        dl = pick_deadline(values_in(doc, "deadlines", w.start, w.end))
        if dl is not None and self.plan_name.search(w.folded):
            return None  # the heading names a plan ("Đề án chuyển đổi số đến năm 2030"), not a deadline
        if dl is not None and dl.kind == "year" and not self.deadline_cue.match(fold(dl.text)):
            return None  # "Chính quyền số năm 2022" in a title names the year, it sets no deadline
        return dl

    # ------------------------------------------------------------------ the walk
    def candidates(self, doc) -> list[Candidate]:
        root: Node = doc.user_data["outline"]
        text = doc.user_data["text"]
        folded = doc.user_data["folded"]
        out: list[Candidate] = []

        def visit(node: Node, ctx: Context):
            if ctx.background:
                return
            outer = ctx
            preamble = True  # before the node's first heading
            skipped = 0  # items of a background introduction's list passed over
            for child in node.children:
                if child.kind == "meta":
                    continue
                if child.kind == "heading":
                    ctx = outer  # an introduction's addressees end at the next heading
                    preamble = False
                if ctx.background:
                    # the list a background introduction announces ("Tuy nhiên, … còn vướng mắc, cụ thể:"); it
                    # ends at the next paragraph or heading, or where numbering starts again ("(iv)" then "(1)")
                    if child.kind == "item" and not (skipped and fold(child.marker or "") in _FIRST_MARKERS):
                        skipped += 1
                        continue
                    ctx = replace(ctx, background=False)
                if child.kind == "table":
                    if child.marker == "tasks":
                        visit(child, ctx)
                    continue
                if child.kind == "heading":
                    visit(child, self.heading_context(doc, child, ctx))
                    continue
                if child.kind == "row":
                    out.append(Candidate(child.start, child.end, "row", ctx, child, dict(child.cells)))
                    visit(child, ctx)
                    continue
                body_start = child.label_end if child.label_end else child.start
                while body_start < child.end and text[body_start] in " \t:":
                    body_start += 1
                field_m = self.field.match(folded, child.start, child.end)
                if field_m and out and child.kind in ("item", "paragraph"):
                    # "- Cơ quan chủ trì: Sở X" under a task is a field of that task, not a task
                    role = self.field_role[" ".join(field_m.group(1).split())]
                    out[-1].cells.setdefault(role, (field_m.end(), child.end))
                    continue
                if child.kind == "item":
                    hctx = self.heading_context(doc, child, ctx) if child.label_end else ctx
                    pm = self.purpose_section.match(folded, body_start, child.end)
                    if pm and folded[pm.end():child.end].lstrip().startswith(":"):
                        hctx = replace(hctx, purpose=True)  # "1. Mục đích: Triển khai kịp thời …" on one line
                    body = Window(doc, body_start, child.end)
                    if self.is_heading_item(doc, child, body):
                        # A heading item: its subject/agencies and deadline pass down.
                        sub = (self.heading_context(doc, Node(kind="heading", start=body_start or child.start,
                                                              end=child.end, marker=child.marker), hctx)
                               if body.text.strip() else hctx)
                        visit(child, sub)
                        continue
                    if child.children and any(c.kind == "paragraph" for c in child.children):
                        # An item followed by its own paragraphs reads as prose: sentence by sentence,
                        # and the item's last stated subject carries over to its paragraphs.
                        lead: list = []
                        for a, b in self.prose(doc, body_start, child.end):
                            out.append(Candidate(a, b, "sentence", hctx, child))
                            sw = Window(doc, a, b)
                            lead = self.roles.explicit_lead(sw) or self.roles.subject(sw)[0] or lead
                        visit(child, replace(hctx, lead=lead or hctx.lead))
                        continue
                    out.append(Candidate(body_start, child.end, "item", hctx, child))
                    visit(child, hctx)
                elif child.kind == "paragraph":
                    if ((self.is_headline(text[child.start:child.end]) and not self.cut_short(text, child.end))
                            or self.caption.search(folded[child.start:child.end])):
                        continue  # a title, web headline or photo caption standing alone
                    sents = all_sents = self.prose(doc, child.start, child.end)
                    if ctx.purpose and not outer.purpose and self.specific_goals.match(folded, child.start):
                        ctx = replace(ctx, purpose=False)  # "Mục tiêu cụ thể, …" after "Với mục tiêu chung:"
                    if sents and self.clf.announced_frame.search(folded, sents[0][0], sents[0][1]):
                        # a paragraph that opens with a directive of its own ("Phó Thống đốc cũng yêu cầu …")
                        # ends the list an introducing line ("… trong năm 2025 như sau:") announced
                        ctx = replace(ctx, deadline=outer.deadline)
                    background = bool(sents) and self.clf.is_background(text[sents[0][0]:sents[0][1]],
                                                                       folded[sents[0][0]:sents[0][1]])
                    if background:
                        # a background opener: a later sentence counts when it names who acts or uses a
                        # modal ("cần", "phải", "sẽ"), not for opening with a verb; the lines under the
                        # paragraph list what was done
                        sents = [(a, b) for a, b in sents[1:] if self.stands_alone(doc, a, b)]
                    pctx = ctx
                    if sents and self.clf.is_closing(folded[sents[0][0]:sents[0][1]]):
                        # "Đề nghị ... nghiêm túc triển khai các nội dung trên. Định kỳ báo cáo ...":
                        # the closing paragraph speaks to the whole letter, not to the item above it
                        pctx = Context(section=ctx.section)
                    for a, b in sents:
                        out.append(Candidate(a, b, "sentence", pctx, child))
                    if not background:
                        visit(child, ctx)
                    la, lb = all_sents[-1] if background else (0, 0)
                    if background and text[la:lb].rstrip(" *").endswith(":") and self.clf.is_background(
                            text[la:lb], folded[la:lb]):
                        ctx, skipped = replace(ctx, background=True), 0
                        continue
                    if all_sents and text[all_sents[-1][0]:all_sents[-1][1]].rstrip().endswith(":"):
                        # "Mục tiêu cụ thể đến năm 2025:" - the items it introduces have its deadline
                        ctx = replace(ctx, deadline=self.passed_deadline(doc, Window(doc, *all_sents[-1])) or ctx.deadline)
                        if self.purpose_intro.search(folded, *all_sents[-1]):
                            ctx = replace(ctx, purpose=True)  # "Với mục tiêu chung bao gồm:"
                    if sents and text[sents[-1][0]:sents[-1][1]].rstrip().endswith(":"):
                        # "UBND tỉnh yêu cầu các sở, ngành, địa phương:" - what follows is theirs
                        addressees, _ = self.roles.subject(Window(doc, *sents[-1]))
                        if addressees:
                            ctx = replace(ctx, lead=addressees)
                            if preamble:  # a section's preamble ("..., các Bộ, ngành cần ... sau đây:")
                                outer = ctx  # speaks to all its headings

        visit(root, Context())
        return out
