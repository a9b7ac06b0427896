"""The query engine behind ``Store.search`` and ``extractor search`` / ``extractor export``.

Filters combine (AND).  ``agency`` is resolved through the gazetteer first (every variant and
abbreviation it knows: "Sở TT&TT", "STTTT", "so thong tin va truyen thong"), then, for a partial name,
by folded words against every agency name and variant, the gazetteer's and the unknown ones stored in
the database ("Thông tin và Truyền thông", "so thong tin", "TTTT").  A partial query that names several
agencies is settled by ``models/agency_search.json`` or reported as ambiguous (``result.notes``).  With
``current`` (the default) today's agency also finds what its predecessors were given (rows marked
``inherited``).

Deadlines: ``date``/``year``/``period`` obligations are due on their date; ``recurring`` ones on their
next occurrence on or after ``as_of`` (end of the year/quarter/month/week, or the anniversary of a
stated date); ``from`` ones are open-ended (never due, never overdue, always "after").  ``overdue`` is
a due date before ``as_of`` and a status that is not finished.

Ordering is stable: due date (undated last), then document (issue date, name), then document order.
All filtering, counting and paging run in SQLite on indexed columns, so a query over 100,000
obligations answers in a few milliseconds (``extractor bench search``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Optional

from extractor.i18n import _
from extractor.nlp.agencies import load_gazetteer
from extractor.options import OptionError, add_months, check_choice, parse_date, parse_within
from extractor.paths import MODELS_DIR
from extractor.textutil import fold, fold_key

ROLES = ("lead", "support", "any")


class SearchResult(list):
    """The page of rows asked for, plus ``total`` (every match), ``agencies`` (what the agency query
    resolved to: ``[{"id", "name", "obligations"}]``), ``ambiguous`` and ``notes`` (one line each)."""

    def __init__(self, rows=(), total: int = 0, agencies=None, ambiguous: bool = False, notes=None, query=None):
        super().__init__(rows)
        self.total = total
        self.agencies = agencies or []
        self.ambiguous = ambiguous
        self.notes = notes or []
        self.query = query or {}

    def to_dict(self) -> dict:
        return {"total": self.total, "count": len(self), "query": self.query, "agencies": self.agencies,
                "ambiguous": self.ambiguous, "notes": self.notes, "rows": list(self)}


# ----------------------------------------------------------------------------- agencies

@lru_cache(maxsize=1)
def _policy() -> dict:
    return json.loads((MODELS_DIR / "agency_search.json").read_text(encoding="utf-8"))


@dataclass
class AgencyMatch:
    ids: set[str] = field(default_factory=set)  # agencies the query names
    names: dict[str, str] = field(default_factory=dict)  # id -> name
    also: list[str] = field(default_factory=list)  # other candidates set aside by the policy
    ambiguous: bool = False
    how: str = ""  # gazetteer | name | words


def _words(s: str) -> list[str]:
    ignore = set(_policy()["ignore_words"])
    return [w for w in fold_key(s).split() if w not in ignore]


def resolve_agency(conn, query: str) -> AgencyMatch:
    """The agency ids ``query`` names (gazetteer first, then partial folded names)."""
    g = load_gazetteer()
    a = g.resolve(query)
    if a:
        return AgencyMatch({a.id}, {a.id: a.name}, how="gazetteer")
    names: dict[str, tuple[str, str, list[str]]] = {}  # id -> (name, type, spellings)
    for ag in g.agencies.values():
        names[ag.id] = (ag.name, ag.type, [ag.name, *ag.variants, *ag.weak])
    for aid, name, typ in conn.execute("select id, name, type from agencies where known = 0"):
        names[aid] = (name, typ or "unknown", [name])
    q = fold_key(query)
    qw = _words(query)
    if not q or not qw:
        return AgencyMatch()
    phrase, words = set(), set()
    qset = set(qw)
    for aid, (_n, _t, spellings) in names.items():
        for sp in spellings:
            k = fold_key(sp.replace("{P}", " "))
            if re.search(r"(?<!\w)" + re.escape(q) + r"(?!\w)", k):
                phrase.add(aid)
            elif qset <= set(_words(sp.replace("{P}", " "))):
                words.add(aid)
    cands = phrase or words
    how = "name" if phrase else "words"
    if not cands:
        return AgencyMatch()
    if len(cands) > 1:
        order = _policy()["prefer_types"]
        ranked = sorted((order.index(names[c][1]), c) for c in cands if names[c][1] in order)
        preferred = [c for r, c in ranked if r == ranked[0][0]] if ranked else []
        # successors of one another are one agency over time, not an ambiguity
        cur = {g.current(g.get(c)).id if c in g.agencies else c for c in cands}
        if len(preferred) == 1 and len(cur) > 1:
            pick = preferred[0]
            return AgencyMatch({pick}, {pick: names[pick][0]}, also=sorted(names[c][0] for c in cands - {pick}),
                               how=how)
        return AgencyMatch(set(cands), {c: names[c][0] for c in cands}, ambiguous=len(cur) > 1, how=how)
    c = next(iter(cands))
    return AgencyMatch({c}, {c: names[c][0]}, how=how)


# ----------------------------------------------------------------------------- deadlines

def next_occurrence(every: Optional[str], as_of: str, anchor: Optional[str] = None) -> Optional[str]:
    """Next due date of a recurring obligation on or after ``as_of``: the end of the current
    year/quarter/month/week, or (with ``anchor``, a stated date) its next anniversary in that period."""
    d = date.fromisoformat(as_of)
    every = every or "unspecified"
    if anchor:
        a = date.fromisoformat(anchor)
        if a >= d:
            return a.isoformat()
        step = {"year": 12, "quarter": 3, "month": 1}.get(every)
        if every == "week":
            return (a + timedelta(weeks=-(-(d - a).days // 7))).isoformat()
        if step is None:
            step = 12
        k = ((d.year - a.year) * 12 + d.month - a.month) // step
        nxt = add_months(a, k * step)
        while nxt < d:
            k += 1
            nxt = add_months(a, k * step)
        return nxt.isoformat()
    if every == "year":
        return f"{d.year}-12-31"
    if every == "quarter":
        q_end = add_months(date(d.year, ((d.month - 1) // 3) * 3 + 1, 1), 3) - timedelta(days=1)
        return q_end.isoformat()
    if every == "month":
        return (add_months(date(d.year, d.month, 1), 1) - timedelta(days=1)).isoformat()
    if every == "week":
        return (d + timedelta(days=6 - d.weekday())).isoformat()
    return None  # "định kỳ" with no period: no date to be due on


def _due_sql(as_of: str) -> tuple[str, list]:
    """SQL for an obligation's due date as of ``as_of`` (NULL: undated or open-ended), and its parameters."""
    cases, params = [], [as_of]
    for every in ("year", "quarter", "month", "week"):
        cases.append(f"when '{every}' then ?")
        params.append(next_occurrence(every, as_of))
    return ("(case o.deadline_kind when 'from' then null when 'recurring' then (case when o.deadline_date is not null "
            "then next_occurrence(o.deadline_every, ?, o.deadline_date) else (case o.deadline_every "
            + " ".join(cases) + " else null end) end) else o.deadline_date end)"), params


