"""Catalogue registry: frameworks, typed indicators, version, recipes, clear errors."""

import hashlib
import json
import os
import shutil

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from extractor.link.catalogue import (  # noqa: E402
    DTI_DIR,
    Catalogue,
    expand_abbreviations,
    list_frameworks,
    load_catalogue,
    normalise_for_matching,
    unify_tone_marks,
)
from extractor.errors import CatalogueError  # noqa: E402

CAT_2021 = DTI_DIR / "dti_provincial_2021.json"


def test_default_framework_has_9_main_indices_and_98_sub_indicators():
    cat = load_catalogue()
    assert isinstance(cat, Catalogue)
    assert cat.name == "dti-2021"
    assert len(cat) == 98 and len(cat.main_indices) == 9
    raw = json.loads(CAT_2021.read_text(encoding="utf-8"))
    for m in raw["main_indices"]:  # every main index holds the number of sub-indicators the file declares
        assert len(cat.by_main()[m["code"]]) == m["indicator_count"], m["code"]
    ind = cat["5.9"]
    assert ind.main == "5" and ind.main_name == "An toàn thông tin mạng"
    assert ind.measure == "count"
    assert "diễn tập ứng cứu sự cố an toàn thông tin mạng" in ind.aliases
    assert "2.9" in cat and "10.1" not in cat and cat.get("10.1") is None
    with pytest.raises(KeyError):
        cat["10.1"]


def test_version_is_short_sha256_of_the_file_and_label_names_the_framework():
    cat = load_catalogue("dti-2021")
    assert cat.version == hashlib.sha256(CAT_2021.read_bytes()).hexdigest()[:12]
    assert cat.label == f"dti-2021@{cat.version}"


def test_embed_recipe_is_name_aliases_components_and_main_index():
    cat = load_catalogue()
    t = cat["5.9"].embed_text
    assert t.startswith(cat["5.9"].name + "; ")
    assert t.endswith("; An toàn thông tin mạng")
    assert all(a in t for a in cat["5.9"].aliases)
    # components of 3.5 are part of 3.5's wordings; the lexical text leaves out the main index
    assert "Kết nối Nền tảng điện toán đám mây Chính phủ" in cat["3.5"].variants
    assert "Hạ tầng số" not in cat["3.5"].lexical_text


def test_frameworks_side_by_side_2024_partial_maps_to_2021_codes():
    fws = list_frameworks()
    assert {"dti-2021", "dti-2024"} <= set(fws)
    c24 = load_catalogue("dti-2024")
    c21 = load_catalogue("dti-2021")
    assert c24.partial and c24.expected_count == 47
    assert len(c24.main_indices) == 8 and "9" not in c24.main_indices  # Đô thị thông minh dropped
    assert len(c24) == 10
    for ind in c24:
        assert ind.maps_to and all(code in c21 for code in ind.maps_to), ind.code
    assert c24.label != c21.label


def test_load_by_path_and_version_changes_with_content(tmp_path):
    p = tmp_path / "cat.json"
    shutil.copy(CAT_2021, p)
    a = load_catalogue(p)
    assert len(a) == 98 and a.version == load_catalogue().version
    data = json.loads(p.read_text(encoding="utf-8"))
    data["indicators"][0]["aliases"].append("một cách viết khác")
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    b = load_catalogue(p)
    assert b.version != a.version
    assert "một cách viết khác" in b["1.1"].aliases


