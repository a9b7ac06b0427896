"""Store stage: SQLite database of documents and obligations, and what reads it (search, export, coverage)."""

from extractor.store.db import Store

__all__ = ["Store"]
