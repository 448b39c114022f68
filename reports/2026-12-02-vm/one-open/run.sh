#!/bin/bash
# One open per chunk: warm with the residency check on the reader's own
# descriptor (NEW, this commit) against the build before it (OLD, which
# opened each chunk's file once for the check and once for the read), and
# the one-liner, in interleaved cold rounds (reports/tools). Output: run.txt.
# Then a hot tree (already resident): 10 warms of each build, wall time,
# and the open/mincore/cachestat calls `strace -f -c` counts for one warm.
OLD=${OLD:?build of the commit before}; NEW=${NEW:-./target/release/preload}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner old-default new-default old-whole-P8 new-whole-P8)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$OLD warm -q \$TREE" "$NEW warm -q \$TREE"
        "$OLD warm -q -P 8 --chunk-size 256MiB \$TREE" "$NEW warm -q -P 8 --chunk-size 256MiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
