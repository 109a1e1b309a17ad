#!/usr/bin/env python3
"""Build the critical-minerals-2040 sourcemix model (periods 2024, 2030, 2035, 2040) from the reference data.

Usage (from this folder):

    python3 build.py [DATA_DIR] [--out DIR] [--no-readme]

DATA_DIR defaults to the repository's `data/` folder, found relative to this
file (../../data: this file is models/critical-minerals-2040/build.py). The
2024 period is the 2024 flagship model: this script imports
../critical-minerals-2024/build.py and runs its `build()` on the same data
folder, so the two models cannot drift apart. The model files (model.toml,
countries.csv, nodes.csv, supply.csv, refining.csv, demand.csv, routes.csv,
expansion.csv) and the data files of the scenarios (scenarios/*.csv) are
written to --out (default: this folder). The blocks of README.md between
`<!-- BEGIN GENERATED: x -->` and `<!-- END GENERATED: x -->` are regenerated
too (the rest of README.md is left untouched), unless --no-readme is given.

Every number that is not a published figure (or arithmetic on published
figures, documented in README.md) is one of the ASSUMPTIONS / ESTIMATES
below, each explained in README.md ("Estimates and assumptions").
Python 3 standard library only; the output is deterministic.
"""

import argparse
import csv
import importlib.util
import io
import os
import re
import statistics
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_2024 = os.path.join(HERE, "..", "critical-minerals-2024", "build.py")

# --------------------------------------------------------------------------
# Periods (contract section 10)
# --------------------------------------------------------------------------
YEARS = [2024, 2030, 2035, 2040]
LAST_SPAN = 5                 # 2040 stands for 2040-2044 (the contract's default)
DISCOUNT_RATE = 0.05          # ASSUMPTION P1: 5% a year, real; no rate in the data (README)
DEFAULT_LIFETIME = 25         # ASSUMPTION P2: years of a new mine or plant (README)

# --------------------------------------------------------------------------
# Existing capacity per period
# --------------------------------------------------------------------------
IEA_YEARS = ["2030", "2035"]  # IEA base-case projections in data/refining_output.csv
HOLD_2040_FROM = "2035"       # ASSUMPTION E1: 2040 existing capacity = 2035 (no 2040 base case in data/)
SECONDARY_HELD = True         # ASSUMPTION E2: the 2024 rare-earth balancing item (C1) is held in every period
# ESTIMATE E3: USGS countries that the IEA does not list grow like IEA "Rest of world".

# --------------------------------------------------------------------------
# Demand
# --------------------------------------------------------------------------
DEMAND_SCENARIO = "STEPS"     # the model; APS is scenarios/demand-aps.toml
DEMAND_SCENARIO_ALT = "APS"
# ESTIMATE E4: regional shares of world demand held at the 2024 estimate shares.
# ESTIMATE E5: natural-graphite demand grows like IEA total graphite demand.

# --------------------------------------------------------------------------
# Investment options (expansion.csv)
# --------------------------------------------------------------------------
# ASSUMPTION I1: where new capacity may be built.
REFINER_EXPANSION_COUNTRIES = ["EU27", "JPN", "IND", "USA", "KOR", "AUS", "CAN"]  # + every existing non-excluded refiner
NO_EXPANSION_COUNTRIES = ["CHN", "RUS", "PRK"]  # China: its build-out is in the IEA base case; Russia, North Korea: sanctions
# ASSUMPTION I2: lead times -> first_year (investment.csv rows cited in README).
REFINERY_FIRST_YEAR = 2030       # rows 6, 29, 43, 47, 53, 54, 56, 147: 1.6-5 years + ramp-up (row 148)
MINE_FIRST_YEAR_OPERATING = 2030  # row 68 (3 years for an open mine), row 115 (brownfield-like, ~2-2.5 years)
MINE_FIRST_YEAR_NEW = 2035        # rows 1, 35, 37, 82, 83: more than 10 years to a new mine
# ASSUMPTION I3: fixed_cost blank (0): operating costs are the node's variable cost, as for existing capacity.
# ESTIMATE I4: the capex of an option = the median of the cited investment.csv figures (below), in USD.
# Exchange rate: the data's own quote, investment.csv row 27: AUD 800m "~USD 530m" (2024).
FX_AUD_USD = (530e6, 800e6, 27)   # (USD, AUD, row id): derived 0.6625 USD per AUD
# Stoichiometry: LiOH.H2O is 6.94 / 41.96 = 16.54% Li (ASSUMPTION I5: "t LiOH" of the sources is the monohydrate,
# the traded battery-grade product).
LI_IN_LIOH_H2O = 6.94 / 41.96
# ASSUMPTION I6 (lithium mines): deposit type per country: Chile and Argentina brine, USA clay (Thacker Pass,
# row 133), every other country hard rock.
LITHIUM_DEPOSIT = {"CHL": "brine", "ARG": "brine", "USA": "clay"}

