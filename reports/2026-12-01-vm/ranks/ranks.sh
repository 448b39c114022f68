#!/usr/bin/env bash
# Many ranks on one node: N `preload run -- LOADER` over one simfs mount
# (2 ms, 25 MiB/s per stream, 200 MiB/s in total, knee at 8), started
# together and staggered; bytes served and peak requests in flight from
# simfs's exit line. Each scenario mounts afresh (a cold page cache for the
# mount) over the same backing directory on tmpfs. Stops by itself.
# Each scenario runs twice: with --no-join (every run starts its own
# readers: the behaviour before runs joined) and joined (the default).
# usage: reports/2026-12-01-vm/ranks/ranks.sh [RANKS] [STAGGER_S] [SHARD_MIB]
set -euo pipefail
cd "$(dirname "$0")/../../.."
RANKS=${1:-8}; STAGGER=${2:-1}; SHARD_MIB=${3:-64}
BIN=${BIN:-target/release}
WORK=$(mktemp -d /tmp/ranks.XXXX)
BACK=/dev/shm/ranks-back-$$
trap 'fusermount3 -u "$WORK/mnt" 2>/dev/null || true; rm -rf "$BACK" "$WORK"' EXIT
mkdir -p "$BACK" "$WORK/mnt"
for i in 1 2 3 4; do head -c $((SHARD_MIB << 20)) /dev/urandom > "$BACK/model-0000$i-of-00004.safetensors"; done
echo '{}' > "$BACK/config.json"
LOADER='cat "$0"/* > /dev/null'   # a plain sequential reader, file after file

scenario() { # name ranks stagger [preload run flags]
  local name=$1 n=$2 gap=$3 flags=${4:-}
  "$BIN/preload-simfs" "$BACK" "$WORK/mnt" --latency 2ms --stream-bw 25MiB/s --total-bw 200MiB/s \
    --ready-file "$WORK/ready" >/dev/null 2>"$WORK/simfs.err" &
  local sim=$!
  for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.05; done
  local t0; t0=$(date +%s.%N)
  local pids=()
  for r in $(seq "$n"); do
    # shellcheck disable=SC2086 # flags: zero or more words
    timeout 300 "$BIN/preload" run -q -P 8 $flags --json "$WORK/$name-$r.json" "$WORK/mnt" -- sh -c "$LOADER" "$WORK/mnt" &
    pids+=($!)
    [ "$r" -lt "$n" ] && sleep "$gap"
  done
  local fails=0
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
  local t1; t1=$(date +%s.%N)
  kill -TERM "$sim"; wait "$sim" || true
  local line; line=$(grep unmounted "$WORK/simfs.err")
  local served peak
  served=$(sed -E 's/.* ([0-9]+) bytes served.*/\1/' <<<"$line")
  peak=$(sed -E 's/.*peak ([0-9]+) requests in flight.*/\1/' <<<"$line")
  # Each loader's time, in start order; how many runs joined another.
  local cmd; cmd=$(python3 -c 'import json,sys,statistics as s; r=[json.load(open(sys.argv[1] % i)) for i in range(1, int(sys.argv[2]) + 1)]; t=[x["cmd_s"] for x in r]; j=sum(1 for x in r if (x.get("warm") or {}).get("joined")); print("%.2f | %.2f | %s | %d" % (s.median(t), max(t), " ".join("%.1f" % v for v in t), j))' "$WORK/$name-%d.json" "$n")
  printf '| %s | %s | %d | %s | %.2f | %s | %.2fx | %s | %d |\n' "$name" "${flags:-joined}" "$n" "$gap" "$(echo "$t1 - $t0" | bc)" "$cmd" \
    "$(echo "$served / (4 * $SHARD_MIB * 1048576 + 3)" | bc -l)" "$peak" "$fails"
  rm -f "$WORK/ready" "$WORK/$name"-*.json
}
echo "| scenario | mode | runs | stagger s | total s | loader median s | loader max s | each loader s | joined | served / tree | peak requests in flight | failed |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
scenario one 1 0
for flags in --no-join ""; do
  scenario together "$RANKS" 0 "$flags"
  scenario staggered "$RANKS" "$STAGGER" "$flags"
done
