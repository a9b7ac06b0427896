"""``run --executor ray``: the same run on a Ray cluster (``pip install .[ray]``).

Ray actors, one per CPU the cluster offers (or ``workers``), each build the
pipeline once and process whole files by path (the inbox must be on storage
every node sees, as for any shared folder).  Results come back to this
process, the run's only writer, which stores them exactly as a local run does:
same incremental plan, same one-transaction-per-document, same resume after a
kill.  A file whose actor dies (its node was lost) is retried once on another
actor, then marked failed; a file over ``--timeout`` is marked failed and its
actor replaced.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Optional

from extractor.batch.work import Options


def _actor_class(ray):
    @ray.remote(num_cpus=1)
    class DocWorker:
        def __init__(self, opts: Options):
            from extractor.batch.work import limit_threads
            from extractor.pipeline import Pipeline

            limit_threads(1)  # one CPU per actor

            self.opts = opts
            self.pipe = Pipeline(linker=opts.linker, embedder=opts.embedder)

        def process(self, path: str):
            from extractor.batch.work import process_one

            return process_one(self.pipe, path, self.opts)

    return DocWorker


def run_ray(paths: list[str], opts: Options, write, emit, stop: dict, address: Optional[str] = None,
            workers: Optional[int] = None) -> int:
    """Process ``paths`` on Ray; returns how many were not started (Ctrl-C)."""
    from extractor.errors import ExtractorError

    try:
        import ray
    except ImportError as e:
        raise ExtractorError("--executor ray needs Ray: pip install 'dti-extractor[ray]'") from e
    started_here = not ray.is_initialized()
    if started_here:
        kw = {"address": address} if address else {"num_cpus": workers or None}
        ray.init(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True, **kw)
    try:
        n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        n = max(1, min(n, len(paths)))
        cls = _actor_class(ray)
        actors = [cls.remote(opts) for _ in range(n)]
        idle = deque(actors)
        queue = deque(paths)
        tries: dict[str, int] = {}
        running: dict = {}  # ObjectRef -> (path, actor, started)
        while queue or running:
            while idle and queue and not stop["asked"]:
                path = queue.popleft()
                actor = idle.popleft()
                running[actor.process.remote(path)] = (path, actor, time.time())
                emit("start", {"path": path})
            if not running:
                break
            done, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
            for ref in done:
                path, actor, t0 = running.pop(ref)
                try:
                    out = ray.get(ref)
                except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError,
                        ray.exceptions.ObjectLostError) as e:
                    actor = cls.remote(opts)  # replace the lost actor
                    tries[path] = tries.get(path, 0) + 1
                    if tries[path] <= 1:
                        queue.appendleft(path)
                    else:
                        write(path, ("failed", f"{path}: the Ray worker died twice ({type(e).__name__})",
                                     time.time() - t0))
                    idle.append(actor)
                    continue
                idle.append(actor)
                write(path, out)
            if opts.timeout:
                for ref, (path, actor, t0) in list(running.items()):
                    if time.time() - t0 > opts.timeout:
                        running.pop(ref)
                        ray.kill(actor)
                        idle.append(cls.remote(opts))
                        write(path, ("failed", f"{path}: took longer than the {opts.timeout:g} s budget (--timeout); "
                                               f"stopped", time.time() - t0))
        for a in actors + list(idle):
            try:
                ray.kill(a)
            except Exception:
                pass
        return len(queue)
    finally:
        if started_here:
            ray.shutdown()
