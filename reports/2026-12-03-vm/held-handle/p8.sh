#!/bin/bash
# -P 8 on the 2 GiB tree (8 shards): spread gives every reader a shard of
# its own, so this build keeps each reader's handle for its whole shard on
# FUSE. OLD, NEW as in run.sh.
FS_DEFAULT="glusterfs moosefs"
strategies() {
  names=(one-liner reopen-before held)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$OLD warm -q -P 8 \$TREE"
        "$NEW warm -q -P 8 \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
