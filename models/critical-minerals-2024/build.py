#!/usr/bin/env python3
"""Build the critical-minerals-2024 sourcemix model from the reference data.

Usage (from this folder):

    python3 build.py [DATA_DIR] [--out DIR] [--no-readme]

DATA_DIR defaults to the repository's `data/` folder, found relative to this
file (../../data: this file is models/critical-minerals-2024/build.py). The model files
(model.toml, countries.csv, nodes.csv, supply.csv, refining.csv, demand.csv,
routes.csv) are written to --out (default: this folder). The blocks of
README.md between `<!-- BEGIN GENERATED: x -->` and `<!-- END GENERATED: x -->`
are regenerated too (the rest of README.md is left untouched), unless
--no-readme is given.

Every number that is not a published figure is one of the ASSUMPTIONS below or
an arithmetic rule documented in README.md. Output is deterministic.
"""

import argparse
import csv
import io
import os
import re
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------
# Assumptions (not published figures; each is explained in README.md)
# --------------------------------------------------------------------------
REFINING_COST_FRACTION = 0.10   # refining cost = 10% of the 2024 price; mine cost = the other 90%
FREIGHT_FRACTION = 0.02         # freight, insurance, duties: 2% of the 2024 price per cross-border leg
STOCKPILE_PRICE_MULTIPLE = 2.0  # stockpile release cost = 2 x the 2024 price
SHORTFALL_PENALTY = 1_000_000   # USD/t of unmet demand (model.toml [defaults])
STOCKPILE_COMMODITIES = ["lithium", "cobalt", "nickel", "rare_earths"]  # Japan's stockpile: rare metals only
# Calibration C1 (README "Calibration"): where world mine supply on the model basis is
# below world demand, the gap itself is added as secondary supply and stock draw (a
# balancing item, estimate), spread over the mining countries in proportion to their
# mine capacity, at the mine cost, routed to the refiners like ore. Rare earths only
# (90,920 t demand vs 75,890 t mined); the other commodities have no gap.
SECONDARY_PREFIX = "SEC-"
YEAR = "2024"

COMMODITIES = OrderedDict([
    ("lithium", ("Lithium", "t Li content")),
    ("cobalt", ("Cobalt", "t Co content")),
    ("nickel", ("Nickel", "t Ni content")),
    ("rare_earths", ("Rare earths (magnet REEs)",
                     "t magnet rare-earth elements (Nd, Pr, Dy, Tb), IEA basis")),
    ("graphite", ("Graphite (natural)", "t natural graphite (gross weight)")),
])

# Price row used per commodity (2024, prices.csv), matched on the start of `basis`.
PRICE_BASIS = {
    "lithium": "battery-grade lithium carbonate",
    "cobalt": "London Metal Exchange cash",
    "nickel": "London Metal Exchange cash",
    "rare_earths": "neodymium-praseodymium (NdPr) oxide",
    "graphite": "natural graphite, flake",
}
LI_IN_LI2CO3 = 0.1878  # data README section 2: 2 x 6.94 / 73.89

CONSUMERS = ["CHN", "EU27", "USA", "JPN", "KOR", "IND", "ROW"]
STOCKPILE_COUNTRY = "JPN"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def largest_remainder(values, total):
    """Round non-negative floats to integers whose sum is exactly round(total)."""
    total = int(round(total))
    floors = [int(v) for v in values]
    rest = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:max(rest, 0)]:
        floors[i] += 1
    return floors


def num(x):
    """Plain decimal for CSV: integers without .0, else up to 2 decimals."""
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s


def fmt(x, nd=0):
    return f"{x:,.{nd}f}"


class Sources:
    """Numbered legend of verbatim source texts."""

    def __init__(self):
        self.keys = OrderedDict()

    def key(self, text):
        if text not in self.keys:
            self.keys[text] = f"S{len(self.keys) + 1}"
        return self.keys[text]


