#!/bin/bash
# Build of 3083e4e as target/release/preload. ROUNDS=3 (1.sh), 2 (2.sh).
# Why the one-liner beats preload whole files on MooseFS
FS_DEFAULT=moosefs
P=./target/release/preload
strategies() {
  names=(xargs default whole16 whole16-128k whole12-128k)
  cmds=(
    'find $TREE -type f | xargs -P 32 -I{} cat {} >/dev/null'
    "$P warm \$TREE -q"
    "$P warm \$TREE -q -P 16 --chunk-size 1GiB"
    "$P warm \$TREE -q -P 16 --chunk-size 1GiB --buffer-size 128KiB"
    "$P warm \$TREE -q -P 12 --chunk-size 1GiB --buffer-size 128KiB"
  )
}
source reports/tools/rounds.sh
