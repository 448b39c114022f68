#!/bin/bash
# What the residency checks cost once they are made with mincore on a
# mapping instead of cachestat (the skip-resident check of each chunk, and
# promotion's "all cached?" before each read call's pages are faulted in):
# the builds before (OLD) and after (NEW), default warm of the 2 GiB tree,
# interleaved cold rounds through cold-io.sh (wall time, CPU of the command).
FS_DEFAULT="local moosefs"
strategies() {
  names=(cachestat mincore)
  cmds=("$OLD warm -q \$TREE" "$NEW warm -q \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
