"""Fixtures: HuggingFace-style model trees written by the real `safetensors`
package, simfs mounts (the `preload-simfs` binary cargo built), the `preload`
binary for comparisons with the CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
BIN = TARGET / "debug"


def nearly_all(fraction: float) -> bool:
    """Resident as a warm leaves it: this host's reclaim (kdamond, DAMON)
    takes stray pages of just-warmed files, so "all" is >= 99% (the CLI
    tests' `util::nearly_all`); 2 of 200 local warms here read 99.x%."""
    return fraction >= 0.99


def binary(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first (bash .ci/python.sh does)")
    return path


def write_model(root: Path, shards: int, shard_mib: int, seed: int = 0) -> Dict[str, np.ndarray]:
    """A sharded safetensors checkpoint as HuggingFace writes it (index in
    reverse-path order, so loader order differs from path order), plus
    config.json; returns the tensors."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    tensors: Dict[str, np.ndarray] = {}
    weight_map: Dict[str, str] = {}
    per_shard = 4
    rows = shard_mib * (1 << 20) // per_shard // (1024 * 2)
    for s in range(shards):
        name = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        shard = {}
        for t in range(per_shard):
            key = f"model.layers.{s * per_shard + t}.mlp.weight"
            shard[key] = rng.standard_normal((rows, 1024), dtype=np.float32).astype(np.float16)
            weight_map[key] = name
        save_file(shard, str(root / name))
        tensors.update(shard)
    index = {"metadata": {"total_size": sum(t.nbytes for t in tensors.values())},
             "weight_map": dict(sorted(weight_map.items(), key=lambda kv: kv[1], reverse=True))}
    (root / "model.safetensors.index.json").write_text(json.dumps(index))
    (root / "config.json").write_text('{"model_type": "llama"}')
    return tensors


def load_model(root: Path) -> Dict[str, np.ndarray]:
    """What a loader does: shards in the order the index first names them,
    tensors one by one (safetensors' numpy backend)."""
    from safetensors import safe_open

    index = json.loads((root / "model.safetensors.index.json").read_text())
    order: List[str] = list(dict.fromkeys(index["weight_map"].values()))
    out: Dict[str, np.ndarray] = {}
    for shard in order:
        with safe_open(str(root / shard), framework="np") as f:
            for key in f.keys():
                out[key] = f.get_tensor(key)
    return out


@dataclass
class Simfs:
    """A running preload-simfs mount; `served` is known after `stop()`."""

    path: Path
    backing: Path
    proc: subprocess.Popen
    stderr: Path
    served: Optional[int] = None

    def stop(self) -> int:
        if self.served is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            text = self.stderr.read_text()
            m = re.search(r"(\d+) bytes served", text)
            assert m, f"no exit line from preload-simfs: {text}"
            self.served = int(m.group(1))
        return self.served


def fuse_available() -> Optional[str]:
    if not Path("/dev/fuse").exists():
        return "/dev/fuse does not exist"
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as e:
        return f"cannot open /dev/fuse: {e}"
    return None


def require_fuse() -> None:
    """Skip loudly without FUSE; in CI (CI=true) that is a failure."""
    reason = fuse_available()
    if reason is None:
        return
    message = f"FUSE is unavailable, simfs tests cannot run ({reason})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true, so this is a failure")
    pytest.skip(f"SKIPPED: {message}")


@pytest.fixture
def mount_simfs(tmp_path: Path) -> Iterator:
    """mount_simfs(backing, *flags) -> Simfs, unmounted at the end."""
    require_fuse()
    mounts: List[Simfs] = []

    def mount(backing: Path, *flags: str) -> Simfs:
        mnt = tmp_path / f"mnt{len(mounts)}"
        mnt.mkdir()
        ready = tmp_path / f"ready{len(mounts)}"
        err = tmp_path / f"simfs{len(mounts)}.err"
        proc = subprocess.Popen(
            [str(binary("preload-simfs")), str(backing), str(mnt), *flags,
             "--ready-file", str(ready)],
            stdout=subprocess.DEVNULL, stderr=open(err, "w"),
        )
        deadline = time.monotonic() + 30
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"preload-simfs did not mount: {err.read_text()}")
            time.sleep(0.02)
        m = Simfs(mnt, backing, proc, err)
        mounts.append(m)
        return m

    yield mount
    for m in mounts:
        if m.served is None:
            m.proc.send_signal(signal.SIGTERM)
            try:
                m.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                m.proc.kill()


@pytest.fixture
def model(tmp_path: Path):
    """A 4-shard, 8 MiB model on local disk: (root, tensors)."""
    root = tmp_path / "model"
    return root, write_model(root, shards=4, shard_mib=2)
