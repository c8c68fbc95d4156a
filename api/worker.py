"""Runs are solved in worker processes, never in the web server's event loop or threads.

Design: the app starts a `Supervisor` (a thread in the server process) that keeps
`settings.worker_processes` long-lived solver processes (multiprocessing; forked from a fork
server that has imported the engine once, or spawned where there is none). Each process
loops: claim the oldest queued run in the database (`Store.claim_next_run`, one transaction, so
several processes or servers never take the same run), solve it with `matcher.allocation.solve.solve`,
write progress to the run row at most every `progress_seconds`, and store allocation.json.

Cancellation terminates the process solving the run: the supervisor sees the run's
`cancel_requested` flag, stops that process (CP-SAT cannot be interrupted from another process
any faster), marks the run cancelled, re-queues anything else the process held and starts a
fresh process. A process that dies on its own fails its run (restartable). At start-up the app
marks runs left `running` as `interrupted` (`POST /runs/{id}/restart` queues them again); a
claim token per attempt keeps a stale process from overwriting a run that was re-queued.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
import uuid
from dataclasses import asdict
from typing import Any

from api.errors import disk_full
from api.precompute import json_default
from api.settings import Settings
from api.store import RunRow, Store, open_store

log = logging.getLogger("polku.worker")


def allocation_json(alloc_dict: dict[str, Any]) -> str:
    """allocation.json text (numpy scalars made plain)."""
    return json.dumps(alloc_dict, default=json_default, ensure_ascii=False)


def solve_run(store: Store, run: RunRow, settings: Settings, background: bool = False) -> str:
    """Solve a claimed run and record the outcome; returns the final status. Its answers are
    then precomputed (api/precompute.py) here, or with `background` on the worker's
    precompute thread, so the next queued run does not wait for them."""
    from api.decisions import run_instance
    from api.precompute import store_views
    from api.uploads import load_stored
    from matcher.allocation.result import to_allocation
    from matcher.allocation.solve import SolveOptions, solve
    from matcher.progress import Progress

    claim = run.claim or ""
    request = run.request
    time_limit = float(request["time_limit"])
    last = [0.0]

    def on_progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < settings.progress_seconds and p.phase != "done":
            return
        last[0] = now
        store.set_progress(run.id, claim, {**p.as_dict(), "time_limit": time_limit})

    try:
        row = store.get_instance(run.instance_id)
        if row is None:
            raise RuntimeError(f"instance {run.instance_id} is gone")
        base = load_stored(store.instance_data(run.instance_id), row.name)
        history = store.decisions(run.instance_id, upto=run.decisions_upto)
        inst = run_instance(base, request["weights"], history)
        store.set_progress(
            run.id, claim, {"phase": "building", "elapsed": 0.0, "time_limit": time_limit}
        )
        options = SolveOptions(
            time_limit=time_limit,
            workers=max(
                1,
                min(
                    int(request.get("workers") or settings.solver_threads), settings.solver_threads
                ),
            ),
            seed=int(request.get("seed", 0)),
            mode=str(request.get("mode", "weighted")),
        )
        if request.get("kind", "allocation") == "shortlist":
            return _shortlist_run(store, run, inst, options, on_progress)
        result = solve(inst, options, on_progress=on_progress)
        alloc = to_allocation(inst, result).to_dict()
        final = {
            **(asdict(result.history[-1]) if result.history else {}),
            "elapsed": round(result.seconds, 2),
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "phase": "done",
            "time_limit": time_limit,
            "status": result.status,
        }
        text = allocation_json(alloc)
        if store.finish_run(run.id, claim, "done", text, None, final):
            if background:
                PRECOMPUTE.submit(store, run.id, inst, json.loads(text))
            else:
                store_views(store, run.id, inst, json.loads(text))
        return "done"
    except Exception as exc:  # any failure of a run is recorded on the run
        log.error("run %s failed:\n%s", run.id, traceback.format_exc())
        if disk_full(exc):
            message = (
                "the server's disk is full, so the run could not be stored; "
                "restart it once space is freed"
            )
        else:
            message = f"{type(exc).__name__}: {str(exc) or type(exc).__name__}"
        record_failure(store, run.id, claim, message, settings.failure_retry_seconds)
        return "failed"


class Precomputer:
    """One background thread per worker process that stores finished runs' answers in turn
    (CP-SAT releases the GIL, so the next run solves meanwhile)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, store: Store, run_id: int, inst: Any, alloc: dict[str, Any]) -> None:
        self._jobs.put((store, run_id, inst, alloc))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, daemon=True, name="polku-precompute"
                )
                self._thread.start()

    def _loop(self) -> None:
        from api.precompute import store_views

        while True:
            store, run_id, inst, alloc = self._jobs.get()
            store_views(store, run_id, inst, alloc)  # logs its own failures


