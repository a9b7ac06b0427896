"""Keep torch off the default path.

spaCy imports thinc, and thinc's ``compat`` module imports torch whenever it is
installed (the ``st`` extra installs it): 1-3 s and ~180 MB for every
``extractor`` command, though the pipeline (``spacy.blank("vi")`` plus rule
components) never runs a thinc model.  This finder answers "no torch" to thinc's
probe only; anyone else (sentence-transformers) imports torch as usual, and
once torch is loaded thinc is not asked again.  ``EXTRACTOR_THINC_TORCH=1`` turns it off.
"""

from __future__ import annotations

import os
import sys


class _NoTorchForThinc:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        f = sys._getframe(1)
        for _ in range(30):  # the importer is a few frames up: importlib's own frames come first
            if f is None:
                break
            if f.f_globals.get("__name__") == "thinc.compat":
                raise ImportError("torch hidden from thinc by extractor (EXTRACTOR_THINC_TORCH=1 shows it)")
            f = f.f_back
        return None


def install() -> None:
    if os.environ.get("EXTRACTOR_THINC_TORCH") == "1" or "thinc" in sys.modules:
        return
    if not any(isinstance(f, _NoTorchForThinc) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoTorchForThinc())
