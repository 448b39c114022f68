#!/bin/bash
# Warm's default shape against longer streams, quiet host: the one-liner,
# the default (-P 16, 32 MiB units, spread), 128 MiB units (the tree over
# the readers: one piece per reader), and whole files (512 MiB units), at
# -P 16, interleaved cold rounds on each filesystem. Output: run.txt.
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner default-32MiB units-128MiB whole-files)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$P warm -q -P 16 \$TREE"
        "$P warm -q -P 16 --chunk-size 128MiB \$TREE"
        "$P warm -q -P 16 --chunk-size 512MiB \$TREE")
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
