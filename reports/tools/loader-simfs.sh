#!/bin/bash
# Sourced by the loader report scripts: mounts the 1 GiB loader model
# (target/bench-data/loader-model, from `cargo xtask gen loader-model`) on
# simfs with 2 ms latency, 25 MiB/s per stream and 200 MiB/s in total, under
# a fresh work folder W with its own PRELOAD_CACHE_DIR (no saved profile but
# what the script's own tune writes), and unmounts it and removes W on exit.
# In: SIMFS (the simfs binary), PREFIX (the work folder's name). Out: W, MNT,
# SIM (simfs's pid).
W=$(mktemp -d "/tmp/$PREFIX.XXXX"); mkdir "$W/mnt"; MNT=$W/mnt
export PRELOAD_CACHE_DIR="$W/cache"
"$SIMFS" target/bench-data/loader-model "$MNT" --latency 2ms --stream-bw 25MiB/s --total-bw 200MiB/s \
  --ready-file "$W/ready" >/dev/null 2>"$W/simfs.err" &
SIM=$!
trap 'kill $SIM 2>/dev/null; wait $SIM 2>/dev/null; rm -rf "$W"' EXIT
while [ ! -e "$W/ready" ]; do sleep 0.1; done
