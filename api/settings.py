"""Settings of the API service, read from the environment in one place (POLKU_* variables).

`POLKU_DB` names the database (a SQLite file path, a `sqlite:///path` or a `postgresql://…` URL); the other
variables tune limits and the solver worker. Everything has a default, so `polku serve` works
with no environment at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from instances.read.archives import ZipLimits

DEFAULT_DB = "polku.sqlite"


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Service settings; build with `Settings.from_env()` or directly in tests."""

    db: str = DEFAULT_DB
    max_upload_bytes: int = 200 * 1024 * 1024  # instance zips and client CSVs
    max_json_bytes: int = 1024 * 1024  # every other request body
    max_unzipped_bytes: int = 256 * 1024 * 1024  # an upload's files unpacked, in total
    max_zip_members: int = 64  # entries in an uploaded zip (an instance has six files)
    max_zip_ratio: float = 200.0  # unpacked / packed size of one file (zip bombs: ~1000)
    max_json_depth: int = 32  # nesting of any JSON body
    max_json_containers: int = 1_000_000  # objects and lists in a JSON upload
    parse_in_child_bytes: int = 32 * 1024 * 1024  # a zip declaring more unpacked: parsed in a child
    max_queued_runs: int = 5  # queued or running runs per user (token name) at once
    min_free_bytes: int = 64 * 1024 * 1024  # below this free on the database's disk: 507
    docs: bool = False  # the interactive /docs page (its assets come from a CDN)
    worker_processes: int = 1  # solver processes consuming the run queue
    solver_threads: int = 2  # CP-SAT workers per run unless the request asks for fewer
    worker_nice: int = 10  # solver processes run this many nice levels below the server
    default_time_limit: float = 60.0
    max_time_limit: float = 3600.0
    poll_seconds: float = 0.5  # how often an idle worker looks at the queue
    failure_retry_seconds: float = 600.0  # a run's failure on a full disk: retried this long
    progress_seconds: float = 0.5  # at most one progress write per this many seconds
    cache_instances: int = 4  # parsed instances kept in memory per process
    max_weight: float = 1e6  # every objective weight within ±this (scores stay exact integers)
    max_report_weeks: int = 53  # GET /reports covers at most this many weeks (a year)
    db_lock_timeout: float = 30.0  # seconds a statement waits for a lock before it fails
    # set by `polku serve --processes N` for its server processes: the health report the main
    # process writes (it alone probes, supervises the solvers and marks stale runs at start-up)
    health_file: str | None = None

    def zip_limits(self) -> ZipLimits:
        """The unzip bounds for uploads."""
        return ZipLimits(
            max_members=self.max_zip_members,
            max_member_bytes=self.max_unzipped_bytes,
            max_total_bytes=self.max_unzipped_bytes,
            max_ratio=self.max_zip_ratio,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from POLKU_* variables (`env` defaults to os.environ), then `overrides`."""
        env = os.environ if env is None else env
        base = cls()
        values: dict[str, object] = {"db": env.get("POLKU_DB") or base.db}
        numeric = {
            "POLKU_MAX_UPLOAD_MB": ("max_upload_bytes", 1024 * 1024),
            "POLKU_MAX_JSON_KB": ("max_json_bytes", 1024),
            "POLKU_WORKER_PROCESSES": ("worker_processes", 1),
            "POLKU_SOLVER_THREADS": ("solver_threads", 1),
            "POLKU_MAX_UNZIPPED_MB": ("max_unzipped_bytes", 1024 * 1024),
            "POLKU_MAX_QUEUED_RUNS": ("max_queued_runs", 1),
            "POLKU_MIN_FREE_MB": ("min_free_bytes", 1024 * 1024),
            "POLKU_WORKER_NICE": ("worker_nice", 1),
            "POLKU_PARSE_IN_CHILD_MB": ("parse_in_child_bytes", 1024 * 1024),
            "POLKU_MAX_REPORT_WEEKS": ("max_report_weeks", 1),
        }
        for var, (name, unit) in numeric.items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            try:
                number = int(raw)
            except ValueError as exc:
                raise SettingsError(f"{var}: expected a whole number, got {raw!r}") from exc
            low, high = (0, 19) if name == "worker_nice" else (1, None)
            if number < low or (high is not None and number > high):
                bounds = f"from {low} to {high}" if high is not None else f"≥ {low}"
                raise SettingsError(f"{var}: expected a number {bounds}, got {raw!r}")
            values[name] = number * unit
        for var, name in (
            ("POLKU_MAX_TIME_LIMIT", "max_time_limit"),
            ("POLKU_DEFAULT_TIME_LIMIT", "default_time_limit"),
            ("POLKU_MAX_WEIGHT", "max_weight"),
            ("POLKU_DB_LOCK_TIMEOUT", "db_lock_timeout"),
        ):
            raw = env.get(var)
            if raw:
                try:
                    values[name] = float(raw)
                except ValueError as exc:
                    raise SettingsError(f"{var}: expected a number, got {raw!r}") from exc
        if float(values.get("db_lock_timeout", base.db_lock_timeout)) <= 0:  # type: ignore[arg-type]
            raise SettingsError(
                "POLKU_DB_LOCK_TIMEOUT: expected seconds > 0 (0 would wait forever)"
            )
        if env.get("POLKU_HEALTH_FILE"):
            values["health_file"] = env["POLKU_HEALTH_FILE"]
        if env.get("POLKU_DOCS"):
            values["docs"] = env["POLKU_DOCS"].strip().lower() in ("1", "true", "yes", "on")
        settings = replace(base, **values)  # type: ignore[arg-type]
        return replace(settings, **overrides)  # type: ignore[arg-type]
