import json, sys, statistics as st
d=json.load(open(sys.argv[1]))
fss = d if isinstance(d,list) else d.get('filesystems')
pairs=[(a,b) for a,b in [("read -P 16 chunk 32MiB front","read -P 16 chunk 32MiB spread"),("read -P 8 chunk 32MiB front","read -P 8 chunk 32MiB spread"),("xargs -P 32 cat","warm (tuned profile)"),("baseline warm (its tuned profile)","warm (tuned profile)")]]
for fs in fss:
    rounds={}
    for r in fs['runs']:
        rounds.setdefault(r['round'],{})[r['strategy']]=r['seconds']
    print(fs['fs'])
    for a,b in pairs:
        rs=[rounds[k][a]/rounds[k][b] for k in sorted(rounds) if a in rounds[k] and b in rounds[k]]
        if rs:
            print('  %s / %s: median %.2f, per round %s, %d of %d >1' % (a,b,st.median(rs),[round(x,2) for x in rs], sum(x>1 for x in rs), len(rs)))
