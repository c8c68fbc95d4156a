"""Where the part workers run: in this process (tests, small runs) or as Ray actors.

Both executors answer `call(method, args_per_worker)` with one answer per worker, in worker
order (`submit` + `collect` split it, so the driver can work while Ray's actors do); the Ray one sends the instance to the object store once and starts one actor (one CPU)
per worker, so the pair tables live in the actors and only prices, row use and the chosen rows
cross the wire. Ray is an optional extra (`pip install polku[ray]`) imported only here.
"""

from __future__ import annotations

from typing import Any, Protocol

from matcher.national.part import PartWorker
from matcher.national.split import Part
from models.instance import Instance

RAY_OBJECT_STORE_BYTES = 1 << 30  # a local Ray's object store: the instance and the answers


class RayUnavailableError(RuntimeError):
    """`--ray` without the ray package installed, or a Ray cluster that cannot be reached."""


class Executor(Protocol):
    """Runs one method on every worker with that worker's arguments."""

    concurrent: bool  # do submitted calls run while the driver works on?

    def call(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]: ...

    def submit(self, method: str, args: list[tuple[Any, ...]]) -> Any: ...

    def call_one(self, worker: int, method: str, args: tuple[Any, ...]) -> Any: ...

    def collect(self, handle: Any) -> list[Any]: ...

    def close(self) -> None: ...


class InProcess:
    """Every worker is a plain PartWorker in this process, called one after the other."""

    concurrent = False

    def __init__(self, inst: Instance, groups: list[list[Part]], explain: bool = True) -> None:
        self.workers = [PartWorker(inst, parts, explain) for parts in groups]

    def call(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]:
        return [getattr(w, method)(*a) for w, a in zip(self.workers, args, strict=True)]

    def submit(self, method: str, args: list[tuple[Any, ...]]) -> Any:
        return self.call(method, args)  # runs now: nothing runs beside the driver

    def call_one(self, worker: int, method: str, args: tuple[Any, ...]) -> Any:
        return getattr(self.workers[worker], method)(*args)

    def collect(self, handle: Any) -> list[Any]:
        return list(handle)

    def close(self) -> None:
        self.workers = []


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailableError("--ray needs the ray package: pip install 'polku[ray]'") from None
    return ray


class OnRay:
    """One Ray actor per worker; a local Ray (num_cpus = workers) is started when `address` is
    None and stopped by `close`, a given cluster is joined and left running."""

    def __init__(
        self,
        inst: Instance,
        groups: list[list[Part]],
        address: str | None = None,
        explain: bool = True,
    ) -> None:
        ray = _ray()
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            try:
                if address is None:
                    ray.init(
                        num_cpus=len(groups),
                        include_dashboard=False,
                        object_store_memory=RAY_OBJECT_STORE_BYTES,
                        log_to_driver=False,
                    )
                else:
                    ray.init(address=address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailableError(f"cannot start or reach Ray at {address}: {exc}") from exc
        actor = ray.remote(num_cpus=1)(PartWorker)
        ref = ray.put(inst)
        self.workers = [actor.remote(ref, parts, explain) for parts in groups]

    concurrent = True

    def call(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]:
        return self.collect(self.submit(method, args))

    def submit(self, method: str, args: list[tuple[Any, ...]]) -> Any:
        return [getattr(w, method).remote(*a) for w, a in zip(self.workers, args, strict=True)]

    def collect(self, handle: Any) -> list[Any]:
        return list(self.ray.get(handle))

    def call_one(self, worker: int, method: str, args: tuple[Any, ...]) -> Any:
        return self.ray.get(getattr(self.workers[worker], method).remote(*args))

    def close(self) -> None:
        for w in self.workers:
            self.ray.kill(w)
        self.workers = []
        if self.started:
            self.ray.shutdown()