# Capex figures: (investment.csv id, value, currency, text that must appear in the row's `derived` or `unit`
# cell (a check of the transcription), what the figure is per). Value = capex per t of annual capacity
# in the row's currency, as the row's `derived` cell computes it (ranges: their midpoint).
CAPEX_ROWS = {
    ("lithium", "refining"): ("USD per t LiOH of annual capacity (Western spodumene/carbonate-to-hydroxide plants)", [
        (2, 26000, "USD", "26,000"), (49, 28458, "USD", "28,458"), (51, 20000, "USD", "20,000"),
        (52, 27500, "USD", "25,000-30,000"), (55, 18080, "USD", "18,080"), (112, 26667, "USD", "26,667")]),
    ("cobalt", "refining"): ("USD per t Co contained of annual capacity", [
        (113, 20000, "AUD", "20,000 AUD"), (71, 57500, "USD", "56,000-59,000")]),
    ("nickel", "refining"): ("USD per t Ni contained of annual capacity (HPAL, figures from 2018 on)", [
        (16, 34328, "USD", "34,328"), (19, 14000, "USD", "14,000"), (118, 62500, "USD", "62,500")]),
    ("rare_earths", "refining"): ("USD per t NdPr oxide of annual separation capacity", [
        (7, 48000, "USD", "48,000"), (126, 17400, "USD", "16,000-18,800"), (127, 82000, "USD", "82,000")]),
    ("graphite", "refining"): ("USD per t natural-graphite anode material of annual capacity", [
        (9, 18578, "USD", "18,578"), (12, 15970, "USD", "15,970"), (61, 12976, "USD", "12,976"),
        (104, 26933, "USD", "26,933"), (143, 11000, "USD", "11,000")]),
    ("lithium", "mining", "hard rock"): ("USD per t Li contained of annual capacity (Busch et al. model parameter)", [
        (65, 19103.0, "USD", "19,103")]),
    ("lithium", "mining", "brine"): ("USD per t Li contained of annual capacity (Busch et al. model parameter)", [
        (64, 56955.8, "USD", "56,955.8")]),
    ("lithium", "mining", "clay"): ("USD per t Li contained of annual capacity (Busch et al. model parameter)", [
        (66, 82730.4, "USD", "82,730")]),
    ("cobalt", "mining"): ("USD per t Co contained of annual capacity", [
        (73, 40940, "USD", "40,940"), (74, 67900, "USD", "67,900"), (115, 60900, "USD", "60,900")]),
    ("nickel", "mining"): ("USD per t Ni contained of annual capacity", [
        (140, 73750, "USD", "73,750")]),
    ("rare_earths", "mining"): ("AUD or USD per t NdPr oxide of annual capacity, integrated mine-to-oxide", [
        (88, 236500, "AUD", "236,500"), (89, 357200, "AUD", "357,200"), (91, 229516, "AUD", "4,357")]),
    ("graphite", "mining"): ("USD per t graphite concentrate of annual capacity", [
        (94, 1748, "USD", "1,748"), (95, 732, "USD", "732"), (96, 714, "USD", "714"),
        (97, 406, "USD", "406"), (99, 571, "USD", "571"), (100, 2045, "USD", "2,045")]),
}

# --------------------------------------------------------------------------
# Scenario data (written to scenarios/*.csv; the TOML files say how they are used)
# --------------------------------------------------------------------------
RECYCLING_FROM_YEAR = 2030    # the CRMA benchmark year (policy_benchmarks.csv line 2)
# ASSUMPTION S1: recycling capacity = the CRMA 25% benchmark (policy_benchmarks.csv line 5) x the partner's
# demand of the period; Japan matches the EU figure; cost = the 2024 price on the model basis (mine + refining
# cost), as in the 2024 model's scenarios.
REC_PREFIX = "REC-"


def load_2024():
    sys.dont_write_bytecode = True  # leave no __pycache__ beside the 2024 model
    spec = importlib.util.spec_from_file_location("cm2024_build", BUILD_2024)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse(text):
    return list(csv.DictReader(io.StringIO(text)))


def weights(r=DISCOUNT_RATE):
    out = OrderedDict()
    for i, y in enumerate(YEARS):
        end = YEARS[i + 1] if i + 1 < len(YEARS) else y + LAST_SPAN
        out[y] = (end - y, sum((1 + r) ** -(t - YEARS[0]) for t in range(y, end)))
    return out


def annuity(r=DISCOUNT_RATE, n=DEFAULT_LIFETIME):
    return 1.0 / n if r == 0 else r / (1 - (1 + r) ** -n)


