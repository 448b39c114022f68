#!/bin/bash
# Build of 3083e4e as target/release/preload. ROUNDS=3 (1.sh), 2 (2.sh).
FS_DEFAULT=moosefs
P=./target/release/preload
strategies() {
  names=(whole16 c128-16 c64-16 c32-front c32-P8)
  cmds=(
    "$P warm \$TREE -q -P 16 --chunk-size 1GiB"
    "$P warm \$TREE -q -P 16 --chunk-size 128MiB"
    "$P warm \$TREE -q -P 16 --chunk-size 64MiB"
    "$P warm \$TREE -q -P 16 --chunk-size 32MiB --schedule front"
    "$P warm \$TREE -q -P 8 --chunk-size 32MiB"
  )
}
source reports/tools/rounds.sh
