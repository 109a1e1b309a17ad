//! Times every step of a solve on a synthetic model and prints the LP size and
//! the peak memory.
//!
//! ```text
//! cargo run --release --example scale -- medium|large|xl|small|MODEL_DIR [options]
//!   --no-star        leave out the `commodity = "*"` policy, so the four
//!                    commodities track nothing / mining / refining / both
//!   --seed N         another seed
//!   --full           also count the columns a full (mining, refining)
//!                    labelling of the same model would need
//!   --full-solve     also build and solve that full labelling (slow)
//!   --pipeline       solve through `pipeline::solve` (build and solve as
//!                    two timings) instead of the instrumented copy below
//!   --write DIR      write the generated model folder to DIR
//!   --build-only     stop after building the programs: LP sizes only
//!   --only ID        solve only commodity ID (for experiments)
//!   --sparse-policies  experiment: write each policy row with the unmet-demand
//!                    variables in place of the consumers' whole inflow (same
//!                    feasible set; demand-row duals then differ, so the
//!                    report's marginal costs are not comparable)
//!   --highs KEY=VAL  set a HiGHS option in the instrumented solve (repeatable),
//!                    e.g. --highs solver=ipm
//! ```
//!
//! The solve step is by default an instrumented copy of `solve::solve` (same
//! calls, same options) that splits it into: handing the rows to good_lp,
//! converting them to HiGHS's column format and passing them in, the HiGHS
//! run itself, and reading the solution back. Commodities are built and
//! solved in parallel, as `pipeline::solve` does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use good_lp::{highs, Constraint, Expression, SolverModel};
use rayon::prelude::*;

use sourcemix::diagnostics::Diagnostics;
use sourcemix::input::ModelTexts;
use sourcemix::model::{FromSet, Model, Policy, PolicyKind, Scope, Stage};
use sourcemix::network::CommodityNetwork;
use sourcemix::pipeline::{self, CommodityOutcome, Outcome};
use sourcemix::program::{self, CommodityProgram, Lp, RowTag};
use sourcemix::report::files;
use sourcemix::solve::LpSolution;
use sourcemix::synth::{self, SynthParams};

struct Options {
    params: SynthParams,
    /// A model folder to read instead of generating one.
    from_dir: Option<PathBuf>,
    full: bool,
    full_solve: bool,
    via_pipeline: bool,
    write: Option<PathBuf>,
    only: Option<String>,
    sparse_policies: bool,
    build_only: bool,
    highs: Vec<(String, String)>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: scale medium|large|xl|small|MODEL_DIR [--no-star] [--seed N] [--full] [--full-solve] [--pipeline] [--build-only] [--only ID] [--sparse-policies] [--highs KEY=VALUE] [--write DIR]";
    let first = args.first().cloned().unwrap_or_default();
    let from_dir = Path::new(&first).is_dir().then(|| PathBuf::from(&first));
    let Some(mut params) =
        SynthParams::preset(&first).or_else(|| from_dir.as_ref().map(|_| SynthParams::medium()))
    else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    if let Some(dir) = &from_dir {
        params.name = dir.display().to_string();
    }
    let mut o = Options {
        params: params.clone(),
        from_dir,
        full: false,
        full_solve: false,
        via_pipeline: false,
        write: None,
        only: None,
        sparse_policies: false,
        build_only: false,
        highs: Vec::new(),
    };
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--no-star" => params.star_policy = false,
            "--seed" => {
                params.seed = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("{usage}"))
            }
            "--full" => o.full = true,
            "--full-solve" => {
                o.full = true;
                o.full_solve = true
            }
            "--pipeline" => o.via_pipeline = true,
            "--build-only" => o.build_only = true,
            "--write" => o.write = rest.next().map(PathBuf::from),
            "--only" => o.only = rest.next().cloned(),
            "--sparse-policies" => o.sparse_policies = true,
            "--highs" => {
                let kv = rest
                    .next()
                    .and_then(|kv| kv.split_once('='))
                    .unwrap_or_else(|| panic!("{usage}"));
                o.highs.push((kv.0.to_string(), kv.1.to_string()));
            }
            _ => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        }
    }
    o.params = params;
    o
}

