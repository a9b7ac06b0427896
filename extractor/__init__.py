"""dti-extractor: commitments in Vietnamese digital-transformation documents.

Python API (the CLI calls exactly these)::

    import extractor
    doc = extractor.process("corpus/000_25c1a683a650bf81.txt")
    for ob in doc.obligations:
        print(ob.lead, ob.deadline, [t.text for t in ob.targets])

    from extractor.store import Store
    Store("outputs/obligations.db").save(doc)
"""

from __future__ import annotations

__version__ = "0.1.0"

from extractor import _imports  # noqa: E402

_imports.install()  # thinc must not import torch for a pipeline that never uses it

__all__ = ["Pipeline", "process", "run", "__version__"]


def __getattr__(name: str):
    # Lazy, so "import extractor" stays cheap and submodules import on their own.
    if name in ("Pipeline", "process"):
        from extractor import pipeline

        return getattr(pipeline, name)
    if name == "run":
        from extractor.batch import run

        return run
    raise AttributeError(name)
