#!/bin/bash
# (Exploratory, run first: read call size, and one reader per file.)
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs glusterfs"
strategies() {
  names=(one-liner whole-1M whole-128k default default-128k)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}'
        "$P warm -q -P 8 --chunk-size 1GiB \$TREE"
        "$P warm -q -P 8 --chunk-size 1GiB --buffer-size 128KiB \$TREE"
        "$P warm -q -P 16 \$TREE"
        "$P warm -q -P 16 --buffer-size 128KiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
