"""Agency names in role positions blanked before linking: they say who acts, not what is done.

"phối hợp với Sở Nội vụ", "tham mưu UBND tỉnh", "(qua Sở ...)", an agency as
the sentence subject: otherwise every "phối hợp với Sở Thông tin và Truyền
thông ..." is pulled towards the indicators about that department.  Agencies
are the gazetteer's (the one agency finder); the cues and the agencies never
masked (media, bodies that are the object of an indicator) are in
``models/rules/link.json``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from extractor.nlp.agencies import load_gazetteer
from extractor.rules import load_rules
from extractor.textutil import fold


class RoleMasker:
    def __init__(self, gazetteer=None, rules=None):
        R = rules or load_rules()
        self.g = gazetteer or load_gazetteer()
        self.role_before = R.rx("link.role_before")
        self.subject_before = R.rx("link.subject_before")
        self.list_gap = R.rx("link.list_gap")
        self.title = R.rx("link.title")
        self.title_before = R.rx("link.title_before")
        self.title_gap = R.rx("link.title_gap")
        self.title_addressee = R.rx("link.title_addressee_before")
        self.title_speaks = R.rx("link.title_speaks")
        self.title_list_gap = R.rx("link.title_list_gap")  # "Giám đốc sở, Thủ trưởng ...": a short head noun may follow
        self.masked_types = set(R.table("link.masked_types")) - set(R.table("link.never_masked_types"))
        self.never_ids = set(R.table("link.never_masked_ids"))

    def _maskable(self, m) -> bool:
        a = m.agency
        return a is not None and a.type in self.masked_types and a.id not in self.never_ids

    def mask(self, text: str, spans: Iterable[tuple[int, int]] = ()) -> str:
        """``text`` with agencies in role positions (and the given spans) blanked; offsets kept."""
        chars = list(text)
        for s, e in spans:
            for k in range(max(0, s), min(len(chars), e)):
                chars[k] = " "
        folded = fold(text)
        ms = self.g.find(text, unknown=False)
        i = 0
        while i < len(ms):
            # a list of agencies joined by ',', ';' or 'và' takes the position of its first one
            j = i
            while j + 1 < len(ms) and self.list_gap.fullmatch(folded, ms[j].end, ms[j + 1].start):
                j += 1
            before = folded[max(0, ms[i].start - 40):ms[i].start]
            if self.role_before.search(before) or self.subject_before.search(folded, 0, ms[i].start):
                for m in ms[i:j + 1]:
                    if self._maskable(m):
                        for k in range(m.start, m.end):
                            chars[k] = " "
            i = j + 1
        self._mask_titles(folded, ms, chars)
        return "".join(chars)

    def _mask_titles(self, folded: str, ms, chars: list[str]) -> None:
        """Officials' titles in a subject or addressee position, with the agency (list) that follows them."""
        starts = {m.start: k for k, m in enumerate(ms)}
        last_end = -1
        for t in self.title.finditer(folded):
            if t.start() < last_end:
                continue
            # the addressee of a directive, or the next one of a list of addressees just masked
            addressee = bool(self.title_addressee.search(folded, max(0, t.start() - 40), t.start())) or (
                last_end >= 0 and bool(self.title_list_gap.fullmatch(folded, last_end, t.start())))
            if not addressee and not self.title_before.search(folded, 0, t.start()):
                continue
            end = t.end()
            k = starts.get(t.start())  # the gazetteer may know the title with its agency ("Chủ tịch UBND tỉnh")
            if k is None:
                g = self.title_gap.match(folded, end)
                k = starts.get(g.end()) if g else None
            while k is not None and self._maskable(ms[k]):  # "Chủ tịch UBND tỉnh", "Thủ trưởng các sở, ngành"
                end = ms[k].end
                nxt = k + 1
                k = nxt if nxt < len(ms) and self.list_gap.fullmatch(folded, end, ms[nxt].start) else None
            if not addressee and not self.title_speaks.match(folded, end):
                continue  # a sentence-initial title that does not speak may be the task's object (1.1)
            last_end = end
            for x in range(t.start(), end):
                chars[x] = " "


@lru_cache(maxsize=1)
def _default() -> RoleMasker:
    return RoleMasker()


def mask_roles(text: str, spans: Iterable[tuple[int, int]] = ()) -> str:
    """Blank agency names in role positions (and the given character spans); offsets are kept."""
    return _default().mask(text, spans)
