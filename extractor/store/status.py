"""Status of an obligation (chưa thực hiện / đang thực hiện / hoàn thành / không thực hiện) with a dated history.

Statuses live in their own tables, which ``Store.save`` never deletes.  Each row keeps, besides the
obligation id, the key that id is made of (``extractor.extract.obligations._assign_ids``: the folded
text and its occurrence number in the document), so when a document is re-run and its obligations get
new ids (the file changed: the id includes the file's hash) every obligation whose text did not change
gets its status back; :func:`carry_over` says which did not (their rows stay, marked ``lost_at``).

    >>> from extractor.store import Store
    >>> from extractor.store.status import set_status
    >>> set_status(Store("outputs/obligations.db"), "25c1a683-0f1e2d3c4b5a", "done", note="xong")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Optional

from extractor.i18n import _
from extractor.options import OptionError
from extractor.paths import MODELS_DIR
from extractor.textutil import fold_key

STATUS_SCHEMA = """
create table if not exists obligation_status (
  obligation_id text primary key, status text not null, note text, updated_at text not null,
  document_id text, document_path text, text_folded text, occurrence integer, text text, lost_at text);
create index if not exists obligation_status_status on obligation_status(status);
create index if not exists obligation_status_doc on obligation_status(document_id);
create table if not exists status_history (
  id integer primary key, obligation_id text not null, status text not null, note text, at text not null);
create index if not exists status_history_ob on status_history(obligation_id);
"""


@dataclass(frozen=True)
class StatusDef:
    code: str
    label: str
    aliases: tuple[str, ...]
    finished: bool


@lru_cache(maxsize=1)
def statuses() -> dict[str, StatusDef]:
    data = json.loads((MODELS_DIR / "statuses.json").read_text(encoding="utf-8"))
    return {s["code"]: StatusDef(s["code"], s["label"], tuple(s.get("aliases", [])), bool(s["finished"]))
            for s in data["statuses"]}


DEFAULT_STATUS = "todo"


def label(code: Optional[str]) -> str:
    return statuses()[code or DEFAULT_STATUS].label


def finished_codes() -> list[str]:
    return [c for c, s in statuses().items() if s.finished]


def normalise(value: str, option: str = "--status") -> str:
    """A status code from a code, its Vietnamese label or an alias, with or without diacritics."""
    k = fold_key(value or "")
    for code, s in statuses().items():
        if k in (code, fold_key(s.label), *map(fold_key, s.aliases)):
            return code
    choices = ", ".join(f"{c} ({s.label})" for c, s in statuses().items())
    from extractor.options import unknown

    raise OptionError(unknown(option, value, [choices]))


def create_tables(conn) -> None:
    conn.executescript(STATUS_SCHEMA)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _key_of(conn, obligation_id: str) -> Optional[dict]:
    """Document, folded text and occurrence number of a stored obligation."""
    r = conn.execute("select o.id, o.document_id, d.path, o.text, o.text_folded, o.seq from obligations o "
                     "join documents d on d.id = o.document_id where o.id = ?", [obligation_id]).fetchone()
    if not r:
        return None
    occ = conn.execute("select count(*) from obligations where document_id = ? and text_folded = ? and seq < ?",
                       [r[1], r[4], r[5]]).fetchone()[0]
    return {"document_id": r[1], "document_path": r[2], "text": r[3], "text_folded": r[4], "occurrence": occ}


def set_status(store, obligation_id: str, status: str, note: Optional[str] = None, at: Optional[str] = None) -> dict:
    """Set one obligation's status (code, label or alias) with an optional note; returns the new record.
    ``at``: when (ISO date or datetime; default now), kept in the history."""
    from extractor.options import parse_date

    code = normalise(status)
    when = _now() if at is None else (at if "T" in at else parse_date(at, "--at"))
    conn = store.db.conn
    with conn:
        key = _key_of(conn, obligation_id)
        if key is None:
            raise OptionError(_("no obligation with id {id!r} (ids are in `extractor search --json`)")
                              .format(id=obligation_id))
        conn.execute("insert or replace into obligation_status (obligation_id, status, note, updated_at, document_id, "
                     "document_path, text_folded, occurrence, text, lost_at) values (?,?,?,?,?,?,?,?,?,null)",
                     [obligation_id, code, note, when, key["document_id"], key["document_path"], key["text_folded"],
                      key["occurrence"], key["text"]])
        conn.execute("insert into status_history (obligation_id, status, note, at) values (?,?,?,?)",
                     [obligation_id, code, note, when])
    return get_status(store, obligation_id)


def get_status(store, obligation_id: str) -> dict:
    """Current status (the default when never set) and the dated history, oldest first."""
    conn = store.db.conn
    r = conn.execute("select status, note, updated_at, lost_at from obligation_status where obligation_id = ?",
                     [obligation_id]).fetchone()
    hist = [{"status": h[0], "label": label(h[0]), "note": h[1], "at": h[2]} for h in conn.execute(
        "select status, note, at from status_history where obligation_id = ? order by at, id", [obligation_id])]
    code = r[0] if r else DEFAULT_STATUS
    return {"id": obligation_id, "status": code, "label": label(code), "note": r[1] if r else None,
            "updated_at": r[2] if r else None, "lost_at": r[3] if r else None, "history": hist}


def carry_over(conn, old_document_ids: list[str], doc_id: str, doc_path: str) -> list[dict]:
    """After a document's rows were replaced: re-attach the statuses of its former obligations to the new
    obligations with the same folded text and occurrence.  Returns the statuses that found no obligation
    (their text changed or disappeared); they are kept with ``lost_at`` set.  Runs inside the caller's
    transaction."""
    ids = list(dict.fromkeys([*old_document_ids, doc_id]))
    ph = ",".join("?" * len(ids))
    rows = conn.execute(f"select obligation_id, text_folded, occurrence, status, text from obligation_status "
                        f"where lost_at is null and (document_id in ({ph}) or document_path = ?)", [*ids, doc_path]).fetchall()
    if not rows:
        return []
    new: dict[tuple[str, int], str] = {}
    seen: dict[str, int] = {}
    for oid, tf in conn.execute("select id, text_folded from obligations where document_id = ? order by seq", [doc_id]):
        n = seen.get(tf, 0)
        seen[tf] = n + 1
        new[(tf, n)] = oid
    lost, now = [], _now()
    for old_id, tf, occ, code, text in rows:
        nid = new.get((tf, occ))
        if nid is None:
            conn.execute("update obligation_status set lost_at = ? where obligation_id = ?", [now, old_id])
            lost.append({"id": old_id, "status": code, "label": label(code), "text": text})
        elif nid != old_id:
            conn.execute("delete from obligation_status where obligation_id = ?", [nid])
            conn.execute("update obligation_status set obligation_id = ?, document_id = ?, document_path = ? "
                         "where obligation_id = ?", [nid, doc_id, doc_path, old_id])
            conn.execute("update status_history set obligation_id = ? where obligation_id = ?", [nid, old_id])
        else:
            conn.execute("update obligation_status set document_id = ?, document_path = ? where obligation_id = ?",
                         [doc_id, doc_path, old_id])
    return lost