def _register(conn) -> None:
    conn.create_function("next_occurrence", 3, next_occurrence, deterministic=True)


# ----------------------------------------------------------------------------- search

def _location(r: dict) -> str:
    if r.get("page") and r.get("document_kind") not in ("text", "markdown"):
        return f"tr. {r['page']}"
    if r.get("source_line"):
        return f"dòng {r['source_line']}"
    return ""


def search(store, text: Optional[str] = None, agency: Optional[str] = None, role: Optional[str] = None,
           indicator: Optional[str] = None, framework: Optional[str] = None,
           due_before: Optional[str] = None, due_after: Optional[str] = None, due_within: Optional[str] = None,
           overdue: bool = False, as_of: Optional[str] = None, status: Optional[str] = None,
           doc: Optional[str] = None, province: Optional[str] = None, type: Optional[str] = None,
           current: bool = True, limit: Optional[int] = 50, offset: int = 0,
           before: Optional[str] = None, after: Optional[str] = None, once: bool = True) -> SearchResult:
    """Obligations matching every given filter (see the module docstring); ``limit=None`` for all.
    ``before``/``after`` are the older names of ``due_before``/``due_after``.  Bad values raise
    :class:`~extractor.options.OptionError` before the database is read."""
    # ---- check every option first
    as_of = parse_date(as_of, "--as-of") or date.today().isoformat()
    due_before = parse_date(due_before or before, "--due-before")
    due_after = parse_date(due_after or after, "--due-after")
    within = parse_within(due_within, as_of)
    role = check_choice(role, ROLES, "--role")
    if role == "any":
        role = None
    from extractor.store import status as st

    statuses = [st.normalise(s) for s in re.split(r"\s*,\s*", status)] if status else []
    if indicator and not re.fullmatch(r"\d+(\.\d+)?", indicator.strip()):
        raise OptionError(_("--indicator: {value!r} is not a DTI code (e.g. 6.12, or 6 for a main index)")
                          .format(value=indicator))
    if limit is not None and limit < 0 or offset < 0:
        raise OptionError(_("--limit and --offset must not be negative"))
    fw_like = None
    if framework:
        from extractor.link.catalogue import load_catalogue
        from extractor.options import check_framework

        check_framework(framework)
        fw_like = load_catalogue(framework).name + "@%"

    conn = store.db.conn
    _register(conn)
    query = {k: v for k, v in dict(text=text, agency=agency, role=role, indicator=indicator, framework=framework,
                                   due_before=due_before, due_after=due_after, due_within=due_within,
                                   overdue=overdue or None, as_of=as_of, status=status, doc=doc, province=province,
                                   type=type, current=current).items() if v is not None}
    where: list[str] = []
    params: list[Any] = []
    due_sql, due_params = _due_sql(as_of)
    notes: list[str] = []
    matched_agencies: list[dict] = []
    ambiguous = False
    direct: set[str] = set()
    wanted: set[str] = set()
    driver: Optional[tuple[str, list]] = None  # the count of a lone text or agency filter, on its own index

    if text:
        # a phrase query on the folded column: "dao tao" finds "đào tạo", not "tạo ... đào"
        q = '"' + " ".join(re.findall(r"\w+", fold(text))) + '"'
        where.append("o.rowid in (select rowid from obligations_fts where obligations_fts match ?)")
        params.append(f"text_folded : ({q})" if q != '""' else '""')
        driver = ("select count(*) from obligations_fts where obligations_fts match ?", [params[-1]])
    if agency:
        m = resolve_agency(conn, agency)
        if not m.ids:
            notes.append(_("no agency matches {query!r}").format(query=agency))
            return SearchResult([], 0, [], False, notes, query)
        direct = m.ids
        rows = conn.execute("select id, name, current_id from agencies").fetchall()
        wanted = {r[0] for r in rows if r[0] in m.ids or (current and r[2] in m.ids)}
        if not wanted:
            wanted = set(m.ids)
        ambiguous = m.ambiguous
        if m.ambiguous:
            notes.append(_("{query!r} matches several agencies: {names}; searched them all (give a fuller name to "
                           "choose one)").format(query=agency, names="; ".join(sorted(m.names.values()))))
        if m.also:
            notes.append(_("{query!r} read as {name} (also fits: {others})")
                         .format(query=agency, name="; ".join(m.names.values()), others="; ".join(m.also)))
        ph = ",".join("?" * len(wanted))
        role_sql = " and role = ?" if role else ""
        where.append(f"o.id in (select obligation_id from obligation_agencies where agency_id in ({ph}){role_sql})")
        params += sorted(wanted) + ([role] if role else [])
        driver = (f"select count(distinct obligation_id) from obligation_agencies where agency_id in ({ph}){role_sql}",
                  sorted(wanted) + ([role] if role else []))
        names = {r[0]: r[1] for r in rows}
        counts = dict(conn.execute(f"select agency_id, count(distinct obligation_id) from obligation_agencies "
                                   f"where agency_id in ({ph}){role_sql} group by agency_id",
                                   sorted(wanted) + ([role] if role else [])).fetchall())
        matched_agencies = [{"id": a, "name": names.get(a) or m.names.get(a, a), "obligations": counts.get(a, 0),
                             "inherited": a not in m.ids} for a in sorted(wanted, key=lambda x: -counts.get(x, 0))]
    elif role:
        where.append("o.id in (select obligation_id from obligation_agencies where role = ?)")
        params.append(role)
    if indicator or fw_like:
        sub, sp = [], []
        ind = (indicator or "").strip()
        if ind and "." in ind:
            sub.append("code = ?")
            sp.append(ind)
        elif ind:
            sub.append("code >= ? and code < ?")  # a main index: its codes "6.1" .. "6.99", on the code index
            sp += [ind + ".", ind + "/"]
        if fw_like:
            sub.append("catalogue_version like ?")
            sp.append(fw_like)
        where.append("o.id in (select obligation_id from obligation_dti where " + " and ".join(sub) + ")")
        params += sp
    if statuses:
        where.append(_status_sql(statuses))
        params += _status_params(statuses)
    if overdue:  # finished tasks are never overdue
        unfinished = [c for c in st.statuses() if c not in st.finished_codes()]
        where.append(_status_sql(unfinished))
        params += _status_params(unfinished)
    if once:  # a letter stored as .txt, PDF and scan lists its tasks once, from its primary form
        from extractor.store.groups import SECONDARY_SQL

        where.append(f"o.document_id not in ({SECONDARY_SQL})")
    doc_ids = _documents(conn, doc=doc, province=province, type=type)
    if doc_ids is not None:
        if not doc_ids:
            notes.append(_("no document matches the --doc/--province/--type given"))
            return SearchResult([], 0, matched_agencies, ambiguous, notes, query)
        where.append(f"o.document_id in ({','.join('?' * len(doc_ids))})")
        params += doc_ids
    # ---- deadlines, on the due date as of as_of
    if overdue:
        c, p = _due_cond("<", as_of, as_of)
        where.append(c)
        params += p
    if due_before:
        c, p = _due_cond("<=", due_before, as_of)
        where.append(c)
        params += p
    if within:
        c, p = _due_cond(">=", as_of, as_of)
        c2, p2 = _due_cond("<=", within, as_of)
        where += [c, c2]
        params += p + p2
    if due_after:
        c, p = _due_cond(">=", due_after, as_of)
        where.append(f"(o.deadline_kind = 'from' or {c})")
        params += p

    # count and page on the obligations table alone (document filters are a list of ids): the sorter
    # carries only rowids and sort keys; full rows are read for the page
    wsql = (" where " + " and ".join(where)) if where else ""
    if len(where) == 1 and driver is not None:  # one filter: count on its own index (the FTS or the link table)
        total = conn.execute(driver[0], driver[1]).fetchone()[0]
    else:
        total = conn.execute("select count(*) from obligations o" + wsql, params).fetchone()[0]
    sql = (f"select o.rowid, {due_sql} as due from obligations o join documents d on d.id = o.document_id" + wsql
           + " order by due is null, due, d.issued_date, d.name, o.seq")
    sql_params = due_params + params
    if limit is not None:
        sql += " limit ? offset ?"
        sql_params += [limit, offset]
    elif offset:
        sql += " limit -1 offset ?"
        sql_params += [offset]
    page = conn.execute(sql, sql_params).fetchall()
    out = _rows(conn, [r[0] for r in page], {r[0]: r[1] for r in page})
    _attach(conn, out, direct, wanted, role)
    return SearchResult(out, total, matched_agencies, ambiguous, notes, query)


