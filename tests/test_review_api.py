"""Review API: every action, saving (atomic, versioned, history), eval on the saved gold,
agreement and curation, accuracy history, Label Studio round trip."""

import json

import pytest

from extractor.lab.evaluate import evaluate
from extractor.review import labelstudio
from extractor.review.accuracy import accuracy
from extractor.review.agreement import cohen_kappa
from extractor.review.curate import curation, resolve
from extractor.review.files import ReviewError, StaleVersion
from review_fixtures import MISSED, build


@pytest.fixture
def env(tmp_path):
    review, docs = build(tmp_path)
    return review, docs, tmp_path


def _doc_id(review, name):
    return next(d["id"] for d in review.documents() if d["name"] == name)


def _unit(state, startswith):
    return next(u for u in state["units"] if u["text"].startswith(startswith))


def test_documents_page_data(env):
    review, docs, _ = env
    rows = review.documents()
    assert [r["name"] for r in rows] == ["bl_congvan.txt", "hg_kehoach.txt"]
    hg = rows[1]
    assert hg["type"] == "Kế hoạch" and hg["number"] == "123/KH-UBND" and hg["reviewed"] == 0
    assert hg["total"] == len(docs["hg_kehoach.txt"].obligations) and hg["scores"] is None
    assert review.documents(filter="reviewed") == []
    with pytest.raises(ReviewError):
        review.documents(sort="random")


def test_load_has_spans_and_suggestions(env):
    review, _, _ = env
    st = review.load(_doc_id(review, "hg_kehoach.txt"))
    u = _unit(st, "Sở Thông tin")
    labels = {(s["label"], s["role"]) for s in u["spans"]}
    assert ("agency", "lead") in labels and ("agency", "support") in labels
    assert ("target", None) in labels and ("deadline", None) in labels
    assert 1 <= len(u["suggestions"]) <= 5 and all(s["terms"] is not None for s in u["suggestions"])
    # the linker's stored top-3 ranking is offered, after its links and before the lexical fill
    pred = next(o for o in review.predictions(st["doc_id"])["obligations"] if o["id"] == u["pred_id"])
    assert len(pred["ranked"]) == 3
    offered = [s["code"] for s in u["suggestions"]]
    assert all(r["code"] in offered for r in pred["ranked"])
    assert [s["source"] for s in u["suggestions"]] == sorted(
        (s["source"] for s in u["suggestions"]), key=["pipeline", "ranked", "lexical"].index)
    text = review.source(st["doc_id"])["text"]
    assert text[u["start"]:u["end"]].startswith("Sở Thông tin và Truyền thông chủ trì")


