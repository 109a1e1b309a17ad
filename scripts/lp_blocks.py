#!/usr/bin/env python3
"""Solve sourcemix's per-commodity LPs one by one and as one LP, with highspy.

A measuring tool (not part of the build). The LPs are the MPS files that
`examples/scale --write-mps DIR` writes: each commodity's program exactly as
sourcemix hands it to HiGHS. This script solves

  * each file on its own ("per commodity", times summed), and
  * all files as one block-diagonal LP ("one LP": the columns and rows of
    every program side by side, no row shared), which is what solving every
    commodity as one LP would give,

with the same HiGHS method and a single HiGHS thread, interleaved run by run,
and prints HiGHS's run time (`Highs.run()` only: reading the files and
building the combined LP are not timed) and the objectives.

    pip install highspy==1.15.0   # the HiGHS version of highs-sys 1.15.0
    python3 scripts/lp_blocks.py --method ipm --runs 3 DIR/*.mps

--method: simplex (dual simplex, HiGHS's default `solver=simplex`) or ipm
(`solver=ipm`, crossover on, as sourcemix's Method::InteriorPoint).
--option KEY=VALUE: any further HiGHS option (repeatable).
"""

import argparse
import os
import time

import highspy
import numpy as np


def load(path):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    status = h.readModel(path)
    if status == highspy.HighsStatus.kError:
        raise SystemExit(f"cannot read {path}")
    return h.getLp()


def combined(lps):
    """One LP with the given LPs as diagonal blocks (all column-wise)."""
    lp = highspy.HighsLp()
    lp.num_col_ = sum(p.num_col_ for p in lps)
    lp.num_row_ = sum(p.num_row_ for p in lps)
    cat = lambda f: np.concatenate([np.asarray(f(p), dtype=float) for p in lps])
    lp.col_cost_ = cat(lambda p: p.col_cost_)
    lp.col_lower_ = cat(lambda p: p.col_lower_)
    lp.col_upper_ = cat(lambda p: p.col_upper_)
    lp.row_lower_ = cat(lambda p: p.row_lower_)
    lp.row_upper_ = cat(lambda p: p.row_upper_)
    lp.offset_ = sum(p.offset_ for p in lps)
    starts, index, value = [], [], []
    col0 = row0 = nz0 = 0
    for p in lps:
        m = p.a_matrix_
        assert m.format_ == highspy.MatrixFormat.kColwise
        s = np.asarray(m.start_, dtype=np.int64)
        starts.append(s[:-1] + nz0)
        index.append(np.asarray(m.index_, dtype=np.int64) + row0)
        value.append(np.asarray(m.value_, dtype=float))
        nz0 += int(s[-1])
        row0 += p.num_row_
        col0 += p.num_col_
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = np.concatenate(starts + [np.array([nz0])]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(value)
    return lp


def solve(lp, method, options):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("solver", "ipm" if method == "ipm" else "simplex")
    for key, value in options:
        h.setOptionValue(key, value)
    h.passModel(lp)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    info = h.getInfo()
    return {
        "seconds": seconds,
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": info.objective_function_value,
        "simplex_it": info.simplex_iteration_count,
        "ipm_it": info.ipm_iteration_count,
    }


def option(text):
    key, value = text.split("=", 1)
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, {"true": True, "false": False}.get(value, value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--method", choices=["simplex", "ipm"], required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--option", type=option, action="append", default=[])
    ap.add_argument("--only", choices=["per", "one"], help="only one of the two ways")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    lps = [load(f) for f in a.files]
    names = [os.path.basename(f) for f in a.files]
    one = combined(lps)
    print(f"highspy {highspy.Highs().version()} method {a.method} options {a.option}")
    for n, p in zip(names, lps):
        print(f"  {n}: {p.num_col_} columns, {p.num_row_} rows, {len(p.a_matrix_.value_)} nonzeros")
    print(f"  one LP: {one.num_col_} columns, {one.num_row_} rows")
    for run in range(a.runs):
        load_avg = open("/proc/loadavg").read().split()[:3]
        # Alternate which way goes first, so drift in the machine's load
        # falls on both.
        ways = ["per", "one"] if run % 2 == 0 else ["one", "per"]
        for way in ways:
            if a.only and way != a.only:
                continue
            if way == "per":
                results = [solve(p, a.method, a.option) for p in lps]
                total = sum(r["seconds"] for r in results)
                objective = sum(r["objective"] for r in results)
                parts = " ".join(
                    f"{n}={r['seconds']:.3f}({r['status']})" for n, r in zip(names, results)
                )
                print(
                    f"run {run + 1} per-commodity total {total:.3f} s objective {objective:.6f} "
                    f"[{parts}] load {' '.join(load_avg)}"
                )
            else:
                r = solve(one, a.method, a.option)
                print(
                    f"run {run + 1} one-LP {r['seconds']:.3f} s objective {r['objective']:.6f} "
                    f"({r['status']}, simplex it {r['simplex_it']}, ipm it {r['ipm_it']}) "
                    f"load {' '.join(load_avg)}"
                )


if __name__ == "__main__":
    main()
