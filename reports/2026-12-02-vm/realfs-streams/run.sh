#!/bin/bash
# Interleaved cold rounds on each filesystem: the one-liner, warm's default
# (-P 16, 32 MiB, spread) before and after "one stream per reader", the new
# default at -P 8, and whole files. OLD and NEW are the two release builds.
# Output: run.txt (one line per run, from reports/tools/cold-io.sh).
OLD=${OLD:-/tmp/preload-old} NEW=${NEW:-/tmp/preload-new}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner old-P16 new-P16 new-P8 new-P16-whole)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$OLD warm -q -P 16 \$TREE"
        "$NEW warm -q -P 16 \$TREE" "$NEW warm -q -P 8 \$TREE"
        "$NEW warm -q -P 16 --chunk-size 512MiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
