"""run --executor ray on a local Ray instance (2 CPUs) stores exactly what a local run stores."""

from __future__ import annotations

import pytest

from test_batch import build_batch, last_status, rows

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install .[ray])")


@pytest.mark.slow
def test_ray_run_equals_a_local_run(tmp_path):
    from extractor.batch import run

    good, bad = build_batch(tmp_path / "in", n_good=12)
    local = run([tmp_path / "in"], db=tmp_path / "local.db", linker=None, workers=0, max_text_mb=2)
    on_ray = run([tmp_path / "in"], db=tmp_path / "ray.db", linker=None, executor="ray", workers=2, max_text_mb=2)
    assert on_ray.status == "finished"
    assert rows(tmp_path / "ray.db") == rows(tmp_path / "local.db")
    assert {r.path for r in on_ray.failed} == {r.path for r in local.failed} == {str(p) for p in bad}
    status = last_status(tmp_path / "ray.db")
    assert all(status[str(p)][0] == "failed" and p.name in status[str(p)][1] for p in bad)
    # resumable like a local run: nothing to redo
    again = run([tmp_path / "in"], db=tmp_path / "ray.db", linker=None, executor="ray", workers=2, max_text_mb=2)
    assert again.tally()["ok"] == 0 and again.tally()["skipped"] == len(good)