PRECOMPUTE = Precomputer()


def record_failure(store: Store, run_id: int, claim: str, message: str, retry: float) -> None:
    """Mark a claimed run failed with `message`. On a full disk that small write may fail too:
    it is retried every second for up to `retry` seconds (space may come back), so the run does
    not stay `running` for good; after that the error is raised (the run is then interrupted
    when the server restarts, restartable either way)."""
    deadline = time.monotonic() + retry
    while True:
        try:
            store.finish_run(run_id, claim, "failed", None, message)
            return
        except Exception as exc:
            if not disk_full(exc) or time.monotonic() >= deadline:
                raise
            log.warning("run %s: cannot record its failure yet (%s); retrying", run_id, exc)
            time.sleep(1.0)


def _shortlist_run(store: Store, run: RunRow, inst: Any, options: Any, on_progress: Any) -> str:
    """Solve a shortlist run (matcher.shortlists.solve) and store its shortlists.json."""
    from matcher.shortlists.solve import ShortlistOptions, shortlist, to_shortlists

    request = run.request
    opts = ShortlistOptions(
        per_seat=int(request.get("per_seat", 3)),
        max_lists=int(request.get("max_lists", 1)),
        time_limit=options.time_limit,
        workers=options.workers,
        seed=options.seed,
    )
    result = shortlist(inst, opts, on_progress=on_progress)
    lists = to_shortlists(inst, result)
    final = {
        **(asdict(result.history[-1]) if result.history else {}),
        "elapsed": round(result.seconds, 2),
        "objective": lists.objective,
        "bound": lists.bound,
        "gap": lists.gap,
        "phase": "done",
        "time_limit": options.time_limit,
        "status": result.status,
    }
    store.finish_run(
        run.id,
        run.claim or "",
        "done",
        None,
        None,
        final,
        shortlists=allocation_json(lists.to_dict()),
    )
    return "done"


def run_one(
    store: Store, settings: Settings, pid: int | None = None, background: bool = False
) -> int | None:
    """Claim and solve the oldest queued run in this process; its id, or None if none waits.
    (The worker loop, and tests that want a run solved without a process.)"""
    run = store.claim_next_run(uuid.uuid4().hex, os.getpid() if pid is None else pid)
    if run is None:
        return None
    solve_run(store, run, settings, background)
    return run.id


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when the server that started it dies (best effort)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _exit_with_parent(parent: multiprocessing.process.BaseProcess) -> None:
    """Wait for the server process to end, then end this worker at once (even mid-solve): a
    solve nobody will read must not finish and write after a crashed server's successor has
    marked the run interrupted."""
    parent.join()
    os._exit(3)


def _lower_priority(increment: int) -> None:
    """Run this solver process `increment` nice levels below the web server, so a long solve
    takes only the CPU the server leaves (reads stay fast on a small machine)."""
    if increment > 0:
        try:
            os.nice(increment)
        except OSError as exc:  # not allowed here: the solve still runs, at the same priority
            log.warning("could not lower the solver's priority: %s", exc)


