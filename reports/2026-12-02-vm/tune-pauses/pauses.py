#!/usr/bin/env python3
"""Per probe of a `preload tune --json` result: level, phase, steady MiB/s,
and the share of its measured window spent in runs of >= 2 empty buckets
(the storage answered nothing), recomputed from the buckets. Then the
recommendation. Usage: pauses.py RESULT.json..."""
import json
import sys

for path in sys.argv[1:]:
    d = json.load(open(path))
    print(f"== {path}")
    for p in d["probes"]:
        window = sum(b["length_s"] for b in p["buckets"])
        paused, run = 0.0, []
        for b in p["buckets"] + [{"bytes": 1, "length_s": 0}]:
            if b["bytes"] == 0:
                run.append(b["length_s"])
                continue
            if len(run) >= 2:
                paused += sum(run)
            run = []
        share = paused / window if window else 0.0
        print(f"  -P {p['level']:<3} {p['phase']:<8} {p['steady_mib_s']:7.1f} MiB/s"
              f"  paused {paused:4.2f} s of {window:4.2f} s ({share:4.0%})")
    r = d["recommendation"]
    print(f"  recommended -P {r['parallelism']} confidence {r['confidence']:.2f}"
          f" profile_worthy {r['profile_worthy']}")
