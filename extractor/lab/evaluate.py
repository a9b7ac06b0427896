"""Score the pipeline against gold files (annotations/*.json, `dti-gold/1`).

Matching rule
-------------
Texts are compared as bags of folded word tokens (lower case, no diacritics,
punctuation dropped).  similarity(p, g) = 2·|P∩G| / (|P| + |G|) (Dice).  Pairs
are matched one-to-one, greedily from the most similar, and a pair counts only
if its similarity is at least 0.5.  Predicted obligations outside the gold's
``scope_lines`` are left out before matching, by the line they start on; for
another rendering of the same letter (``--source NAME=FILE``, e.g. its PDF) that
line is found by aligning the obligations, in reading order, to the gold's
source text (``align_lines``).

Scores
------
- segmentation: precision = matched / predicted, recall = matched / gold.
- lead, support, targets: micro P/R/F1 over the matched pairs: agencies compared
  by folded canonical name; targets by (value, unit, op).
- deadline: accuracy over matched pairs (kind, date, start and, for recurring,
  every must all agree; both null counts as right).
- metadata: accuracy over the six gold fields of every document.
- dti (when a linker runs): top-1, recall@3 and abstain accuracy over matched
  pairs, from ``extractor.link.linkers.dti_metrics``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from extractor.store.export import document_json
from extractor.model import DocMeta
from extractor.textutil import fold, fold_key

MATCH_THRESHOLD = 0.5


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def similarity(a: str, b: str) -> float:
    ta, tb = Counter(tokens(a)), Counter(tokens(b))
    n = sum(ta.values()) + sum(tb.values())
    return 2 * sum((ta & tb).values()) / n if n else 0.0


def match(pred: list[dict], gold: list[dict], threshold: float = MATCH_THRESHOLD) -> list[tuple[int, int, float]]:
    scores = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            s = similarity(p["text"], g["text"])
            if s >= threshold:
                scores.append((s, i, j))
    scores.sort(reverse=True)
    used_p, used_g, pairs = set(), set(), []
    for s, i, j in scores:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j, s))
    return sorted(pairs, key=lambda x: x[1])


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, pred: Counter, gold: Counter) -> None:
        inter = sum((pred & gold).values())
        self.tp += inter
        self.fp += sum(pred.values()) - inter
        self.fn += sum(gold.values()) - inter

    def merge(self, o: "PRF") -> None:
        self.tp += o.tp
        self.fp += o.fp
        self.fn += o.fn

    # A score with nothing to count is absent (None), never defaulted.
    @property
    def p(self) -> Optional[float]:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def r(self) -> Optional[float]:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> Optional[float]:
        if not (self.tp or self.fp or self.fn):
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    def as_dict(self) -> dict:
        r4 = lambda x: None if x is None else round(x, 4)  # noqa: E731
        return {"precision": r4(self.p), "recall": r4(self.r), "f1": r4(self.f1),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Acc:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    def merge(self, o: "Acc") -> None:
        self.right += o.right
        self.total += o.total

    @property
    def value(self) -> Optional[float]:
        return self.right / self.total if self.total else None

    def as_dict(self) -> dict:
        return {"accuracy": None if self.value is None else round(self.value, 4), "right": self.right,
                "total": self.total}


@dataclass
class DocScore:
    name: str
    segmentation: PRF = field(default_factory=PRF)
    lead: PRF = field(default_factory=PRF)
    support: PRF = field(default_factory=PRF)
    targets: PRF = field(default_factory=PRF)
    deadline: Acc = field(default_factory=Acc)
    metadata: Acc = field(default_factory=Acc)
    dti_pairs: list = field(default_factory=list)
    dti_texts: list = field(default_factory=list)  # the predicted text of each dti pair (LODO rescoring)
    dti_ranked: list = field(default_factory=list)  # (suggested codes, gold codes): the ranking, no abstention
    errors: list = field(default_factory=list)
    gold_key: str = ""  # gold file under the gold folder, no suffix ("external/ext_01"): GoldItem.doc
    groups: list = field(default_factory=list)  # group keys this document counts in

    def merge(self, o: "DocScore") -> None:
        for k in ("segmentation", "lead", "support", "targets", "deadline", "metadata"):
            getattr(self, k).merge(getattr(o, k))
        self.dti_pairs += o.dti_pairs
        self.dti_texts += o.dti_texts
        self.dti_ranked += o.dti_ranked


def _names(xs: list[str]) -> Counter:
    return Counter(fold_key(x) for x in xs)


def _target_key(t: dict) -> tuple:
    return (float(t["value"]), fold_key(t.get("unit", "")), t.get("op"))


def _deadline_ok(p: Optional[dict], g: Optional[dict]) -> bool:
    if not p or not g:
        return not p and not g
    if p["kind"] != g["kind"] or p.get("date") != g.get("date") or p.get("start") != g.get("start"):
        return False
    if g["kind"] == "recurring":
        return p.get("every") == g.get("every")
    return True


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return fold_key(str(a)) == fold_key(str(b))


def align_lines(obs: list[dict], source_text: str) -> list[Optional[int]]:
    """Line of ``source_text`` where each obligation starts, for sources that
    have no lines of their own (PDF, scans).  Obligations come in reading
    order, so each is searched from where the previous one was found (the
    same task text can stand in a section and again in an annex); its first
    six folded words must occur, and OCR slips are tolerated by also trying
    three later windows."""
    toks, tok_lines = [], []
    for i, line in enumerate(source_text.split("\n"), 1):
        for t in tokens(line):
            toks.append(t)
            tok_lines.append(i)
    index: dict[tuple, list[int]] = {}
    for i in range(len(toks) - 5):
        index.setdefault(tuple(toks[i:i + 6]), []).append(i)
    out: list[Optional[int]] = []
    pointer = 0
    for ob in obs:
        t = tokens(ob["text"])
        found = None
        if 0 < len(t) < 6:  # a short text: look for the whole of it
            n = len(t)
            starts = [i for i in range(len(toks) - n + 1) if toks[i:i + n] == t]
            after = [i for i in starts if i >= pointer]
            found = (after or starts or [None])[0]
        for off in (0, 3, 6, 9) if found is None else ():
            key = tuple(t[off:off + 6])
            if len(key) < 6:
                break
            hits = index.get(key, [])
            after = [h for h in hits if h >= pointer]
            if after or hits:
                found = (after or hits)[0] - off
                break
        if found is None:
            out.append(None)
            continue
        found = max(found, 0)
        pointer = found + 1
        out.append(tok_lines[min(found, len(tok_lines) - 1)])
    return out


def _in_scope_factory(gold: dict, source_text: Optional[str]):
    ranges = gold.get("scope_lines")
    if not ranges:
        return lambda ob: True

    def in_scope(ob: dict) -> bool:
        line = ob.get("source_line")
        return line is None or any(a <= line <= b for a, b in ranges)

    return in_scope


def score_document(pred: dict, gold: dict, source_text: Optional[str] = None) -> DocScore:
    ds = DocScore(name=gold.get("source", "?"))
    in_scope = _in_scope_factory(gold, source_text)
    pobs = [o for o in pred["obligations"] if in_scope(o)]
    gobs = gold["obligations"]
    pairs = match(pobs, gobs)
    ds.segmentation.tp = len(pairs)
    ds.segmentation.fp = len(pobs) - len(pairs)
    ds.segmentation.fn = len(gobs) - len(pairs)
    matched_p = {i for i, _, _ in pairs}
    matched_g = {j for _, j, _ in pairs}
    for i, j, s in pairs:
        p, g = pobs[i], gobs[j]
        for key, prf in (("lead", ds.lead), ("support", ds.support)):
            pc, gc = _names(p[key]), _names(g[key])
            prf.add(pc, gc)
            if pc != gc:
                ds.errors.append({"field": key, "gold_id": g.get("id"), "text": g["text"][:80],
                                  "pred": p[key], "gold": g[key]})
        pt, gt = Counter(_target_key(t) for t in p["targets"]), Counter(_target_key(t) for t in g["targets"])
        ds.targets.add(pt, gt)
        if pt != gt:
            ds.errors.append({"field": "targets", "gold_id": g.get("id"), "text": g["text"][:80],
                              "pred": [t["text"] for t in p["targets"]], "gold": [t["text"] for t in g["targets"]]})
        ok = _deadline_ok(p.get("deadline"), g.get("deadline"))
        ds.deadline.add(ok)
        if not ok:
            ds.errors.append({"field": "deadline", "gold_id": g.get("id"), "text": g["text"][:80],
                              "pred": p.get("deadline"), "gold": g.get("deadline")})
        if "dti" in g:
            ds.dti_pairs.append((p.get("dti", []), g["dti"]))
            ds.dti_texts.append(p.get("text") or "")
            ds.dti_ranked.append((p.get("dti_suggestions") or p.get("dti", []), g["dti"]))
    for j, g in enumerate(gobs):
        if j not in matched_g:
            ds.errors.append({"field": "missed", "gold_id": g.get("id"), "text": g["text"][:100]})
    for i, p in enumerate(pobs):
        if i not in matched_p:
            ds.errors.append({"field": "extra", "text": p["text"][:100]})
    gm = gold.get("document", {})
    pm = pred.get("document", {})
    for k in DocMeta.GOLD_FIELDS:
        if k in gm:
            ok = _same(pm.get(k), gm.get(k))
            ds.metadata.add(ok)
            if not ok:
                ds.errors.append({"field": f"document.{k}", "pred": pm.get(k), "gold": gm.get(k)})
    return ds


def find_source(gold_path: Path, gold: dict, corpus_dirs: list[Path], rels: tuple = ()) -> Optional[Path]:
    """The gold's source beside it, else in a corpus folder, mirrored (annotations/dev/x.json -> corpus/dev/x.txt) or flat."""
    name = gold.get("source") or gold_path.with_suffix(".txt").name
    for d in [gold_path.parent, *(c / r for c in corpus_dirs for r in rels), *corpus_dirs]:
        p = d / name
        if p.exists():
            return p
    return None


