#!/bin/bash
# One handle per reader while it is alone on a file, against the build
# before (a fresh open every chunk) and the one-liner: warm's default
# (-P 16, 32 MiB, spread) from both builds, interleaved cold rounds.
# OLD/NEW: the two binaries. MODEL: realfs-model (2 GiB, 8 shards) or
# realfs-model-8g (8 GiB, 16 shards).
OLD=${OLD:?the binary of the build before}
NEW=${NEW:?the binary of this build}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner reopen-before held)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$OLD warm -q -P 16 \$TREE"
        "$NEW warm -q -P 16 \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
