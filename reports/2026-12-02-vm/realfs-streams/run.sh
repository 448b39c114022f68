#!/bin/bash
# Interleaved cold rounds on each filesystem: the one-liner, warm's default
# (-P 16, 32 MiB, spread) before and after "one stream per reader", the new
# default at -P 8, and whole files. OLD and NEW are the two release builds.
# Output: run.txt (one line per run, from io.sh).
cd "$(git rev-parse --show-toplevel)"
IO=reports/2026-12-02-vm/realfs-streams/io.sh
OLD=${OLD:-/tmp/preload-old} NEW=${NEW:-/tmp/preload-new}
for fs in ${FS:-moosefs glusterfs local}; do
  names=(one-liner old-P16 new-P16 new-P8 new-P16-whole)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}' "$OLD warm -q -P 16 \$TREE"
        "$NEW warm -q -P 16 \$TREE" "$NEW warm -q -P 8 \$TREE"
        "$NEW warm -q -P 16 --chunk-size 512MiB \$TREE")
  n=${#names[@]}
  for r in $(seq 0 $((${ROUNDS:-5} - 1))); do
    for i in $(seq 0 $((n - 1))); do
      k=$(((i + r) % n))
      $IO $fs "${names[$k]}" "${cmds[$k]}"
    done
  done
done
