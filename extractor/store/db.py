"""SQLite store (sqlite-utils): documents, obligations, agencies, links.

Saving a document replaces all rows of the same document (same content hash
or same path) inside one transaction: a re-run never duplicates rows, and a
failure leaves what was stored before untouched.  Obligation text is indexed
with FTS5 twice: as written and folded (no diacritics, đ->d), because
SQLite's ``remove_diacritics`` never folds Đ/đ; queries are folded the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Optional

import sqlite_utils

from extractor.nlp.agencies import load_gazetteer
from extractor.model import Document
from extractor.textutil import fold, fold_key

SCHEMA_VERSION = 1


class Store:
    def __init__(self, path: str | Path = "outputs/obligations.db"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA foreign_keys = ON")
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
        if "meta" not in db.table_names():
            db["meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
        from extractor.batch.runs import ensure_schema as batch_schema  # WAL; runs, file status, versions, groups

        batch_schema(db)

    # ------------------------------------------------------------------ write
    def save(self, doc: Document) -> None:
        """Replace this document's rows atomically."""
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
            obs, links, tgts, dtis = [], [], [], []
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
            # Plain executemany: sqlite-utils' insert_all commits on its own, which
            # would end this transaction half-way.
            self._insert("agencies", list(agencies.values()), replace=True)
            self._insert("obligations", obs)
            self._insert("obligation_agencies", links)
            self._insert("targets", tgts)
            self._insert("obligation_dti", dtis)

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
        for table in ("obligation_agencies", "targets", "obligation_dti"):
            conn.execute(f"delete from {table} where obligation_id in ({ids})", [doc_id])
        conn.execute("delete from obligations where document_id = ?", [doc_id])
        conn.execute("delete from documents where id = ?", [doc_id])

    # ------------------------------------------------------------------ read
    def counts(self) -> dict[str, int]:
        return {t: self.db[t].count for t in ("documents", "obligations", "agencies", "obligation_agencies",
                                               "targets", "obligation_dti")}

    def search(self, text: Optional[str] = None, agency: Optional[str] = None, role: Optional[str] = None,
               indicator: Optional[str] = None, before: Optional[str] = None, after: Optional[str] = None,
               current: bool = True, limit: int = 50, once: bool = True) -> list[dict[str, Any]]:
        """Obligations matching every given filter.

        ``agency`` matches the name as written, canonical or (with ``current``)
        today's successor, case- and diacritic-insensitively, so "so tt&tt" finds
        "Sở Thông tin và Truyền thông" and "Sở Khoa học và Công nghệ" finds the
        tasks it inherited from it.  ``once``: a letter stored in several forms (.txt, PDF,
        scan; see ``extractor.store.groups``) lists its tasks once, from its primary form.
        """
        where, params = [], []
        if text:
            # a phrase query on the folded column: "dao tao" finds "đào tạo", not "tạo ... đào"
            q = '"' + " ".join(re.findall(r"\w+", fold(text))) + '"'
            where.append("o.rowid in (select rowid from obligations_fts where obligations_fts match ?)")
            params.append(f"text_folded : ({q})" if q else '""')
        if agency:
            g = load_gazetteer()
            a = g.resolve(agency)
            names = {fold_key(agency)}
            if a:
                names.add(fold_key(a.name))
            cols = ["canonical", "as_written"] + (["current"] if current else [])
            rows = self.db.query("select distinct canonical, as_written, current from obligation_agencies")
            wanted = set()
            for r in rows:
                for c in cols:
                    if r[c] and fold_key(r[c]) in names:
                        wanted.add(r[c])
            if not wanted:
                return []
            role_sql = " and oa.role = ?" if role else ""
            ph = ",".join("?" * len(wanted))
            where.append("o.id in (select oa.obligation_id from obligation_agencies oa where ("
                         + " or ".join(f"oa.{c} in ({ph})" for c in cols) + f"){role_sql})")
            for _ in cols:
                params.extend(sorted(wanted))
            if role:
                params.append(role)
        if indicator:
            where.append("o.id in (select obligation_id from obligation_dti where code = ?)")
            params.append(indicator)
        if once:
            from extractor.store.groups import SECONDARY_SQL

            where.append(f"o.document_id not in ({SECONDARY_SQL})")
        if before:
            where.append("o.deadline_date is not null and o.deadline_date <= ?")
            params.append(before)
        if after:
            where.append("coalesce(o.deadline_date, o.deadline_start) >= ?")
            params.append(after)
        sql = ("select o.*, d.name as document, d.number as document_number from obligations o "
               "join documents d on d.id = o.document_id")
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by d.name, o.seq limit ?"
        params.append(limit)
        out = [dict(r) for r in self.db.query(sql, params)]
        by_id = {r["id"]: r for r in out}
        for r in out:
            r["lead"], r["support"], r["dti"] = [], [], []
        ids = list(by_id)
        for i in range(0, len(ids), 500):  # agencies and links of all rows in two queries, not three per row
            chunk = ids[i:i + 500]
            ph = ",".join("?" * len(chunk))
            for a in self.db.query(f"select obligation_id, role, canonical from obligation_agencies "
                                   f"where obligation_id in ({ph}) order by rowid", chunk):
                by_id[a["obligation_id"]][a["role"]].append(a["canonical"])
            for d in self.db.query(f"select obligation_id, code from obligation_dti where obligation_id in ({ph}) "
                                   f"order by rank", chunk):
                by_id[d["obligation_id"]]["dti"].append(d["code"])
        return out


def iter_documents(store: Store) -> Iterable[dict]:
    return store.db["documents"].rows
