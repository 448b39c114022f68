#!/bin/bash
# io.sh FS NAME CMD : makes the tree cold (client and server side), runs CMD,
# prints its wall time and what the storage served meanwhile (rchar of the
# servers' and the FUSE client's processes, from /proc/PID/io).
# FS is moosefs or glusterfs, up from `cargo xtask realfs up FS`; the tree
# is `cargo xtask realfs-bench`'s (bench-data/realfs-model.toml).
set -e
cd "$(git rev-parse --show-toplevel)"
fs=$1 name=$2; shift 2
S=target/realfs/$fs
P=./target/release/preload
case $fs in
  moosefs) backing="$S/cs1 $S/cs2"; servers="mfschunkserver"; client="mfsmount" ;;
  glusterfs) backing="$S/brick"; servers="glusterfsd"; client="glusterfs" ;;
esac
spids=$(pgrep -x "$servers" | tr '\n' ' ')
cpids=$(pgrep -x "$client" | tr '\n' ' ')
$P evict "$S/mnt/realfs-model" $backing >/dev/null
rchar() { local t=0; for p in $*; do t=$((t + $(awk '/^rchar/{print $2}' /proc/$p/io))); done; echo $t; }
s0=$(rchar $spids); c0=$(rchar $cpids); t0=$(date +%s.%N)
bash -c "$*" >/dev/null 2>&1
t1=$(date +%s.%N); s1=$(rchar $spids); c1=$(rchar $cpids)
printf "%-10s %-16s %6.2f s  servers read %5d MiB  client read %5d MiB\n" \
  "$fs" "$name" "$(echo "$t1 - $t0" | bc)" $(((s1 - s0) >> 20)) $(((c1 - c0) >> 20))