def _status_sql(codes: list[str]) -> str:
    """Obligations whose status (the default when never set) is one of ``codes``, on the small status table."""
    from extractor.store import status as st

    if st.DEFAULT_STATUS in codes:
        others = [c for c in st.statuses() if c not in codes]
        if not others:
            return "1"
        return f"o.rowid not in ({_STATUS_ROWIDS.format(ph=','.join('?' * len(others)))})"
    return f"o.rowid in ({_STATUS_ROWIDS.format(ph=','.join('?' * len(codes)))})"


# rowids, not ids: testing o.rowid needs no read of the obligation row
_STATUS_ROWIDS = ("select x.rowid from obligation_status s join obligations x on x.id = s.obligation_id "
                  "where s.status in ({ph})")


def _status_params(codes: list[str]) -> list[str]:
    from extractor.store import status as st

    if st.DEFAULT_STATUS in codes:
        return [c for c in st.statuses() if c not in codes]
    return list(codes)


def _due_cond(op: str, value: str, as_of: str) -> tuple[str, list]:
    """``due <op> value`` written so SQLite can use the (deadline_kind, deadline_date) index: dated kinds
    compare their date; an unanchored recurring task's due date is a constant per period; anchored ones
    (rare) go through ``next_occurrence``."""
    fixed = [e for e in ("year", "quarter", "month", "week") if _cmp(next_occurrence(e, as_of), op, value)]
    parts = [f"(o.deadline_kind in ('date', 'year', 'period') and o.deadline_date {op} ?)"]
    params: list[Any] = [value]
    if fixed:
        parts.append(f"(o.deadline_kind = 'recurring' and o.deadline_date is null and o.deadline_every in "
                     f"({','.join('?' * len(fixed))}))")
        params += fixed
    parts.append(f"(o.deadline_kind = 'recurring' and o.deadline_date is not null and "
                 f"next_occurrence(o.deadline_every, ?, o.deadline_date) {op} ?)")
    params += [as_of, value]
    return "(" + " or ".join(parts) + ")", params


