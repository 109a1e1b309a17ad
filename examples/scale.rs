//! Times every step of a solve on a synthetic model and prints the LP size and
//! the peak memory. The solve goes through the one run path
//! (`pipeline::run`); its per-commodity solver statistics (`SolveStats`:
//! passing the rows in, the HiGHS run, reading back, iterations) are the
//! breakdown.
//!
//! ```text
//! cargo run --release --example scale -- medium|large|xl|small|regional:N|MODEL_DIR [options]
//!   regional:N       a regional model of N nodes (10 N routes, N/40 + 10
//!                    countries in N/200 + 2 regions; between medium and large)
//!   --no-star        leave out the `commodity = "*"` policy, so the four
//!                    commodities track nothing / mining / refining / both
//!   --seed N         another seed
//!   --full           also count the columns a full (mining, refining)
//!                    labelling of the same model would need
//!   --full-solve     also build and solve that full labelling (slow)
//!   --write DIR      write the generated model folder to DIR
//!   --build-only     stop after building the programs: LP sizes only
//!   --method M       auto | simplex | ipm
//!   --highs KEY=VAL  set a HiGHS option in every solve (repeatable),
//!                    e.g. --highs simplex_strategy=4
//!   --tie-break none leave out the tie-break QP after the LP
//!   --caps-each      every commodity gets a mining cap (50%) and a refining
//!                    cap (60%) per consumer per country instead of its tier
//!                    policies (`SynthParams::caps_each`)
//!   --commodities N, --countries N, --regions N, --routes N
//!                    change the preset's sizes
//!   --write-mps DIR  write each commodity's LP to DIR/<commodity>.mps (for
//!                    scripts/lp_blocks.py); use with --tie-break none
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use sourcemix::diagnostics::Diagnostics;
use sourcemix::input::ModelTexts;
use sourcemix::model::{FromSet, Model, Policy, PolicyKind, Scope, Stage};
use sourcemix::network::CommodityNetwork;
use sourcemix::pipeline::{self, Request};
use sourcemix::program::{self, CommodityProgram, Lp};
use sourcemix::report::files;
use sourcemix::solve::{Method, SolveOptions, SolveStats};
use sourcemix::synth::{self, SynthParams};

