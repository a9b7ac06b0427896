"""Role resolver: who leads an obligation and who supports it.

``lead`` is the sentence subject ("Sở X chủ trì", "Giao X ...", "Yêu cầu Thủ
trưởng các sở ..."), an explicit "X chủ trì" / "Chủ trì: X", a table's "Cơ
quan chủ trì" cell, else (in the builder) the previous sentence's subject, the
heading the item sits under, the letter's addressees.  ``support`` follows
"phối hợp (với)" / "cùng" or precedes "phối hợp" ("Sở Y và Sở Z phối hợp").
Agencies that only receive reports ("báo cáo UBND tỉnh (qua Sở X)") are neither.

Every function reads a :class:`~extractor.nlp.document.Window`: its folded text
and its agency mentions, offsets from the window start.
"""

from __future__ import annotations

from typing import Optional

from extractor.model import AgencyRef
from extractor.nlp.agencies import Agency, Gazetteer, Mention, without_mentions
from extractor.nlp.document import Window
from extractor.rules import Rules, load_rules
from extractor.textutil import squeeze


class RoleResolver:
    def __init__(self, gazetteer: Gazetteer, rules: Optional[Rules] = None):
        R = rules or load_rules()
        self.g = gazetteer
        self.subject_lead = R.rx("extract.subject_lead")
        self.frame_verb = R.rx("extract.frame_verb")
        self.frame_direct = R.rx("extract.frame_direct")
        self.frame_passive = R.rx("extract.frame_passive")
        self.reporting_verb = R.rx("extract.reporting_verb")
        self.person_name = R.rx("extract.person_name")
        self.gap_first = R.rx("extract.subject_gap_first")
        self.gap_next = R.rx("extract.subject_gap_next")
        self.qualifier_gap = R.rx("extract.subject_qualifier_gap")
        self.self_reference = R.rx("extract.self_reference")
        self.central_self_reference = R.rx("extract.central_self_reference")
        self.topic_opener = R.rx("extract.topic_opener")
        self.group_subject_rx = R.rx("extract.group_subject")
        self.group_anaphora = R.rx("extract.group_anaphora_words")
        self.group_addressee_rx = R.rx("extract.group_addressee")
        self.frame_verb_end = R.rx("extract.frame_verb_end")
        self.letter_recipients = R.rx("extract.letter_recipients")
        self.self_target_rx = R.rx("extract.self_target")
        self.support_cue = R.rx("extract.support_cue")
        self.support_gap = R.rx("extract.support_list_gap")
        self.support_after = R.rx("extract.support_after_agency")
        self.lead_after = R.rx("extract.lead_after_agency")
        self.lead_field = R.rx("extract.lead_field")
        self.list_gap = R.rx("extract.list_gap")
        self.relative_do = R.rx("extract.relative_do")
        self.paren = R.rx("extract.paren_unit")
        self.cell_vague = R.rx("extract.cell_vague")
        self.vague_after = R.rx("extract.vague_after")
        self.cell_function = R.rx("extract.cell_function")
        self.head_word = R.rx("agencies.head_word")
        self.T = {k: R.threshold(f"roles.{k}") for k in (
            "explicit_lead_window", "explicit_lead_verb_chars", "support_after_window", "subject_opening_chars",
            "relative_do_window", "cell_min_chars", "cell_generic_words", "name_words", "frame_opener_words",
            "frame_preface_chars")}

    # ------------------------------------------------------------------ subject
    def subject(self, w: Window, weak: bool = False) -> tuple[list[Mention], int]:
        """Agencies forming the grammatical subject at the start of the window, and where it ends.

        Prefaces (time, purpose "Để ...,", connectives) are skipped.  In a directive frame
        ("UBND tỉnh giao Sở Y tế ...", "Chủ tịch UBND tỉnh yêu cầu Giám đốc các sở ...") the
        subject is the addressee after the verb; a speaker ("UBND tỉnh cho biết, ...") is none.
        ``weak``: read the weak agency layer (headings name agencies tersely).
        """
        return self.subject_frame(w, weak)[:2]

    def subject_frame(self, w: Window, weak: bool = False) -> tuple[list[Mention], int, bool]:
        """As :meth:`subject`, plus whether a directive frame named the addressee."""
        f = w.folded
        m = self.subject_lead.match(f)
        subj, pos = self._list_at(w, m.end() if m else 0, weak)
        if not subj and m and self.frame_verb_end.search(f, 0, m.end()):
            # the opener took an official and the frame verb ("Phó Thống đốc cũng yêu cầu các Vụ, Cục …")
            addressees, end = self._addressees(w, m.end(), weak)
            if addressees:
                return addressees, end, True
        if not subj:
            found = self._unnamed_frame(w, m.end() if m else 0, weak)
            return found if found[0] else self._frame_after_preface(w, weak)
        pos = self._skip_names(w, pos)
        if self.reporting_verb.match(f, pos):
            return [], 0, False
        pm = self.frame_passive.match(f, pos)
        if pm:  # "Sở Y tế được giao chủ trì ...": the subject is the one tasked
            return subj, pm.end(), True
        fm = self.frame_verb.match(f, pos)
        if fm:
            addressees, end = self._addressees(w, fm.end(), weak)
            if addressees:
                return addressees, end, True
            if self.frame_direct.match(f, pos):
                return subj, pos, False  # "UBND các huyện chỉ đạo triển khai ...": it acts itself
            # the issuer hands the task over to someone the gazetteer cannot name
            # ("yêu cầu như sau:", "đề nghị Thủ trưởng đơn vị"): still not the issuer
            return [], 0, False
        return subj, pos, False

    def group_subject(self, w: Window) -> list[Mention]:
        """A group the gazetteer cannot name, as the sentence's subject ("Các doanh nghiệp chủ động …"),
        kept as written."""
        m = self.subject_lead.match(w.folded)
        gm = self.group_subject_rx.match(w.folded, m.end() if m else 0)
        if not gm or any(x.start < gm.end(1) for x in w.mentions() if x.start >= gm.start(1)):
            return []  # the gazetteer names someone inside it: that reading wins
        if not self.group_anaphora.sub(" ", gm.group(1)).strip(" ,"):
            return []  # "các đơn vị", "các cơ quan, địa phương": the addressees again, no new group
        return [Mention(gm.start(1), gm.end(1), w.text[gm.start(1):gm.end(1)], None)]

    def _group_addressee(self, w: Window, pos: int) -> list[Mention]:
        """A group the gazetteer cannot name, handed the task by a frame verb ("yêu cầu các cơ quan,
        đơn vị hành chính bố trí …"), kept as written.  A bare "các cơ quan, đơn vị" is the letter's
        addressees again when it has some."""
        gm = self.group_addressee_rx.match(w.folded, pos)
        if not gm:
            return []
        if w.doc.user_data.get("addressees") and not self.group_anaphora.sub(" ", gm.group(1)).strip(" ,"):
            return []
        return [Mention(gm.start(1), gm.end(1), w.text[gm.start(1):gm.end(1)], None)]

    def recipients(self, w: Window) -> list[Mention]:
        """Who a reported letter is sent to ("… vừa có văn bản gửi các sở, ban, ngành, UBND các xã về …")."""
        m = self.letter_recipients.search(w.folded)
        return self._list_at(w, m.end(), True)[0] if m else []

    def topic(self, w: Window) -> list[Mention]:
        """Agencies named as the sentence's topic ("Về phía các TCTD, …", "Đối với Sở Y tế, …")."""
        m = self.topic_opener.match(w.folded)
        if not m:
            return []
        return self._list_at(w, m.end())[0]

    def self_target(self, w: Window, central: bool = False) -> bool:
        """Does the sentence open with the province setting itself a target ("Tỉnh phấn đấu …",
        "Thành phố Cần Thơ đặt mục tiêu …", "Đà Nẵng đặt mục tiêu …")?  ``central``: with the
        ministry doing so instead ("Bộ phấn đấu …")."""
        f = w.folded
        m = self.subject_lead.match(f)
        pos = m.end() if m else 0
        if central:
            sm = self.central_self_reference.match(f, pos)
            return bool(sm and self.self_target_rx.match(f, sm.end()))
        sm = self.self_reference.match(f, pos)
        pos = sm.end() if sm else pos
        pm = self.g.province_at(f, pos)
        if not (sm or pm):
            return False
        return bool(self.self_target_rx.match(f, pm.end() if pm else pos))

    def _addressees(self, w: Window, pos: int, weak: bool) -> tuple[list[Mention], int]:
        """Who a frame verb hands the task to; after the verb and a title the addressee is often
        terse ("yêu cầu Giám đốc các sở"), so the weak layer is read when the strong one names nobody, and
        a group neither names is kept as written."""
        found, end = self._list_at(w, pos, weak)
        if not found and not weak:
            found, end = self._list_at(w, pos, True)
        if not found:
            found = self._group_addressee(w, pos)
            end = found[0].end if found else end
        return found, end

    def _unnamed_frame(self, w: Window, pos: int, weak: bool) -> tuple[list[Mention], int, bool]:
        """A few words the gazetteer cannot name, then a frame verb and an addressee ("Tỉnh cũng
        đề nghị các doanh nghiệp viễn thông ...")."""
        f = w.folded
        first = min((m.start for m in w.mentions(True)), default=len(f))
        for _ in range(self.T["frame_opener_words"]):
            sp = f.find(" ", pos)
            # the words before the verb name no agency ("Thành lập Ban chỉ đạo ..."), hold no comma or figure
            if sp < 0 or sp > first or not f[pos:sp].isalpha():
                break
            pos = sp
            fm = self.frame_verb.match(f, pos)
            if fm:
                addressees, end = self._addressees(w, fm.end(), weak)
                return (addressees, end, True) if addressees else ([], 0, False)
            pos += 1
        return [], 0, False

    def _frame_after_preface(self, w: Window, weak: bool) -> tuple[list[Mention], int, bool]:
        """A preface the opener patterns cannot delimit (commas inside it), then the one who hands the task
        over ("Về nhiệm vụ phát triển khoa học, công nghệ, chuyển đổi số, Thủ tướng giao Bộ KH-CN …")."""
        f = w.folded
        for men in w.mentions():
            if men.start >= self.T["frame_preface_chars"]:
                break
            if not f[:men.start].rstrip().endswith(","):
                continue
            fm = self.frame_verb.match(f, self._skip_names(w, men.end))
            if fm:
                addressees, end = self._addressees(w, fm.end(), weak)
                if addressees:
                    return addressees, end, True
        return [], 0, False

    def _skip_names(self, w: Window, pos: int) -> int:
        """After "UBND tỉnh" may come the province and the official's name
        ("Chủ tịch UBND tỉnh Đồng Tháp Nguyễn Văn A yêu cầu ..."): skip them when a verb
        the frame knows follows."""
        f = w.folded
        ws = pos + len(f[pos:]) - len(f[pos:].lstrip())
        pm = self.g.province_at(f, ws)
        if pm:
            pos = pm.end()
        end = pos
        for _ in range(self.T["name_words"]):  # capitalised words: a person's name
            nm = self.person_name.match(w.text, end)
            if not nm or not nm.group().lstrip()[:1].isupper():  # À-Ỹ also holds lower-case letters ("được")
                break
            end = nm.end()
            if self.frame_verb.match(f, end) or self.reporting_verb.match(f, end):
                return end
        return pos

    def _list_at(self, w: Window, pos: int, weak: bool = False) -> tuple[list[Mention], int]:
        """The agencies listed from ``pos`` on (joined by ',', 'và', titles), and where the list ends."""
        f = w.folded
        subj: list[Mention] = []
        for men in w.mentions(weak):
            if men.start < pos:
                if not subj and men.end > pos:  # "Chủ tịch UBND tỉnh" is one mention; the title was skipped
                    subj.append(men)
                    pos = men.end
                continue
            if subj and self.qualifier_gap.fullmatch(f, pos, men.start):
                pos = men.end  # "các sở, ban, ngành, đơn vị thuộc UBND tỉnh": whose units, not one more
                continue
            gap = (self.gap_next if subj else self.gap_first).fullmatch(f, pos, men.start)
            if not gap:
                break
            subj.append(men)
            pos = men.end
        return subj, pos

    # ------------------------------------------------------------------ support
    def support(self, w: Window) -> list[Mention]:
        f = w.folded
        mentions = w.mentions()
        out: list[Mention] = []
        for cue in self.support_cue.finditer(f):
            out += [m for m in _listed_after(f, mentions, cue.end(), self.support_gap) if m not in out]
        # "(Sở X chủ trì, Sở Y và Sở Z phối hợp)": agencies named right before "phối hợp"
        for i, men in enumerate(mentions):
            if i == 0 and men.start < self.T["subject_opening_chars"]:
                continue  # the sentence's subject ("Sở Y phối hợp với ...") leads
            if self.support_after.match(f[men.end:men.end + self.T["support_after_window"]]):
                out += [m for m in self._group_before(f, mentions, i) if m not in out]
        # "các bộ ngành liên quan": a vague cooperator, not named
        return [m for m in out if not (m.agency and m.agency.type == "group" and (
            self.vague_after.match(f, m.end) or f[m.start:m.end].endswith("lien quan")))]

    def _group_before(self, f: str, mentions: list[Mention], i: int) -> list[Mention]:
        """mentions[i] with the ones joined to it by ',', ';' or 'và' just before it."""
        group = [mentions[i]]
        j = i - 1
        while j >= 0 and self.list_gap.fullmatch(f, mentions[j].end, group[0].start):
            group.insert(0, mentions[j])
            j -= 1
        return group

    # ------------------------------------------------------------------ explicit lead
    def explicit_lead(self, w: Window) -> list[Mention]:
        """"X chủ trì" / "do X chủ trì" / "Chủ trì: X" anywhere in the window."""
        f = w.folded
        mentions = w.mentions()
        out: list[Mention] = []
        win, verb = self.T["explicit_lead_window"], self.T["explicit_lead_verb_chars"]
        for i, men in enumerate(mentions):
            after = f[men.end:men.end + win]
            pm = self.paren.match(after)
            after = after[pm.end():] if pm else after
            # "dự án do các ngành chủ trì" is a relative clause; ", do Sở X chủ trì" assigns the task
            if self.lead_after.match(after[:verb]):
                group = self._group_before(f, mentions, i)
                back = self.T["relative_do_window"]
                if not self.relative_do.search(f[max(0, group[0].start - back):group[0].start]):
                    out += [m for m in group if m not in out]
        for cue in self.lead_field.finditer(f):
            out += [m for m in _listed_after(f, mentions, cue.end(), self.list_gap) if m not in out]
        return out

    # ------------------------------------------------------------------ references
    def _expand(self, men: Mention, on: Optional[str], central: bool = False) -> list[tuple[Mention, Optional[Agency]]]:
        """A group phrase ("các cơ quan, đơn vị, địa phương") names the groups it
        covers on the document's date (after 01/07/2025 "địa phương" are the communes)
        and at its issuer's level (in a ministry's letter they are the provinces)."""
        g = self.g
        a = men.agency
        ids = ((a.expands_central if central else []) or a.expands) if a else []
        if ids:
            return [(men, g.current(g.get(x), on=on) if on else g.get(x)) for x in ids]
        return [(men, men.agency)]

    def refs(self, mentions: list[Mention], role: str, source: str, offset: Optional[int],
             on: Optional[str], central: bool = False) -> list[AgencyRef]:
        """AgencyRefs for mentions found in a window starting at document offset
        ``offset`` (None: they come from context, so they get no offsets)."""
        out: list[AgencyRef] = []
        seen = set()
        for men in mentions:
            for m, a in self._expand(men, on, central):
                canonical = a.name if a else m.canonical
                if (canonical, role) in seen:
                    continue
                seen.add((canonical, role))
                cur = self.g.current(a).name if a and a.successor else None
                out.append(AgencyRef(
                    as_written=squeeze(m.text), canonical=canonical, role=role, agency_id=a.id if a else None,
                    current=cur, known=a is not None, start=(m.start + offset) if offset is not None else None,
                    end=(m.end + offset) if offset is not None else None, source=source))
        return out

    # ------------------------------------------------------------------ table cells
    def cell_mentions(self, w: Window) -> list[Mention]:
        """In a table cell every ';'- or line-separated phrase names agencies: the
        gazetteer's matches plus the other phrases as unknown agencies.  A comma
        piece that starts with a capitalised word that is no agency head continues
        the name before it ("Trung tâm Xúc tiến đầu tư, Thương mại và Du lịch")."""
        ctext = w.text
        ms = w.mentions(weak=True)
        # "(Cổng Thông tin điện tử tỉnh)" after an agency names its unit, not a second agency
        parens = _spans(ctext, "(", ")")
        known = [m for m in ms if m.agency and not any(a <= m.start and m.end <= b for a, b in parens)]
        out = list(known)
        for ps, pe in _pieces(ctext, ";\n"):
            pieces: list[list[int]] = []
            for s, e in _pieces(ctext, ",()", ps, pe):
                if any(a <= s and e <= b for a, b in parens) or any(m.start < e and s < m.end for m in known):
                    pieces.append([])  # a known agency or a parenthesis sits between
                    continue
                seg = ctext[s:e].strip()
                if not seg:
                    continue
                if pieces and pieces[-1] and seg[:1].isupper() and not self.head_word.match(w.folded, s + (len(ctext[s:e]) - len(ctext[s:e].lstrip()))):
                    pieces[-1][1] = e  # continues the previous name
                    continue
                pieces.append([s, e])
            for p in pieces:
                if not p:
                    continue
                s, e = p
                raw = ctext[s:e]
                seg = raw.strip()
                lead_ws = len(raw) - len(raw.lstrip())
                fseg = w.folded[s + lead_ws:s + lead_ws + len(seg)]
                if len(seg) < self.T["cell_min_chars"] or self.cell_vague.search(fseg) or self.cell_function.fullmatch(fseg):
                    continue
                name = seg
                words = seg.split()
                if (len(words) <= self.T["cell_generic_words"] and not any(x[:1].isupper() for x in words[1:])
                        and not fseg.startswith("cac ")):
                    name = "Các " + seg.lower()  # a generic plural: "Viện" -> "Các viện"
                out.append(Mention(s + lead_ws, s + lead_ws + len(seg), name, None))
        out.sort(key=lambda m: m.start)
        return out

    def agency_share(self, w: Window, weak: bool = True) -> tuple[list[Mention], str]:
        """Mentions of the window and the folded text left without them."""
        ms = w.mentions(weak=weak)
        return ms, without_mentions(w.folded, ms)


def _listed_after(f: str, mentions: list[Mention], pos: int, gap) -> list[Mention]:
    """The mentions listed from ``pos`` on, each separated from the last by what ``gap`` allows."""
    out = []
    for men in mentions:
        if men.start < pos:
            continue
        if not gap.fullmatch(f, pos, men.start):
            break
        out.append(men)
        pos = men.end
    return out


def _spans(text: str, open_: str, close: str) -> list[tuple[int, int]]:
    """(start, end) of each non-nested parenthesis."""
    out, start = [], None
    for i, ch in enumerate(text):
        if ch == open_ and start is None:
            start = i
        elif ch == close and start is not None:
            out.append((start, i + 1))
            start = None
    return out


def _pieces(text: str, seps: str, a: int = 0, b: Optional[int] = None) -> list[tuple[int, int]]:
    """Maximal runs of [a, b) containing none of ``seps``."""
    b = len(text) if b is None else b
    out, s = [], a
    for i in range(a, b):
        if text[i] in seps:
            if i > s:
                out.append((s, i))
            s = i + 1
    if b > s:
        out.append((s, b))
    return out
