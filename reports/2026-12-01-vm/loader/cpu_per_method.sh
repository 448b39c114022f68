#!/usr/bin/env bash
# CPU per GiB of a cold warm, by read method and buffer size: preload's
# user/system CPU (/usr/bin/time) and the simfs daemon's (/proc/PID/stat)
# meanwhile, on simfs (2 ms, 25 MiB/s per stream, 200 MiB/s in total) over
# the 1 GiB loader model; cold = `preload evict`; variants interleaved.
#   bash reports/2026-12-01-vm/loader/cpu_per_method.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS=${1:-3}
BIN=${BIN:-target/release}; SIMFS=${SIMFS:-$BIN/preload-simfs}
W=$(mktemp -d /tmp/preload-cpu.XXXX); mkdir "$W/mnt"
"$SIMFS" target/bench-data/loader-model "$W/mnt" --latency 2ms --stream-bw 25MiB/s --total-bw 200MiB/s \
  --ready-file "$W/ready" >/dev/null 2>"$W/simfs.err" &
SIM=$!
trap 'kill $SIM; wait $SIM; rm -rf "$W"' EXIT
while [ ! -e "$W/ready" ]; do sleep 0.1; done
HZ=$(getconf CLK_TCK)
tick() { awk '{print $14 + $15}' "/proc/$SIM/stat"; }
echo "variant | round | wall s | preload user s | preload sys s | simfs CPU s"
for r in $(seq "$ROUNDS"); do
  for v in "read" "read --buffer-size 4MiB" "read --buffer-size 256KiB" "willneed" "mmap"; do
    "$BIN/preload" evict -s "$W/mnt" >/dev/null
    s0=$(tick)
    # shellcheck disable=SC2086 # v: a method and maybe a buffer size
    /usr/bin/time -f "%e | %U | %S" -o "$W/t" "$BIN/preload" warm -q -P 16 --method $v "$W/mnt" 2>/dev/null
    s1=$(tick)
    echo "$v | $r | $(cat "$W/t") | $(echo "($s1 - $s0) / $HZ" | bc -l | cut -c1-5)"
  done
done
