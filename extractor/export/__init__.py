"""Export stage: search results -> task tables in the annex format of Vietnamese plans.

``export(store, path, format=..., group=..., **filters)`` runs :func:`extractor.store.search.search` with
the same filters (all rows), builds the common row model (:mod:`extractor.export.rows`) and writes
XLSX, DOCX, CSV, Markdown, JSON (gold shape) or ICS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from extractor.export.rows import FORMATS, GROUPS, build_groups, title_for


__all__ = ["FORMATS", "GROUPS", "export", "export_bytes"]


def export(store, path: Union[str, Path], format: Optional[str] = None, group: str = "agency",
           sheets: bool = False, current: bool = True, framework: Optional[str] = None, title: Optional[str] = None,
           **filters) -> dict:
    """Write the obligations matching ``filters`` (those of :func:`extractor.store.search.search`; none: all)
    to ``path``; ``format`` defaults to the file's suffix.  Returns ``{"path", "format", "rows", "groups"}``."""
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    fmt = {"markdown": "md", "ical": "ics"}.get(fmt, fmt)
    if fmt not in FORMATS:
        from extractor.options import OptionError

        from extractor.options import unknown

        raise OptionError(unknown("--format", format or path.suffix, FORMATS))
    data = export_bytes(store, fmt, group=group, sheets=sheets, current=current, framework=framework, title=title,
                        **filters)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data["bytes"])
    return {"path": str(path), "format": fmt, "rows": data["rows"], "groups": data["groups"]}


def export_bytes(store, format: str, group: str = "agency", sheets: bool = False, current: bool = True,
                 framework: Optional[str] = None, title: Optional[str] = None, **filters) -> dict:
    from extractor.store.search import search

    if group not in GROUPS:
        build_groups([], group)  # raises the one-line error
    res = search(store, limit=None, current=current, framework=framework, **filters)
    groups = build_groups(list(res), group, current=current, framework=framework)
    title = title or title_for(res.query, group)
    if format == "xlsx":
        from extractor.export.xlsx import write_xlsx as w

        b = w(groups, title, sheets=sheets)
    elif format == "docx":
        from extractor.export.docx import write_docx as w

        b = w(groups, title)
    elif format == "ics":
        from extractor.export.text import write_ics

        b = write_ics(groups, as_of=res.query.get("as_of"))
    else:
        from extractor.export import text

        b = {"csv": text.write_csv, "md": text.write_markdown, "json": text.write_json}[format](groups, title,
                                                                                                 store=store)
    return {"bytes": b, "rows": len(res), "groups": len(groups)}
