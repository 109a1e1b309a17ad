#!/bin/bash
S=${SCALE:-target/release/examples/scale}
C="--caps-each --commodities 3 --no-star --tie-break none"
one() { # fam label args...
  fam=$1; label=$2; shift 2
  l0=$(cut -d' ' -f1-3 /proc/loadavg)
  out=$($S $fam $C "$@" 2>/dev/null | grep -E "^(summary|program):")
  l1=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "== opts caps-$fam $label load_start $l0 load_end $l1"
  echo "$out"
}
for r in 1 2; do
  one medium simplex-default --method simplex
  one medium simplex-scale0 --method simplex --highs simplex_scale_strategy=0
  one medium simplex-scale4 --method simplex --highs simplex_scale_strategy=4
  one medium simplex-presolveoff --method simplex --highs presolve=off
  one regional:1000 ipm-default --method ipm
  one regional:1000 ipm-presolveoff --method ipm --highs presolve=off
done
one regional:2800 ipm-default --routes 30232 --method ipm
one regional:2800 ipm-presolveoff --routes 30232 --method ipm --highs presolve=off
