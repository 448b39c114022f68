#!/bin/bash
# Warm's default against the one-liner with smaller read calls (128 KiB,
# 256 KiB instead of 1 MiB), and 128 KiB calls at -P 8, on the 2 GiB tree.
# Interleaved cold rounds, started at once after each eviction
# (reports/tools). Output: run.txt.
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner default calls128K calls256K calls128K-P8)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$P warm -q \$TREE"
        "$P warm -q --buffer-size 128KiB \$TREE" "$P warm -q --buffer-size 256KiB \$TREE"
        "$P warm -q -P 8 --buffer-size 128KiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
