#!/bin/bash
P=${LP_BLOCKS:-scripts/lp_blocks.py}
for fam in caps large; do
  for v in 115 116; do
    v$v/bin/python $P --method ipm --runs 1 --only per mps/$fam/*.mps | sed "s/^/v$v $fam ipm: /"
  done
done
v115/bin/python $P --method ipm --runs 1 --only one mps/caps/*.mps | sed "s/^/v115 caps ipm: /"
