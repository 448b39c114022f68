#!/bin/bash
# MooseFS: the one-liner against whole files (one reader per file) read
# in 1 MiB and in 128 KiB calls, and the default warm. Output: whole.txt.
cd "$(git rev-parse --show-toplevel)"
IO=reports/2026-12-02-vm/realfs-streams/io.sh
P=${OLD:-/tmp/preload-old}
for fs in ${FS:-moosefs}; do
  names=(one-liner whole-1M whole-128K default-P16)
  cmds=('find $TREE -type f | xargs -P 32 -I{} cat {}'
        "$P warm -q -P 16 --chunk-size 512MiB \$TREE"
        "$P warm -q -P 16 --chunk-size 512MiB --buffer-size 128KiB \$TREE"
        "$P warm -q -P 16 \$TREE")
  n=${#names[@]}
  for r in $(seq 0 $((${ROUNDS:-4} - 1))); do
    for i in $(seq 0 $((n - 1))); do
      k=$(((i + r) % n))
      $IO $fs "${names[$k]}" "${cmds[$k]}"
    done
  done
done
