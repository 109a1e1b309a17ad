import re, statistics, sys, collections
rows = []
# existing per-program table in docs/performance.md
doc = open('docs/performance.md').read()
sec = doc.split('### Per program')[1].split('What the table shows')[0]
for line in sec.splitlines():
    c = [x.strip() for x in line.strip('|').split('|')]
    if len(c) >= 9 and re.match(r'^[\d,]+$', c[3] or 'x'):
        rows.append(dict(fam=c[0], k=c[1], cols=int(c[3].replace(',','')), rows=int(c[4].replace(',','')), pol=int(c[5].replace(',','')), simplex=float(c[6]), ipm=float(c[7])))
# new caps data: program lines from logs
data = collections.defaultdict(lambda: collections.defaultdict(list))
info = {}
for f in sys.argv[1:]:
    fam = None
    for line in open(f):
        if line.startswith('=='):
            p = line.split()
            if p[1] == 'caps':   # caps.log: == caps r1 simplex
                fam, m = 'caps-2800', p[3]
            else:
                fam, m = p[2], p[4]
        elif line.startswith('program:') and fam:
            p = line.split()
            k = p[1]; ipm = p[13] == 'true'
            info[(fam, k)] = (int(p[3]), int(p[5]), int(p[7]))
            if m in ('simplex', 'ipm'):
                data[(fam, k)][m].append(float(p[15]))
for (fam, k), d in data.items():
    if d['simplex'] and d['ipm']:
        cols, r, pol = info[(fam, k)]
        rows.append(dict(fam=fam, k=k, cols=cols, rows=r, pol=pol, simplex=statistics.median(d['simplex']), ipm=statistics.median(d['ipm'])))
rules = {
  'rows>3500': lambda p: p['rows'] > 3500,
  'rows>3500 or pol>1000': lambda p: p['rows'] > 3500 or p['pol'] > 1000,
  'rows+pol>3500': lambda p: p['rows'] + p['pol'] > 3500,
  'rows>3500 or (rows>2500 and pol>1000)': lambda p: p['rows'] > 3500 or (p['rows'] > 2500 and p['pol'] > 1000),
  'rows>3500 or pol/rows>0.35 and rows>2000': lambda p: p['rows'] > 3500 or (p['pol'] > 0.35*p['rows'] and p['rows']>2000),
  'cols>12000': lambda p: p['cols'] > 12000,
}
fams = collections.defaultdict(list)
for p in rows: fams[p['fam']].append(p)
if '-v' in sys.argv[0:1]: pass
print('%-28s %6s %6s %5s %8s %8s %5s' % ('program','cols','rows','pol','simplex','ipm','i/s'))
for p in sorted(rows, key=lambda p: p['rows']):
    print('%-28s %6d %6d %5d %8.3f %8.3f %5.2f' % (p['fam']+'/'+p['k'], p['cols'], p['rows'], p['pol'], p['simplex'], p['ipm'], p['ipm']/p['simplex']))
for name, rule in rules.items():
    worst = []
    for fam, ps in fams.items():
        s = sum(p['simplex'] for p in ps); i = sum(p['ipm'] for p in ps)
        r = sum(p['ipm'] if rule(p) else p['simplex'] for p in ps)
        worst.append((r / min(s, i), fam, r / s))
    worst.sort(reverse=True)
    prog = max((p['ipm'] if rule(p) else p['simplex'])/min(p['ipm'],p['simplex']) for p in rows)
    print(f'{name:45s} worst family rule/best {worst[0][0]:.2f} ({worst[0][1]}), max rule/simplex {max(w[2] for w in worst):.2f}, worst program {prog:.2f}')
