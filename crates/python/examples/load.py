"""A real model loader for benchmarks and tests: safetensors' numpy backend.

Reads a HuggingFace-style directory the way `from_pretrained` does: the
shards in the order `model.safetensors.index.json` first names them, each
tensor through `safe_open(...).get_tensor` (a copy out of the file).
`--work N` adds N passes (a fraction: over that share of each tensor) of a numpy reduction over every tensor, standing
for what real loaders do while they read (convert dtypes, shard, copy to a
GPU). `--warming` loads inside `with preload.warming(DIR)` (the package's
overlap, issue 13); otherwise it is the plain loader `preload run` wraps.

    python load.py DIR [--work N] [--warming [-P N]]

Prints one line: tensors, bytes, seconds (load, and warm when --warming).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Dict, List

import numpy as np
from safetensors import safe_open


def shards_in_index_order(root: str) -> List[str]:
    index = os.path.join(root, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        return [os.path.join(root, s) for s in dict.fromkeys(weight_map.values())]
    return [os.path.join(root, "model.safetensors")]


def busy(t: np.ndarray, work: float) -> float:
    """``work`` passes of a float32 sum over ``t`` (a fraction: over a prefix)."""
    flat = t.reshape(-1)
    total = 0.0
    with np.errstate(invalid="ignore", over="ignore"):  # random bytes hold NaNs
        while work > 0:
            part = flat[: int(len(flat) * min(work, 1.0))]
            total += float(np.add.reduce(part, dtype=np.float32))
            work -= 1.0
    return total


def load(root: str, work: float = 0.0) -> Dict[str, np.ndarray]:
    """All tensors of the model under ``root``, with ``work`` reduction passes each."""
    out: Dict[str, np.ndarray] = {}
    for shard in shards_in_index_order(root):
        with safe_open(shard, framework="np") as f:
            for key in f.keys():
                t = f.get_tensor(key)
                busy(t, work)
                out[key] = t
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--work", type=float, default=0.0,
                    help="reduction passes per tensor (0.5: over half of it)")
    ap.add_argument("--warming", action="store_true", help="load inside preload.warming(DIR)")
    ap.add_argument("-P", "--parallelism", default="profile")
    a = ap.parse_args()
    start = time.monotonic()
    if a.warming:
        import preload

        par = int(a.parallelism) if a.parallelism.isdigit() else a.parallelism
        with preload.warming(a.dir, parallelism=par) as w:
            tensors = load(a.dir, a.work)
        warm = f", warm {w.summary.elapsed_s:.2f} s ({'stopped' if w.summary.interrupted else 'finished'})"
    else:
        tensors = load(a.dir, a.work)
        warm = ""
    took = time.monotonic() - start
    nbytes = sum(t.nbytes for t in tensors.values())
    print(f"loaded {len(tensors)} tensors, {nbytes / (1 << 20):.0f} MiB in {took:.2f} s{warm}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
