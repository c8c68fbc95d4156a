"""Run a command and report the peak resident memory of its whole process tree (the command, a
local Ray's raylet and actors), sampled from /proc every second; stop the command when the
machine's available memory falls below a floor (a shared machine).

    python -m benchmarks.peak_rss --log rss.csv --stop-below-gib 3 -- \
        python -m cli.main solve INSTANCE --ray --ray-workers 2 --split area --out a.json
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.national import _tree_rss


def available_bytes() -> int:
    """MemAvailable of /proc/meminfo in bytes."""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise OSError("/proc/meminfo has no MemAvailable line")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--log", type=Path, help="CSV of (seconds, tree GiB, available GiB)")
    parser.add_argument("--stop-below-gib", type=float, default=3.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, start_new_session=True)
    peak, stopped = 0, False
    log = open(args.log, "w") if args.log else None
    try:
        if log:
            log.write("seconds,tree_gib,available_gib\n")
        while proc.poll() is None:
            rss, avail = _tree_rss(proc.pid), available_bytes()
            peak = max(peak, rss)
            if log:
                log.write(f"{time.perf_counter() - t0:.1f},{rss / 2**30:.3f},{avail / 2**30:.2f}\n")
                log.flush()
            if avail < args.stop_below_gib * 2**30 and not stopped:
                print(
                    f"peak_rss: available memory {avail / 2**30:.1f} GiB < "
                    f"{args.stop_below_gib} GiB: stopping the command",
                    file=sys.stderr,
                )
                os.killpg(proc.pid, signal.SIGTERM)
                stopped = True
            time.sleep(args.every)
    finally:
        if log:
            log.close()
    wall = time.perf_counter() - t0
    print(
        f"peak_rss: exit {proc.returncode}, wall {wall:.1f} s, peak tree RSS {peak / 2**30:.2f} GiB"
        + (" (stopped: low memory)" if stopped else ""),
        flush=True,
    )
    return 3 if stopped else int(proc.returncode or 0)


if __name__ == "__main__":
    raise SystemExit(main())
