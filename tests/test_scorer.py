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


def _clustered(n: int, seed: int, docs_per: int = 4):
    """Component scores are pure noise; the texts' vectors cluster by the code they serve (as obligations
    worded alike in different provinces do), so only the neighbour vote can find the code."""
    rng = np.random.default_rng(seed)
    K, d = len(CODES), 16
    centres = np.linalg.qr(np.random.default_rng(0).normal(size=(d, d)))[0][:K]  # the same in every sample
    lex, emb = rng.uniform(0.0, 0.3, (n, K)), rng.uniform(0.0, 0.6, (n, K))
    vecs, gold = np.zeros((n, d)), []
    for i in range(n):
        j = int(rng.integers(K))
        vecs[i] = centres[j] + rng.normal(scale=0.15, size=d)
        gold.append([CODES[j]])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    t = ScoreTable([f"t{i}" for i in range(n)], lex, emb, emb, np.zeros((n, K)), 0.0, vecs.astype(np.float32))
    return t, gold, [f"doc{i // docs_per}" for i in range(n)]


def test_neighbour_votes_leave_a_documents_own_rows_out():
    from extractor.lab.scorer_fit import neighbour_memory

    t, gold, docs = _clustered(40, 5)
    mem = neighbour_memory(t, gold, CODES, docs)
    votes, share = mem.votes(t.vectors)
    assert np.mean([CODES[int(np.argmax(v))] == g[0] for v, g in zip(votes, gold)]) >= 0.9  # alike texts, alike codes
    assert np.allclose(share, 1.0)  # every neighbour serves an indicator
    alone = mem.votes(t.vectors[:1], exclude_docs=[docs[0]])[0]
    own = [i for i, x in enumerate(docs) if x == docs[0]]
    # with its document left out, no row of it can vote: the votes equal those of the other rows only
    others = neighbour_memory(t.rows([i for i in range(40) if i not in own]), [g for i, g in enumerate(gold) if i not in own],
                              CODES, [x for x in docs if x != docs[0]])
    assert np.allclose(alone, others.votes(t.vectors[:1])[0])


def test_the_scorer_learns_from_neighbours_and_keeps_its_memory_on_disk(tmp_path):
    train, gold, docs = _clustered(240, 6)
    sc = fit_scorer(train, gold, CODES, MAINS, weight_embedding=0.5, docs=docs)
    assert sc.neighbours is not None and sc.pair_weights[-1] > 0  # the last pair feature: neighbour_vote
    test, tgold, _ = _clustered(80, 7)
    top1 = lambda s: np.mean([bool(p) and p[0] in g for p, g in zip(scorer_decisions(s, test, CODES, MAINS), tgold)])  # noqa: E731
    assert top1(sc) > 0.8
    assert top1(fit_scorer(train, gold, CODES, MAINS, weight_embedding=0.5)) < 0.4  # without the memory: noise
    sc.neighbours_file = "neighbours__test.npz"
    sc.neighbours.save(tmp_path / sc.neighbours_file, CODES)
    back = Scorer.from_json(sc.to_json(CODES), CODES, tmp_path)
    assert back is not None and top1(back) > 0.8  # int8-stored vectors rank the same
    assert Scorer.from_json(sc.to_json(CODES), CODES, tmp_path / "elsewhere") is None  # memory missing: not used


def test_the_nearest_neighbour_outweighs_many_middling_ones_and_the_temperature_is_stored(tmp_path):
    from extractor.link.scorer import Neighbours

    # one near-copy of the query serves code 0; nine middling neighbours serve code 1
    q = np.array([[1.0, 0.0]])
    near = np.array([[0.99, np.sqrt(1 - 0.99 ** 2)]])
    mid = np.tile([[0.8, 0.6]], (9, 1))
    labels = np.zeros((10, len(CODES)))
    labels[0, 0], labels[1:, 1] = 1, 1
    vecs = np.vstack([near, mid])
    cosine = Neighbours(vecs, labels, np.array(["a"] * 10), temperature=0.0).votes(q)[0][0]
    sharp = Neighbours(vecs, labels, np.array(["a"] * 10), temperature=0.025).votes(q)[0][0]
    assert cosine[1] > cosine[0]  # cosine weights: the crowd wins
    assert sharp[0] > 0.9  # exp((cos - 1) / T): the near-copy decides
    mem = Neighbours(vecs, labels, np.array(["a"] * 10), temperature=0.025)
    mem.save(tmp_path / "n.npz", CODES)
    assert Neighbours.load(tmp_path / "n.npz", CODES).temperature == 0.025
