#!/bin/bash
# MooseFS: the one-liner against whole files (one reader per file) read
# in 1 MiB and in 128 KiB calls, and the default warm (ROUNDS=4 was used).
# Output: whole.txt.
P=${OLD:-/tmp/preload-old}
FS_DEFAULT=moosefs
strategies() {
  names=(one-liner whole-1M whole-128K default-P16)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}'
        "$P warm -q -P 16 --chunk-size 512MiB \$TREE"
        "$P warm -q -P 16 --chunk-size 512MiB --buffer-size 128KiB \$TREE"
        "$P warm -q -P 16 \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