def exit_with_server() -> None:
    """In a process started through `worker_context`: end it as soon as the server that
    started it ends (a background thread waits for that)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with_parent, args=(parent,), daemon=True, name="polku-parent-watch"
        ).start()


def worker_main(db: str, settings: dict[str, Any]) -> None:
    """Entry point of a worker process: solve queued runs until the parent goes away."""
    _die_with_parent()
    _lower_priority(settings.get("worker_nice", 0))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    conf = Settings(**settings)
    store = open_store(db, conf.db_lock_timeout)
    # import the engine now, so the first run does not wait for it
    import api.decisions  # noqa: F401
    import api.uploads  # noqa: F401
    import matcher.allocation.result  # noqa: F401
    import matcher.allocation.solve  # noqa: F401
    import matcher.explain.views  # noqa: F401

    exit_with_server()
    parent = multiprocessing.parent_process()
    while parent is None or parent.is_alive():
        try:
            if run_one(store, conf, background=True) is None:
                time.sleep(conf.poll_seconds)
        except Exception:  # a database hiccup must not end the worker
            log.error("worker loop: %s", traceback.format_exc())
            time.sleep(conf.poll_seconds)


PRELOAD = [
    "api.worker",
    "api.decisions",
    "api.uploads",
    "api.precompute",
    "matcher.allocation.solve",
    "matcher.allocation.result",
    "matcher.explain.views",
    "matcher.shortlists.solve",
]


def worker_context() -> (
    multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext
):
    """How worker processes start: from a fork server that has imported the engine once (a new
    worker after a cancellation is ready at once), or spawned where there is no fork server."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


class Supervisor:
    """Keeps the solver processes alive and carries out cancellations (a thread in the app)."""

    def __init__(self, store: Store, db: str, settings: Settings):
        self.store = store
        self.db = db
        self.settings = settings
        self.ctx = worker_context()
        self.procs: list[multiprocessing.process.BaseProcess | None] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._crashes = 0  # quick deaths in a row: each doubles the wait before the next start
        self._next_start = 0.0

    def _spawn(self) -> multiprocessing.process.BaseProcess:
        proc = self.ctx.Process(
            target=worker_main,
            args=(self.db, asdict(self.settings)),
            name="polku-worker",
            daemon=True,
        )
        proc.start()
        proc._polku_started = time.monotonic()  # type: ignore[union-attr]
        log.info("started worker process %s", proc.pid)
        return proc

    def start(self) -> None:
        """Start the supervising thread; it starts the processes (the first start, which
        launches the fork server, takes seconds and must not hold up the app's start-up)."""
        self.procs = [None] * self.settings.worker_processes
        self._thread = threading.Thread(target=self._watch, name="polku-supervisor", daemon=True)
        self._thread.start()

    def alive(self) -> int:
        """Solver processes running now (read without the lock: a snapshot is enough)."""
        return sum(1 for p in list(self.procs) if p is not None and p.is_alive())

    def _stop_process(self, proc: multiprocessing.process.BaseProcess) -> None:
        proc.terminate()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)

    def check(self) -> None:
        """One round: carry out cancellations, replace dead processes (a process that dies soon
        after starting is replaced after a doubling pause, so a broken setup does not spin)."""
        with self._lock:
            for i, proc in enumerate(self.procs):
                if proc is None:
                    if time.monotonic() >= self._next_start and not self._stop.is_set():
                        self.procs[i] = self._spawn()
                    continue
                pid = proc.pid or -1
                to_cancel = self.store.runs_to_cancel(pid)
                if to_cancel:
                    self._stop_process(proc)
                    for run in to_cancel:
                        self.store.cancel_running(run.id, run.claim or "")
                        log.info("run %s cancelled (worker %s stopped)", run.id, pid)
                    self.store.requeue_running_of_pid(pid)
                    self.procs[i] = self._spawn()
                elif not proc.is_alive() and not self._stop.is_set():
                    n = self.store.fail_running_of_pid(
                        pid, f"the worker process ended unexpectedly (exit code {proc.exitcode})"
                    )
                    log.warning(
                        "worker %s ended (code %s); %d run(s) failed", pid, proc.exitcode, n
                    )
                    quick = time.monotonic() - getattr(proc, "_polku_started", 0.0) < 10
                    self._crashes = self._crashes + 1 if quick else 0
                    self._next_start = time.monotonic() + (
                        min(60.0, 0.5 * 2**self._crashes) if quick else 0.0
                    )
                    self.procs[i] = None

    def _watch(self) -> None:
        while True:
            try:
                self.check()
            except Exception:  # the supervisor must keep going
                log.error("supervisor: %s", traceback.format_exc())
            if self._stop.wait(0.25):
                return

    def stop(self) -> None:
        """Stop the processes; their running runs are marked interrupted (restartable)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            for proc in self.procs:
                if proc is not None:
                    self._stop_process(proc)
                    self.store.interrupt_running_of_pid(proc.pid or -1)
            self.procs = []