def _cmp(a: Optional[str], op: str, b: str) -> bool:
    if a is None:
        return False
    return {"<": a < b, "<=": a <= b, ">=": a >= b, ">": a > b}[op]


def _rows(conn, rowids: list[int], due: dict[int, Optional[str]]) -> list[dict]:
    """Full rows (with their document's fields) for ``rowids``, in that order."""
    if not rowids:
        return []
    cur = conn.execute(
        "select o.rowid as _rowid, o.*, d.name as document, d.number as document_number, d.issued_date as "
        "document_date, d.type as document_type, d.province as province, d.path as document_path, "
        "d.kind as document_kind from obligations o join documents d on d.id = o.document_id "
        f"where o.rowid in ({','.join('?' * len(rowids))})", rowids)
    cols = [c[0] for c in cur.description]
    by = {}
    for r in cur.fetchall():
        d = dict(zip(cols, r))
        rid = d.pop("_rowid")
        d["due"] = due.get(rid)
        by[rid] = d
    return [by[r] for r in rowids if r in by]


def _documents(conn, doc: Optional[str], province: Optional[str], type: Optional[str]) -> Optional[list[str]]:
    """Ids of documents matching ``doc`` (id or its prefix, file name, path, number, or words of the
    title), ``province`` (any spelling, Đăk = Đắk) and ``type``; None when none of them is given."""
    if not (doc or province or type):
        return None
    rows = conn.execute("select id, path, name, number, province, type, title from documents").fetchall()
    keep = []
    pk = None
    if province:
        g = load_gazetteer()
        p = g.provinces.get(fold(province.strip())) or g.provinces.get(fold_key(province))
        pk = {fold_key(n) for n in ([p["name"], *p.get("variants", [])] if p else [province])}
    for did, path, name, number, prov, typ, title in rows:
        if doc:
            d = doc.strip()
            dk = fold_key(d)
            if not (did.startswith(d) or d in (path, name) or path.endswith("/" + d)
                    or (number and fold_key(number) == dk) or (title and dk and dk in fold_key(title))
                    or fold_key(name).startswith(dk)):
                continue
        if province and fold_key(prov or "") not in pk:
            continue
        if type and fold_key(typ or "") != fold_key(type):
            continue
        keep.append(did)
    return keep


