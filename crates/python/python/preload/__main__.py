"""``python -m preload``: the main verbs of the ``preload`` command, from the package.

    python -m preload warm [-P N|auto] [--json] DIR...
    python -m preload status [--min 99%] DIR...
    python -m preload evict DIR...
    python -m preload tune [--time-budget 30] DIR
    python -m preload run [-P N] DIR... -- CMD [ARGS...]

Exit codes are the CLI's (README, "Exit codes"): 0 done, 1 some files
failed, 2 usage or fatal error, 3 the mount keeps no pages, 4 nothing
selected, 5 residency unknown, 6 below ``--min``, 130 interrupted; ``run``
exits with CMD's status.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from typing import List, Optional, Sequence

import preload


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def _pct(f: float) -> str:
    # Rounded down, as the CLI does: 99.96% is never shown as 100%.
    return f"{int(f * 1000) / 10:g}%"


def _parallelism(s: str) -> object:
    return int(s) if s.isdigit() else s


def _min(s: str) -> float:
    v = float(s.rstrip("%"))
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError(f"--min {s}: not a percentage in 0..100")
    return v / 100


def _warm_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-P", "--parallelism", type=_parallelism, default="profile", metavar="N|auto")
    p.add_argument("--method", default="read", choices=["read", "willneed", "mmap"])
    p.add_argument("--order", default="loader", choices=["loader", "size", "path"])
    p.add_argument("--include", action="append", default=[], metavar="GLOB")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    p.add_argument("--max-bytes", type=int, default=None, metavar="BYTES")
    p.add_argument("--no-skip-resident", action="store_true")
    p.add_argument("--keep-open", action="store_true")
    p.add_argument("--allow-empty", action="store_true")


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m preload", description=__doc__.split("\n")[0])
    sub = top.add_subparsers(dest="verb", required=True)
    w = sub.add_parser("warm", help="read PATH into the page cache in parallel")
    _warm_flags(w)
    w.add_argument("--json", action="store_true")
    w.add_argument("-q", "--quiet", action="store_true")
    w.add_argument("paths", nargs="+", metavar="PATH")
    for verb in ("status", "evict"):
        s = sub.add_parser(verb, help=f"{verb} the files under PATH")
        s.add_argument("--json", action="store_true")
        s.add_argument("--include", action="append", default=[], metavar="GLOB")
        s.add_argument("--exclude", action="append", default=[], metavar="GLOB")
        if verb == "status":
            s.add_argument("--min", type=_min, default=None, metavar="PCT")
        s.add_argument("paths", nargs="+", metavar="PATH")
    t = sub.add_parser("tune", help="recommend -P for PATH's storage")
    t.add_argument("--time-budget", type=float, default=30.0, metavar="SECONDS")
    t.add_argument("--max-level", type=int, default=64)
    t.add_argument("--no-save", action="store_true")
    t.add_argument("--json", action="store_true")
    t.add_argument("path", metavar="PATH")
    r = sub.add_parser("run", help="warm PATH beside CMD: run [flags] PATH... -- CMD")
    _warm_flags(r)
    r.add_argument("rest", nargs=argparse.REMAINDER, metavar="PATH... -- CMD")
    return top


def _warm_kwargs(a: argparse.Namespace) -> dict:
    return dict(
        parallelism=a.parallelism,
        method=a.method,
        include=a.include,
        exclude=a.exclude,
        max_bytes=a.max_bytes,
        order=a.order,
        skip_resident=not a.no_skip_resident,
        keep_open=a.keep_open,
        allow_empty=a.allow_empty,
    )


def _warm(a: argparse.Namespace) -> int:
    s = preload.warm(
        a.paths, progress=not (a.quiet or a.json) and sys.stderr.isatty(), **_warm_kwargs(a)
    )
    for w in s.warnings:
        print(f"preload: warning: {w}", file=sys.stderr)
    if a.json:
        print(json.dumps(s.raw))
    elif not a.quiet:
        print(
            f"warmed {s.files_read} of {s.files} files, {_mib(s.bytes)} in {s.elapsed_s:.2f} s "
            f"({s.throughput_mib_s:.0f} MiB/s), method {s.method}, "
            f"P={s.parallelism} ({s.parallelism_source})"
        )
        print(
            f"resident: {_mib(s.residency.resident_bytes)} of {_mib(s.residency.total_bytes)} "
            f"({_pct(s.residency.fraction)})"
        )
    for f in s.failed:
        print(f"preload: {f.path}: {f.error}", file=sys.stderr)
    if s.interrupted:
        return 130
    if s.failed:
        return 1
    return 0 if s.pages_retained else 3


def _status(a: argparse.Namespace) -> int:
    r = preload.status(a.paths, a.include, a.exclude)
    if a.json:
        print(json.dumps(r.raw))
    else:
        for f in r.files:
            print(f"{_pct(f.residency.fraction):>6}  {f.path}")
        print(f"total: {_mib(r.total.resident_bytes)} of {_mib(r.total.total_bytes)} "
              f"({_pct(r.fraction)}) resident in {len(r.files)} files")
    for f in r.failed:
        print(f"preload: {f.path}: {f.error}", file=sys.stderr)
    if a.min is not None and r.fraction < a.min:
        print(f"preload: {_pct(r.fraction)} resident, below --min {_pct(a.min)}", file=sys.stderr)
        return 6
    return 1 if r.failed else 5 if r.total.unknown_bytes else 0


def _evict(a: argparse.Namespace) -> int:
    r = preload.evict(a.paths, a.include, a.exclude)
    if a.json:
        print(json.dumps(r.raw))
    else:
        print(f"evicted {r.files} files: resident before {_pct(r.before.fraction)}, "
              f"after {_pct(r.after.fraction)}")
    for f in r.failed:
        print(f"preload: {f.path}: {f.error}", file=sys.stderr)
    return 1 if r.failed else 5 if r.after.unknown_bytes else 0


def _tune(a: argparse.Namespace) -> int:
    def probe(p: dict) -> None:
        if not a.json:
            print(f"  probe -P {p['level']:<3} {p['phase']:<8} {p['steady_mib_s']:8.1f} MiB/s",
                  file=sys.stderr)

    t = preload.tune(a.path, a.time_budget, max_level=a.max_level, save=not a.no_save,
                     on_probe=probe)
    if a.json:
        print(json.dumps(t.raw))
        return 0
    print("    -P median MiB/s")
    for lv in t.levels:
        mark = " <" if lv.level == t.knee else ""
        print(f"  {lv.level:4} {lv.median_mib_s:12.1f}{mark}")
    print(f"recommended -P {t.knee} (confidence {t.confidence:.2f})")
    for c in t.caveats:
        print(f"caveat: {c}")
    if t.saved_profile:
        print(f"saved -P {t.knee} in {t.saved_profile}", file=sys.stderr)
    return 0


def _run(a: argparse.Namespace) -> int:
    rest: List[str] = a.rest
    if "--" not in rest or rest.index("--") == 0 or rest.index("--") == len(rest) - 1:
        print("preload: usage: run [flags] PATH... -- CMD [ARGS...]", file=sys.stderr)
        return 2
    cut = rest.index("--")
    paths, cmd = rest[:cut], rest[cut + 1 :]
    start = time.monotonic()
    with preload.warming(paths, **_warm_kwargs(a)) as w:
        try:
            child = subprocess.Popen(cmd)
        except FileNotFoundError:
            print(f"preload: {cmd[0]}: command not found", file=sys.stderr)
            return 127
        except PermissionError:
            print(f"preload: {cmd[0]}: permission denied", file=sys.stderr)
            return 126
        # SIGTERM (Kubernetes, Slurm) goes on to CMD; Ctrl-C reached it already.
        signal.signal(signal.SIGTERM, lambda n, _f: child.send_signal(n))
        while True:
            try:
                status = child.wait()
                break
            except KeyboardInterrupt:
                continue
    s = w.summary
    cmd_s = time.monotonic() - start
    if s is not None:
        print(
            f"preload run: CMD exited {status} after {cmd_s:.2f} s; warm {_mib(s.bytes)} in "
            f"{s.elapsed_s:.2f} s ({s.throughput_mib_s:.0f} MiB/s, P={s.parallelism}, "
            f"{s.order} order), {'stopped' if s.interrupted else 'finished'}",
            file=sys.stderr,
        )
    return 128 - status if status < 0 else status


def main(argv: Optional[Sequence[str]] = None) -> int:
    a = _parser().parse_args(argv)
    verbs = {"warm": _warm, "status": _status, "evict": _evict, "tune": _tune, "run": _run}
    try:
        return verbs[a.verb](a)
    except KeyboardInterrupt:
        print("preload: interrupted", file=sys.stderr)
        return 130
    except preload.NothingSelectedError as e:
        print(f"preload: {e}", file=sys.stderr)
        return 4
    except (OSError, ValueError, preload.PreloadError) as e:
        print(f"preload: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
