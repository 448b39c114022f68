#!/bin/bash
# The one-liner, warm's default and whole files at -P 8 on the 2 GiB tree,
# each run started 30 s after its eviction (SETTLE=30: the VM has handed
# the freed memory back to its host, so the run fills the page cache at
# the steady, host-faulting rate; ../default-check). Interleaved cold
# rounds (reports/tools). Output: run.txt.
P=${PRELOAD:-./target/release/preload}
export SETTLE=${SETTLE:-30}
FS_DEFAULT="moosefs glusterfs"
strategies() {
  names=(one-liner default whole-P8)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$P warm -q \$TREE"
        "$P warm -q -P 8 --chunk-size 256MiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
