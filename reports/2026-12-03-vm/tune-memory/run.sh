#!/bin/bash
# A tune on a machine whose page cache is mostly full, before and after the
# tune evicts what it read (each run: drop caches, then fill the cache with
# FILL's files, then tune FS's 8 GiB tree). Prints each probe.
# OLD, NEW: the two builds. FS: moosefs or glusterfs. PAIRS: rounds.
set -e
cd "$(git rev-parse --show-toplevel)"
fs=${FS:-moosefs}
tree=target/realfs/$fs/mnt/realfs-model-8g
fill=${FILL:-"target/bench-data/realfs-model-8g target/bench-data/realfs-model target/realfs/glusterfs/brick"}
for r in $(seq 1 ${PAIRS:-3}); do
  for build in old new; do
    bin=$([ $build = old ] && echo "$OLD" || echo "$NEW")
    sync; echo 3 > /proc/sys/vm/drop_caches
    find $fill -type f -print0 | xargs -0 cat > /dev/null
    free=$(awk '/MemFree/{print int($2/1024)}' /proc/meminfo)
    $bin tune --no-save --json $tree 2>/dev/null > /tmp/tune-$build-$r.json
    after=$(awk '/MemFree/{print int($2/1024)}' /proc/meminfo)
    python3 - "$build" "$r" "$free" "$after" /tmp/tune-$build-$r.json <<'PY'
import json, sys
build, r, free, after, path = sys.argv[1:]
d = json.load(open(path))
rec = d["recommendation"]
probes = " ".join(f"{p['phase'][0]}{p['level']}:{p['steady_mib_s']:.0f}" for p in d["probes"])
print(f"{build} #{r} free {free}->{after} MiB | pick -P {rec['parallelism']} conf {rec['confidence']:.2f} "
      f"saved? {rec['profile_worthy']} | {d['budget']['time_spent_s']:.1f} s {d['budget']['bytes_spent']>>20} MiB | {probes}")
PY
  done
done
