#!/bin/bash
# Old against new build, same plans: -P 8 and -P 16 at the default chunk
# size and schedule, interleaved cold rounds (ROUNDS=4 was used).
# Output: ab-moosefs.txt, ab-glusterfs.txt.
OLD=${OLD:-/tmp/preload-old} NEW=${NEW:-/tmp/preload-new}
FS_DEFAULT="moosefs glusterfs"
strategies() {
  names=(old-P8 new-P8 old-P16 new-P16)
  cmds=("$OLD warm -q -P 8 \$TREE" "$NEW warm -q -P 8 \$TREE"
        "$OLD warm -q -P 16 \$TREE" "$NEW warm -q -P 16 \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
