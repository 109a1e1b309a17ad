#!/usr/bin/env python3
"""Baseline shares of the flagship at equal utilisation of capacity, against
USGS 2024 mine production and IEA 2024 refining shares.

Usage (from anywhere):

    python3 check_shares.py [MODEL_DIR] [--data DIR] [--readme]

MODEL_DIR defaults to this folder, --data to the repository's data/ folder
(../../data relative to this file). Prints a markdown table; with --readme it
also refreshes the `baseline_shares` block of MODEL_DIR/README.md. Exits with
status 1 if a top-3 country of any commodity is more than 2 percentage points
from the published share. Python 3, standard library only.

What is computed (no solver involved; the model has no caps here, i.e. the
solve `--no-policies`). Within a commodity every mine (and secondary-supply
row) has the same cost, every refiner the same cost, and a route costs the
same freight unless it stays inside one country or the EU (cost 0). So:

* refining: the refining capacity of each commodity is sized to the smaller of
  world supply and world demand, so every refiner runs full and a country's
  refining share is its refining capacity / total refining capacity;
* mining: sources of the least supply cost are tied except for one thing:
  a source with a zero-freight route to a refiner (same country, or both in
  the EU) must, at least cost, send as much as it can there, i.e. at least
  min(its capacity, that refiner's capacity) (per connected group of such
  routes). Equal utilisation of tied capacities (model contract section 6)
  then gives every least-cost source s the flow x_s = max(L_s, u x cap_s),
  with the common utilisation u set so that the flows add up to the
  refining throughput; L_s is that lower bound, shared in proportion to
  capacity inside a group. A country's mining share = the sum of x_s over the
  sources located in it / the throughput. Dearer sources (Japan's stockpile,
  at twice the price) stay idle when the cheapest sources can cover demand,
  which the script checks.

Published shares: country / sum of the country rows of the 2024 data
(data/mine_production.csv for USGS; data/refining_output.csv, stage refining,
or separation for rare earths, for IEA), as in the README's published-shares
table. Rare-earth mine shares are in t REO; the model converts every country
with one factor, so the shares are the same on the magnet-REE basis.
"""

import argparse
import csv
import os
import re
import sys
from collections import OrderedDict, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
TOLERANCE = 0.02  # 2 percentage points
YEAR = "2024"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def blank_inf(x):
    return float("inf") if x.strip() == "" else float(x)


def published(data_dir):
    mines = defaultdict(dict)
    for r in read_csv(os.path.join(data_dir, "mine_production.csv")):
        if r["year"] == YEAR and r["country_code"] != "WLD":
            mines[r["commodity"]][r["country_code"]] = float(r["amount"])
    refs = defaultdict(dict)
    for r in read_csv(os.path.join(data_dir, "refining_output.csv")):
        stage = "separation" if r["commodity"] == "rare_earths" else "refining"
        if r["year"] == YEAR and r["stage"] == stage and r["country_code"] != "WLD" and float(r["amount"]) > 0:
            refs[r["commodity"]][r["country_code"]] = float(r["amount"])
    norm = lambda d: {k: {c: a / sum(v.values()) for c, a in v.items()} for k, v in d.items()}
    return norm(mines), norm(refs)


