#!/bin/bash
# Old against new build, same plans: -P 8 and -P 16 at the default chunk
# size and schedule, interleaved cold rounds. Output: ab.txt.
cd "$(git rev-parse --show-toplevel)"
IO=reports/2026-12-02-vm/realfs-streams/io.sh
OLD=${OLD:-/tmp/preload-old} NEW=${NEW:-/tmp/preload-new}
for fs in ${FS:-moosefs glusterfs}; do
  names=(old-P8 new-P8 old-P16 new-P16)
  cmds=("$OLD warm -q -P 8 \$TREE" "$NEW warm -q -P 8 \$TREE"
        "$OLD warm -q -P 16 \$TREE" "$NEW warm -q -P 16 \$TREE")
  n=${#names[@]}
  for r in $(seq 0 $((${ROUNDS:-4} - 1))); do
    for i in $(seq 0 $((n - 1))); do
      k=$(((i + r) % n))
      $IO $fs "${names[$k]}" "${cmds[$k]}"
    done
  done
done
