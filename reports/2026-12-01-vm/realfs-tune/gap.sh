#!/usr/bin/env bash
# Why the seed one-liner beat `preload warm -P 16` (32 MiB chunks) on the
# loopback MooseFS and GlusterFS: one 256 MiB shard, cold (client page
# cache and the servers' backing files evicted, checked), read several ways;
# wall time, CPU of the reader and of the storage daemons (servers + FUSE
# client), and FUSE-side residency after. Run from the workspace root with
# `cargo xtask realfs up moosefs|glusterfs` done and the realfs-model tree
# generated on the mount (cargo xtask realfs-bench does both).
#
#   reports/2026-12-01-vm/realfs-tune/gap.sh moosefs [ROUNDS]
set -euo pipefail
fs=${1:?moosefs or glusterfs}
rounds=${2:-3}
state=target/realfs/$fs
file=$state/mnt/realfs-model/model-00002-of-00008.safetensors
case $fs in
  moosefs) backing="$state/cs1 $state/cs2" ;;
  glusterfs) backing="$state/brick" ;;
  *) echo "unknown fs $fs" >&2; exit 2 ;;
esac
preload=${PRELOAD:-target/debug/preload}
# No saved profile may choose the method or chunk size behind our back.
export PRELOAD_CACHE_DIR=$state/gap-cache
tick=$(getconf CLK_TCK)

# CPU ticks (user + system) of the storage daemons of $state.
storage_ticks() {
  local total=0 pid exe
  for pid in $(pgrep -f "$PWD/$state" || true); do
    exe=$(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null | awk '{print $1}')
    case $(basename "${exe:-x}") in mfs*|gluster*) ;; *) continue ;; esac
    total=$((total + $(awk '{sub(/.*\) /,""); print $12 + $13}' /proc/$pid/stat 2>/dev/null || echo 0)))
  done
  echo $total
}

cold() {
  for b in $backing; do $preload evict "$b" >/dev/null; done
  $preload evict "$file" >/dev/null
  local c s
  c=$($preload status "$file" --json -s | python3 -c 'import json,sys; t=json.load(sys.stdin)["total"]; print(t["resident_bytes"])')
  s=0
  for b in $backing; do
    s=$((s + $($preload status "$b" --json -s | python3 -c 'import json,sys; t=json.load(sys.stdin)["total"]; print(t["resident_bytes"])')))
  done
  echo "$c $s"
}

declare -a names cmds
add() { names+=("$1"); cmds+=("$2"); }
add "cat (1 stream, 128 KiB reads)" "cat $file >/dev/null"
add "preload -P 1 chunk 256MiB" "$preload warm -q --method read $file -P 1 --chunk-size 256MiB"
add "preload -P 1 chunk 256MiB buf 128KiB" "$preload warm -q --method read $file -P 1 --chunk-size 256MiB --buffer-size 128KiB"
add "preload -P 1 chunk 32MiB (8 restarts)" "$preload warm -q --method read $file -P 1 --chunk-size 32MiB"
add "preload -P 8 chunk 32MiB (8 streams, 1 file)" "$preload warm -q --method read $file -P 8 --chunk-size 32MiB"
add "preload -P 2 chunk 128MiB (2 streams, 1 file)" "$preload warm -q --method read $file -P 2 --chunk-size 128MiB"

printf '%-46s %7s %9s %9s %s\n' strategy wall_s reader_s storage_s "cold(client,server bytes) resident_after"
for r in $(seq 1 "$rounds"); do
  n=${#names[@]}
  for k in $(seq 0 $((n - 1))); do
    i=$(( (k + r) % n ))
    c=$(cold)
    s0=$(storage_ticks)
    out=$( { /usr/bin/time -f '%e %U %S' sh -c "${cmds[$i]}" ; } 2>&1 | tail -1)
    s1=$(storage_ticks)
    read -r wall u sy <<<"$out"
    after=$($preload status "$file" --json -s | python3 -c 'import json,sys; t=json.load(sys.stdin)["total"]; print(round(100*t["resident_bytes"]/t["total_bytes"],1))')
    printf '%-46s %7s %9.2f %9.2f %s %s%%\n' "${names[$i]}" "$wall" "$(echo "$u + $sy" | bc)" "$(echo "($s1 - $s0) / $tick" | bc -l)" "$c" "$after"
  done
done
