"""Where the bytes of a national part go: one part of a split built and solved stage by stage in
this process, printing the resident memory after each stage and the sizes of the arrays it holds.

    python -m benchmarks.national_memory benchmarks/.instances/N-national-200000-s1 --split area

Resident memory is read from /proc/self/statm (current) and `resource.getrusage` (peak); array
sizes are `nbytes` per field, so the per-pair figures need no memory profiler.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

PAGE = 4096


def rss_bytes() -> int:
    """This process's resident bytes now (from /proc/self/statm)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def peak_bytes() -> int:
    """This process's peak resident bytes so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def nbytes(obj: Any) -> int:
    """Bytes of the numpy arrays (and sparse matrices) reachable as fields of `obj`, one level."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if sp.issparse(obj):
        m = obj.tocsr() if not hasattr(obj, "indptr") else obj
        return m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
    if isinstance(obj, dict):
        return sum(nbytes(v) for v in obj.values())
    if hasattr(obj, "__dict__"):
        return sum(nbytes(v) for v in vars(obj).values() if not callable(v))
    if hasattr(obj, "__dataclass_fields__"):
        return sum(nbytes(getattr(obj, f)) for f in obj.__dataclass_fields__)
    return 0


class Stages:
    """Prints one line per stage: RSS now, its change, peak, and bytes per pair."""

    def __init__(self, pairs: int = 1) -> None:
        self.pairs, self.last, self.t = max(pairs, 1), rss_bytes(), time.perf_counter()

    def mark(self, name: str, held: int | None = None) -> None:
        from matcher.national.memory import release

        release()
        now = rss_bytes()
        extra = (
            ""
            if held is None
            else f"  arrays {held / 2**20:8.1f} MiB ({held / self.pairs:5.1f} B/pair)"
        )
        print(
            f"{name:<28} rss {now / 2**30:6.2f} GiB  Δ {(now - self.last) / 2**20:+8.1f} MiB "
            f"({(now - self.last) / self.pairs:+6.1f} B/pair)  peak {peak_bytes() / 2**30:6.2f} GiB"
            f"  {time.perf_counter() - self.t:6.1f} s{extra}",
            flush=True,
        )
        self.last, self.t = now, time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instance", type=Path)
    parser.add_argument("--split", default="area", choices=("region", "area"))
    parser.add_argument("--part", type=int, default=0, help="part index, largest first")
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args(argv)

    from instances.read import read_instance
    from matcher.allocation.colgen import RestrictedLp
    from matcher.allocation.constraints import build_rows
    from matcher.allocation.flow import flow_net
    from matcher.allocation.solve import SolveOptions, solve_columns
    from matcher.national.memory import return_freed_memory
    from matcher.national.split import split_clients
    from matcher.pairs.candidates import build_pairs
    from matcher.pairs.compact import build_compact

    return_freed_memory()

    st = Stages()
    st.mark("python + imports")
    inst = read_instance(args.instance)
    st.mark("instance read", nbytes(inst.columns))
    parts = split_clients(inst, args.split)
    part = parts[args.part]
    print(f"{len(parts)} parts; part {args.part} = {part.name}: {len(part.clients)} clients")
    compact = build_compact(inst, clients=part.clients)
    st.pairs = len(compact)
    st.mark("compact table (kept)", compact.nbytes)
    pairs = build_pairs(inst, clients=part.clients)
    print(f"pairs {len(pairs)}")
    for f in ("client", "placement", "pool", "cost", "travel_min", "score"):
        a = getattr(pairs, f)
        print(f"  {f:<12} {a.dtype}  {a.nbytes / len(pairs):.0f} B/pair")
    print(f"  components   {nbytes(pairs.components) / len(pairs):.0f} B/pair (6 × int64)")
    st.mark("pair table", nbytes(pairs))
    rows = build_rows(inst, pairs, part.clients)
    st.mark(f"rows (nnz {rows.matrix.nnz})", nbytes(rows))
    net = flow_net(rows, pairs.score.astype(np.float64))
    st.mark("flow net", nbytes(net) - nbytes(rows))
    lp = RestrictedLp(net, pairs.score)
    st.mark("LP copies (csc + Aᵀ)", lp.csc.nnz * 12 + lp.transposed.nnz * 12 + len(pairs) * 9)
    del lp
    st.mark("LP copies freed")
    stats: dict[str, Any] = {}
    options = SolveOptions(time_limit=args.time_limit, workers=1)
    chosen, status, bound = solve_columns(
        pairs, rows, pairs.score, options, time.perf_counter(), lambda _p: None, stats
    )
    st.mark(f"solve_columns ({status})")
    print(f"objective {int(pairs.score[chosen].sum())} bound {bound} stats {stats}")
    from matcher.allocation.solve import SolveResult
    from matcher.explain.alternatives import alternatives_for_assigned
    from matcher.explain.unassigned import reasons_for_unassigned

    result = SolveResult(pairs, chosen, status, 0.0, bound, 0.0)
    alt = alternatives_for_assigned(inst, result, limit=3)
    placed = np.zeros(inst.columns.n_clients, dtype=bool)
    placed[pairs.client[chosen]] = True
    why = reasons_for_unassigned(inst, result, part.clients[~placed[part.clients]])
    st.mark(f"explanations ({len(alt)}+{len(why)})")
    del net, rows, result
    st.mark("rows + net freed")
    del pairs
    st.mark("pair table freed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
