#!/bin/bash
# GlusterFS asks for a queue of 64 (readahead stops past 48); at -P 16
# warm's default dropped 6-7% of its readahead (pages-glusterfs.txt), and
# preload advises 85/64 for 16 readers. The one-liner, warm's default and
# -P 8 (the best of realfs-bench's grid, ../realfs-bench/glusterfs) at its
# own queue, and warm's default at the advised one. Each command writes
# the queue first; interleaved cold rounds (reports/tools). Output:
# glusterfs.txt.
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="glusterfs"
mnt=$(git rev-parse --show-toplevel)/target/realfs/glusterfs/mnt
mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections
conn=/sys/fs/fuse/connections/$(mountpoint -d "$mnt" | cut -d: -f2)
[ -w "$conn/max_background" ] || { echo "no fusectl connection for $mnt" >&2; exit 1; }
set_bg() { echo "echo $1 > $conn/max_background; echo $2 > $conn/congestion_threshold"; }
strategies() {
  names=(one-liner-bg64 default-bg64 p8-bg64 default-bg85)
  cmds=("$(set_bg 64 48); find \$TREE -type f | xargs -P 32 -I{} cat {}"
        "$(set_bg 64 48); $P warm -q \$TREE"
        "$(set_bg 64 48); $P warm -q -P 8 \$TREE"
        "$(set_bg 85 64); $P warm -q \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
echo 64 > "$conn/max_background"; echo 48 > "$conn/congestion_threshold"
