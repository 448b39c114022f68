#!/bin/bash
# One open per chunk (3083e4e, kept) against one open per stream (75bbf4a,
# reverted), -P 8 and 16, 32 MiB spread chunks: ROUNDS=4 FS=moosefs|glusterfs.
FS_DEFAULT=${FS_DEFAULT:-moosefs}
# OLD: a build of 3083e4e (a new open per chunk); NEW: 75bbf4a (a reader
# going on with its file keeps the open file).
O=${OLD:?build of 3083e4e} N=${NEW:?build of 75bbf4a}
strategies() {
  names=(old-P8 new-P8 old-P16 new-P16)
  cmds=(
    "$O warm \$TREE -q -P 8"
    "$N warm \$TREE -q -P 8"
    "$O warm \$TREE -q -P 16"
    "$N warm \$TREE -q -P 16"
  )
}
source reports/tools/rounds.sh
