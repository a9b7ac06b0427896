"""Agency gazetteer: canonical names, variants, 2025 successors, and a matcher.

Matching runs on ``fold()``-ed text (lower case, no diacritics, đ->d), which is
length-preserving, so match offsets are offsets in the original text.  Known
agencies come from ``models/agencies.json``; agency-like phrases that are not
in it ("Ban Quản lý Khu kinh tế Đông Nam") are still found by a head-word
pattern and reported as unknown, so the gazetteer can grow.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from extractor.paths import MODELS_DIR as MODELS
from extractor.rules import load_rules
from extractor.textutil import fold, nfc

DEFAULT_GAZETTEER = MODELS / "agencies.json"
DEFAULT_PROVINCES = MODELS / "provinces.json"

_R = load_rules()
# Head words that start an agency name the gazetteer does not know; words that end one (models/rules/agencies.json).
_HEAD_RE = re.compile(r"(?<!\w)(" + _R.raw_alt("agencies.head_words") + r")(?=\s)")
_NAME_STOP = set(_R.get("agencies.raw.name_stop_words"))
_NOT_HEADS = {nfc(w).lower() for w in _R.get("agencies.raw.not_heads")}


CENTRAL_TYPES = ("ministry", "central_body")  # a ministry, the Government, its Office: a central document's issuers


@dataclass
class Agency:
    id: str
    name: str
    type: str
    variants: list[str]
    weak: list[str] = field(default_factory=list)
    successor: Optional[str] = None
    successor_from: Optional[str] = None
    expands: list[str] = field(default_factory=list)
    expands_central: list[str] = field(default_factory=list)  # what the group names in a central body's letter
    note: str = ""
    not_before: Optional[re.Pattern] = None  # what after the name makes it a concept ("Chính phủ điện tử")


@dataclass
class Mention:
    start: int
    end: int
    text: str
    agency: Optional[Agency]  # None: found by pattern, not in the gazetteer
    weak: bool = False

    @property
    def canonical(self) -> str:
        return self.agency.name if self.agency else clean_unknown(self.text)


# Abbreviations in names the gazetteer does not know, spelled out.
UNKNOWN_ABBREV = _R.table("agencies.abbreviations")


def clean_unknown(text: str) -> str:
    t = re.sub(r"\s+", " ", text).strip(" ,;:.-")
    t = re.sub(r"\s+(liên quan|có liên quan)$", "", t)
    t = " ".join(UNKNOWN_ABBREV.get(w, w) for w in t.split(" "))
    return t[:1].upper() + t[1:] if t else t


def _variant_regex(v: str, prov_alt: str) -> str:
    """A folded, whitespace/punctuation-tolerant regex for one variant."""
    parts = []
    for tok in re.split(r"(\{P\}|\s+|,|;|&|-|–)", fold(v)):
        if not tok or tok.isspace():
            if tok:
                parts.append(r"\s+")
            continue
        if tok == "{p}":
            parts.append(r"(?:(?:tinh|thanh\s+pho|tp\.?)\s+)?(?:" + prov_alt + r")")
        elif tok == "tinh":  # a centrally-run city's bodies: "Công an Thành phố", "Trung tâm Chuyển đổi số TP."
            parts.append(r"(?:tinh|thanh\s+pho|tp\b\.?)")
        elif tok in (",", ";"):
            # "Sở Văn hóa Thể thao và Du lịch": the commas of a name are often dropped; "các tỉnh/thành phố"
            parts.append(r"\s*[,;/]?\s*")
        elif tok == "va":
            parts.append("\x00")  # "và" between the words of a name may be dropped too (below)
        elif tok == "&":
            # "Sở KH&CN" = "Sở KH-CN" = "Sở KHCN" = "Sở KH và CN": abbreviations are written every way
            parts.append(r"\s*(?:&|va|-|–)?\s*")
        elif tok in ("-", "–"):
            parts.append(r"\s*[-–,]?\s*")
        else:
            parts.append(re.escape(tok))
    rx = "".join(parts)
    rx = rx.replace("\\s+\x00\\s+", "\\s+(?:va\\s+)?").replace("\x00", "va")
    rx = re.sub(r"(\\s\+)+", r"\\s+", rx)
    rx = rx.replace(r"\s+\s*", r"\s*").replace(r"\s*\s+", r"\s*")
    return rx


class Gazetteer:
    def __init__(self, path: Path | str = DEFAULT_GAZETTEER, provinces: Path | str = DEFAULT_PROVINCES):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.path = str(path)
        self.agencies: dict[str, Agency] = {}
        for a in data["agencies"]:
            variants = [v for v in a["variants"] if not v.startswith("~")]
            weak = [v[1:] for v in a["variants"] if v.startswith("~")]
            self.agencies[a["id"]] = Agency(
                id=a["id"], name=a["name"], type=a["type"], variants=variants, weak=weak,
                successor=a.get("successor"), successor_from=a.get("successor_from"),
                expands=a.get("expands", []), expands_central=a.get("expands_central", []), note=a.get("note", ""),
                not_before=re.compile(r"\s+(?:" + a["not_before"] + ")") if a.get("not_before") else None,
            )
        pdata = json.loads(Path(provinces).read_text(encoding="utf-8"))
        self.provinces: dict[str, dict] = {}
        names = []
        for p in pdata["provinces"]:
            for n in [p["name"], *p.get("variants", [])]:
                self.provinces[fold(n)] = p
                names.append(n)
        self.province_successor_from = pdata.get("successor_from")
        prov_alt = "|".join(sorted({_variant_regex(n, "") for n in names}, key=len, reverse=True))
        self._prov_re = re.compile(r"(?<![\w])(" + prov_alt + r")(?![\w])")
        strong, weak = [], []
        for a in self.agencies.values():
            for v in [a.name, *a.variants]:
                for form in _abbrev_forms(v):
                    strong.append((_variant_regex(form, prov_alt), a.id))
            for v in a.weak:
                weak.append((_variant_regex(v, prov_alt), a.id))
        self._strong = _compile(strong)
        self._weak = _compile(weak + strong)
        # "các Sở: Y tế, Giáo dục và Đào tạo, Lao động - Thương binh và Xã hội" and "các Bộ: Công an,
        # Tài chính" share the head word: the names after it, per head
        short: dict[str, list] = {"so": [], "bo": []}
        for a in self.agencies.values():
            head = {"department": "so", "ministry": "bo"}.get(a.type)
            for v in [a.name, *a.variants] if head else []:
                for form in _abbrev_forms(v):
                    if fold(form).startswith(head + " "):
                        short[head].append((_variant_regex(form[3:], prov_alt), a.id))
        self._short = {h: _compile(v) for h, v in short.items()}

    # ------------------------------------------------------------------ lookup
    def get(self, agency_id: str) -> Agency:
        return self.agencies[agency_id]

    def current(self, agency: Agency, on: Optional[str] = None) -> Agency:
        """Follow successors to the agency in charge today (or on ISO date ``on``)."""
        seen = set()
        a = agency
        while a.successor and a.id not in seen:
            seen.add(a.id)
            if on and a.successor_from and on < a.successor_from:
                break
            a = self.agencies[a.successor]
        return a

    def resolve(self, name: str) -> Optional[Agency]:
        """The agency a whole string names, or None."""
        for m in self.find(name, weak=True):
            if m.agency and m.start <= 1 and m.end >= len(name.rstrip(" .:;,")) - 1:
                return m.agency
        return None

    def province_in(self, text: str) -> Optional[str]:
        m = self._prov_re.search(fold(text))
        if not m:
            return None
        return self.provinces[fold(text[m.start():m.end()])]["name"] if fold(text[m.start():m.end()]) in self.provinces else None

    def province_at(self, folded: str, pos: int) -> Optional[re.Match]:
        """A province name starting at ``pos`` of already folded text."""
        return self._prov_re.match(folded, pos)

    def province_mentions(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in self._prov_re.finditer(fold(text))]

    # ------------------------------------------------------------------ matching
    def is_central(self, issuer: Optional[str]) -> bool:
        """Whether a central body (a ministry, the Government, its Office) issued the document."""
        a = self.resolve(issuer) if issuer else None
        return bool(a) and a.type in CENTRAL_TYPES

    def find(self, text: str, weak: bool = False, unknown: bool = True) -> list[Mention]:
        """Non-overlapping agency mentions, leftmost-longest, in text order."""
        folded = fold(text)
        rx = self._weak if weak else self._strong
        out: list[Mention] = []
        for m in rx.finditer(folded):
            aid = next(k for k, v in m.groupdict().items() if v is not None)
            a = self.agencies[_gid_to_id(aid)]
            if (a.not_before and a.not_before.match(folded, m.end())) or (
                    text[m.start():m.end()].split(maxsplit=1)[0].lower() in _NOT_HEADS):
                continue
            out.append(Mention(m.start(), m.end(), text[m.start():m.end()], a))
        for lm in _SHARED_HEAD.finditer(folded):
            listed = self._shared_head_list(text, folded, lm.end(), lm.group(1))
            if listed:
                out = [m for m in out if not any(m.start < l.end and l.start < m.end for l in listed)
                       and not (m.start <= lm.start() < m.end)]
                out += listed
        if unknown:
            taken = [(m.start, m.end) for m in out]
            for s, e in _unknown_spans(text):
                if not any(s < te and ts < e for ts, te in taken):
                    out.append(Mention(s, e, text[s:e], None))
        out.sort(key=lambda m: m.start)
        return out


    def _shared_head_list(self, text: str, folded: str, pos: int, head: str) -> list[Mention]:
        found: list[Mention] = []
        while True:
            sep = re.match(r"\s*(?:[,;]|va\b)?\s*", folded[pos:]) if found else re.match(r"\s*", folded[pos:])
            p = pos + sep.end()
            m = self._short[head].match(folded, p)
            if not m:
                break
            aid = next(k for k, v in m.groupdict().items() if v is not None)
            found.append(Mention(m.start(), m.end(), text[m.start():m.end()], self.agencies[_gid_to_id(aid)]))
            pos = m.end()
        return found


_SHARED_HEAD = _R.rx("agencies.shared_head")


def without_mentions(text: str, mentions: list[Mention]) -> str:
    """``text`` with the given agency mentions cut out (what else a heading says)."""
    out, pos = [], 0
    for m in sorted(mentions, key=lambda m: m.start):
        out.append(text[pos:m.start])
        pos = max(pos, m.end)
    out.append(text[pos:])
    return "".join(out)


def _abbrev_forms(v: str) -> list[str]:
    forms = {v}
    if "UBND" in v:
        forms.add(v.replace("UBND", "Ủy ban nhân dân"))
    return sorted(forms)


_GID = {}


def _gid(aid: str) -> str:
    g = "g" + re.sub(r"\W", "_", aid)
    _GID[g] = aid
    return g


def _gid_to_id(g: str) -> str:
    return _GID[g.split("__")[0]]


def _compile(pairs: list[tuple[str, str]]) -> re.Pattern:
    # Longest pattern first so alternation prefers the longest match at a position.
    pairs = sorted(set(pairs), key=lambda p: len(p[0]), reverse=True)
    alts = []
    for i, (rx, aid) in enumerate(pairs):
        alts.append(f"(?P<{_gid(aid)}__{i}>{rx})")
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])")


def _unknown_spans(text: str) -> list[tuple[int, int]]:
    """Agency-like phrases: a head word followed by a capitalised name."""
    spans = []
    for m in _HEAD_RE.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalpha():
            continue
        pos = m.end()
        end = None
        lower_run = 0
        for w in re.finditer(r"\s*([^\s,;:.()]+)", text[pos:]):
            word = w.group(1)
            wstart = pos + w.start(1)
            if text[pos + w.start():wstart].count("\n"):
                break
            if word[:1].isupper() or word[:1].isdigit():
                lower_run = 0
                end = pos + w.end(1)
            elif word in ("và", "-", "–", "&") or (word.islower() and word not in _NAME_STOP and lower_run < 3 and end):
                lower_run += 1
            else:
                break
            if (pos + w.end(1)) - m.start() > 90:
                break
            # keep a trailing lower-case word only when it completes the name
            if word.islower() and word not in ("và", "-", "–", "&") and lower_run <= 3 and end is not None:
                end = pos + w.end(1)
            if re.match(r"\s*[,;:.()]", text[pos + w.end(1):pos + w.end(1) + 2]):
                break
        if end and end > m.end():
            s_text = text[m.start():end]
            if re.search(r"\s(và)$", s_text):
                end -= 3
            spans.append((m.start(), end))
    return spans


@lru_cache(maxsize=4)
def load_gazetteer(path: str = str(DEFAULT_GAZETTEER)) -> Gazetteer:
    return Gazetteer(path)
