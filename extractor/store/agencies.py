"""Agency registry: what the database knows about who is given tasks.

:func:`registry` lists today's agencies (gazetteer successors followed) with their former names, the
spellings the gazetteer accepts and the spellings met in the documents, the provinces of the documents
that name them, and how many obligations they lead or support (their predecessors' included).
:func:`unknown_agencies` lists the agency-like names the gazetteer does not know yet, with counts,
so it can grow (``models/agencies.json``).
"""

from __future__ import annotations

from collections import defaultdict
from extractor.nlp.agencies import load_gazetteer


def registry(store, include_unused: bool = False) -> list[dict]:
    """One entry per agency in charge today: ``id``, ``name``, ``type``, ``former`` (names of the agencies
    it took over), ``variants`` (gazetteer spellings), ``as_written`` (spellings in the documents),
    ``provinces``, ``lead``, ``support`` (distinct obligations).  Most tasks first."""
    g = load_gazetteer()
    conn = store.db.conn
    lead: dict[str, set] = defaultdict(set)
    support: dict[str, set] = defaultdict(set)
    written: dict[str, set] = defaultdict(set)
    provinces: dict[str, set] = defaultdict(set)
    for aid, role, oid, aw, prov in conn.execute(
            "select oa.agency_id, oa.role, oa.obligation_id, oa.as_written, d.province from obligation_agencies oa "
            "join obligations o on o.id = oa.obligation_id join documents d on d.id = o.document_id "
            "where oa.known = 1"):
        if aid not in g.agencies:
            continue
        cur = g.current(g.get(aid)).id
        (lead if role == "lead" else support)[cur].add(oid)
        if aw:
            written[cur].add(aw)
        if prov:
            provinces[cur].add(prov)
    former: dict[str, list[str]] = defaultdict(list)
    for a in g.agencies.values():
        c = g.current(a)
        if c.id != a.id:
            former[c.id].append(a.name)
    out = []
    for a in g.agencies.values():
        if g.current(a).id != a.id:
            continue  # listed under its successor
        n_lead, n_sup = len(lead[a.id]), len(support[a.id])
        if not include_unused and not (n_lead or n_sup):
            continue
        out.append({"id": a.id, "name": a.name, "type": a.type, "former": sorted(former[a.id]),
                    "variants": [v for v in a.variants if v != a.name], "as_written": sorted(written[a.id]),
                    "provinces": sorted(provinces[a.id]), "lead": n_lead, "support": n_sup})
    out.sort(key=lambda r: (-(r["lead"] + r["support"]), r["name"]))
    return out


def unknown_agencies(store, min_count: int = 1) -> list[dict]:
    """Agency-like names stored with ``known = 0``: ``name``, spellings met, ``lead``/``support`` counts,
    ``documents``; most frequent first."""
    conn = store.db.conn
    rows: dict[str, dict] = {}
    for aid, name, role, aw, doc in conn.execute(
            "select a.id, a.name, oa.role, oa.as_written, d.name from agencies a "
            "join obligation_agencies oa on oa.agency_id = a.id join obligations o on o.id = oa.obligation_id "
            "join documents d on d.id = o.document_id where a.known = 0"):
        r = rows.setdefault(aid, {"id": aid, "name": name, "as_written": set(), "lead": 0, "support": 0,
                                  "documents": set()})
        r[role if role in ("lead", "support") else "support"] += 1
        if aw:
            r["as_written"].add(aw)
        r["documents"].add(doc)
    out = [{**r, "as_written": sorted(r["as_written"]), "documents": sorted(r["documents"])} for r in rows.values()
           if r["lead"] + r["support"] >= min_count]
    out.sort(key=lambda r: (-(r["lead"] + r["support"]), r["name"]))
    return out


def agencies(store, unknown: bool = False, include_unused: bool = False) -> list[dict]:
    """What ``extractor agencies`` prints: the registry, or (``unknown``) the names to add to it."""
    return unknown_agencies(store) if unknown else registry(store, include_unused=include_unused)
