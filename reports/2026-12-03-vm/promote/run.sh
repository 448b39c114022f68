#!/bin/bash
# A warm on a node whose page cache is full of other, active data: before
# and after warm reads each chunk a second time from the cache.
# Each run: read FILL's files twice (so they are active), evict the warmed files, warm them with OLD or NEW (alternating),
# then measure their residency with `preload status`. Prints the wall time,
# the Active/Inactive(file) sizes before the warm, and the residency.
# FS: moosefs, glusterfs (8 GiB tree, first 4 shards) or local (same files
# on the local disk). PAIRS rounds; P readers.
cd "$(git rev-parse --show-toplevel)"
fs=${FS:-moosefs}
case $fs in
  local) tree=target/bench-data/realfs-model-8g ;;
  *) tree=target/realfs/$fs/mnt/realfs-model-8g ;;
esac
fill=${FILL:-"target/bench-data/realfs-model-8g target/bench-data/realfs-model target/realfs/glusterfs/brick"}
files=$(find $tree -type f -size +100M | sort | head -4)
for r in $(seq 1 ${PAIRS:-6}); do
  for build in old new; do
    bin=$([ $build = old ] && echo "$OLD" || echo "$NEW")
    # Twice: data used twice is active (a previous job's working set).
    for pass in 1 2; do find $fill -type f -print0 | xargs -0 cat > /dev/null; done
    $bin evict $files > /dev/null
    active=$(awk '/^Active\(file\)/{print int($2/1024)}' /proc/meminfo)
    inactive=$(awk '/^Inactive\(file\)/{print int($2/1024)}' /proc/meminfo)
    s=$(date +%s.%N)
    $bin warm -q -P ${P:-8} $files 2>/dev/null
    e=$(date +%s.%N)
    res=$($bin status --json $files | python3 -c 'import json,sys; t=json.load(sys.stdin)["total"]; r=100*t["resident_bytes"]/t["total_bytes"]; print("%.1f" % r)')
    vmt=$(vmtouch $files | awk '/Resident Pages/{print $NF}')
    printf "%-9s %-4s %5.2f s  active %5d MiB  inactive %5d MiB  resident after %5s%% (vmtouch %s)\n" \
      "$fs" "$build" "$(echo "$e - $s" | bc)" "$active" "$inactive" "$res" "$vmt"
  done
done
