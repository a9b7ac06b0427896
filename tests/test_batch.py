"""Batch runs: incremental, parallel, safe to kill, hostile inputs, skipped files, one letter in three forms."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.batch import discover, run
from extractor.batch.runs import RunLock
from extractor.errors import ExtractorError

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}

# Rows that must be identical between runs (processed_at is a timestamp, rowids are storage detail).
TABLES = {
    "documents": "id, path, name, sha256, kind, pages, number, type, issuer, province, issued_date, signer, title, "
                 "addressees, unsure, n_obligations, warnings",
    "obligations": "*", "agencies": "*", "obligation_agencies": "*", "targets": "*", "obligation_dti": "*",
}


def rows(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        return {t: sorted(map(repr, con.execute(f"select {cols} from {t}"))) for t, cols in TABLES.items()}
    finally:
        con.close()


def last_status(db: Path) -> dict[str, tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        out = {}
        for path, status, reason in con.execute("select path, status, reason from run_files order by run_id, rowid"):
            out[path] = (status, reason or "")
        return out
    finally:
        con.close()


def _variant(data: bytes, i: int, pdf: bool) -> bytes:
    # distinct bytes, same content: a PDF comment after %%EOF, a blank line at the end of a text
    return data + (f"\n% copy {i}\n".encode() if pdf else b"\n" * (i + 1))


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def build_batch(folder: Path, n_good: int = 190) -> tuple[list[Path], list[Path]]:
    """n_good distinct good files (texts and born-digital PDFs of the corpus) and 10 corrupt or hostile ones."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = sorted(CORPUS.glob("*.txt")) + sorted((CORPUS / "external").glob("*.txt"))
    texts = [t for t in texts if t.stat().st_size < 100_000]  # the 187 KB plan once, below, not 40 times
    pdfs = [p for p in sorted((CORPUS / "generated").glob("*.pdf")) if "scan" not in p.name]
    good: list[Path] = []
    for p in [CORPUS / "001_312f79c7a1bd20dd.txt"] + pdfs:
        good.append(folder / p.name)
        good[-1].write_bytes(p.read_bytes())
    i = 0
    while len(good) < n_good:
        src = texts[i % len(texts)] if i % 8 else pdfs[(i // 8) % len(pdfs)]
        sub = folder / f"batch{i % 4}"
        sub.mkdir(exist_ok=True)
        dst = sub / f"{src.stem}_{i:03d}{src.suffix}"
        dst.write_bytes(_variant(src.read_bytes(), i, src.suffix == ".pdf"))
        good.append(dst)
        i += 1
    pdf = pdfs[0].read_bytes()
    bad = {
        "empty.txt": b"",
        "empty.pdf": b"",
        "truncated.pdf": pdf[:2000],
        "header_only.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 20,
        "not_word.docx": b"PK\x03\x04" + os.urandom(3000),
        "zip_as_doc.docx": b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 200,
        "no_body.docx": _zip({"[Content_Types].xml": "<Types/>", "word/styles.xml": "<styles/>"}),
        "png_garbage.png": b"\x89PNG\r\n\x1a\n" + os.urandom(2000),
        "jpeg_garbage.jpg": b"\xff\xd8\xff\xe0" + os.urandom(2000),
        "huge_text.txt": b"x" * 2_100_000,  # over the --max-text-mb 2 budget of these tests
    }
    bad_paths = []
    for name, data in bad.items():
        p = folder / "incoming" / name
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        bad_paths.append(p)
    return good, bad_paths


def _cli(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "extractor", *args], env=ENV, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _documents(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return con.execute("select count(*) from documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_200_files_killed_and_resumed_equal_a_clean_run(tmp_path):
    good, bad = build_batch(tmp_path / "in")
    assert len(good) + len(bad) == 200
    opts = dict(linker=None, max_text_mb=2)
    # the reference: one clean run in this process
    t = time.time()
    ref = run([tmp_path / "in"], db=tmp_path / "ref.db", workers=0, **opts)
    first = time.time() - t
    assert {r.path for r in ref.failed} == {str(p) for p in bad}
    # 2 workers, SIGKILLed part-way through (between or inside transactions, whatever the moment is)
    db = tmp_path / "killed.db"
    proc = _cli("run", str(tmp_path / "in"), "--db", str(db), "--no-link", "--workers", "2", "--max-text-mb", "2")
    deadline = time.time() + 120
    while _documents(db) < 60 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read()[-500:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _documents(db)
    assert 0 < partial < len(good)
    again = run([tmp_path / "in"], db=db, workers=2, **opts)
    assert again.status == "finished"
    assert rows(db) == rows(tmp_path / "ref.db")  # every good file once, as in the clean run, nothing half-written
    status = last_status(db)
    for p in bad:
        st, reason = status[str(p)]
        assert st == "failed" and p.name in reason, (p, st, reason)
    assert all(status[str(p)][0] in ("ok", "empty", "skipped") for p in good)
    con = sqlite3.connect(db)
    assert con.execute("select status from runs order by id").fetchall() == [("killed",), ("finished",)]
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    # a re-run of the finished batch only hashes
    t = time.time()
    third = run([tmp_path / "in"], db=db, workers=2, **opts)
    assert time.time() - t < 0.1 * first
    assert third.tally()["ok"] == 0 and third.tally()["skipped"] == len(good)


@pytest.mark.slow
def test_garbage_file_fails_alone_within_its_budget(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for p in sorted(CORPUS.glob("00[0234]*.txt")):
        (folder / p.name).write_bytes(p.read_bytes())
    garbage = folder / "garbage.txt"
    # 50 MB of garbage that still decodes as text (no NUL; stalled a batch for 10 minutes at 4 GB before)
    table = bytes(10 if i < 4 else 32 + i % 95 for i in range(256))
    with open(garbage, "wb") as fh:
        for _ in range(50):
            fh.write(os.urandom(1 << 20).translate(table))
    t = time.time()
    s = run([folder], db=tmp_path / "a.db", linker=None, workers=2)  # the default size budget
    assert time.time() - t < 20
    (f,) = s.failed
    assert f.path == str(garbage) and "MB budget" in f.error and "garbage.txt" in f.error
    assert s.tally()["ok"] == 4
    # with the size guard off, the time budget stops it; the rest still completes
    t = time.time()
    s = run([folder], db=tmp_path / "b.db", linker=None, workers=2, max_text_mb=0, timeout=4, max_memory_mb=1500)
    assert time.time() - t < 30
    (f,) = s.failed
    assert f.path == str(garbage) and ("--timeout" in f.error or "--max-memory" in f.error)
    assert s.tally()["ok"] == 4


def test_skipped_files_are_listed_with_their_reason(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "a.txt").write_bytes((CORPUS / "003_154b315af2a17dc1.txt").read_bytes())
    (folder / ".hidden.txt").write_text("x")
    (folder / "notes.xlsx").write_bytes(b"PK")
    os.symlink(folder / "nowhere.txt", folder / "broken.txt")
    os.symlink(folder, folder / "sub" / "loop")
    os.symlink(folder / "x1.txt", folder / "x2.txt")
    os.symlink(folder / "x2.txt", folder / "x1.txt")
    found = discover([folder])
    assert [str(f) for f in found.files] == [str(folder / "a.txt")]
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert reasons[".hidden.txt"] == "hidden" and reasons[".git"] == "hidden"
    assert reasons["notes.xlsx"].startswith("unsupported type (.xlsx)")
    assert reasons["broken.txt"].startswith("broken link")
    assert reasons["loop"].startswith("looping link") and reasons["x1.txt"].startswith("looping link")
    missing = tmp_path / "missing.pdf"  # named on the command line: a per-file failure, not a usage error
    p = _cli("run", str(folder), str(missing), "--db", str(tmp_path / "o.db"), "--no-link", "--workers", "0")
    outp, err = p.communicate(timeout=120)
    assert p.returncode == 1, err
    assert f"failed: {missing}: no such file" in err
    assert "skipped: " + str(folder / "notes.xlsx") in err
    csv = (tmp_path / "errors.csv").read_text()
    assert "missing.pdf" in csv and "looping link" in csv and "unsupported type" in csv


def test_incremental_moved_changed_forced_and_stale(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    a = folder / "a.txt"
    a.write_bytes((CORPUS / "003_154b315af2a17dc1.txt").read_bytes())
    (folder / "b.txt").write_bytes((CORPUS / "004_12b40cbffe6def15.txt").read_bytes())
    db = tmp_path / "o.db"
    s = run([folder], db=db, linker=None, workers=0)
    assert [f.status for f in s.files] == ["ok", "ok"]
    (folder / "b copy.txt").write_bytes((folder / "b.txt").read_bytes())
    moved = folder / "moved.txt"
    a.rename(moved)
    s = run([folder], db=db, linker=None, workers=0)
    reasons = {Path(f.path).name: f.reason for f in s.files}
    assert reasons == {"moved.txt": f"unchanged (moved from {a})", "b.txt": "unchanged",
                       "b copy.txt": f"same content as {folder / 'b.txt'}"}
    con = sqlite3.connect(db)
    assert con.execute("select path from documents order by path").fetchall() == [(str(folder / "b.txt"),),
                                                                                   (str(moved),)]
    moved.write_text(moved.read_text() + "\n3. Sở Tài chính chủ trì bố trí kinh phí trước ngày 30/6/2026.\n")
    s = run([folder], db=db, linker=None, workers=0)
    assert {Path(f.path).name: f.status for f in s.files}["moved.txt"] == "ok"
    assert con.execute("select count(*) from documents").fetchone()[0] == 2  # the old rows were replaced
    assert run([folder], db=db, linker=None, workers=0, force=True).tally()["ok"] == 2
    # a new model version: stale documents are left alone unless --stale
    import extractor.batch.runs as R

    real = R.versions
    monkeypatch.setattr(R, "versions", lambda *a, **k: {**real(*a, **k), "gazetteer": "changed"})
    s = run([folder], db=db, linker=None, workers=0)
    assert s.stale == 2 and s.tally()["ok"] == 0
    assert run([folder], db=db, linker=None, workers=0, stale=True).tally()["ok"] == 2
    assert run([folder], db=db, linker=None, workers=0, stale=True).tally()["ok"] == 0


def test_a_second_run_on_the_same_database_refuses_or_waits(tmp_path):
    db = tmp_path / "o.db"
    f = tmp_path / "a.txt"
    f.write_bytes((CORPUS / "004_12b40cbffe6def15.txt").read_bytes())
    with RunLock(db):
        with pytest.raises(ExtractorError, match="another run is writing to this database.*--wait"):
            run([f], db=db, linker=None, workers=0)
    assert run([f], db=db, linker=None, workers=0, wait=True).tally()["ok"] == 1


@pytest.mark.slow
def test_ctrl_c_stops_after_the_documents_in_flight(tmp_path):
    good, _ = build_batch(tmp_path / "in", n_good=40)
    db = tmp_path / "o.db"
    proc = _cli("run", str(tmp_path / "in"), "--db", str(db), "--no-link", "--workers", "2")
    deadline = time.time() + 60
    while _documents(db) < 5 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    outp, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    text = " ".join(outp.split())
    assert "interrupted:" in text and "run the same command again to resume" in text
    con = sqlite3.connect(db)
    assert con.execute("select status from runs").fetchall() == [("interrupted",)]
    stored = con.execute("select count(*) from documents").fetchone()[0]
    assert 0 < stored < len(good)


@pytest.mark.slow
def test_one_letter_in_three_forms_is_one_group(tmp_path):
    from extractor.store import Store
    from extractor.store.groups import groups

    gen = CORPUS / "generated"
    files = [CORPUS / "000_25c1a683a650bf81.txt", gen / "000_25c1a683a650bf81.pdf",
             gen / "000_25c1a683a650bf81_scan200.pdf", CORPUS / "003_154b315af2a17dc1.txt"]
    db = tmp_path / "o.db"
    s = run(files, db=db, linker=None, workers=2)
    assert s.tally()["ok"] == 4
    st = Store(db)
    (g,) = groups(st.db)
    assert sorted(d["name"] for d in g["documents"]) == sorted(f.name for f in files[:3])
    assert [d["kind"] for d in g["documents"] if d["primary"]] == ["text"]
    once = st.search(limit=10_000)
    every = st.search(limit=10_000, once=False)
    n_txt = next(f.obligations for f in s.files if f.path == str(files[0]))
    assert {r["document"] for r in once} == {files[0].name, files[3].name}
    assert len(once) == n_txt + next(f.obligations for f in s.files if f.path == str(files[3]))
    assert len(every) > len(once) + n_txt  # the PDF and the scan repeat the letter's tasks


def test_latin1_text_decoded_as_windows_1258_is_flagged(tmp_path):
    from extractor.ingest import read

    p = tmp_path / "carta.txt"
    p.write_bytes(("El niño está en la ciudad. La señora García habló también con él sobre la canción. "
                   "Mañana, el señor Muñoz irá a la reunión del año; después, la niña comerá piña.\n" * 3)
                  .encode("latin-1"))
    src = read(p)
    assert src.encoding == "cp1258"
    assert any("Latin-1" in w for w in src.warnings)
    viet = tmp_path / "cv.txt"
    viet.write_bytes((CORPUS / "004_12b40cbffe6def15.txt").read_text(encoding="utf-8").encode("cp1258", "ignore"))
    assert not any("Latin-1" in w for w in read(viet).warnings)


def test_truncated_pdf_that_still_reads_carries_a_warning(tmp_path):
    from extractor.ingest import read

    data = (CORPUS / "generated" / "000_25c1a683a650bf81.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"  # junk after the header: every offset in the cross-reference table is wrong
    cut.write_bytes(data[:9] + b"%" + b"x" * 200 + b"\n" + data[9:])
    src = read(cut)
    assert "Thủ tướng" in src.text or len(src.text) > 1000
    assert any("truncated or damaged" in w and "cut.pdf" in w for w in src.warnings)
    assert not any("truncated" in w for w in read(CORPUS / "generated" / "000_25c1a683a650bf81.pdf").warnings)


def test_watch_takes_new_and_changed_files_once_they_settle(tmp_path):
    from extractor.batch import watch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    letter = inbox / "a.txt"
    letter.write_bytes((CORPUS / "004_12b40cbffe6def15.txt").read_bytes())
    (inbox / "sheet.xlsx").write_bytes(b"PK")
    seen = []
    db = tmp_path / "o.db"
    # settle 0.2 s: the first poll only notes the file, the second takes it
    assert watch(inbox, db=db, interval=0.3, settle=0.2, cycles=3, on_result=seen.append, linker=None,
                 workers=0) == 1
    assert [(Path(r.path).name, r.status) for r in seen if r.status != "skipped"] == [("a.txt", "ok")]
    assert any(r.status == "skipped" and "unsupported" in r.reason for r in seen)
    seen.clear()
    letter.write_bytes(letter.read_bytes() + "\n4. Sở Y tế chủ trì triển khai bệnh án điện tử trước năm 2026.\n"
                       .encode("utf-8"))
    assert watch(inbox, db=db, interval=0.3, settle=0.2, cycles=3, on_result=seen.append, linker=None,
                 workers=0) == 1
    assert [(Path(r.path).name, r.status) for r in seen if r.status != "skipped"] == [("a.txt", "ok")]
    assert sqlite3.connect(db).execute("select count(*) from documents").fetchone()[0] == 1


def test_runs_lists_and_shows_runs(tmp_path):
    from typer.testing import CliRunner

    from extractor.cli import app

    f = tmp_path / "a.txt"
    f.write_bytes((CORPUS / "003_154b315af2a17dc1.txt").read_bytes())
    big = tmp_path / "long.pdf"
    big.write_bytes((CORPUS / "generated" / "000_25c1a683a650bf81.pdf").read_bytes())  # 4 pages
    db = tmp_path / "o.db"
    s = run([f, big], db=db, linker=None, workers=0, max_pages=2)
    (failed,) = s.failed
    assert failed.path == str(big) and "4 pages, over the budget of 2 (--max-pages)" in failed.error
    r = CliRunner().invoke(app, ["runs", "--db", str(db), "--json"])
    assert r.exit_code == 0, r.output
    import json

    (row,) = json.loads(r.stdout)
    assert row["status"] == "finished" and row["n_ok"] == 1 and row["n_failed"] == 1
    r = CliRunner().invoke(app, ["runs", "show", str(row["id"]), "--db", str(db), "--json"])
    shown = json.loads(r.stdout)
    assert {x["path"]: x["status"] for x in shown["files"]} == {str(f): "ok", str(big): "failed"}
    assert set(shown["versions"]) >= {"pipeline", "gazetteer", "linker"}
    r = CliRunner().invoke(app, ["runs", "show", "99", "--db", str(db)])
    assert isinstance(r.exception, ExtractorError) and "no run 99" in str(r.exception)  # main() prints it as one line


def test_pages_are_reported_while_a_pdf_is_read(monkeypatch):
    import extractor.ingest as ingest

    calls = []
    monkeypatch.setattr(ingest, "PAGE_HOOK", lambda done, total: calls.append((done, total)))
    ingest.read(CORPUS / "generated" / "000_25c1a683a650bf81.pdf")
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_worker_that_crashes_or_hangs_fails_that_file_only(tmp_path, monkeypatch):
    import extractor.batch.pool as pool

    real = pool.process_one

    def hostile(pipe, path, opts, debug=False):  # forked workers inherit this
        if path.endswith("crash.txt"):
            os._exit(3)  # as a segfault in a C library would
        if path.endswith("hang.txt"):
            time.sleep(60)
        return real(pipe, path, opts, debug)

    monkeypatch.setattr(pool, "process_one", hostile)
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("crash.txt", "hang.txt"):
        (folder / name).write_text(f"{name}: Sở Y tế chủ trì triển khai bệnh án điện tử.\n", encoding="utf-8")
    for p in sorted(CORPUS.glob("00[34]*.txt")):
        (folder / p.name).write_bytes(p.read_bytes())
    t = time.time()
    s = run([folder], db=tmp_path / "o.db", linker=None, workers=2, timeout=3)
    assert time.time() - t < 20
    errors = {Path(f.path).name: f.error for f in s.failed}
    assert set(errors) == {"crash.txt", "hang.txt"}
    assert "the worker died (exit code 3)" in errors["crash.txt"]
    assert "longer than the 3 s budget (--timeout)" in errors["hang.txt"]
    assert s.tally()["ok"] == 2


def test_a_worker_is_one_core_and_spare_cores_go_to_the_files_threads():
    from extractor.batch.runner import split_cores

    assert split_cores(1, 50, 2) == (1, 1)  # --workers 1 uses one core, even on a bigger machine
    assert split_cores(2, 50, 2) == (2, 1)
    assert split_cores(8, 50, 2) == (8, 1)  # more workers than cores: never more threads than cores
    assert split_cores(2, 1, 2) == (1, 2)  # one file: its embedder and OCR pages get both cores
    assert split_cores(4, 1, 2) == (1, 2)
    assert split_cores(8, 3, 8) == (3, 2)


def test_a_worker_limits_numpys_blas_pool_to_its_cores():
    # A forked worker inherits a BLAS pool sized for the whole machine; limit_threads must shrink it.
    code = ("import numpy, threadpoolctl\n"
            "from extractor.batch.work import limit_threads\n"
            "limit_threads(1)\n"
            "blas=[p for p in threadpoolctl.threadpool_info() if p['user_api']=='blas']\n"
            "assert blas and all(p['num_threads']==1 for p in blas), blas\n"
            "import os; assert os.environ['OMP_NUM_THREADS']=='1' and os.environ['EXTRACTOR_OCR_WORKERS']=='1'\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_idle_workers_lend_their_cores_to_the_busy_ones():
    from extractor.batch.pool import lend

    assert lend(1, 1, 1) == [1]  # the tail: one scan left, the other worker idle
    assert lend(2, 0, 1) == [0, 0]  # everyone busy: nothing to lend
    assert lend(2, 3, 2) == [3, 3]
    assert lend(3, 1, 2) == [1, 1, 0]
    assert lend(0, 2, 1) == []


def test_a_scan_takes_more_pages_at_once_when_cores_are_lent(monkeypatch):
    import threading

    from extractor.ingest import ocr

    running, peak, lock = [0], [], threading.Lock()
    allowed = [1]

    def fake_ocr(img, dpi, **kw):
        with lock:
            running[0] += 1
            peak.append(running[0])
        time.sleep(0.15)
        with lock:
            running[0] -= 1
        return img

    monkeypatch.setattr(ocr, "ocr_image", fake_ocr)
    monkeypatch.setattr(ocr, "tesseract_cmd", lambda: "tesseract")
    monkeypatch.setattr(ocr, "_machine_cores", lambda: 4)
    monkeypatch.setattr(ocr, "CONCURRENCY", lambda: allowed[0])
    out = [k for k, _ in ocr.ocr_stream((k, lambda k=k: (k, 300)) for k in range(6))]
    assert out == list(range(6)) and max(peak) == 1  # its own core only
    peak.clear()
    allowed[0] = 3  # two idle workers lent theirs
    out = [k for k, _ in ocr.ocr_stream((k, lambda k=k: (k, 300)) for k in range(9))]
    assert out == list(range(9)) and max(peak) == 3
