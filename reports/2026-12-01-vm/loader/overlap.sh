#!/usr/bin/env bash
# Issue 12's overlap targets, where the time goes: per round (interleaved,
# cold = `preload evict` of the mount's files, never drop_caches), on simfs
# (2 ms, 25 MiB/s per stream, 200 MiB/s in total) over the 1 GiB model:
#   warm alone, then the hot load (warm-then-load = their sum);
#   `preload run -- LOADER` (overlapped).
# Each line: wall seconds, CPU seconds (user+sys) of the command's whole
# tree (preload and/or the loader), and of the simfs daemon meanwhile:
# where the time of a run goes. EXTRA: more `preload run` flags to try.
# P: the readers of the warm and the run (default 16; the tuned level of
# this simfs configuration is 8).
# BASE: another `preload` binary (e.g. an earlier commit's) measured the
# same way in the same rounds ("base-warm", "base-run"), for a before/after.
#   cargo xtask gen loader-model; cargo xtask pyenv
#   bash reports/2026-12-01-vm/loader/overlap.sh [ROUNDS] [WORK]
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS=${1:-5}; WORK=${2:-0.75}; P=${P:-16}
BIN=${BIN:-target/release}; SIMFS=${SIMFS:-$BIN/preload-simfs}; PY=${PY:-target/pyvenv/bin/python}
PREFIX=preload-overlap source reports/tools/loader-simfs.sh   # W, MNT, SIM; no saved profile
LOADER="$PY crates/python/examples/load.py $MNT --work $WORK"
tick() { awk '{print $14 + $15}' "/proc/$SIM/stat"; }   # simfs utime+stime, clock ticks
HZ=$(getconf CLK_TCK)
# measure NAME CMD...: wall s, the command tree's CPU s, simfs's CPU s
measure() {
  local name=$1; shift
  local s0; s0=$(tick)
  local t0; t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$W/time" "$@" > /dev/null 2>"$W/err" || { cat "$W/err"; exit 1; }
  local t1; t1=$(date +%s.%N); local s1; s1=$(tick)
  printf '%s %.2f %s %.2f\n' "$name" "$(echo "$t1 - $t0" | bc)" "$(awk '{print $1 + $2}' "$W/time")" \
    "$(echo "($s1 - $s0) / $HZ" | bc -l)"
}
cold() { "$BIN/preload" evict -s "$MNT" >/dev/null; }
echo "round strategy wall_s tree_cpu_s simfs_cpu_s"
for r in $(seq "$ROUNDS"); do
  cold; measure "$r warm" "$BIN/preload" warm -q -P "$P" "$MNT"
  measure "$r hot-load" sh -c "$LOADER"
  # shellcheck disable=SC2086 # EXTRA: zero or more words
  cold; measure "$r run" "$BIN/preload" run -q -P "$P" ${EXTRA:-} "$MNT" -- sh -c "$LOADER"
  if [ -n "${BASE:-}" ]; then
    cold; measure "$r base-warm" "$BASE" warm -q -P "$P" "$MNT"
    # shellcheck disable=SC2086
    cold; measure "$r base-run" "$BASE" run -q -P "$P" ${EXTRA:-} "$MNT" -- sh -c "$LOADER"
  fi
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
