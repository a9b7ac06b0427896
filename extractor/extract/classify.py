"""Directive classifier: does a stretch of text direct someone to act or fix a target?

Background (results, reasons, "Thời gian qua ..."), legal bases ("Căn cứ ..."),
intros ending in ":", the closing "nghiêm túc triển khai ..." and recipient
lists are not obligations.  Cue words and patterns: ``models/rules/extract.json``;
lengths: ``models/rules/thresholds.json`` (``segment.*``).
"""

from __future__ import annotations

from typing import Optional

from extractor.rules import Rules, load_rules
from extractor.textutil import squeeze


class DirectiveClassifier:
    def __init__(self, rules: Optional[Rules] = None):
        R = rules or load_rules()
        self.verb = R.rx("extract.directive_verb")
        self.modal = R.rx("extract.modal")
        self.closing = R.rx("extract.closing")
        self.past_subordinate = R.rx("extract.past_subordinate")
        self.subordinator_window = R.threshold("segment.past_subordinator_window_chars")
        self.enacting = R.rx("extract.enacting")
        self.legal_basis = R.rx("extract.legal_basis")
        self.intro = R.rx("extract.intro")
        self.intro_announced = R.rx("extract.intro_announced")
        self.announced = R.rx("extract.announced")
        self.announced_frame = R.rx("extract.announced_frame")
        self.event = R.rx("extract.event")
        self.speech = R.rx("extract.speech")
        self.appraisal = R.rx("extract.appraisal_speech")
        self.handover_later = R.rx("extract.handover_later")
        self.not_a_task = R.rx("extract.not_a_task")
        self.question = R.rx("extract.question")
        self.describes_document = R.rx("extract.describes_document")
        self.demonstrative = R.rx("extract.demonstrative_copula")
        self.duty_label = R.rx("extract.duty_label")
        self.connective = R.rx("extract.connective")
        self.time_opener = R.rx("extract.time_opener")
        self.opener = R.rx("extract.background_opener")
        self.opener_head = R.rx("extract.background_opener_head")
        self.explanatory = R.rx("extract.explanatory")
        self.past = R.rx("extract.past")
        self.past_exempt = R.rx("extract.past_exempt")
        self.future_before = R.rx("extract.future_before")
        self.subject_lead = R.rx("extract.subject_lead")
        self.strip_gap = R.rx("extract.strip_subject_gap")
        self.item_end = R.rx("extract.list_item_end")
        self.min_chars = R.threshold("segment.min_directive_chars")
        self.intro_max = R.threshold("segment.intro_max_chars")
        self.title_words = R.threshold("segment.short_title_words")
        self.start_slack = R.threshold("roles.subject_start_chars")

    def is_closing(self, folded: str) -> bool:
        return bool(self.closing.search(folded))

    def reports_past(self, text: str, folded: str) -> bool:
        """Does "đã" mark the sentence's own action as done?  Not before a passive
        ("đã được số hóa": a relative clause) or a directive verb ("đã chỉ đạo": a reported directive)."""
        low = text.lower()
        fut = self.future_before.search(low)
        return any(not (fut and fut.start() < m.start())  # "sẽ nâng cấp … các giải pháp đã có": a relative clause
                   and not self.past_exempt.match(folded, m.end())
                   and not self.past_subordinate.search(folded, max(0, m.start() - self.subordinator_window),
                                                        m.start())
                   for m in self.past.finditer(low))

    def is_background(self, text: str, folded: str) -> bool:
        """A sentence that reports or explains: a background opener, or "đã" with no directive cue."""
        f = squeeze(folded)
        if self.opener.match(f):
            return True
        return self.reports_past(text, folded) and not self.verb.match(f) and not self.modal.search(f)

    def _strip_subject(self, f: str, mentions: list) -> str:
        """The text after a leading subject list and adverbs, for verb checks."""
        m = self.subject_lead.match(f)
        pos = m.end() if m else 0
        for men in mentions:
            if men.start <= pos + self.start_slack and men.end > pos:
                pos = men.end
                rest = self.strip_gap.match(f, pos)
                pos = rest.end() if rest else pos
        return f[pos:].lstrip(" ,;:")

    def is_directive(self, text: str, folded: str, mentions: list, has_target: bool, has_deadline: bool,
                     item: bool = False) -> bool:
        """Does the text direct someone to act or fix a target?  List items in a
        directive section default to yes unless they read as background or are bare titles."""
        f = squeeze(folded)
        if not f or len(f) < self.min_chars:
            return False
        if (self.legal_basis.match(f) or self.closing.search(f) or self.not_a_task.match(f) or self.enacting.search(f)
                or self.question.search(f)):
            return False
        cm = self.connective.match(f)
        f = f[cm.end():] if cm else f
        if self.demonstrative.match(f):
            return False  # "Đó là chỉ đạo của …": what something is
        if self.describes_document.match(f):
            return False  # "Kế hoạch nhằm mục tiêu …": what a document is for
        if self.duty_label.match(f):
            return True  # "Nhiệm vụ của Tổ …: …"
        body = self._strip_subject(f, mentions)
        # time adverbials open many directives: "Định kỳ báo cáo ...", "Hằng năm, tham mưu ..."
        tm = self.time_opener.match(body)
        body = body[tm.end():] if tm else body
        an = self.announced.search(f) or self.event.search(f)
        if an and not self.announced_frame.search(f, an.end()) and not has_target:
            return False  # "UBND tỉnh vừa ban hành Công văn số ... về ...": the news of a document
        sp = self.speech.match(f)
        if sp:  # a person speaks: only a cue of their own words makes a task ("… nhấn mạnh, các sở cần …")
            said, quoted = f[sp.end():], sp.group().rstrip()[-1:] in ",:"
            said_text = squeeze(text)[-len(said):] if said else ""  # f is a squeezed suffix of the folded text
            if not self.handover_later.search(said) and (
                    self.appraisal.search(sp.group()) or self.reports_past(said_text, said)):
                return False  # praise or a result ("… ghi nhận những nỗ lực", "… cho biết, ngành đã có …")
            # an imperative counts only after the verb's comma or colon ("nhấn mạnh: khẩn trương …"), not as
            # its object ("trình bày báo cáo kết quả")
            return bool(self.modal.search(said) or (quoted and self.verb.match(said)))
        opens_with_verb = bool(self.verb.match(body)) or bool(self.verb.match(f))
        if (self.intro_announced.search(f) or (self.intro.search(f) and len(f) < self.intro_max)) and not has_target:
            return False
        if opens_with_verb:
            return not self.opener_head.match(f)  # "Tuy nhiên, ..." opens like a verb only by accident
        if self.reports_past(text, folded) and not has_target:
            return False  # "đã": a result already achieved
        if self.modal.search(f) or has_target or has_deadline:
            return True
        # a list item is a task unless it plainly reports or explains, or is a bare title
        # ("Quan điểm chuyển đổi số", "Kinh phí thực hiện"); a sentence needs a cue
        if item and len(f.split()) <= self.title_words and not self.item_end.search(f):
            return False
        return item and not (self.is_background(text, folded) or self.explanatory.search(f))
