#!/bin/bash
# Where the loopback storages' time goes, by shape: wall time and CPU of
# the reading command and of the storage (servers + FUSE client) for the
# one-liner, warm's default (-P 16, 32 MiB units, spread) and at -P 8,
# whole files (256 MiB units: the shards are 256 MiB) at -P 8 and 16,
# 128 MiB units at -P 8, the default in 128 KiB calls, and, when FD names
# a build of ../realfs-streams/streams.patch's read.rs part (a reader
# whose next chunk goes on where its last ended keeps the file open),
# that build at -P 8 and 16. Interleaved cold rounds (reports/tools).
# Output: run.txt.
P=${PRELOAD:-./target/release/preload}
FS_DEFAULT="moosefs glusterfs local"
strategies() {
  names=(one-liner default-P16 default-P8 whole-P8 whole-P16 units128-P8 calls128K-P16)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$P warm -q -P 16 \$TREE"
        "$P warm -q -P 8 \$TREE" "$P warm -q -P 8 --chunk-size 256MiB \$TREE"
        "$P warm -q -P 16 --chunk-size 256MiB \$TREE" "$P warm -q -P 8 --chunk-size 128MiB \$TREE"
        "$P warm -q -P 16 --buffer-size 128KiB \$TREE")
  if [ -n "${FD:-}" ]; then
    names+=(fd-reuse-P16 fd-reuse-P8)
    cmds+=("$FD warm -q -P 16 \$TREE" "$FD warm -q -P 8 \$TREE")
  fi
}
source "$(git rev-parse --show-toplevel)/reports/tools/rounds.sh"
