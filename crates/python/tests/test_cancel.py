"""Cancellation and the GIL, on slow storage (simfs) where a warm takes
seconds: Ctrl-C stops a foreground warm, leaving a `warming` block stops
the readers, and Python threads run while the engine reads."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import preload

# 64 MiB at 8 MiB/s in total: a whole warm takes at least 8 s.
SLOW = ("--latency", "2ms", "--stream-bw", "2MiB/s", "--total-bw", "8MiB/s")
TOTAL = 4 * (16 << 20)


@pytest.fixture
def slow_tree(tmp_path, mount_simfs):
    back = tmp_path / "back"
    back.mkdir()
    rng = np.random.default_rng(1)
    for i in range(4):
        (back / f"shard-{i}.bin").write_bytes(rng.bytes(16 << 20))
    return mount_simfs(back, *SLOW)


def test_ctrl_c_stops_a_foreground_warm_and_raises(slow_tree):
    # Python installs its Ctrl-C handler only when SIGINT is not ignored at
    # start, and a shell's background job (`cmd &`) starts with it ignored:
    # then the SIGINT below did nothing and the warm ran its 8 s.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    ticks = []
    stop = threading.Event()

    def other_python_thread():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    t = threading.Thread(target=other_python_thread)
    t.start()
    sent = []
    timer = threading.Timer(1.0, lambda: (sent.append(time.monotonic()),
                                          os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            s = preload.warm(slow_tree.path, parallelism=4)
            # Seen once in CI (not reproduced in 10 local runs): say what
            # the warm did instead of only "DID NOT RAISE".
            pytest.fail(
                f"warm returned after {time.monotonic() - start:.2f} s, SIGINT sent: "
                f"{bool(sent)}; {s.bytes} of {s.planned_bytes} B, "
                f"interrupted {s.interrupted}, joined {s.joined}, {s.warnings}"
            )
        raised = time.monotonic()
    finally:
        stop.set()
        t.join()
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    latency = raised - sent[0]
    print(f"KeyboardInterrupt {latency * 1000:.0f} ms after SIGINT")
    # Stopped, not ran on: the whole warm takes >= 8 s.
    assert latency < 2.0, latency
    # The GIL was released while the engine read: the other thread kept
    # running (about 200 ticks per second; none if the GIL were held).
    during = [x for x in ticks if start + 0.1 < x < sent[0]]
    assert len(during) > 30, len(during)
    served = slow_tree.stop()
    assert served < TOTAL / 2, served


def test_leaving_a_warming_block_early_cancels_the_readers(slow_tree):
    with preload.warming(slow_tree.path, parallelism=4) as w:
        time.sleep(0.5)
        p = w.progress
        assert 0 < p.bytes_total == TOTAL and not w.done
    left = time.monotonic()
    s = w.summary
    assert s is not None and s.interrupted and s.bytes < TOTAL
    assert s.residency.unknown_bytes == s.residency.total_bytes  # an interrupted warm claims nothing
    time.sleep(1.0)
    served = slow_tree.stop()
    print(f"left the block after 0.5 s; storage served {served >> 20} MiB of {TOTAL >> 20}")
    # Readers still going would have served another ~8 MiB a second.
    assert served < TOTAL / 2, served
    assert time.monotonic() - left < 30


def test_wait_times_out_and_cancel_stops(slow_tree):
    w = preload.warming(slow_tree.path, parallelism=4)
    with pytest.raises(TimeoutError):
        w.wait(timeout=0.2)
    w.cancel()
    s = w.wait(timeout=10)
    assert s.interrupted
