import re,statistics,collections,sys
fam_t=collections.defaultdict(lambda: collections.defaultdict(list)); loads=collections.defaultdict(list)
prog=collections.defaultdict(lambda: collections.defaultdict(list)); info={}
for f in sys.argv[1:]:
  for l in open(f):
    if l.startswith('=='):
        p=l.split()
        if p[1]=='caps': fam,m='caps-2800',p[3]; ld=[float(p[5]),float(p[9])]
        else: fam,m=p[2].replace('regional:',''),p[4]; ld=[float(p[6]),float(p[10])]
        loads[fam]+=ld
    elif l.startswith('summary'):
        fam_t[fam][m].append(float(l.split()[2]))
    elif l.startswith('program'):
        p=l.split(); prog[(fam,p[1])][m].append(float(p[15])); info[(fam,p[1])]=(int(p[3]),int(p[5]),int(p[7]))
med=lambda v: statistics.median(v)
def fmt(v): return '%.2f (%.2f-%.2f)'%(med(v),min(v),max(v)) if v else '-'
rule=lambda r,pol: r>3500 or pol>1000
for fam in sorted(fam_t, key=lambda f: {'caps-medium':0}.get(f, 1) and int(re.sub(r'\D','',f) or 0)):
    t=fam_t[fam]
    newr=sum(med(prog[(fam,k)]['ipm' if rule(*info[(fam,k)][1:]) else 'simplex']) for (f2,k) in prog if f2==fam)
    ps=sum(med(prog[(fam,k)]['simplex']) for (f2,k) in prog if f2==fam); pi=sum(med(prog[(fam,k)]['ipm']) for (f2,k) in prog if f2==fam)
    best=min(ps,pi)
    print(f"| {fam} | {fmt(t['simplex'])} | {fmt(t['ipm'])} | {fmt(t.get('auto',[]))} | {newr:.2f} (sums of program medians: simplex {ps:.2f}, IPM {pi:.2f}) | {newr/best:.2f} | {med(loads[fam]):.1f} ({min(loads[fam]):.1f}-{max(loads[fam]):.1f}) |")
print()
for (fam,k),d in sorted(prog.items(), key=lambda x: info[x[0]][1]):
    c,r,pol=info[(fam,k)]
    s,i=med(d['simplex']),med(d['ipm'])
    nr='IPM' if rule(r,pol) else 'simplex'; orr='IPM' if r>3500 else 'simplex'
    pick=lambda x: i if x=='IPM' else s
    print(f"| {fam} | {k} | {c:,} | {r:,} | {pol:,} | {s:.3f} | {i:.3f} | {i/s:.2f} | {nr} | {pick(nr)/min(s,i):.2f} | {pick(orr)/min(s,i):.2f} |")