def evaluate(gold_dir: str | Path, pipeline, corpus_dirs: Optional[list[Path]] = None,
             source_override: Optional[dict[str, Path]] = None) -> dict:
    """Run ``pipeline`` on each gold file's source and score it.

    ``source_override`` maps a gold source name to another file to read (a
    PDF or scan of the same document), scored against the same gold.
    """
    from extractor.errors import InputError

    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise InputError(str(gold_dir), "no such folder of gold files")
    corpus_dirs = corpus_dirs or [Path("corpus"), gold_dir.parent / "corpus"]
    per_doc: list[DocScore] = []
    total = DocScore(name="overall")
    groups: dict[str, DocScore] = {}
    missing = []
    golds = []
    for gp in sorted(gold_dir.rglob("*.json")):
        if any(part.startswith(".") for part in gp.relative_to(gold_dir).parts):
            continue  # .history/, .reviewers/: earlier versions, not gold
        try:
            gold = json.loads(gp.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(gold, dict) and gold.get("schema") == "dti-gold/1":
            golds.append((gp, gold))
    if not golds:
        raise InputError(str(gold_dir), "no dti-gold/1 files here: nothing to score")
    for gp, gold in golds:
        rel = gp.parent.relative_to(gold_dir)
        group = rel.parts[0] if rel.parts else "corpus"  # the top folder holds the corpus gold
        src_path = find_source(gp, gold, corpus_dirs, rels=(rel, Path(gold_dir.name) / rel))
        if src_path is None:
            missing.append(gold.get("source"))
            continue
        read_path = (source_override or {}).get(gold.get("source"), src_path)
        doc = pipeline.process(read_path)
        pred = document_json(doc)
        source_text = src_path.read_text(encoding="utf-8") if src_path.suffix in (".txt", ".md") else None
        if read_path != src_path:
            # lines of another file (a PDF of the same letter) do not index the gold's source: align
            lines = align_lines(pred["obligations"], source_text) if source_text else []
            for o, line in zip(pred["obligations"], lines or [None] * len(pred["obligations"])):
                o["source_line"] = line
        ds = score_document(pred, gold, source_text)
        ds.name = gold.get("source", gp.name)
        ds.gold_key = gp.relative_to(gold_dir).with_suffix("").as_posix()
        ds.groups = [f"set:{group}", f"input:{doc.source.kind}"]
        per_doc.append(ds)
        total.merge(ds)
        for key in ds.groups:
            groups.setdefault(key, DocScore(name=key)).merge(ds)
    if not per_doc:
        raise InputError(str(gold_dir), f"no gold file's source was found (missing: {', '.join(missing[:5])})")
    return {"documents": per_doc, "overall": total, "groups": groups, "missing": missing}


def report_dict(result: dict, dti_metrics=None, dti_lodo: Optional[dict] = None,
                ranked_lodo: Optional[dict] = None) -> dict:
    """JSON-ready scores.  ``dti_lodo`` maps a document's ``gold_key`` to its (prediction, gold) code
    pairs under leave-one-document-out linker parameters
    (:func:`extractor.lab.calibrate.lodo_pairs`); each document, set and the overall row then also
    carry ``dti_lodo`` beside the in-sample ``dti``.  ``ranked_lodo``: the same for the suggestions
    (the ranking without abstention), whose ``suggested_top1`` and ``suggested_recall@3`` join each
    ``dti`` / ``dti_lodo`` block."""

    def pooled(of: dict, ds: DocScore) -> Optional[list]:
        if ds.name in of:
            return of[ds.name]
        docs = [d for d in result["documents"] if ds.name == "overall" or ds.name in d.groups]
        got = [of[d.name] for d in docs if of.get(d.name) is not None]
        return [x for pairs in got for x in pairs] if len(got) == len(docs) else None

    lodo_of = {ds.name: (dti_lodo or {}).get(ds.gold_key) for ds in result["documents"]}
    ranked_of = {ds.name: (ranked_lodo or {}).get(ds.gold_key) for ds in result["documents"]}

    def with_ranked(m: dict, pairs: Optional[list]) -> dict:
        if pairs:
            r = dti_metrics(pairs)
            m["suggested_top1"], m["suggested_recall@3"] = r["top1"], r["recall@3"]
        return m

    def one(ds: DocScore) -> dict:
        d = {k: getattr(ds, k).as_dict() for k in ("segmentation", "lead", "support", "targets", "deadline", "metadata")}
        if dti_metrics and ds.dti_pairs:
            d["dti"] = with_ranked(dti_metrics(ds.dti_pairs), ds.dti_ranked)
            lp = pooled(lodo_of, ds) if dti_lodo is not None else None
            if lp is not None:
                d["dti_lodo"] = with_ranked(dti_metrics(lp), pooled(ranked_of, ds) if ranked_lodo else None)
        return d

    return {
        "rule": f"Dice token overlap >= {MATCH_THRESHOLD}, one-to-one greedy; field scores over matched pairs",
        "documents": {ds.name: one(ds) for ds in result["documents"]},
        "overall": one(result["overall"]),
        "groups": {k: one(v) for k, v in sorted(result.get("groups", {}).items())},
        "missing_sources": result["missing"],
        "errors": {ds.name: ds.errors for ds in result["documents"]},
    }