/// Process CPU time (user + system) in seconds, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3, utime 14, stime 15 (1-based).
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(14) + ticks(15)) / 100.0
}

/// This thread's CPU time in seconds, from /proc/thread-self/schedstat (ns).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<f64>().ok())
        })
        .map(|ns| ns / 1e9)
        .unwrap_or(0.0)
}

/// A /proc/self/status value in MiB (VmHWM: peak resident set; VmRSS: now).
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// One step's measurements.
struct Step {
    name: &'static str,
    wall: Duration,
    cpu: f64,
    peak_mib: f64,
}

struct Clock {
    steps: Vec<Step>,
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            steps: Vec::new(),
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// Closes the step that started at the previous call.
    fn step(&mut self, name: &'static str) {
        let cpu = cpu_seconds();
        self.steps.push(Step {
            name,
            wall: self.wall.elapsed(),
            cpu: cpu - self.cpu,
            peak_mib: status_mib("VmHWM:"),
        });
        eprintln!("  {name}: {:.3} s", self.wall.elapsed().as_secs_f64());
        self.wall = Instant::now();
        self.cpu = cpu;
    }
}

/// How long each part of one commodity's solve took.
#[derive(Default, Clone, Copy)]
struct SolveParts {
    /// The program's rows handed to good_lp (its row-wise HiGHS problem).
    to_good_lp: Duration,
    /// Row-wise to column-wise, and `Highs_passLp`.
    to_highs: Duration,
    /// `Highs_run` (wall time).
    highs_run: Duration,
    /// `Highs_run`, CPU time of the thread that ran it.
    highs_cpu: f64,
    /// Reading primal values and duals back.
    extract: Duration,
}

/// `solve::solve`, step by step. Relies on program::build adding the flow
/// variables first and then the unmet-demand variables (so variable i is
/// HiGHS column i); `main` checks the result against the report's recomputed cost.
fn solve_timed(
    program: &CommodityProgram,
    lp: Lp,
    options: &[(String, String)],
) -> (LpSolution, SolveParts) {
    let mut parts = SolveParts::default();
    if lp.rows.is_empty() {
        let (flows, unmet) = (
            vec![0.0; program.flows.len()],
            vec![0.0; program.unmet.len()],
        );
        return (
            LpSolution {
                flows,
                unmet,
                duals: Vec::new(),
                objective: 0.0,
            },
            parts,
        );
    }
    let clean = |x: f64| if x.abs() < 1e-9 { 0.0 } else { x };
    let t = Instant::now();
    let Lp {
        vars,
        objective,
        rows,
    } = lp;
    let mut problem = vars.minimise(objective).using(highs);
    problem.set_verbose(false);
    for row in rows {
        problem.add_constraint(row);
    }
    parts.to_good_lp = t.elapsed();
    let t = Instant::now();
    let mut model = problem.into_inner();
    model.set_option(&b"threads"[..], 1);
    for (key, value) in options {
        let key = key.as_bytes();
        if let Ok(i) = value.parse::<i32>() {
            model.set_option(key, i);
        } else if let Ok(x) = value.parse::<f64>() {
            model.set_option(key, x);
        } else if let Ok(b) = value.parse::<bool>() {
            model.set_option(key, b);
        } else {
            model.set_option(key, value.as_str());
        }
    }
    parts.to_highs = t.elapsed();
    let (t, cpu) = (Instant::now(), thread_cpu_seconds());
    let solved = model.try_solve().expect("HiGHS failed");
    parts.highs_run = t.elapsed();
    parts.highs_cpu = thread_cpu_seconds() - cpu;
    let t = Instant::now();
    let objective = solved.objective_value();
    let solution = solved.get_solution();
    let columns = solution.columns();
    let n = program.flows.len();
    let flows = columns[..n].iter().map(|&x| clean(x)).collect();
    let unmet = columns[n..n + program.unmet.len()]
        .iter()
        .map(|&x| clean(x))
        .collect();
    let duals = solution.dual_rows().iter().map(|&x| clean(x)).collect();
    parts.extract = t.elapsed();
    (
        LpSolution {
            flows,
            unmet,
            duals,
            objective,
        },
        parts,
    )
}

