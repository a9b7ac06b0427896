"""Where the project's data lives: one place, so every stage agrees.

``models/`` (catalogues, gazetteer, rule files, calibration) and ``outputs/``
sit beside the package in the repository; ``$EXTRACTOR_MODELS`` points
elsewhere (an installed copy, a province's own rule files).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS_DIR = Path(os.environ.get("EXTRACTOR_MODELS") or REPO / "models")
RULES_DIR = MODELS_DIR / "rules"
OUTPUTS_DIR = REPO / "outputs"


def cache_dir() -> Path:
    """$EXTRACTOR_CACHE, else <repo>/outputs/cache, else ~/.cache/dti-extractor."""
    env = os.environ.get("EXTRACTOR_CACHE")
    if env:
        return Path(env).expanduser()
    if OUTPUTS_DIR.is_dir():
        return OUTPUTS_DIR / "cache"
    return Path.home() / ".cache" / "dti-extractor"