def _attach(conn, rows: list[dict], direct: set[str], wanted: set[str] = frozenset(), role: Optional[str] = None) -> None:
    """Agencies, DTI codes, targets and status of the page rows, a few queries for the whole page."""
    from extractor.store import status as st

    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r.update(lead=[], support=[], lead_current=[], dti=[], targets=[], agency_ids=[], status=st.DEFAULT_STATUS)
        r["bbox"] = json.loads(r["bbox"]) if r.get("bbox") else None
        r["location"] = _location(r)
    ids = list(by_id)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        ph = ",".join("?" * len(chunk))
        for oid, role, canon, current, aid in conn.execute(
                f"select obligation_id, role, canonical, current, agency_id from obligation_agencies "
                f"where obligation_id in ({ph}) order by rowid", chunk):
            r = by_id[oid]
            r[role].append(canon)
            r["agency_ids"].append(aid)
            r.setdefault("_links", []).append((aid, role))
            if role == "lead":
                r["lead_current"].append(current or canon)
        for oid, code in conn.execute(f"select obligation_id, code from obligation_dti where obligation_id in ({ph}) "
                                      f"order by rank", chunk):
            by_id[oid]["dti"].append(code)
        for oid, text in conn.execute(f"select obligation_id, text from targets where obligation_id in ({ph}) "
                                      f"order by rowid", chunk):
            by_id[oid]["targets"].append(text)
        for oid, code, note, at in conn.execute(f"select obligation_id, status, note, updated_at from obligation_status "
                                                f"where obligation_id in ({ph})", chunk):
            by_id[oid].update(status=code, status_note=note, status_at=at)
    for r in rows:
        r["status_label"] = st.label(r["status"])
        # inherited: matched only through a predecessor (in the role asked for)
        hits = [a for a, rl in r.pop("_links", []) if a in wanted and (role is None or rl == role)]
        r["inherited"] = bool(direct) and bool(hits) and not (set(hits) & direct)
