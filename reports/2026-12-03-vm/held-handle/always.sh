#!/bin/bash
# Handles kept on every file a reader goes on in (shared or not) against
# kept on unshared files only and against the build before, on the 2 GiB
# tree (8 shards, so -P 16 splits each among two readers). ALWAYS: a
# scratch build of this one whose readers treat every file as unshared
# when PRELOAD_HOLD_ALWAYS is set (not committed). OLD, NEW as in run.sh.
FS_DEFAULT="moosefs glusterfs"
strategies() {
  names=(reopen-before held-unshared held-always)
  cmds=("$OLD warm -q -P 16 \$TREE" "$NEW warm -q -P 16 \$TREE"
        "PRELOAD_HOLD_ALWAYS=1 ${ALWAYS:?the scratch build} warm -q -P 16 \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
