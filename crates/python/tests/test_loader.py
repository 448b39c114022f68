"""A real loader (safetensors' numpy backend, shards in index order) after
and during a warm, on simfs: the tensors load intact and the storage serves
the model once."""

from __future__ import annotations

import numpy as np

import preload
from conftest import load_model, nearly_all, write_model

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
    assert nearly_all(s.residency.fraction)
    # The host's own reclaim (DAMON on the CI VM) may take a stray page
    # between the warm and this check; the Rust truth tests allow the same.
    assert preload.status(fs.path).fraction >= 0.999
    assert same(load_model(fs.path), tensors)
    assert fs.stop() <= 1.1 * tree_bytes(back)


def test_the_benchmark_loader_runs_plain_with_work_and_warming(tmp_path, mount_simfs):
    import subprocess
    import sys

    from conftest import REPO, binary

    back = tmp_path / "back"
    write_model(back, shards=2, shard_mib=2, seed=5)
    fs = mount_simfs(back, *SIMFS)
    script = str(REPO / "crates/python/examples/load.py")
    for extra in ([], ["--work", "1.5"], ["--warming", "-P", "4"]):
        preload.evict(fs.path)
        r = subprocess.run([sys.executable, script, str(fs.path), *extra],
                           capture_output=True, text=True)
        assert r.returncode == 0 and r.stderr.startswith("loaded 8 tensors, 4 MiB"), r
        if extra[:1] == ["--warming"]:
            assert ", warm " in r.stderr
    # And beside the CLI's overlap: preload run -- python load.py.
    preload.evict(fs.path)
    r = subprocess.run([str(binary("preload")), "run", "-q", "-P", "4", str(fs.path), "--",
                        sys.executable, script, str(fs.path)], capture_output=True, text=True)
    assert r.returncode == 0 and "loaded 8 tensors" in r.stderr, r


def test_a_warm_joins_a_warm_of_the_same_tree_already_running(tmp_path, mount_simfs):
    import subprocess

    from conftest import binary

    back = tmp_path / "back"
    write_model(back, shards=2, shard_mib=8, seed=7)
    fs = mount_simfs(back, *SIMFS)
    # The leader: the CLI, slowed down so it is still reading when we start.
    leader = subprocess.Popen([str(binary("preload")), "warm", "-q", "-P", "4",
                               "--max-rate", "4MiB/s", str(fs.path)])
    try:
        # Past the headers planning reads: the leader holds the lock and reads.
        while preload.status(fs.path).total.resident_bytes < (2 << 20):
            assert leader.poll() is None, "the leader ended before it read"
        s = preload.warm(fs.path, parallelism=4)
    finally:
        leader.wait(timeout=120)
    assert s.joined is not None and s.joined["leader_pid"] == leader.pid, s.raw
    assert nearly_all(s.residency.fraction)
    assert fs.stop() <= 1.1 * tree_bytes(back)
