#!/bin/bash
# What promotion costs a cold warm with memory to spare: the builds before
# (OLD) and after (NEW), default warm of the 2 GiB tree, interleaved cold
# rounds through cold-io.sh (wall time, CPU of the command).
FS_DEFAULT="local moosefs"
strategies() {
  names=(before promoted)
  cmds=("$OLD warm -q \$TREE" "$NEW warm -q \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
