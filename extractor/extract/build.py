"""Obligation builder: directive candidates -> typed ``Obligation``s.

For each candidate the segmenter offers, the classifier decides whether it
directs anyone; an item is split where a new agency becomes the subject; the
role resolver names lead and support (falling back to the previous sentence's
subject, the heading's agencies, the letter's addressees); the deadline and
targets are the document layers inside the obligation (a table row's deadline
is its "Thời gian thực hiện" cell).  All offsets are document offsets.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Optional

from extractor.extract.classify import DirectiveClassifier
from extractor.extract.roles import RoleResolver
from extractor.extract.segment import Candidate, Segmenter
from extractor.model import AgencyRef, Obligation
from extractor.nlp.agencies import Mention
from extractor.nlp.deadlines import cell_deadline, pick_deadline
from extractor.nlp.document import Window, values_in
from extractor.nlp.targets import find_targets
from extractor.rules import Rules, load_rules
from extractor.textutil import fold, squeeze


_CLAUSE_END = re.compile(r";\s+")  # where a clause of a sentence ends


class ObligationBuilder:
    def __init__(self, segmenter: Segmenter, classifier: DirectiveClassifier, roles: RoleResolver,
                 rules: Optional[Rules] = None):
        R = rules or load_rules()
        self.seg = segmenter
        self.clf = classifier
        self.roles = roles
        self.generic_subjects = set(R.table("extract.generic_subject_ids"))
        self.assign_opener = R.rx("extract.assign_opener")
        self.after_list = R.rx("extract.after_subject_list")
        self.after_role = R.rx("extract.after_subject_role")
        self.paren = R.rx("extract.paren_unit")
        self.new_subject_predicate = R.rx("extract.new_subject_predicate")
        self.new_subject_start = R.threshold("roles.new_subject_start_chars")
        self.path_chars = R.threshold("segment.section_path_chars")

    def build(self, doc, candidates: list[Candidate]) -> list[Obligation]:
        """Obligations of the directive candidates (``cand.directive`` set by the classifier),
        without agencies: the role resolver adds them (:meth:`assign_roles`)."""
        src = doc.user_data["source"]
        obligations: list[Obligation] = []
        for cand in candidates:
            if not cand.directive:
                continue
            w = Window(doc, cand.start, cand.end)
            deadlines, targets = cand.deadlines, values_in(doc, "targets", w.start, w.end)
            if cand.kind == "row" and not targets:
                targets = self._value_cell(doc, cand)
            pieces = (self._split_on_new_subject(doc, w) if cand.kind in ("item", "sentence")
                      else [(0, len(w.text))])
            for pa, pb in pieces:
                pw = w.sub(pa, pb)
                if not pw.text.strip():
                    continue
                a, b = pw.start, pw.end
                p_targets = [t for t in targets if a <= t.start < b] if len(pieces) > 1 else targets
                p_deadlines = ([d for d in deadlines if a <= d.span_start < b]
                               if len(pieces) > 1 and cand.kind != "row" else deadlines)
                ob = self._obligation(src, cand, pw, p_targets, p_deadlines)
                cand.pieces.append((pw, ob))
                obligations.append(ob)
        assign_ids(obligations, src.sha256)
        return obligations

    def classify(self, doc, candidates: list[Candidate]) -> None:
        """Trim each candidate and decide whether it directs anyone (rows and labelled tasks always do)."""
        text = doc.user_data["text"]
        for cand in candidates:
            cand.start, cand.end = self._trim(text, cand.start, cand.end)
            w = Window(doc, cand.start, cand.end)
            dcell = cand.cells.get("deadline")
            if cand.kind == "row" or dcell:
                # a table row, or a task with a "Thời gian thực hiện:" field: the deadline is that cell's
                cand.deadlines = values_in(doc, "deadlines", *dcell) if dcell and dcell[1] > dcell[0] else []
                if dcell and not cand.deadlines:
                    bare = cell_deadline(text[dcell[0]:dcell[1]])  # "2025", "12/2025"
                    if bare:
                        cand.deadlines = [replace(bare, span_start=bare.span_start + dcell[0],
                                                  span_end=bare.span_end + dcell[0])]
            else:
                cand.deadlines = values_in(doc, "deadlines", w.start, w.end)
            has_target = bool(values_in(doc, "targets", w.start, w.end))
            cand.directive = bool(cand.kind == "row" or cand.cells) or self.clf.is_directive(
                w.text, w.folded, w.mentions(), has_target, bool(cand.deadlines), item=cand.kind == "item")
            if cand.directive and cand.ctx.purpose and not (has_target or cand.deadlines):
                # a purpose or general objective: a task only when it names who acts
                cand.directive = any(m.agency for m in w.mentions())

    def assign_roles(self, doc, candidates: list[Candidate]) -> None:
        """Lead and support of every obligation, in reading order: a sentence without a
        subject takes the previous sentence's (directive or not) in the same paragraph, else the
        section's last addressee of a frame or subject of an unnumbered directive."""
        addressees: list[Mention] = doc.user_data.get("addressees", [])
        issued: Optional[str] = doc.user_data.get("as_of")
        meta = doc.user_data.get("meta")
        era = (issued, self.roles.g.is_central(meta.issuer if meta else None))  # when, and at which level
        prev_subject: dict = {}  # paragraph node id -> its last subject; section -> last addressee of a frame
        for cand in candidates:
            if not cand.directive:
                if cand.kind == "sentence":
                    self._remember(cand, Window(doc, cand.start, cand.end), prev_subject)
                continue
            for pw, ob in cand.pieces:
                ob.agencies = self._agencies(doc, cand, pw, addressees, prev_subject, era)

    def _remember(self, cand: Candidate, w: Window, prev_subject: dict) -> None:
        subj, _, framed = self.roles.subject_frame(w)
        sent_to = [] if cand.directive else self.roles.recipients(w)
        if sent_to:  # the news of a letter: its recipients do what the article reports next
            subj, framed = sent_to, True
        if subj:
            prev_subject[id(cand.node)] = subj
            if framed or (cand.directive and not cand.node.marker):
                # "Chủ tịch UBND tỉnh yêu cầu Sở X ...", "Sở X chủ trì ...": the section's later subjectless
                # directives are Sở X's (a background sentence's subject, "UBND tỉnh ban hành ...", is not;
                # a numbered item's subject stays in its item)
                prev_subject[_section_key(cand)] = subj

    @staticmethod
    def _trim(text: str, a: int, b: int) -> tuple[int, int]:
        """The candidate without its list marker, trailing blanks, "./." or a stray "#"."""
        raw = text[a:b]
        a += len(raw) - len(raw.lstrip(" -–+*•\t"))
        while b > a and text[b - 1] in " \t\n":
            b -= 1
        if text[a:b].endswith("/."):
            b -= 2
        t = text[a:b]
        s = t.rstrip()
        if s.endswith("#"):
            b = a + len(s[:-1].rstrip())
        return a, b

    @staticmethod
    def _value_cell(doc, cand: Candidate) -> list:
        """An indicator row's figure: its value cell read with its unit cell ("100" + "%")."""
        vc = cand.cells.get("target")
        if not vc or vc[1] <= vc[0]:
            return []
        text = doc.user_data["text"]
        value = text[vc[0]:vc[1]].strip()
        uc = cand.cells.get("unit")
        unit = text[uc[0]:uc[1]].strip() if uc else ""
        read = value if not unit or unit in value else f"{value} {unit}"
        return [replace(t, text=value, start=vc[0], end=vc[1]) for t in find_targets(read)[:1]]

    def _split_on_new_subject(self, doc, w: Window) -> list[tuple[int, int]]:
        """Cuts of an item or sentence where a later sentence, or a clause after "; ", names a new
        agency as its subject ("… giao Sở Y tế triển khai bệnh án điện tử; Văn phòng UBND tỉnh tái cấu trúc …")."""
        sents = []  # (start, end, whether it ends a sentence or only a clause)
        for x, y in self.seg.sentences(doc, w.start, w.end):
            a = x - w.start
            for m in _CLAUSE_END.finditer(w.text, a, y - w.start):
                sents.append((a, m.end(), False))
                a = m.end()
            sents.append((a, y - w.start, True))
        if len(sents) < 2:
            return [(0, len(w.text))]
        cuts = [0]
        first, end = self.roles.subject(w.sub(*sents[0][:2]))
        current = {m.canonical for m in first}
        mentions = w.mentions()

        def stands_alone(a: int, b: int, subj: list, end: int) -> bool:
            # a subject, a predicate, and no agency list running on past the semicolon: "Thủ trưởng các sở,
            # ban, ngành;" and "phối hợp với Ban Tiếp công dân tỉnh, huyện; các sở, ban, ngành …" go on after it
            if not subj or len(w.sub(a, b).folded[end:].split()) < 2:
                return False
            tail = w.folded[a:b].rstrip(" ;,")
            last = max((m.end for m in mentions if a <= m.start < a + len(tail)), default=None)
            return last is None or len(tail[last - a:].split()) > 2

        whole = stands_alone(*sents[0][:2], first, end)
        for (sa, sb, _), (_, _, prev_sentence) in zip(sents[1:], sents):
            sw = w.sub(sa, sb)
            subj, end = self.roles.subject(sw)
            names = {m.canonical for m in subj}
            if ((prev_sentence or whole) and subj and subj[0].start <= self.new_subject_start and names != current
                    and self.new_subject_predicate.match(sw.folded[end:])):
                cuts.append(sa)
                current = names
            whole = stands_alone(sa, sb, subj, end)
        cuts.append(len(w.text))
        return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]

    def _agencies(self, doc, cand: Candidate, w: Window, addressees: list[Mention], prev_subject: dict,
                  era: tuple) -> list[AgencyRef]:
        R = self.roles
        if cand.kind == "row" or ("lead" in cand.cells or "lead_support" in cand.cells):
            return self._row_agencies(doc, cand, era)
        start = w.start
        subj, subj_end, framed = R.subject_frame(w)
        # "các cơ quan, đơn vị, địa phương" under an agency heading means that heading's agencies
        if subj and all(m.agency and m.agency.id in self.generic_subjects for m in subj) and cand.ctx.lead:
            subj = []
        lead_m = R.explicit_lead(w)
        f = w.folded
        # "Sở X (Phòng Y) cân đối ...": a parenthesis after the subject only names a unit
        after_subj = f[subj_end:]
        pm = self.paren.match(after_subj)
        after_subj = after_subj[pm.end():] if pm else after_subj
        if subj and not framed and self.after_list.match(after_subj[:2]) and not self.assign_opener.match(f):
            # "Sở X, Sở Y" followed by a comma is a list inside the sentence, not a subject
            subj = subj if self.after_role.match(after_subj) else []
        lead, source, offset = (lead_m or subj), "explicit", start
        pid = id(cand.node)
        if not lead:
            lead = R.topic(w)  # "Về phía các TCTD, Phó Thống đốc yêu cầu …"
        if not lead:
            lead = R.group_subject(w)  # "Các doanh nghiệp chủ động …": a group kept as written
        issuer, meta = doc.user_data.get("issuer"), doc.user_data.get("meta")
        if not lead and era[1] and issuer is not None and R.self_target(w, central=True):
            # "Bộ phấn đấu …": the ministry's own target; its later subjectless sentences keep it
            lead, source, offset = [Mention(w.start, w.start, issuer.name, issuer)], "issuer", None
            prev_subject[pid] = prev_subject[_section_key(cand)] = lead
        if not lead and (R.self_target(w) or (cand.kind == "sentence" and prev_subject.get(pid) is _SELF)):
            # a province-wide target ("Tỉnh phấn đấu …" and the sentences after it): no one else takes it over
            prev_subject[pid] = _SELF
            return R.refs(R.support(w), "support", "explicit", start, *era)
        if not lead and cand.kind == "sentence" and prev_subject.get(pid) and prev_subject[pid] is not _SELF:
            lead, source, offset = prev_subject[pid], "subject", None
        if not lead and cand.kind == "sentence" and prev_subject.get(_section_key(cand)):
            lead, source, offset = prev_subject[_section_key(cand)], "subject", None
        if not lead and cand.ctx.purpose:
            # a purpose item counts because it names who acts ("Xác định nhiệm vụ để các sở, ngành triển khai")
            lead, source, offset = [m for m in w.mentions() if m.agency], "explicit", start
        if not lead and cand.ctx.lead:
            lead, source, offset = cand.ctx.lead, "heading", None
        if not lead and addressees:
            lead, source, offset = addressees, "addressee", None
        if not lead and cand.kind == "item" and era[1] and issuer is not None and not (meta and meta.reported):
            # a central body's own plan (era[1]: issued centrally; not an article about it): an item that names
            # no one is the body's task, where a province's plan leaves it to no one (a province-wide target)
            lead, source, offset = [Mention(w.start, w.start, issuer.name, issuer)], "issuer", None
        if subj and cand.kind == "sentence":
            self._remember(cand, w, prev_subject)
        lead_names = {m.canonical for m in lead}
        support = [m for m in R.support(w) if m not in lead and m.canonical not in lead_names]
        return R.refs(lead, "lead", source, offset, *era) + R.refs(support, "support", "explicit", start, *era)

    def _obligation(self, src, cand: Candidate, w: Window, targets, deadlines) -> Obligation:
        start = w.start
        otext = w.text.strip()
        dl = pick_deadline(deadlines)
        if dl is None and cand.ctx.deadline is not None:
            dl = replace(cand.ctx.deadline, inherited=True, span_start=None, span_end=None)
        end = start + len(otext)
        return Obligation(
            id="", text=squeeze(otext), start=start, end=end, kind=cand.kind,
            section=" > ".join(cand.ctx.section)[: self.path_chars],
            targets=[replace(t) for t in targets], deadline=replace(dl) if dl else None,
            page=cand.node.page or src.page_of(start), bbox=cand.node.bbox,
            source_start=src.to_source(start), source_end=src.to_source(max(start, end - 1)) + 1,
        )

    def _row_agencies(self, doc, cand: Candidate, era: tuple) -> list[AgencyRef]:
        R = self.roles
        refs: list[AgencyRef] = []
        for role_key, role in (("lead", "lead"), ("lead_support", "lead"), ("support", "support")):
            cell = cand.cells.get(role_key)
            if not cell or cell[1] <= cell[0]:
                continue
            cw = Window(doc, *cell)
            refs += R.refs(R.cell_mentions(cw), role, "table", cw.start, *era)
        if not any(r.role == "lead" for r in refs) and cand.ctx.lead:
            refs = R.refs(cand.ctx.lead, "lead", "heading", None, *era) + refs
        leads = {r.canonical for r in refs if r.role == "lead"}
        return [r for r in refs if r.role == "lead" or r.canonical not in leads]


_SELF: list = []  # prev_subject marker: the paragraph's sentences are the province's own targets


def assign_ids(obligations: list[Obligation], doc_id: str) -> None:
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


def _section_key(cand: Candidate) -> tuple:
    return ("section", tuple(cand.ctx.section))
