#!/bin/bash
# The one-liner and warm's default on the loopback MooseFS with the FUSE
# connection's background queue at the kernel's default (max_background
# 12, congestion_threshold 9) and raised (64, 48). Each command writes the
# setting first (inside the timed command: two writes to fusectl). The
# 2 GiB tree; interleaved cold rounds (reports/tools). Output: run.txt.
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs"
mnt=$(git rev-parse --show-toplevel)/target/realfs/moosefs/mnt
mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections
conn=/sys/fs/fuse/connections/$(mountpoint -d "$mnt" | cut -d: -f2)
[ -w "$conn/max_background" ] || { echo "no fusectl connection for $mnt" >&2; exit 1; }
set_bg() { echo "echo $1 > $conn/max_background; echo $2 > $conn/congestion_threshold"; }
strategies() {
  names=(one-liner-bg12 default-bg12 one-liner-bg64 default-bg64)
  cmds=("$(set_bg 12 9); find \$TREE -type f | xargs -P 32 -I{} cat {}"
        "$(set_bg 12 9); $P warm -q \$TREE"
        "$(set_bg 64 48); find \$TREE -type f | xargs -P 32 -I{} cat {}"
        "$(set_bg 64 48); $P warm -q \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
echo 12 > "$conn/max_background"; echo 9 > "$conn/congestion_threshold"
