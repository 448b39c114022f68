"""Issue 13's cold-start benchmark: the loader alone, `preload run -- python
load.py`, and `with preload.warming(d): load(d)` (load.py --warming), each
from a cold cache (per-file eviction, checked < 1% resident), interleaved,
medians of N; wall time of the whole process.

    python warming_bench.py MNT PRELOAD_BIN [RUNS] [WORK]
"""

import statistics
import subprocess
import sys
import time

import preload

mnt, preload_bin = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
work = sys.argv[4] if len(sys.argv) > 4 else "0"
py = sys.executable
load = [py, "crates/python/examples/load.py", mnt, "--work", work]
variants = {
    "loader alone": load,
    "preload run -- python load.py": [preload_bin, "run", "-q", "-P", "16", mnt, "--", *load],
    "with preload.warming(d): load(d)": [*load, "--warming", "-P", "16"],
}
times = {k: [] for k in variants}
for r in range(runs):
    names = list(variants)
    names = names[r % len(names):] + names[: r % len(names)]
    for name in names:
        preload.evict(mnt)
        cold = preload.status(mnt).fraction
        assert cold < 0.01, f"not cold: {cold:.1%}"
        t = time.monotonic()
        subprocess.run(variants[name], check=True, capture_output=True)
        times[name].append(time.monotonic() - t)
        print(f"round {r + 1} {name}: {times[name][-1]:.2f} s", file=sys.stderr, flush=True)
alone = statistics.median(times["loader alone"])
print(f"| variant (work {work}) | median s | min-max s | vs loader alone |")
print("| --- | ---: | ---: | ---: |")
for name, ts in times.items():
    m = statistics.median(ts)
    print(f"| {name} | {m:.2f} | {min(ts):.2f}-{max(ts):.2f} | {alone / m:.2f}x |")