@pytest.mark.parametrize(
    "content, words",
    [
        ("", "empty"),
        ("   \n", "empty"),
        ('{"main_indices": [', "malformed catalogue JSON"),
        ('{"framework": "x", "main_indices": [{"code": "1", "name": "A"}], "indicators": []}', "no indicators"),
        ('[1, 2, 3]', "JSON object"),
        ('{"main_indices": [{"code": "1", "name": "A"}], "indicators": [{"code": "1.1"}]}', "needs a 'code' and a 'name'"),
        ('{"main_indices": [{"code": "1", "name": "A"}], "indicators": [{"code": "2.1", "name": "x"}]}',
         "unknown main index"),
        ('{"main_indices": [{"code": "1", "name": "A"}], "indicators": [{"code": "1.1", "name": "x"}, '
         '{"code": "1.1", "name": "y"}]}', "appears twice"),
        ('{"main_indices": [{"code": "1", "name": "A"}], "indicators": [{"code": "1.1", "name": "x", '
         '"measure": "weight"}]}', "unknown measure"),
    ],
)
def test_bad_catalogue_raises_one_line_error_naming_the_file(tmp_path, content, words):
    p = tmp_path / "bad_catalogue.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError) as ei:
        load_catalogue(p)
    msg = str(ei.value)
    assert "bad_catalogue.json" in msg and words in msg
    assert "\n" not in msg


def test_unknown_framework_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(CatalogueError, match="unknown DTI framework.*dti-2021"):
        load_catalogue("dti-1999")
    with pytest.raises(CatalogueError, match="nowhere.json: catalogue file not found"):
        load_catalogue(tmp_path / "nowhere.json")


def test_matching_normalisation_spells_out_abbreviations_and_unifies_tone_marks():
    assert expand_abbreviations("Sở TT&TT, Cổng TTĐT, CĐS, DVCTT") == (
        "Sở Thông tin và Truyền thông, Cổng thông tin điện tử, chuyển đổi số, dịch vụ công trực tuyến")
    assert expand_abbreviations("ATTTM và ATTT") == "an toàn thông tin mạng và an toàn thông tin"
    assert expand_abbreviations("KTSX") == "KTSX"  # whole words only
    assert unify_tone_marks("Uỷ ban, hoà, khoẻ, thuỷ, quý, toàn") == "Ủy ban, hòa, khỏe, thủy, quý, toàn"
    # NFD input comes out NFC
    import unicodedata

    assert normalise_for_matching(unicodedata.normalize("NFD", "Văn hoá")) == "Văn hóa"


# --------------------------------------------------------------------------- anchors, gold sets, LODO refits


def test_anchor_terms_acronyms_are_case_sensitive_phrases_fold():
    from extractor.link.anchors import AnchorIndex

    cat = load_catalogue()
    a = AnchorIndex(cat)
    code = lambda hits: {cat.codes[k] for k in hits}  # noqa: E731
    assert "6.18" in code(a.hits("Đưa Trung tâm IOC của tỉnh Hà Giang vào vận hành"))
    assert "6.6" in code(a.hits("Kết nối phần mềm một cửa với LGSP tỉnh"))
    assert "6.21" in code(a.hits("Ứng dụng AI trong chỉ đạo điều hành"))
    assert not a.hits("Ai chịu trách nhiệm trước Chủ tịch UBND huyện")  # 'ai' (who) is no acronym
    assert code(a.hits("Thành lập TO CONG NGHE SO CONG DONG ở các bản")) == {"4.12", "4.13"}  # folded, both levels
    assert "2.4" in code(a.hits("Cập nhật Khung kiến trúc số của tỉnh Sóc Trăng"))
    m = a.matrix(["Không có gì", "Triển khai hợp đồng điện tử cho doanh nghiệp"])
    assert m.shape == (2, len(cat)) and m[0].sum() == 0 and m[1, cat.codes.index("7.6")] == 1


def _gold(obs):
    return {"schema": "dti-gold/1", "source": "x.txt", "document": {},
            "obligations": [{"id": i, "text": t, "dti": c} for i, (t, c) in enumerate(obs)]}