def test_actions_save_and_eval(env):
    """Accept one, fix the lead of another, reject a third, add a missed one, save: the gold file
    holds exactly those changes and `eval` on it reflects them."""
    review, docs, root = env
    doc_id = _doc_id(review, "hg_kehoach.txt")
    st = review.load(doc_id)
    n = len(st["units"])
    text = review.source(doc_id)["text"]
    acc = _unit(st, "Sở Thông tin")
    st = review.apply(st, {"op": "accept", "uid": acc["uid"]}, "Lan")
    fix = _unit(st, "Công an tỉnh")
    st = review.apply(st, {"op": "edit", "uid": fix["uid"], "fields": {"lead": ["Sở Khoa học và Công nghệ"]}}, "Lan")
    bad = _unit(st, "Đôn đốc thực hiện Kế hoạch này")
    st = review.apply(st, {"op": "reject", "uid": bad["uid"]}, "Lan")
    i = text.index(MISSED)
    st = review.apply(st, {"op": "add", "start": i, "end": i + len(MISSED)}, "Lan")
    added = _unit(st, MISSED[:20])
    assert added["status"] == "added" and added["pred_id"] is None
    st = review.apply(st, {"op": "edit", "uid": added["uid"], "fields": {"lead": ["Sở Giáo dục và Đào tạo"]}}, "Lan")
    saved = review.save(st, "Lan")
    gold = json.loads((root / "annotations" / "hg_kehoach.json").read_text(encoding="utf-8"))
    assert gold["schema"] == "dti-gold/1" and gold["source"] == "hg_kehoach.txt"
    by = {o["text"]: o for o in gold["obligations"]}
    assert len(gold["obligations"]) == n  # n - 1 rejected + 1 added
    assert [r["text"] for r in gold["rejected"]] == ["Đôn đốc thực hiện Kế hoạch này là trách nhiệm chung của cả hệ thống chính trị."]
    statuses = sorted(o["review"]["status"] for o in gold["obligations"])
    assert statuses.count("accepted") == 1 and statuses.count("edited") == 1 and statuses.count("added") == 1
    assert statuses.count("pending") == n - 3
    ca = next(o for t, o in by.items() if t.startswith("Công an tỉnh"))
    assert ca["lead"] == ["Sở Khoa học và Công nghệ"] and ca["review"]["reviewer"] == "Lan" and ca["review"]["at"]
    assert by[MISSED]["lead"] == ["Sở Giáo dục và Đào tạo"]
    unchanged = [o for o in gold["obligations"] if o["review"]["status"] in ("pending", "accepted")]
    preds = {o.text: o for o in docs["hg_kehoach.txt"].obligations}
    for o in unchanged:
        assert o["lead"] == preds[o["text"]].lead and o["support"] == preds[o["text"]].support
    assert saved["version"] != "none"
    # eval on the saved gold: one extra (rejected), one missed (added), one lead error
    res = evaluate(root / "annotations", _pipeline(), corpus_dirs=[root / "corpus"])
    ds = next(d for d in res["documents"] if d.name == "hg_kehoach.txt")
    assert (ds.segmentation.tp, ds.segmentation.fp, ds.segmentation.fn) == (n - 1, 1, 1)
    assert [e["field"] for e in ds.errors if e["field"] == "lead"] == ["lead"]
    assert {e["text"][:12] for e in ds.errors if e["field"] in ("missed", "extra")} == {MISSED[:12], "Đôn đốc thực"}
    # reload: the saved answers come back as the units
    again = review.load(doc_id)
    assert again["version"] == saved["version"] and again["based_on"] == "gold"
    assert sum(u["status"] != "pending" for u in again["units"]) == 4
    row = next(d for d in review.documents() if d["id"] == doc_id)
    assert row["reviewed"] == 4 and row["last_reviewer"] == "Lan" and row["scores"]["segmentation"] < 1


_PL = {}


def _pipeline():
    from extractor.pipeline import Pipeline

    if "p" not in _PL:
        _PL["p"] = Pipeline(linker=None)
    return _PL["p"]


def test_split_and_merge(env):
    review, _, _ = env
    st = review.load(_doc_id(review, "hg_kehoach.txt"))
    u = _unit(st, "Văn phòng UBND tỉnh")
    at = u["text"].index("bảo đảm")
    st2 = review.apply(st, {"op": "split", "uid": u["uid"], "at": at}, "Lan")
    assert len(st2["units"]) == len(st["units"]) + 1
    a = _unit(st2, "Văn phòng UBND tỉnh")
    b = _unit(st2, "bảo đảm")
    assert a["text"].endswith("Cổng dịch vụ công,") and b["text"].startswith("bảo đảm tối thiểu 80%")
    assert [t["text"] for t in b["targets"]] == ["tối thiểu 80%"] and a["targets"] == []
    assert a["end"] == b["start"] and b["lead"] == a["lead"]
    st3 = review.apply(st2, {"op": "merge", "uid": a["uid"]}, "Lan")
    m = _unit(st3, "Văn phòng UBND tỉnh")
    assert len(st3["units"]) == len(st["units"]) and m["text"] == u["text"] and m["status"] == "edited"
    back = review.apply(review.apply(st, {"op": "accept", "uid": u["uid"]}, "Lan"), {"op": "reset", "uid": u["uid"]}, "Lan")
    assert _unit(back, "Văn phòng")["status"] == "pending" and _unit(back, "Văn phòng")["reviewer"] is None
    with pytest.raises(ReviewError, match="split"):
        review.apply(st, {"op": "split", "uid": u["uid"], "at": 0}, "Lan")
    last = st["units"][-1]["uid"]
    with pytest.raises(ReviewError, match="last"):
        review.apply(st, {"op": "merge", "uid": last}, "Lan")


