#!/bin/bash
# The one-liner and warm's default on the loopback MooseFS with the FUSE
# mount's read_ahead_kb at its 128 (mfsmount's default) and at 1024, the
# value `preload tune` and `warm` advise. Each command sets the mount's
# readahead first (inside the timed command: a write to sysfs). The 2 GiB
# tree; interleaved cold rounds (reports/tools). Output: run.txt.
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs"
mnt=$(git rev-parse --show-toplevel)/target/realfs/moosefs/mnt
bdi=/sys/class/bdi/$(mountpoint -d "$mnt")/read_ahead_kb
[ -w "$bdi" ] || { echo "no readahead knob for $mnt" >&2; exit 1; }
strategies() {
  names=(one-liner-ra128 default-ra128 one-liner-ra1024 default-ra1024)
  cmds=("echo 128 > $bdi; find \$TREE -type f | xargs -P 32 -I{} cat {}"
        "echo 128 > $bdi; $P warm -q \$TREE"
        "echo 1024 > $bdi; find \$TREE -type f | xargs -P 32 -I{} cat {}"
        "echo 1024 > $bdi; $P warm -q \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
echo 128 > "$bdi"
