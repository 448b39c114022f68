#!/bin/bash
# Interleaved cold rounds on each FS: the one-liner, default warm, and
# whole files (--chunk-size 512MiB) at -P 8 and 16. Output: run.txt.
P=./target/release/preload
FS_DEFAULT="moosefs glusterfs"
strategies() {
  names=(one-liner default-P16 P8-32MiB P8-whole P16-whole)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$P warm -q -P 16 \$TREE"
        "$P warm -q -P 8 \$TREE" "$P warm -q -P 8 --chunk-size 512MiB \$TREE"
        "$P warm -q -P 16 --chunk-size 512MiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
