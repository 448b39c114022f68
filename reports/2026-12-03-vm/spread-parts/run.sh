#!/bin/bash
# Spread with a part of a file per reader against the spread before it
# (a reader joining a file took the chunk right behind another reader's),
# and the one-liner: warm's default (-P 16, 32 MiB, spread) from both
# builds, 5 interleaved cold rounds on each filesystem. OLD: the binary of
# the build before (39caaba). Output: run.txt.
P=${PRELOAD:-./target/release/preload}
OLD=${OLD:?the preload binary of the build before}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner spread-before spread-parts)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$OLD warm -q -P 16 \$TREE"
        "$P warm -q -P 16 \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