def equal_utilisation(model_dir):
    nodes = {r["id"]: r for r in read_csv(os.path.join(model_dir, "nodes.csv"))}
    supply = read_csv(os.path.join(model_dir, "supply.csv"))
    refining = read_csv(os.path.join(model_dir, "refining.csv"))
    demand = read_csv(os.path.join(model_dir, "demand.csv"))
    routes = read_csv(os.path.join(model_dir, "routes.csv"))
    out = OrderedDict()
    for k in OrderedDict((r["commodity"], None) for r in supply):
        dem = sum(float(r["demand"]) for r in demand if r["commodity"] == k)
        rcap = {r["node"]: blank_inf(r["capacity"]) for r in refining if r["commodity"] == k}
        for r in refining:
            assert r["commodity"] != k or r["yield"].strip() in ("", "1"), "yield 1 assumed"
        src = {r["node"]: (float(r["capacity"]), float(r["cost"])) for r in supply if r["commodity"] == k}
        cheapest = min(c for _, c in src.values())
        tied = {n: cap for n, (cap, c) in src.items() if c == cheapest}
        throughput = min(sum(rcap.values()), dem)
        assert sum(tied.values()) >= throughput - 1e-9, f"{k}: least-cost sources cannot cover the throughput"
        # zero-freight source -> refiner routes; groups = connected components
        zero = [(r["from"], r["to"]) for r in routes
                if r["commodity"] in (k, "*") and r["from"] in tied and r["to"] in rcap and float(r["cost"]) == 0.0]
        parent = {}

        def find(a):
            parent.setdefault(a, a)
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        for a, b in zero:
            parent[find(a)] = find(b)
        groups = defaultdict(lambda: ([], []))
        for n in tied:
            if n in parent:
                groups[find(n)][0].append(n)
        for n in rcap:
            if n in parent:
                groups[find(n)][1].append(n)
        lower = {n: 0.0 for n in tied}
        for srcs, refs in groups.values():
            scap = sum(tied[n] for n in srcs)
            bound = min(scap, sum(rcap[n] for n in refs))
            for n in srcs:
                lower[n] = bound * tied[n] / scap
        # common utilisation u: sum max(L_s, u cap_s) = throughput (bisection)
        lo, hi = 0.0, 1.0
        flow = lambda u: sum(max(lower[n], u * tied[n]) for n in tied)
        assert flow(0.0) <= throughput + 1e-6, f"{k}: domestic lower bounds exceed the throughput"
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if flow(mid) < throughput else (lo, mid)
        u = (lo + hi) / 2
        x = {n: max(lower[n], u * tied[n]) for n in tied}
        mining = defaultdict(float)
        for n, v in x.items():
            mining[nodes[n]["country"]] += v / throughput
        total_ref = sum(rcap.values())
        refining_sh = defaultdict(float)
        for n, cap in rcap.items():
            # every refiner runs full when refining capacity <= demand
            refining_sh[nodes[n]["country"]] += (cap / total_ref if total_ref <= dem else float("nan"))
        forced = sorted(nodes[n]["country"] for n in tied if u < 1 - 1e-9 and lower[n] > u * tied[n] + 1e-9)
        out[k] = dict(mining=mining, refining=refining_sh, u=u, forced=forced,
                      demand=dem, throughput=throughput)
    return out


def table(model, usgs, iea):
    lines = ["| commodity | stage | country | model, equal utilisation | published 2024 | difference, points |",
             "|---|---|---|---|---|---|"]
    worst = 0.0
    for k, m in model.items():
        for stage, pub, mod, who in [("mining", usgs[k], m["mining"], "USGS"), ("refining", iea[k], m["refining"], "IEA")]:
            top3 = sorted(pub, key=lambda c: (-pub[c], c))[:3]
            for c in top3:
                d = 100 * (mod.get(c, 0.0) - pub[c])
                worst = max(worst, abs(d))
                shown = "0.0" if abs(d) < 0.05 else f"{d:+.1f}"
                lines.append(f"| {k} | {stage} | {c} | {100 * mod.get(c, 0.0):.1f}% | {100 * pub[c]:.1f}% ({who}) | {shown} |")
    notes = []
    for k, m in model.items():
        extra = f"; sources that run full because a same-country refiner takes all their output at zero freight: {', '.join(m['forced'])}" if m["forced"] else ""
        if m["throughput"] >= m["demand"] - 1e-9:
            served = "all of it served through the refiners by least-cost supply"
        else:
            served = (f"only {m['throughput']:,.0f} t can pass the refiners (the rest is unmet or comes from dearer sources "
                      f"such as a stockpile, which this script does not follow; shares are of the refined throughput)")
        notes.append(f"- {k}: demand {m['demand']:,.0f} t, {served}; common utilisation of the least-cost sources {100 * m['u']:.1f}%{extra}.")
    return lines, notes, worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", nargs="?", default=HERE)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "data"))
    ap.add_argument("--readme", action="store_true")
    a = ap.parse_args()
    usgs, iea = published(os.path.normpath(a.data))
    model = equal_utilisation(a.model_dir)
    lines, notes, worst = table(model, usgs, iea)
    block = lines + [""] + notes
    print("\n".join(block))
    if a.readme:
        path = os.path.join(a.model_dir, "README.md")
        text = open(path, encoding="utf-8").read()
        pat = re.compile(r"(<!-- BEGIN GENERATED: baseline_shares -->\n).*?(<!-- END GENERATED: baseline_shares -->)", re.S)
        text = pat.sub(lambda m: m.group(1) + "\n".join(block) + "\n" + m.group(2), text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    ok = worst <= 100 * TOLERANCE + 1e-9
    print(f"largest top-3 difference: {worst:.2f} points ({'within' if ok else 'NOT within'} 2 points)", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