/// The program with every policy row rewritten as
///   sum_{c in S} sum_{e into c, label in X} x[e, l] + share * sum_{c in S} s[c]  (<= or >=)  share * sum_{c in S} demand(c),
/// that is F_X(S) against share * (demand - unmet) instead of share * (all
/// inflow): the demand rows make the two equal, so the feasible set and the
/// optimum are the same, but a row holds only the inflows of X and one unmet
/// variable per consumer, instead of every inflow of S.
fn sparse_policy_rows(model: &Model, program: &CommodityProgram, lp: Lp) -> Lp {
    let Lp {
        vars,
        objective,
        rows,
    } = lp;
    let mut kept: Vec<Constraint> = rows
        .into_iter()
        .zip(&program.tags)
        .filter(|(_, t)| !matches!(t, RowTag::Policy(_)))
        .map(|(r, _)| r)
        .collect();
    let mut into: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in program.flows.iter().enumerate() {
        into.entry(model.route(f.route).to.index())
            .or_default()
            .push(i);
    }
    let unmet: HashMap<usize, (good_lp::Variable, f64)> = program
        .unmet
        .iter()
        .map(|&(d, v)| (model.demand[d].node.index(), (v, model.demand[d].demand)))
        .collect();
    for (inst, row) in program.policies.iter().zip(&program.policy_rows) {
        if row.is_none() {
            continue;
        }
        let mut e = Expression::default();
        let mut rhs = 0.0;
        for c in &inst.consumers {
            for &i in into.get(&c.index()).map(Vec::as_slice).unwrap_or(&[]) {
                let f = program.flows[i];
                if f.label
                    .country_at(inst.stage)
                    .is_some_and(|x| inst.countries.contains(&x))
                {
                    e.add_mul(1.0, f.var);
                }
            }
            if let Some(&(s, demand)) = unmet.get(&c.index()) {
                e.add_mul(inst.share, s);
                rhs += inst.share * demand;
            }
        }
        kept.push(match inst.kind {
            PolicyKind::MaxShare => e.leq(rhs),
            PolicyKind::MinShare => e.geq(rhs),
        });
    }
    Lp {
        vars,
        objective,
        rows: kept,
    }
}

/// The same model with every label dimension tracked for every commodity:
/// a policy on every commodity at both stages that pools no consumer (so it
/// adds no row, only the tracking).
fn fully_labelled(model: &Model) -> Model {
    let mut full = model.clone();
    full.add_policy(Policy {
        line: None,
        name: "track-everything".into(),
        kind: PolicyKind::MaxShare,
        stages: vec![Stage::Mining, Stage::Refining],
        commodity: None,
        scope: Scope::Nodes(Vec::new()),
        from: FromSet::Set {
            label: String::new(),
            countries: Default::default(),
        },
        share: 1.0,
    });
    full
}

