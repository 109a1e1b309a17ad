#!/bin/bash
# highspy 1.15.0 vs 1.16.0 on the same MPS files, interleaved
for r in 1 2 3; do
 for fam in medium caps600; do
  for m in simplex ipm; do
   for v in 115 116; do
     v$v/bin/python ${LP_BLOCKS:-scripts/lp_blocks.py} --method $m --runs 1 --only per mps/$fam/*.mps | grep "^run" | sed "s/^/v$v $fam $m r$r: /"
   done
  done
 done
done
# one LP against per commodity on caps600 (1.15.0), both methods
for m in simplex ipm; do v115/bin/python ${LP_BLOCKS:-scripts/lp_blocks.py} --method $m --runs 3 mps/caps600/*.mps | sed "s/^/caps600 $m: /"; done
