#!/bin/bash
# Interleaved cold rounds on each FS: the one-liner, default warm, and
# whole files (--chunk-size 512MiB) at -P 8 and 16. Output: run.txt.
cd "$(git rev-parse --show-toplevel)"
IO=reports/2026-12-02-vm/realfs-gap/io.sh
P=./target/release/preload
for fs in ${FS:-moosefs glusterfs}; do
  D=target/realfs/$fs/mnt/realfs-model
  names=(one-liner default-P16 P8-32MiB P8-whole P16-whole)
  cmds=("find $D -type f | xargs -P 32 -I{} cat {}" "$P warm -q -P 16 $D"
        "$P warm -q -P 8 $D" "$P warm -q -P 8 --chunk-size 512MiB $D"
        "$P warm -q -P 16 --chunk-size 512MiB $D")
  n=${#names[@]}
  for r in $(seq 0 $((${ROUNDS:-5} - 1))); do
    for i in $(seq 0 $((n - 1))); do
      k=$(((i + r) % n))
      $IO $fs "${names[$k]}" "${cmds[$k]}"
    done
  done
done
