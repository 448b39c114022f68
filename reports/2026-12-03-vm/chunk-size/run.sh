#!/bin/bash
# Warm's default chunk size against larger ones and whole files, spread,
# -P 16, beside the one-liner (interleaved cold rounds, cold-io.sh).
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner c32-default c64 c128 c256 whole)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}'
        "$P warm -q \$TREE"
        "$P warm -q --chunk-size 64MiB \$TREE"
        "$P warm -q --chunk-size 128MiB \$TREE"
        "$P warm -q --chunk-size 256MiB \$TREE"
        "$P warm -q --chunk-size 1GiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
