"""Errors a user sees as one line naming the file (and page, where known)."""

from __future__ import annotations

from typing import Optional


class ExtractorError(Exception):
    """Base class: ``str(err)`` is the one-line message shown to users."""


class InputError(ExtractorError):
    def __init__(self, path: str, message: str, page: Optional[int] = None):
        self.path = str(path)
        self.page = page
        self.message = message
        where = f"{self.path}" + (f" (page {page})" if page else "")
        super().__init__(f"{where}: {message}")


class CatalogueError(ExtractorError):
    pass
