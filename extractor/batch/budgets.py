"""Per-file budgets and thresholds of a batch run, read from ``models/batch.json`` (values with their reasons)."""

from __future__ import annotations

import json
from functools import lru_cache

from extractor.paths import MODELS_DIR


@lru_cache(maxsize=1)
def _load() -> dict:
    return json.loads((MODELS_DIR / "batch.json").read_text(encoding="utf-8"))


def budget(name: str):
    return _load()[name]["value"]