def build(data_dir, no_expansion=()):
    """no_expansion: "all" or "NODE:COMMODITY" items whose expansion rows get max_added = 0 (see main)."""
    b24 = load_2024()
    read_csv, largest_remainder, num, fmt = b24.read_csv, b24.largest_remainder, b24.num, b24.fmt
    files24, fig24, _ = b24.build(data_dir)
    d = lambda f: os.path.join(data_dir, f)
    countries = {r["country_code"]: r for r in read_csv(d("countries.csv"))}
    ref_out = read_csv(d("refining_output.csv"))
    ref_share = read_csv(d("refining_share.csv"))
    dem_rows = read_csv(d("demand.csv"))
    res_rows = read_csv(d("reserves.csv"))
    inv_rows = {int(r["id"]): r for r in read_csv(d("investment.csv"))}
    pol_rows = read_csv(d("policy_benchmarks.csv"))
    line_of = {}  # (file, key) -> line number (header = line 1)

    def lines(fname, rows, key):
        for i, r in enumerate(rows):
            line_of[(fname, key(r))] = i + 2

    lines("refining_output.csv", ref_out, lambda r: (r["commodity"], r["stage"], r["country_code"], r["year"]))
    lines("refining_share.csv", ref_share, lambda r: (r["commodity"], r["stage"], r["country_code"], r["year"]))
    lines("reserves.csv", res_rows, lambda r: (r["commodity"], r["country_code"]))
    lines("policy_benchmarks.csv", pol_rows, lambda r: r["metric"])
    fig = OrderedDict()
    src = b24.Sources()
    COMMODITIES = b24.COMMODITIES
    CONSUMERS = b24.CONSUMERS
    YS = [str(y) for y in YEARS]

    # ---------------- the 2024 model ----------------
    nodes24 = parse(files24["nodes.csv"])
    sup24 = parse(files24["supply.csv"])
    ref24 = parse(files24["refining.csv"])
    dem24 = parse(files24["demand.csv"])
    rts24 = parse(files24["routes.csv"])
    node_country = {r["id"]: r["country"] for r in nodes24}
    node_kind = {r["id"]: r["kind"] for r in nodes24}
    node_name = {r["id"]: r["name"] for r in nodes24}
    mine_cost = {r["commodity"]: float(r["cost"]) for r in sup24 if node_kind[r["node"]] == "mine"}
    ref_cost = {r["commodity"]: float(r["cost"]) for r in ref24}
    freight = {k: max(float(r["cost"]) for r in rts24 if r["commodity"] == k) for k in COMMODITIES}
    price = {k: round(mine_cost[k] + ref_cost[k], 2) for k in COMMODITIES}
    mine24 = {k: OrderedDict() for k in COMMODITIES}   # country -> t
    sec24 = {k: OrderedDict() for k in COMMODITIES}
    stock24 = OrderedDict()
    stock_cost = {}
    for r in sup24:
        kind, c, k = node_kind[r["node"]], node_country[r["node"]], r["commodity"]
        if kind == "mine":
            mine24[k][c] = float(r["capacity"])
        elif kind == "recycler":
            sec24[k][c] = float(r["capacity"])
        elif kind == "stockpile":
            stock24[k] = float(r["capacity"])
            stock_cost[k] = float(r["cost"])
    refc24 = {k: OrderedDict() for k in COMMODITIES}
    for r in ref24:
        refc24[r["commodity"]][node_country[r["node"]]] = float(r["capacity"])
    d24 = {k: OrderedDict() for k in COMMODITIES}
    for r in dem24:
        d24[r["commodity"]][node_country[r["node"]]] = float(r["demand"])
    stock_country = b24.STOCKPILE_COUNTRY
    sec_prefix = b24.SECONDARY_PREFIX

    # ---------------- IEA base case ----------------
    def iea(k, stage, c, y):
        rows = [r for r in ref_out if r["commodity"] == k and r["stage"] == stage and r["country_code"] == c and r["year"] == y]
        return (float(rows[0]["amount"]), rows[0]) if rows else (None, None)

    def iea_countries(k, stage):
        return sorted({r["country_code"] for r in ref_out if r["commodity"] == k and r["stage"] == stage and r["country_code"] != "WLD"})

    def rstage(k):
        return "separation" if k == "rare_earths" else "refining"

    # ---------------- mines per period ----------------
    mine_cap = {k: OrderedDict() for k in COMMODITIES}  # country -> {year: t}
    mine_lines = ["| commodity | country | 2024 model, t | IEA country (or ROW) 2024 / 2030 / 2035, kt | growth 2030 / 2035 (derived) | 2030, t | 2035, t | 2040, t (= 2035, E1) | data rows (refining_output.csv lines) |",
                  "|---|---|---|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        listed = iea_countries(k, "mining")
        for c, cap in mine24[k].items():
            key = c if c in listed else "ROW"
            a24, r24 = iea(k, "mining", key, "2024")
            vals = {"2024": cap}
            growth = {}
            for y in IEA_YEARS:
                ay, ry = iea(k, "mining", key, y)
                growth[y] = ay / a24
                vals[y] = round(cap * growth[y])
            vals["2040"] = vals[HOLD_2040_FROM]
            mine_cap[k][c] = vals
            ls = [line_of[("refining_output.csv", (k, "mining", key, y))] for y in ["2024"] + IEA_YEARS]
            src.key(r24["source"])
            mine_lines.append(f"| {k} | {c} | {fmt(cap)} | {key}{'' if key == c else ' (E3)'}: {iea(k, 'mining', key, '2024')[0]:g} / {iea(k, 'mining', key, '2030')[0]:g} / {iea(k, 'mining', key, '2035')[0]:g} | "
                              f"{growth['2030']:.4f} / {growth['2035']:.4f} | {fmt(vals['2030'])} | {fmt(vals['2035'])} | {fmt(vals['2040'])} | {', '.join(map(str, ls))} |")
    fig["mines"] = mine_lines

    # ---------------- refiners per period ----------------
    ref_cap = {k: OrderedDict() for k in COMMODITIES}
    factor = {}
    ref_lines = ["| commodity | refiner country | 2024 model, t | IEA 2030 / 2035, kt | 2030, t | 2035, t | 2040, t (= 2035, E1) | IEA share 2030 / 2035 (refining_share.csv) | data rows (refining_output.csv lines) |",
                 "|---|---|---|---|---|---|---|---|---|"]
    fac_lines = ["| commodity | stage | 2024 model refining capacity, t | IEA 2024 world output, kt | factor f (derived) | data row |", "|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        st = rstage(k)
        wld24, rw = iea(k, st, "WLD", "2024")
        total24 = sum(refc24[k].values())
        factor[k] = total24 / (wld24 * 1000.0)
        fac_lines.append(f"| {k} | {st} | {fmt(total24)} | {wld24:g} | {factor[k]:.6f} | refining_output.csv line {line_of[('refining_output.csv', (k, st, 'WLD', '2024'))]} |")
        for c in iea_countries(k, st):
            vals = {"2024": refc24[k].get(c, 0.0)}
            for y in IEA_YEARS:
                vals[y] = round(iea(k, st, c, y)[0] * 1000.0 * factor[k])
            vals["2040"] = vals[HOLD_2040_FROM]
            if max(vals.values()) <= 0:
                continue
            ref_cap[k][c] = vals
            shares = []
            for y in IEA_YEARS:
                rs = [r for r in ref_share if r["commodity"] == k and r["stage"] == st and r["country_code"] == c and r["year"] == y]
                shares.append(rs[0]["share"] if rs else "-")
            ls = [line_of[("refining_output.csv", (k, st, c, y))] for y in IEA_YEARS]
            ref_lines.append(f"| {k} | {c} | {fmt(vals['2024'])} | {iea(k, st, c, '2030')[0]:g} / {iea(k, st, c, '2035')[0]:g} | {fmt(vals['2030'])} | {fmt(vals['2035'])} | {fmt(vals['2040'])} | {' / '.join(shares)} | {', '.join(map(str, ls))} |")
    fig["refiners"] = ref_lines
    fig["refining_factor"] = fac_lines

    # ---------------- demand per period ----------------
    def world_demand(k, y, scen):
        for r in dem_rows:
            if r["commodity"] == k and r["region_code"] == "WLD" and r["year"] == y and r["source"].startswith("IEA Critical Minerals Dataset") \
                    and not r["unit"].startswith("ratio") and (y == "2024" or f"scenario={scen}" in r["notes"]):
                return float(r["amount_or_share"]), r
        raise KeyError((k, y, scen))

    dem_line = {}
    for i, r in enumerate(dem_rows):
        if r["region_code"] == "WLD" and not r["unit"].startswith("ratio") and r["source"].startswith("IEA"):
            m = re.search(r"scenario=(\w+)", r["notes"])
            dem_line[(r["commodity"], r["year"], m.group(1) if m else "obs")] = i + 2
    shares = {k: OrderedDict() for k in COMMODITIES}
    for r in dem_rows:
        if r["unit"] == "share of world demand (estimate)" and r["year"] == "2024" and r["commodity"] in COMMODITIES:
            shares[r["commodity"]][r["region_code"]] = float(r["amount_or_share"])

    def demand_table(scen):
        out = {k: OrderedDict() for k in COMMODITIES}  # consumer country -> {year: t}
        lines_ = []
        for k in COMMODITIES:
            w24 = sum(d24[k].values())
            iea24, _ = world_demand(k, "2024", scen)
            for c in CONSUMERS:
                out[k][c] = {"2024": d24[k][c]}
            for y in YS[1:]:
                iy, _ = world_demand(k, y, scen)
                if k == "graphite":
                    wy = w24 * iy / iea24
                    basis = f"{fmt(w24)} x {iy:g} / {iea24:g} (E5)"
                else:
                    wy = iy * 1000.0
                    basis = f"{iy:g} kt"
                vals = largest_remainder([shares[k][c] * wy for c in CONSUMERS], wy)
                for c, v in zip(CONSUMERS, vals):
                    out[k][c][y] = v
                lines_.append(f"| {k} | {y} | {basis} | {fmt(round(wy))} | " + " | ".join(fmt(out[k][c][y]) for c in CONSUMERS) +
                              f" | demand.csv line {dem_line[(k, y, scen)]}{' and line ' + str(dem_line[(k, '2024', 'obs')]) if k == 'graphite' else ''} |")
        return out, lines_

    hdr = "| commodity | year | IEA world demand | world demand in model, t | " + " | ".join(CONSUMERS) + " | data row |"
    sep = "|---" * (5 + len(CONSUMERS)) + "|"
    demand, dl = demand_table(DEMAND_SCENARIO)
    fig["demand"] = [hdr, sep] + dl
    demand_aps, dla = demand_table(DEMAND_SCENARIO_ALT)
    fig["demand_aps"] = [hdr, sep] + dla

    # ---------------- reserves ----------------
    ree_factor = sum(mine24["rare_earths"].values()) and None
    # the 2024 model's REO -> magnet REE factor, recomputed as it does (README "Unit basis")
    mp = read_csv(d("mine_production.csv"))
    usgs_wld = [float(r["amount"]) for r in mp if r["commodity"] == "rare_earths" and r["country_code"] == "WLD" and r["year"] == "2024"][0]
    ree_factor = iea("rare_earths", "mining", "WLD", "2024")[0] * 1000.0 / usgs_wld
    reserve = {k: OrderedDict() for k in COMMODITIES}
    res_lines = ["| commodity | country | USGS reserves | reserve in model, t (model unit) | years of 2024 output | data row |", "|---|---|---|---|---|---|"]
    for r in res_rows:
        k, c = r["commodity"], r["country_code"]
        if k not in COMMODITIES or c == "WLD" or not r["amount"]:
            continue
        amt = float(r["amount"])
        v = round(amt * ree_factor) if k == "rare_earths" else amt
        reserve[k][c] = v
        src.key(r["source"])
        yrs = f"{v / mine24[k][c]:,.0f}" if mine24[k].get(c) else "no 2024 output"
        res_lines.append(f"| {k} | {c} | {fmt(amt)} {r['unit'] or ('t natural graphite' if k == 'graphite' else '')} | {fmt(v)}{' (x factor)' if k == 'rare_earths' else ''} | {yrs} | "
                         f"reserves.csv line {line_of[('reserves.csv', (k, c))]} |")
    fig["reserves"] = res_lines

    # ---------------- capex ----------------
    aud = FX_AUD_USD[0] / FX_AUD_USD[1]
    r27 = inv_rows[FX_AUD_USD[2]]
    assert "530" in r27["unit"] and float(r27["value"]) == FX_AUD_USD[1], r27
    capex = {}
    cap_lines = ["| option | figures (investment.csv id: value per t of annual capacity, as published) | median, USD | conversion to the model unit | capex in model, USD per t/yr |",
                 "|---|---|---|---|---|"]
    for key, (per, rows) in CAPEX_ROWS.items():
        usd = []
        parts = []
        for rid, val, cur, check in rows:
            row = inv_rows[rid]
            assert check in " ".join(row[f] for f in ("derived", "unit", "item", "location_project")), (rid, check)
            src.key(row["source"])
            v = val * aud if cur == "AUD" else val
            usd.append(v)
            parts.append(f"{rid}: {fmt(val)} {cur}" + (f" = {fmt(v)} USD" if cur != "USD" else ""))
        med = statistics.median(usd)
        k, stage = key[0], key[1]
        if k == "lithium" and stage == "refining":
            model = med / LI_IN_LIOH_H2O
            conv = f"/ {LI_IN_LIOH_H2O:.4f} t Li per t LiOH.H2O (I5)"
        elif k == "rare_earths" and stage == "mining":
            model = med - capex[("rare_earths", "refining")]
            conv = f"minus the separation capex {fmt(capex[('rare_earths', 'refining')])} (integrated mine-to-oxide less separation; t NdPr oxide = t magnet REE, I7)"
        elif k == "rare_earths":
            model = med
            conv = "t NdPr oxide = t magnet REE (I7)"
        else:
            model = med
            conv = "none (same unit)" if not (k == "graphite" and stage == "refining") else "t anode material = t natural graphite input (yield 1, I8)"
        capex[key if len(key) == 2 else key] = round(model, 2)
        label = f"{k} {stage}" + (f" ({key[2]})" if len(key) == 3 else "")
        cap_lines.append(f"| {label} | {'; '.join(parts)} ({per}) | {fmt(med)} | {conv} | {fmt(round(model, 2))} |")
    fig["capex"] = cap_lines

    # ---------------- nodes ----------------
    nodes = OrderedDict()  # id -> (name, kind, country)
    cname = lambda c: countries[c]["country"]

    def add_node(nid, name, kind, c):
        if nid not in nodes:
            nodes[nid] = (name, kind, c)

    # candidate mines: a reserve, no 2024 output, country not excluded
    cand_mines = {k: [c for c in reserve[k] if c not in mine24[k] and c not in NO_EXPANSION_COUNTRIES] for k in COMMODITIES}
    for c in sorted({c for k in COMMODITIES for c in list(mine24[k]) + cand_mines[k]}):
        add_node(f"MINE-{c}", f"Mines: {cname(c)}", "mine", c)
    # refiners: existing in any period, plus candidates
    ref_nodes = {k: list(ref_cap[k]) for k in COMMODITIES}
    cand_ref = {k: [c for c in REFINER_EXPANSION_COUNTRIES if c not in ref_cap[k]] for k in COMMODITIES}
    for k in COMMODITIES:
        ref_nodes[k] += cand_ref[k]
    for c in sorted({c for k in COMMODITIES for c in ref_nodes[k]}):
        add_node(f"REF-{c}", node_name.get(f"REF-{c}", f"Refiners: {cname(c)}"), "refiner", c)
    for c in sorted({c for k in COMMODITIES for c in sec24[k]}):
        nid = f"{sec_prefix}{c}"
        add_node(nid, node_name[nid], "recycler", c)
    sid = f"STOCK-{stock_country}"
    add_node(sid, node_name[sid], "stockpile", stock_country)
    for c in CONSUMERS:
        add_node(f"CON-{c}", node_name[f"CON-{c}"], "consumer", c)

    # ---------------- tables ----------------
    supply_rows = []   # node, commodity, year, capacity, cost, reserve, stock
    for k in COMMODITIES:
        for c, vals in mine_cap[k].items():
            for y in YS:
                supply_rows.append((f"MINE-{c}", k, y, vals[y], mine_cost[k], reserve[k].get(c), None))
        for c in cand_mines[k]:
            supply_rows.append((f"MINE-{c}", k, "", 0, mine_cost[k], reserve[k][c], None))
        for c, cap in sec24[k].items():
            supply_rows.append((f"{sec_prefix}{c}", k, "", cap, mine_cost[k], None, None))
    for k, cap in stock24.items():
        supply_rows.append((sid, k, "", cap, stock_cost[k], None, cap))
    refining_rows = []
    for k in COMMODITIES:
        for c, vals in ref_cap[k].items():
            for y in YS:
                refining_rows.append((f"REF-{c}", k, y, vals[y], ref_cost[k]))
        for c in cand_ref[k]:
            refining_rows.append((f"REF-{c}", k, "", 0, ref_cost[k]))
    demand_rows = [(f"CON-{c}", k, y, demand[k][c][y]) for k in COMMODITIES for c in CONSUMERS for y in YS]

    def groups(c):
        return [g for g in countries[c]["groups"].split(";") if g]

    def domestic(a, b):
        if a == b and a != "ROW":
            return True
        return "EU" in groups(a) and "EU" in groups(b)

    routes = []
    for k in COMMODITIES:
        sources = [f"MINE-{c}" for c in list(mine_cap[k]) + cand_mines[k]] + [f"{sec_prefix}{c}" for c in sec24[k]]
        for s in sources:
            for rc in ref_nodes[k]:
                routes.append((s, f"REF-{rc}", k, 0.0 if domestic(nodes[s][2], rc) else freight[k]))
        for rc in ref_nodes[k]:
            for c in CONSUMERS:
                routes.append((f"REF-{rc}", f"CON-{c}", k, 0.0 if domestic(rc, c) else freight[k]))
    for k in stock24:
        routes.append((sid, f"CON-{stock_country}", k, 0.0))

    # ---------------- expansion ----------------
    expansion = []  # node, commodity, max_added, capex, fixed_cost, first_year, lifetime
    off = lambda n, k: "all" in no_expansion or f"{n}:{k}" in no_expansion
    exp_lines = ["| node | commodity | capex, USD per t/yr | first_year | why | reserve, t |", "|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        for c in list(mine_cap[k]) + cand_mines[k]:
            if c not in reserve[k] or c in NO_EXPANSION_COUNTRIES:
                continue
            key = (k, "mining", LITHIUM_DEPOSIT.get(c, "hard rock")) if k == "lithium" else (k, "mining")
            operating = mine24[k].get(c, 0) > 0
            fy = MINE_FIRST_YEAR_OPERATING if operating else MINE_FIRST_YEAR_NEW
            expansion.append((f"MINE-{c}", k, 0 if off(f"MINE-{c}", k) else None, capex[key], None, fy, None))
            exp_lines.append(f"| MINE-{c} | {k} | {fmt(capex[key], 2)} | {fy} | {'operating mine (I2)' if operating else 'new mine (I2)'}{' ' + key[2] if len(key) == 3 else ''} | {fmt(reserve[k][c])} |")
        for c in ref_nodes[k]:
            if c in NO_EXPANSION_COUNTRIES:
                continue
            expansion.append((f"REF-{c}", k, 0 if off(f"REF-{c}", k) else None, capex[(k, "refining")], None, REFINERY_FIRST_YEAR, None))
            exp_lines.append(f"| REF-{c} | {k} | {fmt(capex[(k, 'refining')], 2)} | {REFINERY_FIRST_YEAR} | {'new refiner (I1)' if c in cand_ref[k] else 'existing refiner'} | |")
    fig["expansion"] = exp_lines

    # ---------------- policies ----------------
    crma = [r for r in pol_rows if r["metric"].startswith("max_share_single_third_country")][0]
    by = int([r for r in pol_rows if r["metric"] == "benchmark_year"][0]["value"])
    share_65 = float(crma["value"])

    # ---------------- periods ----------------
    W = weights()
    ann = annuity()
    fig["periods"] = ["| period | years it stands for | span | weight W_p (r = 5%) |", "|---|---|---|---|"] + \
                     [f"| {y} | {y}-{y + s - 1} | {s} | {w:.6f} |" for y, (s, w) in W.items()] + \
                     [f"", f"Annuity of a new mine or plant (r = {DISCOUNT_RATE:g}, lifetime {DEFAULT_LIFETIME} years): {ann:.6f} of its capex a year."]

    # ---------------- model.toml ----------------
    toml = io.StringIO()
    toml.write('# Generated by build.py from ../../data = data/ at the repository root; see README.md for every figure and assumption.\n')
    toml.write('name = "critical-minerals-2040"\n')
    toml.write('description = "Least-cost sourcing and build-out of lithium, cobalt, nickel, rare earths (magnet REEs) and natural graphite, '
               '2024-2044: the 2024 flagship, IEA base-case supply 2030/2035 and STEPS demand to 2040, USGS reserves, '
               'investment options from published project capex, EU CRMA 65% single-third-country cap from 2030"\n')
    toml.write('currency = "USD"\n\n[defaults]\n')
    toml.write(f'shortfall_penalty = {b24.SHORTFALL_PENALTY}     # USD/t of unmet demand (the 2024 model\'s assumption)\n')
    toml.write('\n[periods]\n')
    toml.write(f'years = [{", ".join(YS)}]\n')
    toml.write(f'last_span = {LAST_SPAN}\n')
    toml.write(f'discount_rate = {DISCOUNT_RATE:g}     # ASSUMPTION P1 (README)\n')
    toml.write(f'default_lifetime = {DEFAULT_LIFETIME}    # ASSUMPTION P2 (README)\n')
    for k, (name, unit) in COMMODITIES.items():
        toml.write(f'\n[[commodity]]\nid = "{k}"\nname = "{name}"\nunit = "{unit}"\n')
    for stage in ["mining", "refining"]:
        toml.write(f'\n# EU CRMA (Regulation (EU) 2024/1252) Art. 5: no more than 65% of EU consumption of each strategic raw\n'
                   f'# material, at any relevant stage of processing, from a single third country (policy_benchmarks.csv\n'
                   f'# line {line_of[("policy_benchmarks.csv", crma["metric"])]}), a benchmark for {by} (line {line_of[("policy_benchmarks.csv", "benchmark_year")]}): from_year = {by}.\n')
        toml.write(f'[[policy]]\nname = "crma-single-country-{stage}"\ntype = "max_share"\nstage = "{stage}"\n'
                   f'commodity = "*"\nscope = "group:EU"\nfrom = "each"\nexempt = ["group:EU"]\nshare = {share_65:g}\nfrom_year = {by}\n')

    def table(header, rows):
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)
        return out.getvalue()

    opt = lambda x: "" if x is None else num(x)
    used_countries = sorted({v[2] for v in nodes.values()})
    files = OrderedDict()
    files["model.toml"] = toml.getvalue()
    files["countries.csv"] = table(["code", "name", "groups", "risk"], [(c, cname(c), ";".join(groups(c)), "") for c in used_countries])
    files["nodes.csv"] = table(["id", "name", "kind", "country"], [(i, n, kd, c) for i, (n, kd, c) in nodes.items()])
    files["supply.csv"] = table(["node", "commodity", "year", "capacity", "cost", "reserve", "stock"],
                                [(n, k, y, num(cap), num(cost), opt(res), opt(st)) for n, k, y, cap, cost, res, st in supply_rows])
    files["refining.csv"] = table(["node", "commodity", "year", "capacity", "cost", "yield"],
                                  [(n, k, y, num(cap), num(cost), "") for n, k, y, cap, cost in refining_rows])
    files["demand.csv"] = table(["node", "commodity", "year", "demand", "penalty"], [(n, k, y, num(v), "") for n, k, y, v in demand_rows])
    files["routes.csv"] = table(["from", "to", "commodity", "cost", "capacity"], [(a, b, k, num(c), "") for a, b, k, c in routes])
    files["expansion.csv"] = table(["node", "commodity", "max_added", "capex", "fixed_cost", "first_year", "lifetime"],
                                   [(n, k, opt(m), num(cx), opt(fc), fy, opt(lt)) for n, k, m, cx, fc, fy, lt in expansion])

    # ---------------- scenario data ----------------
    files["scenarios/demand-aps.csv"] = table(["node", "commodity", "year", "demand", "penalty"],
                                              [(f"CON-{c}", k, y, num(demand_aps[k][c][y]), "") for k in COMMODITIES for c in CONSUMERS for y in YS])
    rec_share = float([r for r in pol_rows if r["metric"].startswith("min_share_EU_recycling")][0]["value"])
    rec_years = [y for y in YS if int(y) >= RECYCLING_FROM_YEAR]

    def recyclers(partners, commodities):
        rows = []
        for p in partners:
            for k in commodities:
                for y in YS:
                    if y not in rec_years:  # capacity 0 before the benchmark year (a row, so its routes exist in every period)
                        rows.append((f"{REC_PREFIX}{p}", k, y, "0", num(price[k]), "", ""))
                        continue
                    rows.append((f"{REC_PREFIX}{p}", k, y, num(round(rec_share * demand[k][p][y])), num(price[k]), "", ""))
        return table(["node", "commodity", "year", "capacity", "cost", "reserve", "stock"], rows)

    def rec_routes(partners, commodities, shared):
        rows = []
        for p in partners:
            for k in commodities:
                for q in partners:
                    if q == p or shared:
                        rows.append((f"{REC_PREFIX}{p}", f"CON-{q}", k, num(0.0 if domestic(p, q) else freight[k]), ""))
        return table(["from", "to", "commodity", "cost", "capacity"], rows)

    all_k = list(COMMODITIES)
    files["scenarios/india-japan-recycling-supply.csv"] = recyclers(["JPN"], ["rare_earths"])
    files["scenarios/india-japan-recycling-routes.csv"] = rec_routes(["JPN"], ["rare_earths"], True)
    files["scenarios/japan-eu-recycling-supply.csv"] = recyclers(["EU27", "JPN"], all_k)
    files["scenarios/japan-eu-recycling-routes-shared.csv"] = rec_routes(["EU27", "JPN"], all_k, True)
    files["scenarios/japan-eu-recycling-routes-alone.csv"] = rec_routes(["EU27", "JPN"], all_k, False)
    files["scenarios/japan-eu-stockpile-routes.csv"] = table(["from", "to", "commodity", "cost", "capacity"],
                                                             [(sid, "CON-EU27", k, num(freight[k]), "") for k in stock24])
    rec_lines = ["| recycler | commodity | " + " | ".join(rec_years) + " | cost, USD/t (= 2024 price, S1) |", "|---" * (3 + len(rec_years)) + "|"]
    for p in ["EU27", "JPN"]:
        for k in all_k:
            rec_lines.append(f"| {REC_PREFIX}{p} | {k} | " + " | ".join(fmt(round(rec_share * demand[k][p][y])) for y in rec_years) + f" | {fmt(price[k], 2)} |")
    fig["recycling"] = rec_lines

    # ---------------- counts, balance, sources ----------------
    kinds = ["mine", "recycler", "refiner", "stockpile", "consumer"]
    stats = {"nodes": len(nodes), "routes": len(routes), "supply": len(supply_rows), "refining": len(refining_rows),
             "demand": len(demand_rows), "expansion": len(expansion),
             "kinds": {kd: sum(1 for v in nodes.values() if v[1] == kd) for kd in kinds}}
    fig["counts"] = [f"- {stats['nodes']} nodes ({', '.join(f'{v} {kd}' for kd, v in stats['kinds'].items())}), "
                     f"{stats['supply']} supply rows, {stats['refining']} refining rows, {stats['demand']} demand rows, "
                     f"{stats['routes']} routes (all per commodity, no `*`, no `year`: the same in every period), "
                     f"{stats['expansion']} investment options (expansion.csv: "
                     f"{sum(1 for e in expansion if e[0].startswith('MINE-'))} mines, {sum(1 for e in expansion if e[0].startswith('REF-'))} refiners), "
                     f"{len(used_countries)} countries, 4 periods."]
    bal = ["| commodity | year | existing mines, t | + balancing item C1, t | existing refining, t | demand (STEPS), t | demand (APS), t | (mines + C1) / demand | refining / demand |",
           "|---|---|---|---|---|---|---|---|---|"]
    for k in COMMODITIES:
        for y in YS:
            m = sum(v[y] for v in mine_cap[k].values())
            s = sum(sec24[k].values())
            rr = sum(v[y] for v in ref_cap[k].values())
            dd = sum(demand[k][c][y] for c in CONSUMERS)
            da = sum(demand_aps[k][c][y] for c in CONSUMERS)
            bal.append(f"| {k} | {y} | {fmt(m)} | {fmt(s)} | {fmt(rr)} | {fmt(dd)} | {fmt(da)} | {(m + s) / dd:.3f} | {rr / dd:.3f} |")
    fig["balance"] = bal
    fig["sources"] = ["| key | source text (verbatim from the data file) |", "|---|---|"] + [f"| {v} | {t} |" for t, v in src.keys.items()]
    fig["misc"] = [f"- REE conversion factor (the 2024 model's, derived): {ree_factor:.6f} t magnet REE per t REO; applied to USGS reserves in t REO as to mine production.",
                   f"- Exchange rate (derived from investment.csv row 27, AUD 800m \"~USD 530m\", 2024): {aud:.4f} USD per AUD.",
                   f"- Costs per tonne (the 2024 model's, held in every period): mine " + ", ".join(f"{k} {fmt(mine_cost[k], 2)}" for k in COMMODITIES) +
                   "; refining " + ", ".join(f"{k} {fmt(ref_cost[k], 2)}" for k in COMMODITIES) +
                   "; freight per cross-border leg " + ", ".join(f"{k} {fmt(freight[k], 2)}" for k in COMMODITIES) + " USD/t.",
                   f"- Recycling share (S1): {rec_share:g} (policy_benchmarks.csv line {line_of[('policy_benchmarks.csv', [r for r in pol_rows if r['metric'].startswith('min_share_EU_recycling')][0]['metric'])]})."]
    return files, fig, stats


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", nargs="?", default=os.path.join(HERE, "..", "..", "data"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--no-expansion", action="append", default=[], metavar="all|NODE:COMMODITY",
                    help="write max_added = 0 on these expansion rows (a cross-check of scenarios/no-build-out.toml "
                         "and india-japan-alone.toml, which do the same with table = \"expansion\"; use with --out "
                         "elsewhere and --no-readme)")
    a = ap.parse_args()
    if a.no_expansion and (os.path.abspath(a.out) == HERE or not a.no_readme):
        ap.error("--no-expansion writes a variant of the model: give --out DIR (not this folder) and --no-readme")
    files, fig, stats = build(os.path.normpath(a.data_dir), tuple(a.no_expansion))
    for name, text in files.items():
        path = os.path.join(a.out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    if not a.no_readme:
        b24 = load_2024()
        b24.update_readme(os.path.join(a.out, "README.md"), fig)
    print(f"wrote {len(files)} files to {a.out}: {stats['nodes']} nodes, {stats['routes']} routes, "
          f"{stats['expansion']} investment options", file=sys.stderr)


if __name__ == "__main__":
    main()
