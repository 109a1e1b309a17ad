#!/bin/bash
# caps-each family: simplex / ipm interleaved, 3 rounds
S=${SCALE:-target/release/examples/scale}
F="regional:2800 --routes 30232 --caps-each --commodities 3 --no-star --tie-break none"
for r in 1 2 3; do
  for m in simplex ipm; do
    extra=""
    [ "$r" = 1 ] && [ "$m" = ipm ] && extra="--write-mps ${MPS_DIR:-mps}/caps"
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    out=$($S $F --method $m $extra 2>/dev/null | grep -E "^(summary|program|LP):")
    l1=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "== caps r$r $m load_start $l0 load_end $l1"
    echo "$out"
  done
done