def test_invalid_bodies_are_refused(env):
    review, _, _ = env
    st = review.load(_doc_id(review, "hg_kehoach.txt"))
    uid = st["units"][0]["uid"]
    with pytest.raises(ReviewError, match="invalid action"):
        review.apply(st, {"op": "explode", "uid": uid}, "Lan")
    with pytest.raises(ReviewError, match="unknown field"):
        review.apply(st, {"op": "edit", "uid": uid, "fields": {"sql": "drop"}}, "Lan")
    with pytest.raises(ReviewError, match="deadline"):
        review.apply(st, {"op": "edit", "uid": uid, "fields": {"deadline": {"kind": "soon"}}}, "Lan")
    broken = dict(st, units=[dict(st["units"][0], status="maybe")])
    with pytest.raises(ReviewError, match="invalid review state"):
        review.save(broken, "Lan")
    with pytest.raises(ReviewError, match="reviewer"):
        review.save(st, "  ")


def test_stale_version_and_history(env):
    review, _, root = env
    doc_id = _doc_id(review, "bl_congvan.txt")
    tab1, tab2 = review.load(doc_id), review.load(doc_id)
    uid = tab1["units"][0]["uid"]
    tab1 = review.apply(tab1, {"op": "accept", "uid": uid}, "Lan")
    v1 = review.save(tab1, "Lan")["version"]
    tab2 = review.apply(tab2, {"op": "reject", "uid": uid}, "Minh")
    with pytest.raises(StaleVersion, match="reload"):
        review.save(tab2, "Minh")
    gold = json.loads((root / "annotations" / "bl_congvan.json").read_text(encoding="utf-8"))
    assert gold["obligations"][0]["review"]["status"] == "accepted"  # tab 2 did not overwrite
    fresh = review.load(doc_id)
    assert fresh["version"] == v1
    fresh = review.apply(fresh, {"op": "reject", "uid": fresh["units"][0]["uid"]}, "Minh")
    review.save(fresh, "Minh")
    hist = list((root / "annotations" / ".history").glob("bl_congvan.*.json"))
    assert len(hist) == 1 and json.loads(hist[0].read_text())["obligations"][0]["review"]["status"] == "accepted"
    assert not list((root / "annotations").glob(".*.tmp"))


def test_two_reviewers_agreement_and_curation(env):
    review, _, root = env
    doc_id = _doc_id(review, "hg_kehoach.txt")
    answers = {}
    for who, reject in (("Lan", "Đôn đốc thực hiện Kế hoạch"), ("Minh", "Sở Y tế")):
        st = review.load(doc_id, reviewer=who, blind=True)
        assert st["based_on"] in ("predictions", "own")
        for u in list(st["units"]):
            op = "reject" if u["text"].startswith(reject) else "accept"
            st = review.apply(st, {"op": op, "uid": u["uid"]}, who)
        if who == "Minh":
            u = _unit(st, "Sở Tài chính")
            st = review.apply(st, {"op": "edit", "uid": u["uid"], "fields": {"support": ["Sở Nội vụ"]}}, who)
        answers[who] = review.save(st, who)
    assert (root / "annotations" / ".reviewers" / "lan" / "hg_kehoach.json").exists()
    assert (root / "annotations" / ".reviewers" / "minh" / "hg_kehoach.json").exists()
    ag = accuracy(review)["agreement"]
    assert len(ag) == 1 and {ag[0]["a"], ag[0]["b"]} == {"Lan", "Minh"}
    g = ag[0]
    n = g["kappa_units"]
    # two disagreements on keep/reject over n units: kappa from the confusion matrix
    assert g["kappa"] == cohen_kappa([0] + [1] * (n - 1), [1] + [0] + [1] * (n - 2))
    assert g["segmentation_f1"] < 1 and g["support_f1"] < 1 and g["lead_f1"] == 1
    cur = curation(review, doc_id)
    diff = [r for r in cur["rows"] if r["diff"]]
    assert {tuple(r["diff"]) for r in diff} == {("only A",), ("only B",), ("support",)}
    # keep Minh's support fix and Lan's Sở Y tế item, drop the title only Minh kept
    picks = {r["key"]: ("none" if r["diff"] == ["only B"] else ("b" if r["b"] else "a")) for r in cur["rows"]}
    out = resolve(review, doc_id, picks, "Hoa", cur["version"])
    gold = review.gold("hg_kehoach.txt")
    assert out["obligations"] == len(gold["obligations"]) == len(cur["rows"]) - 1
    assert not any(o["text"].startswith("Đôn đốc thực hiện Kế hoạch") for o in gold["obligations"])
    assert gold["review"]["curated_from"] == ["Lan", "Minh"]
    tf = next(o for o in gold["obligations"] if o["text"].startswith("Sở Tài chính"))
    assert tf["support"] == ["Sở Nội vụ"] and tf["review"]["curated_by"] == "Hoa"
    with pytest.raises(ReviewError, match="every row"):
        resolve(review, doc_id, {}, "Hoa", files_version(review))


