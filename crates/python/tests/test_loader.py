"""A real loader (safetensors' numpy backend, shards in index order) after
and during a warm, on simfs: the tensors load intact and the storage serves
the model once."""

from __future__ import annotations

import numpy as np

import preload
from conftest import load_model, write_model

# Latency-bound storage: one stream gets 8 MiB/s, eight get 64.
SIMFS = ("--latency", "2ms", "--stream-bw", "8MiB/s", "--total-bw", "64MiB/s")


def tree_bytes(root) -> int:
    return sum(p.stat().st_size for p in root.iterdir())


def same(a, b) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_loading_during_a_background_warm(tmp_path, mount_simfs):
    back = tmp_path / "back"
    tensors = write_model(back, shards=4, shard_mib=4)
    fs = mount_simfs(back, *SIMFS)
    with preload.warming(fs.path, parallelism=8) as w:
        loaded = load_model(fs.path)
        s = w.wait(timeout=120)
    assert same(loaded, tensors)
    assert not s.failed and not s.interrupted and s.order == "loader"
    assert s.bytes == s.planned_bytes == tree_bytes(back)
    served = fs.stop()
    print(f"served {served / tree_bytes(back):.2f}x the tree")
    # The loader and the readers shared the page cache: the tree was read
    # from the storage once (plus readahead past small files).
    assert served <= 1.1 * tree_bytes(back), served


def test_loading_after_a_warm_reads_from_memory(tmp_path, mount_simfs):
    back = tmp_path / "back"
    tensors = write_model(back, shards=2, shard_mib=4, seed=3)
    fs = mount_simfs(back, *SIMFS)
    s = preload.warm(fs.path, parallelism=8)
    assert s.residency.fraction == 1.0
    assert preload.status(fs.path).fraction == 1.0
    assert same(load_model(fs.path), tensors)
    assert fs.stop() <= 1.1 * tree_bytes(back)
