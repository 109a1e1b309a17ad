#!/bin/bash
# sourcemix (scale, new rule = IPM on every caps-600 program; solve step wall, 2 commodities at a time)
# against Python + highspy 1.15.0 on the same LPs as one LP (IPM), interleaved
for r in 1 2 3; do
  l0=$(cut -d' ' -f1-3 /proc/loadavg)
  ${SCALE_NEW:-target/release/examples/scale} regional:600 --caps-each --commodities 3 --no-star --tie-break none 2>/dev/null | grep -E "^(summary|program)" | sed "s/^/sourcemix caps600 r$r load $l0: /"
  v115/bin/python ${LP_BLOCKS:-scripts/lp_blocks.py} --method ipm --runs 1 --only one mps/caps600/*.mps | grep "^run" | sed "s/^/python caps600 r$r: /"
  l0=$(cut -d' ' -f1-3 /proc/loadavg)
  ${SCALE_NEW:-target/release/examples/scale} regional:400 --caps-each --commodities 3 --no-star --tie-break none 2>/dev/null | grep -E "^(summary|program)" | sed "s/^/sourcemix-newrule caps400 r$r load $l0: /"
done