def files_version(review):
    from extractor.review.files import version_of

    return version_of(review.gold_path("hg_kehoach.txt"))


def test_kappa_values():
    assert cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0]) == 1.0
    assert cohen_kappa([1, 0, 1, 0], [0, 1, 0, 1]) == -1.0
    assert cohen_kappa([1, 1, 1, 0], [1, 1, 0, 1]) == pytest.approx(-0.3333, abs=1e-4)
    assert cohen_kappa([], []) is None


def test_accuracy_history_is_recorded_once_per_change(env):
    review, _, _ = env
    assert accuracy(review)["history"] == []  # no gold yet: nothing to score, nothing recorded
    doc_id = _doc_id(review, "bl_congvan.txt")
    st = review.load(doc_id)
    st = review.apply(st, {"op": "accept", "uid": st["units"][0]["uid"]}, "Lan")
    review.save(st, "Lan")
    a1 = accuracy(review)
    assert len(a1["history"]) == 1 and a1["overall"]["segmentation"]["f1"] == 1.0
    assert len(accuracy(review)["history"]) == 1  # same gold, same predictions: no new run
    st = review.load(doc_id)
    st = review.apply(st, {"op": "edit", "uid": st["units"][1]["uid"], "fields": {"lead": ["Sở Tài chính"]}}, "Lan")
    review.save(st, "Lan")
    a2 = accuracy(review)
    assert len(a2["history"]) == 2 and a2["history"][-1]["figures"]["lead"]["f1"] < 1
    assert a2["errors"][0]["field"] == "lead" and a2["errors"][0]["anchor"] == "o2"


def test_label_studio_round_trip(env):
    review, _, root = env
    doc_id = _doc_id(review, "hg_kehoach.txt")
    st = review.load(doc_id)
    st = review.apply(st, {"op": "edit", "uid": _unit(st, "Công an")["uid"],
                           "fields": {"support": ["Sở Tư pháp"], "dti": ["6.12"]}}, "Lan")
    review.save(st, "Lan")
    before = review.gold("hg_kehoach.txt")
    tasks = labelstudio.export_tasks(review)
    task = next(t for t in tasks if t["data"]["source"] == "hg_kehoach.txt")
    res = task["predictions"][0]["result"]
    assert {r["type"] for r in res} == {"labels", "textarea", "relation"}
    lab = next(r for r in res if r["type"] == "labels")
    assert set(lab) >= {"id", "from_name", "to_name", "type", "value"}
    assert set(lab["value"]) == {"start", "end", "text", "labels"}
    assert task["data"]["text"][lab["value"]["start"]:lab["value"]["end"]] == lab["value"]["text"]
    assert {r["labels"][0] for r in res if r["type"] == "relation"} == {"lead", "support"}
    out = root / "ls.json"
    out.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    written, skipped = labelstudio.import_file(review, out)
    assert [p.name for p in written] == ["hg_kehoach.json"] and skipped == 1  # bl_congvan has no gold yet
    after = review.gold("hg_kehoach.txt")
    keys = ("text", "start", "end", "lead", "support", "targets", "deadline", "dti")
    assert [{k: o[k] for k in keys} for o in after["obligations"]] == [{k: o[k] for k in keys} for o in before["obligations"]]
    assert after["document"] == before["document"]
    assert len(list((root / "annotations" / ".history").glob("hg_kehoach.*.json"))) == 1
    bad = root / "bad.json"
    bad.write_text('[{"data": {}, "annotations": [{"result": [{"type": "labels"}]}]}]')
    with pytest.raises(ReviewError, match="bad.json"):
        labelstudio.import_file(review, bad)
