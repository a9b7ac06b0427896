"""SQLite store (sqlite-utils): documents, obligations, agencies, links.

Saving a document replaces all rows of the same document (same content hash
or same path) inside one transaction: a re-run never duplicates rows, and a
failure leaves what was stored before untouched.  Obligation text is indexed
with FTS5 twice: as written and folded (no diacritics, đ->d), because
SQLite's ``remove_diacritics`` never folds Đ/đ; queries are folded the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Optional

import sqlite_utils

from extractor.nlp.agencies import load_gazetteer
from extractor.model import Document
from extractor.textutil import fold, fold_key

SCHEMA_VERSION = 2
# v2 (search, status): covering indexes for agency / indicator / deadline queries and the status tables.
_V2_INDEXES = """
create index if not exists oa_agency_role_ob on obligation_agencies(agency_id, role, obligation_id);
create index if not exists agencies_current on agencies(current_id);
create index if not exists obligations_doc_seq on obligations(document_id, seq);
create index if not exists obligations_due on obligations(deadline_kind, deadline_date, deadline_every, document_id, seq);
create index if not exists dti_code_ob on obligation_dti(code, obligation_id);
"""


class Store:
    def __init__(self, path: str | Path = "outputs/obligations.db"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.last_lost: list[dict] = []  # statuses the last save could not carry over
        self._ensure_schema()

    # ------------------------------------------------------------------ schema
    def _ensure_schema(self) -> None:
        db = self.db
        if "documents" not in db.table_names():
            db["documents"].create({
                "id": str, "path": str, "name": str, "sha256": str, "kind": str, "pages": int,
                "number": str, "type": str, "issuer": str, "province": str, "issued_date": str, "signer": str,
                "title": str, "addressees": str, "unsure": str, "n_obligations": int, "processed_at": str,
                "warnings": str,
            }, pk="id")
            db["documents"].create_index(["path"])
        if "agencies" not in db.table_names():
            db["agencies"].create({"id": str, "name": str, "type": str, "known": int, "successor_id": str,
                                   "successor_from": str, "current_id": str, "current_name": str}, pk="id")
        if "obligations" not in db.table_names():
            db["obligations"].create({
                "id": str, "document_id": str, "seq": int, "kind": str, "text": str, "text_folded": str,
                "section": str, "start": int, "end": int, "source_start": int, "source_end": int,
                "source_line": int, "page": int, "bbox": str, "deadline_kind": str, "deadline_date": str,
                "deadline_start": str, "deadline_every": str, "deadline_text": str, "deadline_inherited": int,
            }, pk="id", foreign_keys=[("document_id", "documents", "id")])
            db["obligations"].create_index(["document_id"])
            db["obligations"].create_index(["deadline_date"])
            db["obligations"].enable_fts(["text", "text_folded"], create_triggers=True,
                                         tokenize="unicode61 remove_diacritics 2")
        if "obligation_agencies" not in db.table_names():
            db["obligation_agencies"].create({
                "obligation_id": str, "agency_id": str, "role": str, "as_written": str, "canonical": str,
                "current": str, "known": int, "source": str, "start": int, "end": int,
            }, foreign_keys=[("obligation_id", "obligations", "id"), ("agency_id", "agencies", "id")])
            db["obligation_agencies"].create_index(["obligation_id"])
            db["obligation_agencies"].create_index(["agency_id", "role"])
        if "targets" not in db.table_names():
            db["targets"].create({"obligation_id": str, "text": str, "value": float, "unit": str, "op": str,
                                  "start": int, "end": int},
                                 foreign_keys=[("obligation_id", "obligations", "id")])
            db["targets"].create_index(["obligation_id"])
        if "obligation_dti" not in db.table_names():
            db["obligation_dti"].create({"obligation_id": str, "code": str, "rank": int, "score": float,
                                         "linker": str, "catalogue_version": str, "evidence": str},
                                        foreign_keys=[("obligation_id", "obligations", "id")])
            db["obligation_dti"].create_index(["obligation_id"])
            db["obligation_dti"].create_index(["code"])
        if "obligation_dti_suggestions" not in db.table_names():
            # the linker's top-ranked sub-indicators, linked or not: the review tool offers them; no count uses them
            db["obligation_dti_suggestions"].create({"obligation_id": str, "code": str, "rank": int, "score": float},
                                                    foreign_keys=[("obligation_id", "obligations", "id")])
            db["obligation_dti_suggestions"].create_index(["obligation_id"])
        if "meta" not in db.table_names():
            db["meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
        from extractor.store.runs import ensure_schema as batch_schema  # WAL; runs, file status, versions, groups

        batch_schema(db)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older database up to SCHEMA_VERSION (additive: indexes and new tables only)."""
        from extractor.store.status import create_tables

        row = self.db.execute("select value from meta where key = 'schema_version'").fetchone()
        if row and int(row[0]) >= SCHEMA_VERSION and "obligation_status" in self.db.table_names():
            return
        self.db.conn.executescript(_V2_INDEXES)
        create_tables(self.db.conn)
        self.db.execute("insert or replace into meta (key, value) values ('schema_version', ?)", [str(SCHEMA_VERSION)])
        self.db.conn.commit()

    # ------------------------------------------------------------------ write
    def save(self, doc: Document) -> list[dict]:
        """Replace this document's rows atomically.  Statuses follow obligations whose text did not
        change; returns those that lost theirs (see :mod:`extractor.store.status`)."""
        from datetime import datetime, timezone

        g = load_gazetteer()
        db = self.db
        conn = db.conn
        with conn:  # one transaction: commit on success, roll back on any error
            old = [r["id"] for r in db.query("select id from documents where id = ? or path = ?", [doc.id, doc.path])]
            for did in old:
                self._delete_document(did)
            self._insert("documents", [{
                "id": doc.id, "path": doc.path, "name": doc.name, "sha256": doc.source.sha256,
                "kind": doc.source.kind, "pages": len(doc.source.pages), "number": doc.meta.number,
                "type": doc.meta.type, "issuer": doc.meta.issuer, "province": doc.meta.province,
                "issued_date": doc.meta.issued_date, "signer": doc.meta.signer, "title": doc.meta.title,
                "addressees": json.dumps(doc.meta.addressees, ensure_ascii=False),
                "unsure": json.dumps(doc.meta.unsure), "n_obligations": len(doc.obligations),
                "processed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "warnings": json.dumps(doc.warnings, ensure_ascii=False),
            }])
            agencies: dict[str, dict] = {}
            obs, links, tgts, dtis, sugs = [], [], [], [], []
            for seq, ob in enumerate(doc.obligations):
                dl = ob.deadline
                obs.append({
                    "id": ob.id, "document_id": doc.id, "seq": seq, "kind": ob.kind, "text": ob.text,
                    "text_folded": fold(ob.text), "section": ob.section, "start": ob.start, "end": ob.end,
                    "source_start": ob.source_start, "source_end": ob.source_end, "source_line": ob.source_line,
                    "page": ob.page, "bbox": json.dumps(ob.bbox) if ob.bbox else None,
                    "deadline_kind": dl.kind if dl else None, "deadline_date": dl.date if dl else None,
                    "deadline_start": dl.start if dl else None, "deadline_every": dl.every if dl else None,
                    "deadline_text": dl.text if dl else None, "deadline_inherited": int(bool(dl and dl.inherited)),
                })
                for a in ob.agencies:
                    aid = a.agency_id or "unknown:" + fold_key(a.canonical).replace(" ", "-")
                    if aid not in agencies:
                        if a.agency_id:
                            ag = g.get(a.agency_id)
                            cur = g.current(ag)
                            agencies[aid] = {"id": aid, "name": ag.name, "type": ag.type, "known": 1,
                                             "successor_id": ag.successor, "successor_from": ag.successor_from,
                                             "current_id": cur.id, "current_name": cur.name}
                        else:
                            agencies[aid] = {"id": aid, "name": a.canonical, "type": "unknown", "known": 0,
                                             "successor_id": None, "successor_from": None, "current_id": aid,
                                             "current_name": a.canonical}
                    links.append({"obligation_id": ob.id, "agency_id": aid, "role": a.role, "as_written": a.as_written,
                                  "canonical": a.canonical, "current": a.current or a.canonical, "known": int(a.known),
                                  "source": a.source, "start": a.start, "end": a.end})
                for t in ob.targets:
                    tgts.append({"obligation_id": ob.id, "text": t.text, "value": t.value, "unit": t.unit, "op": t.op,
                                 "start": t.start, "end": t.end})
                for link in ob.dti:
                    dtis.append({"obligation_id": ob.id, "code": link.code, "rank": link.rank, "score": link.score,
                                 "linker": link.linker, "catalogue_version": link.catalogue_version,
                                 "evidence": json.dumps(link.evidence, ensure_ascii=False)})
                sugs += [{"obligation_id": ob.id, "code": x.code, "rank": x.rank, "score": x.score}
                         for x in ob.dti_suggestions]
            # Plain executemany: sqlite-utils' insert_all commits on its own, which
            # would end this transaction half-way.
            self._insert("agencies", list(agencies.values()), replace=True)
            self._insert("obligations", obs)
            self._insert("obligation_agencies", links)
            self._insert("targets", tgts)
            self._insert("obligation_dti", dtis)
            self._insert("obligation_dti_suggestions", sugs)
            from extractor.store.status import carry_over

            self.last_lost = carry_over(conn, old, doc.id, doc.path)
        return self.last_lost

    def _insert(self, table: str, rows: list[dict], replace: bool = False) -> None:
        if not rows:
            return
        cols = list(rows[0])
        verb = "insert or replace" if replace else "insert"
        sql = f"{verb} into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})"
        self.db.conn.executemany(sql, [[r[c] for c in cols] for r in rows])

    def _delete_document(self, doc_id: str) -> None:
        db = self.db
        ids = "select id from obligations where document_id = ?"
        conn = db.conn
        for table in ("obligation_agencies", "targets", "obligation_dti", "obligation_dti_suggestions"):
            conn.execute(f"delete from {table} where obligation_id in ({ids})", [doc_id])
        conn.execute("delete from obligations where document_id = ?", [doc_id])
        conn.execute("delete from documents where id = ?", [doc_id])

    # ------------------------------------------------------------------ read
    def counts(self) -> dict[str, int]:
        return {t: self.db[t].count for t in ("documents", "obligations", "agencies", "obligation_agencies",
                                               "targets", "obligation_dti")}

    def search(self, text: Optional[str] = None, agency: Optional[str] = None, role: Optional[str] = None,
               indicator: Optional[str] = None, before: Optional[str] = None, after: Optional[str] = None,
               current: bool = True, limit: Optional[int] = 50, **filters: Any):
        """Obligations matching every given filter: a list of row dicts with ``.total`` (all matches),
        ``.agencies`` (what ``agency`` resolved to) and ``.notes``.  See :func:`extractor.store.search.search`
        for every filter (``due_before``, ``overdue``, ``as_of``, ``status``, ``province``, ``offset`` ...)."""
        from extractor.store.search import search

        return search(self, text=text, agency=agency, role=role, indicator=indicator, before=before, after=after,
                      current=current, limit=limit, **filters)

    def document_row(self, doc_id: str) -> Optional[dict[str, Any]]:
        rows = list(self.db.query("select * from documents where id = ?", [doc_id]))
        return dict(rows[0]) if rows else None

    def obligations_of(self, doc_id: str) -> list[dict[str, Any]]:
        """A document's obligations in reading order, each with ``agencies``,
        ``targets``, ``dti`` and ``dti_suggestions`` (rank order) rows attached (for review and export)."""
        obs = [dict(r) for r in self.db.query("select * from obligations where document_id = ? order by seq", [doc_id])]
        by_id = {o["id"]: o for o in obs}
        for o in obs:
            o["bbox"] = json.loads(o["bbox"]) if o["bbox"] else None
            o["agencies"], o["targets"], o["dti"], o["dti_suggestions"] = [], [], [], []
        sub = "select id from obligations where document_id = ?"
        keys = {"obligation_agencies": "agencies", "targets": "targets", "obligation_dti": "dti",
                "obligation_dti_suggestions": "dti_suggestions"}
        for table, order in (("obligation_agencies", "rowid"), ("targets", "rowid"), ("obligation_dti", "rank"),
                             ("obligation_dti_suggestions", "rank")):
            key = keys[table]
            for r in self.db.query(f"select * from {table} where obligation_id in ({sub}) order by {order}", [doc_id]):
                r = dict(r)
                if table == "obligation_dti":
                    r["evidence"] = json.loads(r["evidence"]) if r["evidence"] else {}
                by_id[r["obligation_id"]][key].append(r)
        return obs


def iter_documents(store: Store) -> Iterable[dict]:
    return store.db["documents"].rows
