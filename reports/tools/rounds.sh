#!/bin/bash
# Sourced by a report's script after it sets, per filesystem, the arrays
# `names` and `cmds` (a function `strategies FS` that fills them):
# runs ROUNDS (default 5) interleaved cold rounds of every strategy on each
# filesystem of FS (default: the script's `FS_DEFAULT`), each through
# cold-io.sh, round r starting with strategy r. Commands may use $TREE.
cd "$(git rev-parse --show-toplevel)"
IO=reports/tools/cold-io.sh
for fs in ${FS:-$FS_DEFAULT}; do
  strategies "$fs"
  n=${#names[@]}
  for r in $(seq 0 $((${ROUNDS:-5} - 1))); do
    for i in $(seq 0 $((n - 1))); do
      k=$(((i + r) % n))
      $IO "$fs" "${names[$k]}" "${cmds[$k]}"
    done
  done
done
