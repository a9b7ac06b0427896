"""The tables a batch run writes besides the documents (runs, per-file outcomes, the versions that
produced each document, letters in several forms), created with the store's own schema.
``extractor.batch.runs`` reads and writes them."""

from __future__ import annotations

SCHEMA = """
create table if not exists runs (
  id integer primary key, started_at text, finished_at text, status text, paths text, options text,
  versions text, fingerprint text, n_ok int, n_empty int, n_skipped int, n_failed int, pages int,
  obligations int, seconds real, pid int);
create table if not exists run_files (
  run_id int, path text, sha256 text, document_id text, status text, reason text, seconds real,
  pages int, obligations int, finished_at text, primary key (run_id, path));
create table if not exists document_versions (
  document_id text primary key, sha256 text, fingerprint text, versions text, run_id int, processed_at text);
"""


def ensure_schema(db) -> None:
    """WAL (readers never block the writer, a kill never leaves a torn page) and the run tables."""
    try:
        db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL still never tears a transaction when the process is killed; only a power
        # cut can lose the last commits (which the next run redoes).  Halves the cost of each save.
        db.execute("PRAGMA synchronous = NORMAL")
    except Exception:  # a read-only or network file system: keep the default journal
        pass
    db.conn.executescript(SCHEMA)
    from extractor.store.groups import ensure_schema as groups_schema

    groups_schema(db)
