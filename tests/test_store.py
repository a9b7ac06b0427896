"""SQLite store: replace-on-rerun, atomicity, folded full-text search, agency search."""

import sqlite3

import pytest

from extractor.store import Store
from conftest import ROOT

DOC = ROOT / "corpus" / "000_25c1a683a650bf81.txt"


@pytest.fixture(scope="module")
def doc(pipeline):
    return pipeline.process(DOC)


@pytest.fixture
def store(tmp_path, doc):
    s = Store(tmp_path / "o.db")
    s.save(doc)
    return s


def test_rows_are_written(store, doc):
    c = store.counts()
    assert c["documents"] == 1 and c["obligations"] == len(doc.obligations) > 20
    assert c["obligation_agencies"] >= c["obligations"] and c["targets"] == sum(len(o.targets) for o in doc.obligations) >= 6


def test_rerun_replaces_rows(store, doc):
    before = store.counts()
    store.save(doc)
    store.save(doc)
    assert store.counts() == before


def test_failed_save_keeps_what_was_stored(store, doc, monkeypatch):
    before = store.counts()
    broken = doc
    bad_ob = broken.obligations[3]
    monkeypatch.setattr(bad_ob, "targets", [object()])  # will fail mid-insert
    with pytest.raises(Exception):
        store.save(broken)
    assert store.counts() == before


def test_folded_fulltext_search(store):
    # no diacritics, and Đ/đ folded: "dao tao" finds "đào tạo"
    hits = store.search(text="dao tao")
    assert hits and all("đào tạo" in h["text"].lower() or "dao tao" in h["text_folded"] for h in hits)
    assert store.search(text="dịch vụ công trực tuyến")


def test_agency_search_any_spelling_and_successor(store):
    a = store.search(agency="Sở TT&TT", role="lead")
    b = store.search(agency="so thong tin va truyen thong", role="lead")
    assert a and [r["id"] for r in a] == [r["id"] for r in b]
    # obligations given to Sở TT&TT in 2023 are today's Sở KH&CN tasks
    now = {r["id"] for r in store.search(agency="Sở KH&CN", role="lead")}
    assert {r["id"] for r in a} <= now
    assert not {r["id"] for r in a} & {r["id"] for r in store.search(agency="Sở KH&CN", role="lead", current=False)}


def test_deadline_filters(store):
    rows = store.search(before="2023-09-30")
    assert rows and all(r["deadline_date"] <= "2023-09-30" for r in rows)
    # due on or after the date; open-ended "từ ngày ..." tasks go on after any date
    assert all(r["deadline_kind"] == "from" or r["due"] >= "2023-12-01" for r in store.search(after="2023-12-01"))


def test_schema_is_plain_sqlite(store):
    con = sqlite3.connect(store.path)
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {"documents", "obligations", "agencies", "obligation_agencies", "targets", "obligation_dti",
            "obligations_fts"} <= tables


def test_suggestions_are_stored_apart_from_links_and_replaced_on_rerun(tmp_path, doc):
    import copy

    from extractor.model import DtiLink

    d = copy.deepcopy(doc)
    ob = d.obligations[0]
    ob.dti = []  # the linker abstained ...
    ob.dti_suggestions = [DtiLink(code=c, score=s, rank=i) for i, (c, s) in enumerate([("6.3", 0.8), ("6.8", 0.6), ("8.1", 0.4)], 1)]
    s = Store(tmp_path / "s.db")
    s.save(d)
    s.save(d)
    got = next(o for o in s.obligations_of(d.id) if o["id"] == ob.id)
    assert got["dti"] == [] and [x["code"] for x in got["dti_suggestions"]] == ["6.3", "6.8", "8.1"]
    assert s.db["obligation_dti_suggestions"].count == sum(len(o.dti_suggestions) for o in d.obligations)
    # ... and a suggestion is no link: an indicator search does not find it
    assert not [r for r in s.search(indicator="6.3") if r["id"] == ob.id]
