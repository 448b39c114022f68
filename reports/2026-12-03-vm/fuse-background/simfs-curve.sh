#!/bin/bash
# Warm throughput per -P on simfs (every request 20 ms, no bandwidth caps:
# a latency-bound storage) with the kernel's default FUSE queue
# (--max-background 12: readahead stops past 9) and simfs's own 256 (192).
# 8 files of 128 MiB generated into target/fuse-background. Output:
# simfs-curve.txt.
cd "$(git rev-parse --show-toplevel)"
P=./target/release/preload
SIM=./target/release/preload-simfs
D=target/fuse-background
mkdir -p $D/back $D/mnt
for i in 0 1 2 3 4 5 6 7; do
  [ -f $D/back/f$i ] || head -c 128M /dev/urandom > $D/back/f$i
done
for bg in 12 256; do
  $SIM --latency 20ms --max-background $bg $D/back $D/mnt > $D/sim.log 2>&1 &
  pid=$!
  for i in $(seq 100); do grep -q ready $D/sim.log && break; sleep 0.1; done
  for p in 1 2 3 4 8 12 16 32; do
    $P evict $D/mnt >/dev/null
    $P warm --json -P $p $D/mnt 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
print('max_background %3s  -P %2s  %5.0f MiB/s  %.2f s' % ($bg, $p, d['throughput_mib_s'], d['elapsed_s']))"
  done
  kill $pid; wait $pid 2>/dev/null
done