struct Options {
    params: SynthParams,
    /// A model folder to read instead of generating one.
    from_dir: Option<PathBuf>,
    full: bool,
    full_solve: bool,
    write: Option<PathBuf>,
    build_only: bool,
    /// Write each commodity's LP, as handed to HiGHS, to DIR/<commodity>.mps.
    write_mps: Option<PathBuf>,
    solve: SolveOptions,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: scale medium|large|xl|small|regional:N|MODEL_DIR [--no-star] [--seed N] [--full] [--full-solve] [--build-only] [--method auto|simplex|ipm] [--highs KEY=VALUE] [--tie-break none|market] [--write DIR] [--caps-each] [--commodities N] [--countries N] [--regions N] [--routes N] [--write-mps DIR]";
    let first = args.first().cloned().unwrap_or_default();
    let from_dir = Path::new(&first).is_dir().then(|| PathBuf::from(&first));
    let regional = first
        .strip_prefix("regional:")
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| {
            SynthParams::regional(
                &format!("synth-regional-{n}"),
                n,
                10 * n,
                n / 40 + 10,
                n / 200 + 2,
            )
        });
    let Some(mut params) = SynthParams::preset(&first)
        .or(regional)
        .or_else(|| from_dir.as_ref().map(|_| SynthParams::medium()))
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
        write: None,
        build_only: false,
        write_mps: None,
        solve: SolveOptions::default(),
    };
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--no-star" => params.star_policy = false,
            "--caps-each" => params.caps_each = true,
            "--commodities" => {
                params.commodities = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("{usage}"))
            }
            "--countries" => {
                params.countries = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("{usage}"))
            }
            "--regions" => {
                params.regions = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("{usage}"))
            }
            "--routes" => {
                params.routes = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("{usage}"))
            }
            "--write-mps" => o.write_mps = rest.next().map(PathBuf::from),
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
            "--build-only" => o.build_only = true,
            "--write" => o.write = rest.next().map(PathBuf::from),
            "--method" => {
                o.solve.method = match rest.next().map(String::as_str) {
                    Some("auto") => Method::Auto,
                    Some("simplex") => Method::Simplex,
                    Some("ipm") => Method::InteriorPoint,
                    _ => panic!("{usage}"),
                }
            }
            "--tie-break" => {
                o.solve.tie_break = match rest.next().map(String::as_str) {
                    Some("none") => sourcemix::tiebreak::TieBreak::None,
                    Some("market") => sourcemix::tiebreak::TieBreak::Market,
                    _ => panic!("{usage}"),
                }
            }
            "--highs" => {
                let kv = rest
                    .next()
                    .and_then(|kv| kv.split_once('='))
                    .unwrap_or_else(|| panic!("{usage}"));
                o.solve
                    .highs_options
                    .push((kv.0.to_string(), kv.1.to_string()));
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

/// The same model with every label dimension tracked for every commodity:
/// a policy on every commodity at both stages that pools no consumer (so it
/// adds no row, only the tracking). A measuring experiment on a copy, not a run.
fn fully_labelled(model: &Model) -> Model {
    let mut full = model.clone();
    full.policies.push(Policy {
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
        from_year: None,
        until_year: None,
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

    if o.build_only {
        build_only(&o, texts);
        return;
    }
    let mut run = match pipeline::run(&Request {
        solve: o.solve.clone(),
        ..Request::texts(texts)
    }) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    clock.step("run (load, networks, build, solve, report)");
    let (model, outcome, report) = (&run.loaded.model, &run.outcome, &run.report);
    let rendered = files::render_all(report).expect("render failed");
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
        run.loaded.warnings.warnings().count()
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
    let t = &report.timings;
    println!(
        "run timings: load {:.3} s, build (networks + programs) {:.3} s, solve {:.3} s",
        t.load, t.build, t.solve
    );
    println!("\n| commodity | tracks | edges | variables | constraints | policy rows | pass in s | HiGHS run s | read back s | simplex it. | ipm it. | tie-break s |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in &outcome.commodities {
        let n = &c.network;
        let tracks = match (n.tracking.mining, n.tracking.refining) {
            (false, false) => "nothing",
            (true, false) => "mining",
            (false, true) => "refining",
            (true, true) => "mining+refining",
        };
        let st = c.solved.solution().stats;
        println!(
            "| {} | {tracks} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {} | {} | {:.3} |",
            model.commodity(n.commodity).id,
            n.graph.edge_count(),
            c.program.variables(),
            c.program.rows,
            c.program.policy_rows.iter().flatten().count(),
            secs(st.pass_in),
            secs(st.run),
            secs(st.read_back),
            st.simplex_iterations,
            st.ipm_iterations,
            secs(c.reported.stats.tie_break)
        );
    }
    let stats: Vec<SolveStats> = outcome
        .commodities
        .iter()
        .map(|c| c.solved.solution().stats)
        .collect();

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
        }
        if s.name != "generate" && s.name != "write model" {
            total_cpu += s.cpu;
        }
    }
    println!(
        "| **load to rendered output** | **{:.3}** | **{:.2}** | **{:.0}** |",
        secs(total_wall),
        total_cpu,
        status_mib("VmHWM:")
    );
    let run_time: Duration = stats.iter().map(|s| s.run).sum();
    let solver_side: Duration = stats.iter().map(|s| s.pass_in + s.run + s.read_back).sum();
    println!(
        "\nsolve step, summed over commodities (run 2 at a time): pass in {:.3} s, HiGHS run {:.3} s, read back {:.3} s; solve step wall {:.3} s",
        secs(stats.iter().map(|s| s.pass_in).sum()),
        secs(run_time),
        secs(stats.iter().map(|s| s.read_back).sum()),
        t.solve
    );
    // The solve step's wall time apportioned by its parts, against the whole.
    let in_run = secs(run_time) / secs(solver_side).max(1e-9);
    println!(
        "time outside the HiGHS run: {:.1}% of wall time",
        100.0 * (1.0 - t.solve * in_run / secs(total_wall).max(1e-9))
    );
    println!("peak RSS (VmHWM): {:.0} MiB", status_mib("VmHWM:"));
    let tie_break: Duration = outcome
        .commodities
        .iter()
        .map(|c| c.reported.stats.tie_break)
        .sum();
    let pricing: Duration = outcome
        .commodities
        .iter()
        .map(|c| c.reported.stats.pricing)
        .sum();
    let pricing_solves: usize = outcome
        .commodities
        .iter()
        .map(|c| c.reported.stats.pricing_solves)
        .sum();
    // One line to grep: LP run, tie-break and pricing (summed), solve step wall.
    println!(
        "summary: lp_run {:.3} s, tie_break {:.3} s, pricing {:.3} s ({pricing_solves} re-solves), solve_wall {:.3} s",
        secs(run_time),
        secs(tie_break),
        secs(pricing),
        t.solve
    );
    for c in &outcome.commodities {
        let st = c.solved.solution().stats;
        println!(
            "program: {} vars {} rows {} policy_rows {} mining {} refining {} ipm {} run {:.3} tie_break {:.3} pricing {:.3} ({} re-solves)",
            model.commodity(c.network.commodity).id,
            c.program.variables(),
            c.program.rows,
            c.program.policy_rows.iter().flatten().count(),
            c.network.tracking.mining,
            c.network.tracking.refining,
            st.ipm_iterations > 0,
            secs(st.run),
            secs(c.reported.stats.tie_break),
            secs(c.reported.stats.pricing),
            c.reported.stats.pricing_solves
        );
    }

    if o.full {
        full_labelling(&o, model, outcome, objective);
    }
    if let Some(dir) = &o.write_mps {
        std::fs::create_dir_all(dir).expect("cannot create the --write-mps folder");
        let ids: Vec<String> = run
            .outcome
            .commodities
            .iter()
            .map(|c| run.loaded.model.commodity(c.network.commodity).id.clone())
            .collect();
        for (c, id) in run.outcome.commodities.iter_mut().zip(ids) {
            let path = dir.join(format!("{id}.mps"));
            c.solved
                .write_model(&path)
                .expect("cannot write the program");
            eprintln!("  wrote {}", path.display());
        }
    }
}

/// LP sizes only: load, networks and programs, no solve.
fn build_only(o: &Options, texts: ModelTexts) {
    let loaded = match pipeline::load(&Request::texts(texts)) {
        Ok(l) => l,
        Err(d) => {
            eprintln!("the model does not validate:\n{d}");
            std::process::exit(1);
        }
    };
    let model = &loaded.model;
    let nets = pipeline::networks(model);
    let built: Vec<(CommodityProgram, Lp)> = nets
        .par_iter()
        .map(|net| program::build(model, net))
        .collect();
    println!("\n| commodity | tracks | edges | variables | constraints | policy rows |");
    println!("|---|---|---:|---:|---:|---:|");
    for ((program, _), n) in built.iter().zip(&nets) {
        let rows = program.policy_rows.iter().flatten().count();
        println!(
            "| {} | {}/{} | {} | {} | {} | {rows} |",
            model.commodity(n.commodity).id,
            n.tracking.mining,
            n.tracking.refining,
            n.graph.edge_count(),
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
}

/// The column count (and, with --full-solve, the solve) of the full labelling.
fn full_labelling(o: &Options, model: &Model, outcome: &pipeline::Outcome, objective: f64) {
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
        let outcome_full = pipeline::solve(&full, nets, &o.solve).expect("full solve failed");
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