def build(data_dir):
    d = lambda f: os.path.join(data_dir, f)
    countries = {r["country_code"]: r for r in read_csv(d("countries.csv"))}
    mine_rows = [r for r in read_csv(d("mine_production.csv")) if r["year"] == YEAR]
    ref_rows = [r for r in read_csv(d("refining_output.csv")) if r["year"] == YEAR]
    dem_rows = read_csv(d("demand.csv"))
    price_rows = [r for r in read_csv(d("prices.csv")) if r["year"] == YEAR]
    pol_rows = read_csv(d("policy_benchmarks.csv"))
    src = Sources()
    fig = OrderedDict()  # README tables: name -> list of markdown lines

    # ---------------- prices and costs ----------------
    price = {}
    cost_lines = ["| commodity | 2024 price (published) | basis | price on model basis, USD/t | mine supply cost (90%) | refining cost (10%) | freight per cross-border leg (2%) | stockpile release (2x) | source |",
                  "|---|---|---|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        rows = [r for r in price_rows if r["commodity"] == k and r["basis"].startswith(PRICE_BASIS[k])]
        assert len(rows) == 1, (k, rows)
        r = rows[0]
        p_pub = float(r["usd_per_t"])
        if k == "lithium":
            p = p_pub / LI_IN_LI2CO3
            conv = f"{fmt(p_pub)} USD/t Li2CO3 / 0.1878 (derived)"
        else:
            p = p_pub
            conv = "as published"
        price[k] = p
        cost_lines.append(
            f"| {k} | {fmt(p_pub)} | {r['basis'].split(',')[0] if k != 'graphite' else 'natural graphite, flake (U.S. import value)'} | "
            f"{fmt(p, 2)} ({conv}) | {fmt(round(p * (1 - REFINING_COST_FRACTION), 2), 2)} | {fmt(round(p * REFINING_COST_FRACTION, 2), 2)} | "
            f"{fmt(round(p * FREIGHT_FRACTION, 2), 2)} | {fmt(round(p * STOCKPILE_PRICE_MULTIPLE, 2), 2)} | prices.csv ({k}, 2024, {PRICE_BASIS[k]}) [{src.key(r['source'])}] |")
    fig["costs"] = cost_lines
    mine_cost = {k: round(price[k] * (1 - REFINING_COST_FRACTION), 2) for k in COMMODITIES}
    ref_cost = {k: round(price[k] * REFINING_COST_FRACTION, 2) for k in COMMODITIES}
    freight = {k: round(price[k] * FREIGHT_FRACTION, 2) for k in COMMODITIES}
    stock_cost = {k: round(price[k] * STOCKPILE_PRICE_MULTIPLE, 2) for k in COMMODITIES}

    # ---------------- IEA refining / mining quantities ----------------
    def iea(k, stage):
        rows = [r for r in ref_rows if r["commodity"] == k and r["stage"] == stage]
        wld = [float(r["amount"]) for r in rows if r["country_code"] == "WLD"]
        cs = [(r["country_code"], float(r["amount"]), r) for r in rows if r["country_code"] != "WLD"]
        tot = sum(a for _, a, _ in cs)
        assert wld and abs(tot - wld[0]) <= 1e-6 * max(1.0, wld[0]) + 0.01, (k, stage, tot, wld)
        return cs, tot

    # ---------------- mines ----------------
    # REE: convert USGS t REO (all rare earths) to t magnet REEs with one world factor.
    ree_usgs_wld = [float(r["amount"]) for r in mine_rows if r["commodity"] == "rare_earths" and r["country_code"] == "WLD"][0]
    _, ree_iea_mined = iea("rare_earths", "mining")
    ree_factor = (ree_iea_mined * 1000.0) / ree_usgs_wld

    supply_rows = []  # (node, commodity, capacity, cost)
    mine_countries = OrderedDict()
    mine_cap = {k: OrderedDict() for k in COMMODITIES}
    usgs_amount = {k: OrderedDict() for k in COMMODITIES}
    mine_lines = ["| commodity | country | USGS 2024 mine production | capacity in model (model unit) | data row | source |",
                  "|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        rows = sorted([r for r in mine_rows if r["commodity"] == k and r["country_code"] != "WLD"],
                      key=lambda r: (-float(r["amount"]), r["country_code"]))
        for r in rows:
            c = r["country_code"]
            amt = float(r["amount"])
            usgs_amount[k][c] = amt
            cap = round(amt * ree_factor) if k == "rare_earths" else amt
            mine_cap[k][c] = cap
            mine_countries.setdefault(c, set()).add(k)
            mine_lines.append(f"| {k} | {c} | {fmt(amt)} {r['unit']} | {fmt(cap)}{' (x factor, derived)' if k == 'rare_earths' else ''} | "
                              f"mine_production.csv ({k}, {c}, 2024) | [{src.key(r['source'])}] |")
        wld = [r for r in mine_rows if r["commodity"] == k and r["country_code"] == "WLD"][0]
        mine_lines.append(f"| {k} | *sum of rows* | {fmt(sum(usgs_amount[k].values()))} (USGS rounded world total {fmt(float(wld['amount']))}) | "
                          f"{fmt(sum(mine_cap[k].values()))} | | [{src.key(wld['source'])}] |")
    fig["mines"] = mine_lines

    # ---------------- demand ----------------
    world_demand_iea = {}
    demand_world_lines = ["| commodity | IEA world demand 2024 | unit (IEA) | data row | source |", "|---|---|---|---|---|"]
    for r in dem_rows:
        if r["region_code"] == "WLD" and r["year"] == YEAR and r["source"].startswith("IEA Critical Minerals Dataset") and r["commodity"] in COMMODITIES:
            world_demand_iea[r["commodity"]] = float(r["amount_or_share"]) * 1000.0
            demand_world_lines.append(f"| {r['commodity']} | {fmt(float(r['amount_or_share']), 2)} kt | {r['unit']} | demand.csv ({r['commodity']}, WLD, 2024) | [{src.key(r['source'])}] |")
    fig["demand_world"] = demand_world_lines

    shares = {k: OrderedDict() for k in COMMODITIES}
    for r in dem_rows:
        if r["unit"] == "share of world demand (estimate)" and r["year"] == YEAR and r["commodity"] in COMMODITIES:
            shares[r["commodity"]][r["region_code"]] = float(r["amount_or_share"])
    world_mined = {k: sum(mine_cap[k].values()) for k in COMMODITIES}
    world_supply = world_mined
    # Model world demand: IEA where IEA's unit is the model unit; graphite: natural mine supply (estimate).
    world_demand = {}
    for k in COMMODITIES:
        world_demand[k] = world_supply[k] if k == "graphite" else world_demand_iea[k]
    demand = {k: OrderedDict() for k in COMMODITIES}
    dem_lines = ["| commodity | consumer | share of world demand (**estimate**) | world demand on model basis, t | demand, t | data row (source column: `estimate`) |", "|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        sh = shares[k]
        assert set(sh) == set(CONSUMERS), (k, sh)
        assert abs(sum(sh.values()) - 1) < 1e-3, (k, sum(sh.values()))
        vals = largest_remainder([sh[c] * world_demand[k] for c in CONSUMERS], world_demand[k])
        for c, v in zip(CONSUMERS, vals):
            demand[k][c] = v
            dem_lines.append(f"| {k} | {c} | {sh[c]} | {fmt(world_demand[k])}{' (= natural mine supply, estimate)' if k == 'graphite' else ''} | {fmt(v)} | demand.csv ({k}, {c}, 2024, share of world demand (estimate)) |")
    fig["demand"] = dem_lines

    # ---------------- calibration C1: secondary supply and stock draw (balancing item) ----------------
    sec_cap = {k: OrderedDict() for k in COMMODITIES}
    sec_lines = ["| commodity | country | mine capacity, t | share of world mine capacity | secondary supply and stock draw, t (**estimate**: balancing item) | cost, USD/t (= mine cost) |",
                 "|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        gap = world_demand[k] - world_mined[k]
        if gap <= 0:
            continue
        cs = list(mine_cap[k])
        caps = largest_remainder([mine_cap[k][c] / world_mined[k] * gap for c in cs], gap)
        for c, cap in zip(cs, caps):
            if cap > 0:
                sec_cap[k][c] = cap
                sec_lines.append(f"| {k} | {c} | {fmt(mine_cap[k][c])} | {mine_cap[k][c] / world_mined[k]:.4f} | {fmt(cap)} | {fmt(mine_cost[k], 2)} |")
        sec_lines.append(f"| {k} | *total* | {fmt(world_mined[k])} | 1.0000 | {fmt(sum(sec_cap[k].values()))} "
                         f"(= world demand {fmt(world_demand[k])} - world mine capacity {fmt(world_mined[k])}) | |")
    fig["secondary"] = sec_lines
    world_supply = {k: world_mined[k] + sum(sec_cap[k].values()) for k in COMMODITIES}

    # ---------------- refiners ----------------
    throughput = {k: min(world_supply[k], world_demand[k]) for k in COMMODITIES}
    ref_cap = {k: OrderedDict() for k in COMMODITIES}
    ref_lines = ["| commodity | refiner country | IEA 2024 refined output | share of IEA world (derived) | model throughput, t | capacity, t of input (derived) | data row | source |",
                 "|---|---|---|---|---|---|---|---|"]
    omitted_refiners = []
    for k in COMMODITIES:
        stage = "separation" if k == "rare_earths" else "refining"
        cs, tot = iea(k, stage)
        cs = sorted(cs, key=lambda t: (-t[1], t[0]))
        pos = [(c, a, r) for c, a, r in cs if a > 0]
        omitted_refiners += [(k, c) for c, a, _ in cs if a <= 0]
        caps = largest_remainder([a / tot * throughput[k] for _, a, _ in pos], throughput[k])
        for (c, a, r), cap in zip(pos, caps):
            ref_cap[k][c] = cap
            ref_lines.append(f"| {k} | {c} | {a:g} {r['unit']} | {a / tot:.4f} | {fmt(throughput[k])} | {fmt(cap)} | "
                             f"refining_output.csv ({k}, {stage}, {c}, 2024) | [{src.key(r['source'])}] |")
    fig["refiners"] = ref_lines

    # ---------------- stockpile ----------------
    days = [float(r["value"]) for r in pol_rows if r["metric"] == "stockpile_target_days_of_domestic_consumption_general"][0]
    days_src = [r["source"] for r in pol_rows if r["metric"] == "stockpile_target_days_of_domestic_consumption_general"][0]
    stock = OrderedDict()
    st_lines = ["| commodity | model JPN demand, t/yr | days (published target) | stockpile capacity, t (**estimate**) = demand x days / 365 | release cost, USD/t (assumption: 2 x price) |",
                "|---|---|---|---|---|"]
    for k in STOCKPILE_COMMODITIES:
        q = round(demand[k][STOCKPILE_COUNTRY] * days / 365.0)
        stock[k] = q
        st_lines.append(f"| {k} | {fmt(demand[k][STOCKPILE_COUNTRY])} | {days:g} [{src.key(days_src)}] | {fmt(q)} | {fmt(stock_cost[k], 2)} |")
    fig["stockpile"] = st_lines

    # ---------------- nodes, countries ----------------
    nodes = []  # (id, name, kind, country)
    cname = lambda c: countries[c]["country"]
    for c in sorted(mine_countries):
        nodes.append((f"MINE-{c}", f"Mines: {cname(c)}", "mine", c))
    ref_countries = sorted({c for k in COMMODITIES for c in ref_cap[k]})
    for c in ref_countries:
        nodes.append((f"REF-{c}", f"Refiners: {cname(c)}", "refiner", c))
    for c in sorted({c for k in COMMODITIES for c in sec_cap[k]}):
        nodes.append((f"{SECONDARY_PREFIX}{c}", f"Secondary supply and stock draw (balancing item, estimate): {cname(c)}", "recycler", c))
    nodes.append((f"STOCK-{STOCKPILE_COUNTRY}", f"Stockpile: {cname(STOCKPILE_COUNTRY)} national rare-metal stockpile (JOGMEC)", "stockpile", STOCKPILE_COUNTRY))
    for c in CONSUMERS:
        nodes.append((f"CON-{c}", f"Consumers: {cname(c)}", "consumer", c))
    node_country = {n[0]: n[3] for n in nodes}
    used_countries = sorted({n[3] for n in nodes})

    def groups(c):
        return [g for g in countries[c]["groups"].split(";") if g]

    def domestic(a, b):
        if a == b and a != "ROW":
            return True
        return "EU" in groups(a) and "EU" in groups(b)

    # ---------------- tables ----------------
    for k in COMMODITIES:
        for c, cap in mine_cap[k].items():
            supply_rows.append((f"MINE-{c}", k, cap, mine_cost[k]))
        for c, cap in sec_cap[k].items():
            supply_rows.append((f"{SECONDARY_PREFIX}{c}", k, cap, mine_cost[k]))
    for k in STOCKPILE_COMMODITIES:
        supply_rows.append((f"STOCK-{STOCKPILE_COUNTRY}", k, stock[k], stock_cost[k]))
    refining_rows = [(f"REF-{c}", k, cap, ref_cost[k]) for k in COMMODITIES for c, cap in ref_cap[k].items()]
    demand_rows = [(f"CON-{c}", k, demand[k][c]) for k in COMMODITIES for c in CONSUMERS]

    routes = []
    for k in COMMODITIES:
        for m in mine_cap[k]:
            for r in ref_cap[k]:
                routes.append((f"MINE-{m}", f"REF-{r}", k, 0.0 if domestic(m, r) else freight[k]))
        for m in sec_cap[k]:
            for r in ref_cap[k]:
                routes.append((f"{SECONDARY_PREFIX}{m}", f"REF-{r}", k, 0.0 if domestic(m, r) else freight[k]))
        for r in ref_cap[k]:
            for c in CONSUMERS:
                routes.append((f"REF-{r}", f"CON-{c}", k, 0.0 if domestic(r, c) else freight[k]))
    for k in STOCKPILE_COMMODITIES:
        routes.append((f"STOCK-{STOCKPILE_COUNTRY}", f"CON-{STOCKPILE_COUNTRY}", k, 0.0))

    # ---------------- published shares for the baseline check ----------------
    sh_lines = ["| commodity | mining: USGS 2024 (country / sum of rows) | mining: IEA 2024 | refining: IEA 2024 (= model refining capacity shares) |",
                "|---|---|---|---|"]

    def top(pairs, n=5):
        pairs = sorted(pairs, key=lambda t: (-t[1], t[0]))
        head = pairs[:n]
        rest = sum(v for _, v in pairs[n:])
        s = ", ".join(f"{c} {100 * v:.1f}%" for c, v in head)
        if len(pairs) > n:
            s += f", other {100 * rest:.1f}%"
        return s

    for k in COMMODITIES:
        tot = sum(usgs_amount[k].values())
        usgs = [(c, a / tot) for c, a in usgs_amount[k].items()]
        cs, t = iea(k, "mining")
        iea_m = [(c, a / t) for c, a, _ in cs]
        cs, t = iea(k, "separation" if k == "rare_earths" else "refining")
        iea_r = [(c, a / t) for c, a, _ in cs if a > 0]
        sh_lines.append(f"| {k} | {top(usgs)} | {top(iea_m)} | {top(iea_r)} |")
    fig["published_shares"] = sh_lines

    bal_lines = ["| commodity | world mine capacity in model, t | secondary supply and stock draw (C1), t | world supply, t | world demand in model, t | supply / demand | refining capacity (= min of supply and demand), t | JPN stockpile, t |",
                 "|---|---|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        bal_lines.append(f"| {k} | {fmt(world_mined[k])} | {fmt(sum(sec_cap[k].values()))} | {fmt(world_supply[k])} | {fmt(world_demand[k])} | {world_supply[k] / world_demand[k]:.3f} | "
                         f"{fmt(sum(ref_cap[k].values()))} | {fmt(stock.get(k, 0))} |")
    fig["balance"] = bal_lines

    # policy source
    crma = [r for r in pol_rows if r["metric"].startswith("max_share_single_third_country")][0]
    share_65 = float(crma["value"])
    fig["policy"] = ["| figure | value | data row | source |", "|---|---|---|---|",
                     f"| CRMA max share of EU consumption from a single third country, any stage | {share_65:g} | policy_benchmarks.csv (EU CRMA, {crma['metric']}) | [{src.key(crma['source'])}] |"]
    for r in pol_rows:
        if r["metric"].startswith("strategic_raw_material:"):
            fig["policy"].append(f"| strategic raw material | {r['metric'].split(':', 1)[1]} | policy_benchmarks.csv (EU CRMA, strategic_raw_material) | [{src.key(r['source'])}] |")
    fig["misc"] = [f"- REE conversion factor (derived): IEA world magnet-REE mining 2024 {ree_iea_mined:g} kt "
                   f"(refining_output.csv, rare_earths, mining, WLD) / USGS world REO 2024 {fmt(ree_usgs_wld)} t "
                   f"(mine_production.csv, rare_earths, WLD) = {ree_factor:.6f} t magnet REE per t REO.",
                   f"- Omitted refiners (IEA 2024 output 0): {', '.join(f'{k} {c}' for k, c in omitted_refiners)}."]
    fig["sources"] = ["| key | source text (verbatim from the data file) |", "|---|---|"] + \
                     [f"| {v} | {t} |" for t, v in src.keys.items()]

    # ---------------- model.toml ----------------
    toml = io.StringIO()
    toml.write('# Generated by build.py from ../../data = data/ at the repository root; see README.md for every figure and assumption.\n')
    toml.write('name = "critical-minerals-2024"\n')
    toml.write('description = "Least-cost sourcing of lithium, cobalt, nickel, rare earths (magnet REEs) and natural graphite, '
               '2024: USGS MCS 2026 mine production, IEA 2024 refining shares and world demand, USGS 2024 prices, '
               'EU CRMA 65% single-third-country cap"\n')
    toml.write('currency = "USD"\n\n[defaults]\n')
    toml.write(f'shortfall_penalty = {SHORTFALL_PENALTY}     # USD/t of unmet demand (assumption, see README)\n')
    for k, (name, unit) in COMMODITIES.items():
        toml.write(f'\n[[commodity]]\nid = "{k}"\nname = "{name}"\nunit = "{unit}"\n')
    for stage in ["mining", "refining"]:
        toml.write(f'\n# EU CRMA (Regulation (EU) 2024/1252) Art. 5: no more than 65% of EU consumption of each strategic\n'
                   f'# raw material, at any relevant stage of processing, from a single third country (policy_benchmarks.csv).\n')
        toml.write(f'[[policy]]\nname = "crma-single-country-{stage}"\ntype = "max_share"\nstage = "{stage}"\n'
                   f'commodity = "*"\nscope = "group:EU"\nfrom = "each"\nexempt = ["group:EU"]\nshare = {share_65:g}\n')

    files = OrderedDict()
    files["model.toml"] = toml.getvalue()

    def table(header, rows):
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)
        return out.getvalue()

    files["countries.csv"] = table(["code", "name", "groups", "risk"],
                                   [(c, cname(c), ";".join(groups(c)), "") for c in used_countries])
    files["nodes.csv"] = table(["id", "name", "kind", "country"], nodes)
    files["supply.csv"] = table(["node", "commodity", "capacity", "cost"],
                                [(n, k, num(cap), num(cost)) for n, k, cap, cost in supply_rows])
    files["refining.csv"] = table(["node", "commodity", "capacity", "cost", "yield"],
                                  [(n, k, num(cap), num(cost), "") for n, k, cap, cost in refining_rows])
    files["demand.csv"] = table(["node", "commodity", "demand", "penalty"],
                                [(n, k, num(v), "") for n, k, v in demand_rows])
    files["routes.csv"] = table(["from", "to", "commodity", "cost", "capacity"],
                                [(a, b, k, num(c), "") for a, b, k, c in routes])
    stats = {"nodes": len(nodes), "routes": len(routes), "supply": len(supply_rows),
             "refining": len(refining_rows), "demand": len(demand_rows),
             "kinds": {kind: sum(1 for n in nodes if n[2] == kind) for kind in ["mine", "recycler", "refiner", "stockpile", "consumer"]}}
    fig["counts"] = [f"- {stats['nodes']} nodes ({', '.join(f'{v} {k}' for k, v in stats['kinds'].items())}), "
                     f"{stats['supply']} supply rows, {stats['refining']} refining rows, {stats['demand']} demand rows, "
                     f"{stats['routes']} routes (all per commodity; no `*`), {len(used_countries)} countries."]
    return files, fig, stats


def update_readme(path, fig):
    if not os.path.exists(path):
        return False
    text = open(path, encoding="utf-8").read()
    for name, lines in fig.items():
        pat = re.compile(r"(<!-- BEGIN GENERATED: %s -->\n).*?(<!-- END GENERATED: %s -->)" % (re.escape(name), re.escape(name)), re.S)
        text = pat.sub(lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2), text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", nargs="?", default=os.path.join(HERE, "..", "..", "data"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--no-readme", action="store_true")
    a = ap.parse_args()
    files, fig, stats = build(os.path.normpath(a.data_dir))
    os.makedirs(a.out, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(a.out, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    if not a.no_readme:
        update_readme(os.path.join(a.out, "README.md"), fig)
    print(f"wrote {len(files)} files to {a.out}: {stats['nodes']} nodes, {stats['routes']} routes", file=sys.stderr)


if __name__ == "__main__":
    main()
