"""Rule files: the project's knowledge as data, loaded once, matched under one folding rule.

``models/rules/*.json`` hold lexicons (cue words as a reader writes them, with
their marks), regex *templates* that combine them, and named thresholds with
the reason for each value.  Every word is folded on load (``textutil.fold``:
lower case, no marks, đ->d) and every template is matched against folded
text, so accented, unaccented and OCR'd text behave the same.  A lexicon is
referenced in a template as ``{file.name}`` (or ``{name}`` within its own
file) and expands to a longest-first alternation, spaces matching any run of
white space.  The one documented exception is a lexicon under
``"accented"``: words whose folded form collides with other words (``đã`` vs
``tối đa``), matched on the lower-cased NFC text instead.

    >>> R = load_rules()
    >>> bool(R.rx("extract.legal_basis").match("can cu luat to chuc"))
    True
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractor.paths import RULES_DIR
from extractor.textutil import fold

_REF = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")


class RuleError(ValueError):
    pass


class Rules:
    def __init__(self, folder: Path | str = RULES_DIR):
        self.folder = Path(folder)
        self.files: dict[str, dict] = {}
        for f in sorted(self.folder.glob("*.json")):
            try:
                self.files[f.stem] = json.loads(f.read_text(encoding="utf-8"))
            except ValueError as e:
                raise RuleError(f"{f}: not valid JSON ({e})") from None
        self._rx: dict[tuple[str, int], re.Pattern] = {}

    # ------------------------------------------------------------------ raw access
    def get(self, key: str) -> Any:
        """``file.section.name`` -> the value as stored."""
        parts = key.split(".")
        node: Any = self.files
        for p in parts:
            if not isinstance(node, dict) or p not in node:
                raise RuleError(f"no rule {key!r} in {self.folder}")
            node = node[p]
        return node

    def _lexicon(self, key: str) -> list[str]:
        file, name = key.split(".", 1)
        lex = self.get(f"{file}.lexicons")
        if name in lex:
            return [fold(w) for w in lex[name]]
        acc = self.get(f"{file}.accented")
        if name in acc:
            return [w.lower() for w in acc[name]]
        raise RuleError(f"no lexicon {key!r}")

    def raw_alt(self, key: str) -> str:
        """A lexicon under ``raw`` (matched on NFC text, case kept) as an alternation, longest first."""
        file, name = key.split(".", 1)
        ws = sorted(set(self.get(f"{file}.raw.{name}")), key=len, reverse=True)
        return "(?:" + "|".join(re.escape(w) for w in ws) + ")"

    def words(self, key: str) -> list[str]:
        """A lexicon, folded (``"extract.directive_verbs"``)."""
        return self._lexicon(key)

    def alt(self, key: str) -> str:
        """A lexicon as a regex alternation, longest first; a space matches any white space."""
        ws = sorted(set(self._lexicon(key)), key=len, reverse=True)
        return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ws) + ")"

    def rx(self, key: str, flags: int = 0) -> re.Pattern:
        """A pattern template (``"file.name"`` under the file's ``patterns``), compiled once."""
        ck = (key, flags)
        if ck not in self._rx:
            file, name = key.split(".", 1)
            tpl = self.get(f"{file}.patterns.{name}")
            if isinstance(tpl, list):  # long patterns are written as a list of pieces
                tpl = "".join(tpl)

            def sub(m: re.Match) -> str:
                ref = m.group(1)
                return self.alt(ref if "." in ref else f"{file}.{ref}")

            try:
                self._rx[ck] = re.compile(_REF.sub(sub, tpl), flags)
            except re.error as e:
                raise RuleError(f"{self.folder}/{file}.json: pattern {name!r}: {e}") from None
        return self._rx[ck]

    def threshold(self, key: str) -> float:
        """A named threshold (``"segment.short_title_words"``) from thresholds.json."""
        group, name = key.split(".", 1)
        entry = self.get(f"thresholds.{group}.{name}")
        return entry["value"]

    def table(self, key: str) -> Any:
        """A data table (``"columns.roles"``): mappings and lists that are not cue words."""
        return self.get(key)


@lru_cache(maxsize=4)
def load_rules(folder: str = str(RULES_DIR)) -> Rules:
    return Rules(folder)
