#!/bin/bash
# old rule (IPM above 3,500 rows) against the new rule (also above 1,000 policy rows), interleaved
for r in 1 2 3; do
 for fam in regional:400 regional:500; do
  for b in old new; do
    S=${SCALE:-target/release/examples/scale}; [ $b = new ] && S=${SCALE_NEW:-target/release/examples/scale}
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    out=$($S $fam --caps-each --commodities 3 --no-star --tie-break none 2>/dev/null | grep -E "^(summary|program):")
    l1=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "== oldnew caps-$fam r$r $b load_start $l0 load_end $l1"
    echo "$out"
  done
 done
done
