#!/bin/bash
# Page-cache churn of one cold read of the 2 GiB tree on the loopback
# MooseFS (FS=glusterfs: GlusterFS), per reader count and FUSE queue
# (QUEUES, default "12/9 64/48", the kernel's default and raised): `perf stat` counts, system-wide,
# the folios added to and deleted from the page cache (tracepoints
# filemap:mm_filemap_add_to_page_cache / _delete_from_page_cache). A cold
# read should delete nothing; every deletion is readahead the kernel set up
# and threw away. The adds include the chunkservers' own backing files
# (ext4), about one per page of the tree. Output: pages.txt (MooseFS) and
# pages-glusterfs.txt (FS=glusterfs QUEUES=64/48, its own).
cd "$(git rev-parse --show-toplevel)"
P=${PRELOAD:-./target/release/preload}
FS=${FS:-moosefs}
S=target/realfs/$FS
T=$S/mnt/realfs-model
case $FS in
  moosefs) backing="$S/cs1 $S/cs2" ;;
  glusterfs) backing="$S/brick" ;;
esac
mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections
conn=/sys/fs/fuse/connections/$(mountpoint -d "$S/mnt" | cut -d: -f2)
queue() { echo "$1" > "$conn/max_background"; echo "$2" > "$conn/congestion_threshold"; }
for round in 1 2; do
  for q in ${QUEUES:-12/9 64/48}; do
    queue ${q%/*} ${q#*/}
    for c in "$P warm -q -P 32 $T" "$P warm -q -P 16 $T" "$P warm -q -P 8 $T" \
             "$P warm -q -P 4 $T" "find $T -type f | xargs -P 32 -I{} cat {} >/dev/null"; do
      $P evict "$T" $backing >/dev/null
      out=$(perf stat -x, -e filemap:mm_filemap_add_to_page_cache,filemap:mm_filemap_delete_from_page_cache \
              -a -- bash -c "$c" 2>&1 >/dev/null | grep filemap)
      add=$(echo "$out" | grep add_to | cut -d, -f1)
      del=$(echo "$out" | grep delete | cut -d, -f1)
      name=$(echo "$c" | sed -e "s|$P|preload|" -e "s|$T|TREE|g" -e 's| >/dev/null||')
      printf "queue %-5s %-45s added %8d  deleted %8d (%4.1f%% of the tree's %d pages)\n" \
        "$q" "$name" "$add" "$del" "$(echo "100 * $del / 524288" | bc -l)" 524288
    done
  done
done
[ $FS = moosefs ] && queue 12 9
