#!/bin/bash
S=${S:-${SCALE:-target/release/examples/scale}}
TAG=${TAG:-hs115}
for r in 1 2 3; do
 for fam in medium regional:600 regional:1000; do
  for m in simplex ipm auto; do
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    out=$($S $fam --caps-each --commodities 3 --no-star --tie-break none --method $m 2>/dev/null | grep -E "^(summary|program):")
    l1=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "== $TAG caps-$fam r$r $m load_start $l0 load_end $l1"
    echo "$out"
  done
 done
done
