"""Status with history; it survives re-runs, and a re-run says which statuses it could not keep."""

import pytest

from extractor.options import OptionError
from extractor.store import Store
from extractor.store.status import get_status, normalise, set_status
from conftest import ROOT

DOC = ROOT / "corpus" / "004_12b40cbffe6def15.txt"


@pytest.fixture
def saved(tmp_path, pipeline):
    src = tmp_path / DOC.name
    src.write_text(DOC.read_text(encoding="utf-8"), encoding="utf-8")
    store = Store(tmp_path / "o.db")
    doc = pipeline.process(src)
    store.save(doc)
    return store, src, doc


def test_set_status_with_history(saved):
    store, _, doc = saved
    oid = doc.obligations[2].id
    assert get_status(store, oid)["status"] == "todo" and get_status(store, oid)["label"] == "Chưa thực hiện"
    set_status(store, oid, "đang thực hiện", note="đã giao", at="2024-01-05")
    rec = set_status(store, oid, "hoan thanh", note="xong", at="2024-03-01")
    assert rec["status"] == "done" and rec["label"] == "Hoàn thành" and rec["note"] == "xong"
    assert [(h["status"], h["at"]) for h in rec["history"]] == [("doing", "2024-01-05"), ("done", "2024-03-01")]
    with pytest.raises(OptionError, match="no obligation"):
        set_status(store, "nope", "done")
    with pytest.raises(OptionError, match="unknown status"):
        normalise("maybe")


def test_status_survives_rerun_of_unchanged_document(saved, pipeline):
    store, src, doc = saved
    oid = doc.obligations[1].id
    set_status(store, oid, "done", note="ok")
    lost = store.save(pipeline.process(src))
    assert lost == []
    assert get_status(store, oid)["status"] == "done"
    assert [r["id"] for r in store.search(status="done")] == [oid]


def test_changed_document_keeps_unchanged_obligations_and_reports_the_rest(saved, pipeline):
    store, src, doc = saved
    keep, change = doc.obligations[1], doc.obligations[3]
    set_status(store, keep.id, "done")
    set_status(store, change.id, "doing", note="một phần")
    text = src.read_text(encoding="utf-8")
    assert change.text[:40] in text
    src.write_text(text.replace(change.text[:40], change.text[:40] + " và cập nhật", 1), encoding="utf-8")
    doc2 = pipeline.process(src)
    assert doc2.id != doc.id  # a new file hash: every id is new
    lost = store.save(doc2)
    new_keep = next(o for o in doc2.obligations if o.text == keep.text)
    assert new_keep.id != keep.id and get_status(store, new_keep.id)["status"] == "done"
    assert get_status(store, new_keep.id)["history"][0]["status"] == "done"
    assert [x["id"] for x in lost] == [change.id] and lost[0]["status"] == "doing"
    assert get_status(store, change.id)["lost_at"]
