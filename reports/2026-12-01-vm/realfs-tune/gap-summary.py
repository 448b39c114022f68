import sys, statistics as st, re
rows={}
for f in sys.argv[1:]:
    for line in open(f):
        m=re.match(r'^(.{46})\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s', line)
        if not m or line.startswith('strategy'): continue
        rows.setdefault(m.group(1).strip(),[]).append(tuple(float(m.group(i)) for i in (2,3,4)))
print(f"{'strategy':46} n  wall_med  reader_cpu_med  storage_cpu_med  (s per 256 MiB)")
for k,v in rows.items():
    print(f"{k:46} {len(v)}  {st.median(x[0] for x in v):6.2f}  {st.median(x[1] for x in v):6.2f}  {st.median(x[2] for x in v):6.2f}")
