#!/usr/bin/env bash
# The real-loader cold starts (issues 12 and 13) on simfs: 2 ms latency,
# 25 MiB/s per stream, 200 MiB/s in total; the 1 GiB F16 model of
# bench-data/loader-model.toml; safetensors' numpy backend as the loader.
# Cold = per-file eviction (preload bench --no-drop-caches; never
# drop_caches on a shared machine), checked before every run.
#   cargo build --release -p preload-cli -p preload-simfs; cargo xtask pyenv; cargo xtask gen loader-model
#   bash reports/2026-12-01-vm/loader/run.sh [RUNS] [WORK] [STAGES]
# STAGES: any of bench-plain, bench-work, warming (default: all three).
# The product path: `preload tune` first (its profile goes to a private
# PRELOAD_CACHE_DIR), then the bench, whose `preload` and `run` strategies
# use the saved level; --levels 16 keeps the untuned default beside them.
set -euo pipefail
cd "$(dirname "$0")/../../.."
RUNS="${1:-5}"; WORK="${2:-0.75}"; STAGES="${3:-bench-plain bench-work warming}"
BIN=target/release PY=target/pyvenv/bin/python OUT=reports/2026-12-01-vm/loader
SIMFS=$BIN/preload-simfs PREFIX=preload-loader source reports/tools/loader-simfs.sh   # W, MNT, SIM; only the tune below saves a profile
"$BIN/preload" tune "$MNT" > "$OUT/tune.txt" 2>&1 || { cat "$OUT/tune.txt"; exit 1; }
{ echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(uname -r); stages: $STAGES; load before: $(cut -d' ' -f1-3 /proc/loadavg)"; date -u; } >> $OUT/machine.txt
for w in 0 "$WORK"; do
  stage=bench-plain; [ "$w" = 0 ] || stage=bench-work
  case " $STAGES " in *" $stage "*) ;; *) continue ;; esac
  "$BIN/preload" bench "$MNT" --runs "$RUNS" --levels 16 --no-drop-caches --time-limit 40m \
    --then "$PY crates/python/examples/load.py $MNT --work $w" \
    -o "$OUT/bench-work$w.json" > "$OUT/bench-work$w.md"
  echo "load after bench work $w: $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/machine.txt
done
case " $STAGES " in *" warming "*) ;; *) exit 0 ;; esac
for w in 0 "$WORK"; do
  "$PY" $OUT/warming_bench.py "$MNT" "$BIN/preload" "$RUNS" "$w" > "$OUT/warming-work$w.md"
done
echo "load after warming benches: $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/machine.txt