fn columns(model: &Model, nets: &[CommodityNetwork]) -> (usize, usize) {
    let flows: usize = nets
        .iter()
        .map(|n| n.route_labels.iter().map(|(_, l)| l.len()).sum::<usize>())
        .sum();
    let unmet: usize = nets
        .iter()
        .map(|n| {
            model
                .demand
                .iter()
                .filter(|d| d.commodity == n.commodity)
                .count()
        })
        .sum();
    (flows, unmet)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let o = options();
    let p = &o.params;
    let title = match &o.from_dir {
        Some(_) => p.name.clone(),
        None => format!(
            "{} (seed {}, star policy {})",
            p.name, p.seed, p.star_policy
        ),
    };
    eprintln!("{title}:");
    let mut clock = Clock::new();

    let texts = match &o.from_dir {
        None => synth::generate(p),
        Some(dir) => {
            let mut diags = Diagnostics::new();
            let texts = ModelTexts::read_dir(dir, &mut diags);
            if diags.has_errors() {
                eprintln!("{diags}");
                std::process::exit(1);
            }
            texts
        }
    };
    clock.step(if o.from_dir.is_some() {
        "read files"
    } else {
        "generate"
    });
    let route_rows = texts.files["routes.csv"]
        .as_deref()
        .map(|t| t.lines().count() - 1)
        .unwrap_or(0);
    if let Some(dir) = &o.write {
        std::fs::create_dir_all(dir).expect("cannot create the --write folder");
        for (name, text) in &texts.files {
            std::fs::write(dir.join(name), text.as_deref().unwrap_or(""))
                .expect("cannot write a model file");
        }
        eprintln!("  wrote {}", dir.display());
        clock.step("write model");
    }

    let loaded = match pipeline::load_texts(texts, Diagnostics::new()) {
        Ok(l) => l,
        Err(d) => {
            eprintln!("the generated model does not validate:\n{d}");
            std::process::exit(1);
        }
    };
    clock.step("load (parse + validate)");
    let model = &loaded.model;

    let mut nets = pipeline::networks(model);
    clock.step("networks (labels)");
    if let Some(only) = &o.only {
        nets.retain(|n| &model.commodity(n.commodity).id == only);
    }
    let warnings = pipeline::network_warnings(model, &nets, &loaded.texts);
    clock.step("network warnings");

    let per_commodity: Vec<(String, bool, bool, usize)> = nets
        .iter()
        .map(|n| {
            (
                model.commodity(n.commodity).id.clone(),
                n.tracking.mining,
                n.tracking.refining,
                n.graph.edge_count(),
            )
        })
        .collect();

    if o.build_only {
        let built: Vec<(CommodityProgram, Lp)> = nets
            .par_iter()
            .map(|net| program::build(model, net))
            .collect();
        clock.step("program build");
        println!("\n| commodity | tracks | edges | variables | constraints | policy rows |");
        println!("|---|---|---:|---:|---:|---:|");
        for ((program, _), (id, m, r, edges)) in built.iter().zip(&per_commodity) {
            let rows = program.policy_rows.iter().flatten().count();
            println!(
                "| {id} | {m}/{r} | {edges} | {} | {} | {rows} |",
                program.variables(),
                program.rows
            );
        }
        let vars: usize = built.iter().map(|(p, _)| p.variables()).sum();
        let rows: usize = built.iter().map(|(p, _)| p.rows).sum();
        println!(
            "LP: {vars} variables, {rows} constraints; peak RSS {:.0} MiB",
            status_mib("VmHWM:")
        );
        if o.full {
            let full = fully_labelled(model);
            let nets = pipeline::networks(&full);
            let (flows, unmet) = columns(&full, &nets);
            let edges: usize = nets.iter().map(|n| n.route_labels.len()).sum();
            println!("full labelling: {flows} flow columns + {unmet} unmet = {} variables; {:.2} labels per carrying edge", flows + unmet, flows as f64 / edges.max(1) as f64);
        }
        return;
    }

    let mut parts: Vec<SolveParts> = Vec::new();
    let mut solve_wall = Duration::ZERO;
    let outcome = if o.via_pipeline {
        let outcome = pipeline::solve(model, nets).expect("solve failed");
        clock.step("build + solve (pipeline::solve)");
        eprintln!(
            "  (pipeline: build {:.3} s, solve {:.3} s)",
            secs(outcome.build_time),
            secs(outcome.solve_time)
        );
        outcome
    } else {
        let started = Instant::now();
        let built: Vec<(CommodityNetwork, CommodityProgram, Lp)> = nets
            .into_par_iter()
            .map(|net| {
                let (program, lp) = program::build(model, &net);
                (net, program, lp)
            })
            .collect();
        let build_time = started.elapsed();
        clock.step("program build");
        let started = Instant::now();
        let solved: Vec<(CommodityOutcome, SolveParts)> = built
            .into_par_iter()
            .map(|(network, program, lp)| {
                let lp = if o.sparse_policies {
                    sparse_policy_rows(model, &program, lp)
                } else {
                    lp
                };
                let (solution, parts) = solve_timed(&program, lp, &o.highs);
                (
                    CommodityOutcome {
                        network,
                        program,
                        solution,
                    },
                    parts,
                )
            })
            .collect();
        solve_wall = started.elapsed();
        clock.step("solve (good_lp + HiGHS)");
        let (commodities, p): (Vec<_>, Vec<_>) = solved.into_iter().unzip();
        parts = p;
        Outcome {
            commodities,
            build_time,
            solve_time: solve_wall,
        }
    };

    let report = outcome.report(model);
    clock.step("report");
    let rendered = files::render_all(&report).expect("render failed");
    let bytes: usize = rendered.iter().map(|(_, b)| b.len()).sum();
    clock.step("render (5 files, in memory)");

    // ---- what was measured
    let objective = outcome.objective();
    let relative = (objective - report.total_cost).abs() / objective.abs().max(1.0);
    println!("\n== {title}");
    println!(
        "model: {} nodes, {} countries, {} commodities, {} route rows -> {} edges (a `*` row is one edge per commodity), {} demand rows, {} policies, {} warnings",
        model.nodes.len(),
        model.countries.len(),
        model.commodities.len(),
        route_rows,
        model.routes.len(),
        model.demand.len(),
        model.policies.len(),
        warnings.warnings().count() + loaded.warnings.warnings().count()
    );
    println!(
        "LP: {} variables, {} constraints; total cost {:.2} (HiGHS objective {:.2}, relative difference {:.1e}{})",
        report.lp.variables,
        report.lp.constraints,
        report.total_cost,
        objective,
        relative,
        if relative > 1e-6 { " MISMATCH" } else { "" }
    );
    let unmet: f64 = report.consumers.iter().map(|c| c.unmet).sum();
    let demand: f64 = report.consumers.iter().map(|c| c.demand).sum();
    let binding = report.policies.iter().filter(|p| p.binding).count();
    println!(
        "answer: {:.1}% of demand unmet, {} of {} policy rows binding, {} output bytes",
        100.0 * unmet / demand.max(1.0),
        binding,
        report.policies.len(),
        bytes
    );
    println!("\n| commodity | tracks | edges | variables | constraints | policy rows | build+to HiGHS s | HiGHS run s |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (i, c) in outcome.commodities.iter().enumerate() {
        let (id, m, r, edges) = &per_commodity[i];
        let tracks = match (m, r) {
            (false, false) => "nothing",
            (true, false) => "mining",
            (false, true) => "refining",
            (true, true) => "mining+refining",
        };
        let part = parts.get(i).copied().unwrap_or_default();
        println!(
            "| {id} | {tracks} | {edges} | {} | {} | {} | {:.3} | {:.3} |",
            c.program.variables(),
            c.program.rows,
            c.program.policy_rows.iter().flatten().count(),
            secs(part.to_good_lp + part.to_highs),
            secs(part.highs_run)
        );
    }

    println!("\n| step | wall s | CPU s | peak RSS after (MiB) |");
    println!("|---|---:|---:|---:|");
    let mut total_wall = Duration::ZERO;
    let mut total_cpu = 0.0;
    for s in &clock.steps {
        println!(
            "| {} | {:.3} | {:.2} | {:.0} |",
            s.name,
            secs(s.wall),
            s.cpu,
            s.peak_mib
        );
        if s.name != "generate" && s.name != "write model"
            || o.from_dir.is_some() && s.name == "read files"
        {
            total_wall += s.wall;
            total_cpu += s.cpu;
        }
    }
    println!(
        "| **load to rendered output** | **{:.3}** | **{:.2}** | **{:.0}** |",
        secs(total_wall),
        total_cpu,
        status_mib("VmHWM:")
    );
    if !parts.is_empty() {
        let sum = |f: fn(&SolveParts) -> Duration| parts.iter().map(f).sum::<Duration>();
        let run = sum(|p| p.highs_run);
        let run_cpu: f64 = parts.iter().map(|p| p.highs_cpu).sum();
        println!(
            "\nsolve step, summed over commodities (run 2 at a time): rows to good_lp {:.3} s, to HiGHS (column form + passLp) {:.3} s, HiGHS run {:.3} s (CPU {:.3} s), extract {:.3} s; wall {:.3} s",
            secs(sum(|p| p.to_good_lp)),
            secs(sum(|p| p.to_highs)),
            secs(run),
            run_cpu,
            secs(sum(|p| p.extract)),
            secs(solve_wall)
        );
        // Share of the work outside Highs_run. CPU basis: the process's CPU
        // time from load to render against the CPU time of the threads while
        // they ran HiGHS. Wall basis: the solve step's wall time apportioned
        // by its parts.
        let outside_cpu = 1.0 - run_cpu / total_cpu.max(1e-9);
        // Wall basis: the solve step's wall time apportioned by its parts.
        let in_solve = secs(run)
            / secs(sum(|p| p.to_good_lp + p.to_highs + p.highs_run + p.extract)).max(1e-9);
        let outside_wall = 1.0 - secs(solve_wall) * in_solve / secs(total_wall).max(1e-9);
        println!(
            "time outside the HiGHS run: {:.1}% of CPU time, {:.1}% of wall time",
            100.0 * outside_cpu,
            100.0 * outside_wall
        );
    }
    println!("peak RSS (VmHWM): {:.0} MiB", status_mib("VmHWM:"));

    if o.full {
        let full = fully_labelled(model);
        let started = Instant::now();
        let nets = pipeline::networks(&full);
        let (flows, unmet) = columns(&full, &nets);
        let (tracked_flows, tracked_unmet) = {
            let c: usize = outcome
                .commodities
                .iter()
                .map(|c| c.program.flows.len())
                .sum();
            (
                c,
                outcome
                    .commodities
                    .iter()
                    .map(|c| c.program.unmet.len())
                    .sum::<usize>(),
            )
        };
        println!(
            "\nfull (mining, refining) labelling of the same model: {} flow columns + {} unmet = {} variables (labelled networks in {:.3} s); compressed: {} + {} = {} ({:.1}x fewer)",
            flows,
            unmet,
            flows + unmet,
            secs(started.elapsed()),
            tracked_flows,
            tracked_unmet,
            tracked_flows + tracked_unmet,
            (flows + unmet) as f64 / (tracked_flows + tracked_unmet).max(1) as f64
        );
        let edges: usize = nets.iter().map(|n| n.route_labels.len()).sum();
        println!(
            "  edges that carry any label: {edges}; full labels per such edge: {:.2}",
            flows as f64 / edges.max(1) as f64
        );
        if o.full_solve {
            let started = Instant::now();
            let outcome_full = pipeline::solve(&full, nets).expect("full solve failed");
            let vars: usize = outcome_full
                .commodities
                .iter()
                .map(|c| c.program.variables())
                .sum();
            let rows: usize = outcome_full
                .commodities
                .iter()
                .map(|c| c.program.rows)
                .sum();
            println!(
                "  full labelling LP: {vars} variables, {rows} constraints; build {:.3} s, solve {:.3} s (wall {:.3} s); objective {:.2} vs {:.2}; peak RSS now {:.0} MiB",
                secs(outcome_full.build_time),
                secs(outcome_full.solve_time),
                secs(started.elapsed()),
                outcome_full.objective(),
                objective,
                status_mib("VmHWM:")
            );
        }
    }
}
