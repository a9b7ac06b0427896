"""Export stage: search results -> task tables in the annex format of Vietnamese plans.

``export(store, path, format=..., group=..., **filters)`` runs :func:`extractor.store.search.search` with
the same filters (all rows), builds the common row model (:mod:`extractor.export.rows`) and writes
XLSX, DOCX, CSV, Markdown, JSON (gold shape) or ICS.
"""

from extractor.export.rows import FORMATS, GROUPS, export, export_bytes

__all__ = ["FORMATS", "GROUPS", "export", "export_bytes"]
