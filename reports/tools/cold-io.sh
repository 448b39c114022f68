#!/bin/bash
# cold-io.sh FS NAME CMD : makes the tree cold (client and server side), runs CMD,
# prints its wall time and what the storage served meanwhile (rchar of the
# servers' and the FUSE client's processes, from /proc/PID/io; local: the
# block device's sectors read, /sys/block/*/stat).
# FS: moosefs or glusterfs (up from `cargo xtask realfs up FS`), or local
# (the same tree on this machine's disk, from `cargo xtask realfs-bench`).
set -e
cd "$(git rev-parse --show-toplevel)"
fs=$1 name=$2; shift 2
S=target/realfs/$fs
P=${PRELOAD:-./target/release/preload}
case $fs in
  moosefs) tree=$S/mnt/realfs-model; backing="$S/cs1 $S/cs2"; servers="mfschunkserver"; client="mfsmount" ;;
  glusterfs) tree=$S/mnt/realfs-model; backing="$S/brick"; servers="glusterfsd"; client="glusterfs" ;;
  local) tree=target/bench-data/realfs-model; backing="" ;;
esac
$P evict "$tree" $backing >/dev/null
if [ "$fs" = local ]; then
  dev=$(lsblk -no pkname "$(df --output=source "$tree" | tail -1)" 2>/dev/null || true)
  dev=${dev:-$(basename "$(df --output=source "$tree" | tail -1)")}
  served() { echo $(($(awk '{print $3}' /sys/block/$dev/stat) * 512)); }
  client() { echo 0; }
else
  spids=$(pgrep -x "$servers" | tr '\n' ' ')
  cpids=$(pgrep -x "$client" | tr '\n' ' ')
  rchar() { local t=0; for p in $*; do t=$((t + $(awk '/^rchar/{print $2}' /proc/$p/io))); done; echo $t; }
  served() { rchar $spids; }
  client() { rchar $cpids; }
fi
s0=$(served); c0=$(client); t0=$(date +%s.%N)
TREE=$tree bash -c "$*" >/dev/null 2>&1
t1=$(date +%s.%N); s1=$(served); c1=$(client)
printf "%-10s %-16s %6.2f s  servers read %5d MiB  client read %5d MiB\n" \
  "$fs" "$name" "$(echo "$t1 - $t0" | bc)" $(((s1 - s0) >> 20)) $(((c1 - c0) >> 20))
