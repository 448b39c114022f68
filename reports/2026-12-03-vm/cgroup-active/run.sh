#!/bin/bash
# A warm in a memory cgroup whose page cache is full of files read twice
# (active, as a previous model's pages). v1 memory controller, root.
#
#   OLD=path/to/preload NEW=path/to/preload ROUNDS=3 LIMIT=3G bash run.sh
#
# Each round, for each build: drop caches; make a cgroup of LIMIT under
# this shell's own; inside it read 2.5 GiB of other files twice, then
# `warm --json -P 8` a 1 GiB model (4 x 256 MiB); then, from outside,
# vmtouch both trees and read the cgroup's LRU lists.
set -euo pipefail
: "${OLD:?path of the build before}" "${NEW:?path of the build after}"
ROUNDS=${ROUNDS:-3}; LIMIT=${LIMIT:-3G}
D=${DATA:-/var/tmp/cgx}
own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
CG=/sys/fs/cgroup/memory$own/preload-cgroup-active
mkdir -p "$D/other" "$D/model"
for i in 0 1 2 3 4; do [ -s "$D/other/o$i" ] || head -c 512M /dev/urandom > "$D/other/o$i"; done
for i in 0 1 2 3; do [ -s "$D/model/m$i.safetensors" ] || head -c 256M /dev/urandom > "$D/model/m$i.safetensors"; done
out=$(mktemp -d)
one() {
  local bin=$1 label=$2
  sync; echo 3 > /proc/sys/vm/drop_caches
  [ -d "$CG" ] && rmdir "$CG"
  mkdir "$CG"; echo "$LIMIT" > "$CG/memory.limit_in_bytes"
  bash -c "echo \$\$ > $CG/tasks; cat $D/other/* > /dev/null; cat $D/other/* > /dev/null; \
    exec $bin warm --json -P 8 $D/model" > "$out/$label.json" 2> /dev/null || true
  local m o act inact
  m=$(vmtouch "$D/model" | awk '/Resident Pages/{print $NF}')
  o=$(vmtouch "$D/other" | awk '/Resident Pages/{print $NF}')
  act=$(awk '/^total_active_file/{printf "%d", $2/1048576}' "$CG/memory.stat")
  inact=$(awk '/^total_inactive_file/{printf "%d", $2/1048576}' "$CG/memory.stat")
  python3 - "$out/$label.json" "$label" "$m" "$o" "$act" "$inact" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); m = d["memory"]
print("%-4s model %6s other %6s  active %5s MiB inactive %5s MiB  fits %-5s room %4d MiB  %.2f s  warnings %d"
      % (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], m["fits"],
         m["available_bytes"] >> 20, d["elapsed_s"], len(d["warnings"])))
PY
  rmdir "$CG" 2>/dev/null || true
}
for _ in $(seq "$ROUNDS"); do one "$OLD" old; one "$NEW" new; done
rm -rf "$out"
