#!/bin/bash
# cold-io.sh FS NAME CMD : makes the tree cold (client and server side), runs CMD,
# prints its wall time, what the storage served meanwhile (rchar of the
# servers' and the FUSE client's processes, from /proc/PID/io; local: the
# block device's sectors read, /sys/block/*/stat), the CPU seconds (user +
# system) of CMD's process tree, and those of the servers and the FUSE
# client together (/proc/PID/stat; 0 for local).
# FS: moosefs or glusterfs (up from `cargo xtask realfs up FS`), or local
# (the same tree on this machine's disk, from `cargo xtask realfs-bench`).
set -e
cd "$(git rev-parse --show-toplevel)"
fs=$1 name=$2; shift 2
S=target/realfs/$fs
P=${PRELOAD:-./target/release/preload}
case $fs in
  moosefs) tree=$S/mnt/${MODEL:-realfs-model}; backing="$S/cs1 $S/cs2"; servers="mfschunkserver"; client="mfsmount" ;;
  glusterfs) tree=$S/mnt/${MODEL:-realfs-model}; backing="$S/brick"; servers="glusterfsd"; client="glusterfs" ;;
  local) tree=target/bench-data/${MODEL:-realfs-model}; backing="" ;;
esac
$P evict "$tree" $backing >/dev/null
# SETTLE=S waits S seconds after the eviction. On a VM that reports free
# pages to its host (virtio_balloon page_reporting), memory freed moments
# ago fills several times faster than memory the host has taken back
# (reports/2026-12-02-vm/default-check: `cat` of 8 GiB right after
# drop_caches read 1.9-2.7 GiB/s for its first 6-7 GiB, 30 s after it
# 460-495 MiB/s throughout).
sleep "${SETTLE:-0}"
if [ "$fs" = local ]; then
  dev=$(lsblk -no pkname "$(df --output=source "$tree" | tail -1)" 2>/dev/null || true)
  dev=${dev:-$(basename "$(df --output=source "$tree" | tail -1)")}
  served() { echo $(($(awk '{print $3}' /sys/block/$dev/stat) * 512)); }
  client() { echo 0; }
  ticks() { echo 0; }
else
  spids=$(pgrep -x "$servers" | tr '\n' ' ')
  cpids=$(pgrep -x "$client" | tr '\n' ' ')
  rchar() { local t=0; for p in $*; do t=$((t + $(awk '/^rchar/{print $2}' /proc/$p/io))); done; echo $t; }
  served() { rchar $spids; }
  ticks() { local t=0; for p in $spids $cpids; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
  client() { rchar $cpids; }
fi
cpu=$(mktemp)
s0=$(served); c0=$(client); k0=$(ticks); t0=$(date +%s.%N)
TREE=$tree /usr/bin/time -f "%U %S" -o "$cpu" bash -c "$*" >/dev/null 2>&1
t1=$(date +%s.%N); s1=$(served); c1=$(client); k1=$(ticks)
printf "%-10s %-16s %6.2f s  servers read %5d MiB  client read %5d MiB  CPU s: command %4.2f storage %4.2f\n" \
  "$fs" "$name" "$(echo "$t1 - $t0" | bc)" $(((s1 - s0) >> 20)) $(((c1 - c0) >> 20)) \
  "$(awk '{print $1 + $2}' "$cpu")" "$(echo "($k1 - $k0) / $(getconf CLK_TCK)" | bc -l)"
rm -f "$cpu"
