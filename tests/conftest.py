import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def pipeline():
    """One extraction pipeline (no DTI linking) for the whole session."""
    from extractor.pipeline import Pipeline

    return Pipeline(linker=None)


@pytest.fixture(scope="session")
def gazetteer():
    from extractor.nlp.agencies import load_gazetteer

    return load_gazetteer()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.fixture
def annotate(pipeline, tmp_path):
    """text -> the annotated document (every layer) of a made-up letter."""
    from extractor.ingest import read

    def make(text: str, name: str = "letter.txt"):
        return pipeline.annotate(read(write(tmp_path, name, text)))

    return make


@pytest.fixture
def extract(pipeline, tmp_path):
    """text -> the pipeline's Document (no DTI linking) of a made-up letter."""
    from extractor.ingest import read

    def make(text: str, name: str = "letter.txt"):
        return pipeline.structure_and_extract(read(write(tmp_path, name, text)))

    return make


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory, pipeline):
    """The five seed documents of corpus/ in a database in a tmp dir (no DTI linking: tests that need
    links add made-up rows to their own copy)."""
    from extractor.store import Store

    path = tmp_path_factory.mktemp("corpus") / "obligations.db"
    store = Store(path)
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        store.save(pipeline.process(f))
    # the store is in WAL mode: fold the log into the file, since tests copy the file alone
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.conn.close()
    return path