def test_load_gold_reads_sub_folders_and_names_their_set(tmp_path):
    from extractor.lab.calibrate import load_gold

    (tmp_path / "external").mkdir()
    (tmp_path / ".history").mkdir()
    (tmp_path / "a.json").write_text(json.dumps(_gold([("Tổ chức diễn tập an toàn thông tin", ["5.9"])])), "utf-8")
    (tmp_path / "external" / "a.json").write_text(json.dumps(_gold([("Trồng cây xanh", [])])), "utf-8")
    (tmp_path / ".history" / "a.json").write_text(json.dumps(_gold([("cũ", [])])), "utf-8")
    items = load_gold(tmp_path)
    assert [(it.doc, it.set, it.codes) for it in items] == [("a", "corpus", ["5.9"]), ("external/a", "external", [])]


def test_lodo_pairs_refit_without_each_document_and_report_carries_them(tmp_path):
    from extractor.lab.calibrate import _grid_fit, _prepare, _subset, _decisions, load_gold, lodo_pairs
    from extractor.lab.evaluate import DocScore, report_dict
    from extractor.lab.metrics import dti_metrics
    from extractor.link.linkers import get_linker

    docs = {  # made-up tasks of three provinces
        "kontum": [("Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng năm 2026", ["5.9"]),
                   ("Nạo vét kênh mương trước mùa mưa", [])],
        "dev/baclieu": [("Cài đặt phần mềm phòng, chống mã độc cho máy trạm", ["5.4"]),
                        ("Tổ chức hội nghị truyền hình trực tuyến đến cấp xã", ["6.17"])],
        "dev/yenbai": [("Thành lập Tổ công nghệ số cộng đồng ở các thôn, bản", ["4.12"]),
                       ("Sửa chữa trụ sở làm việc của xã", [])],
    }
    for key, obs in docs.items():
        f = tmp_path / f"{key}.json"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(_gold(obs), ensure_ascii=False), "utf-8")
    result = {"documents": [], "overall": DocScore(name="overall"), "groups": {}, "missing": []}
    for key, obs in docs.items():
        ds = DocScore(name=key + ".txt", gold_key=key, groups=["set:dev" if "/" in key else "set:corpus"])
        ds.dti_pairs = [(["1.1"], c) for _, c in obs]  # in-sample predictions do not matter here
        ds.dti_texts = [t for t, _ in obs]
        result["documents"].append(ds)
        result["overall"].merge(ds)
        result["groups"].setdefault(ds.groups[0], DocScore(name=ds.groups[0])).merge(ds)
    lk = get_linker("lexical")
    got = lodo_pairs(result, lk, tmp_path)
    assert set(got) == set(docs)
    # the held-out document is linked with parameters fitted on the other two only
    items = load_gold(tmp_path)
    p = _prepare(lk, items)
    train = [i for i, it in enumerate(items) if it.doc != "dev/yenbai"]
    params = _grid_fit(_subset(p, train), "lexical", bool(lk.params.per_main))
    test = [i for i, it in enumerate(items) if it.doc == "dev/yenbai"]
    assert [pr for pr, _ in got["dev/yenbai"]] == _decisions(_subset(p, test), params)
    rep = report_dict(result, dti_metrics, got)
    assert rep["documents"]["dev/yenbai.txt"]["dti_lodo"] == dti_metrics(got["dev/yenbai"])
    assert rep["groups"]["set:dev"]["dti_lodo"]["n"] == 4 and rep["overall"]["dti_lodo"]["n"] == 6
    assert "dti_lodo" not in report_dict(result, dti_metrics)["overall"]  # only when asked
    # the suggestions: the refitted ranking's top 3, never an abstention, reported beside the links
    ranked: dict = {}
    lodo_pairs(result, lk, tmp_path, ranked_out=ranked)
    assert set(ranked) == set(docs) and all(len(r) == 3 for pairs in ranked.values() for r, _ in pairs)
    rep = report_dict(result, dti_metrics, got, ranked)
    sugg = dti_metrics([x for pairs in ranked.values() for x in pairs])
    assert rep["overall"]["dti_lodo"]["suggested_recall@3"] == sugg["recall@3"] >= rep["overall"]["dti_lodo"]["recall@3"]
