"""The learned DTI scorer on synthetic score tables: it learns which component to trust, abstains on
obligations that are close to no indicator, is deterministic and survives a JSON round trip."""

import numpy as np

from extractor.lab.scorer_fit import fit_scorer, scorer_decisions
from extractor.link.linkers import ScoreTable
from extractor.link.scorer import Scorer

CODES = [f"{m}.{i}" for m in (1, 2, 3) for i in (1, 2, 3, 4)]
MAINS = [c.split(".")[0] for c in CODES]


def _table(n: int, seed: int, serve_share: float = 0.6):
    """Rows that serve an indicator have a high lexical score on it (the embedding is noise);
    the others are uniformly low.  Gold lists follow."""
    rng = np.random.default_rng(seed)
    K = len(CODES)
    lex = rng.uniform(0.0, 0.25, (n, K))
    emb = rng.uniform(0.0, 0.6, (n, K))
    gold = []
    for i in range(n):
        if rng.random() < serve_share:
            j = int(rng.integers(K))
            lex[i, j] = rng.uniform(0.45, 0.9)
            gold.append([CODES[j]])
        else:
            gold.append([])
    t = ScoreTable([f"t{i}" for i in range(n)], lex, emb, emb, np.zeros((n, K)), 0.0)
    return t, gold


def test_learns_the_informative_part_and_when_to_abstain():
    train, gold = _table(300, 1)
    sc = fit_scorer(train, gold, CODES, MAINS, weight_embedding=0.5)
    test, tgold = _table(200, 2)
    preds = scorer_decisions(sc, test, CODES, MAINS)
    pos = [(p, g) for p, g in zip(preds, tgold) if g]
    neg = [p for p, g in zip(preds, tgold) if not g]
    assert sum(bool(p) and p[0] in g for p, g in pos) / len(pos) > 0.9
    assert sum(not p for p in neg) / len(neg) > 0.8
    # the noisy embedding counts for less than the informative lexical score
    w = dict(zip(("lexical", "embedding"), sc.pair_weights[:2]))
    assert w["lexical"] > abs(w["embedding"])
    assert 0 < sc.serve_threshold < 1


def test_fitting_is_deterministic_and_round_trips_through_json():
    train, gold = _table(120, 3)
    a = fit_scorer(train, gold, CODES, MAINS, weight_embedding=0.3)
    b = fit_scorer(train, gold, CODES, MAINS, weight_embedding=0.3)
    assert np.array_equal(a.pair_weights, b.pair_weights) and a.serve_threshold == b.serve_threshold
    back = Scorer.from_json(a.to_json(CODES), CODES)
    test, _ = _table(30, 4)
    assert scorer_decisions(back, test, CODES, MAINS) == scorer_decisions(a, test, CODES, MAINS)
    # fitted for another catalogue (an indicator it has no prior for): not used
    assert Scorer.from_json(a.to_json(CODES), CODES + ["9.9"]) is None
