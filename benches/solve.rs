//! Benchmarks: load, build and solve of the flagship model and of synthetic
//! models (see `sourcemix::synth`) at three sizes.
//!
//! ```text
//! cargo bench --bench solve                       # flagship, medium, large
//! cargo bench --bench solve -- flagship           # one group
//! cargo bench --bench solve -- ranges             # share ranges: flagship, medium
//! SOURCEMIX_BENCH_LARGE_SOLVE=1 cargo bench --bench solve -- large  # + large end to end
//! SOURCEMIX_BENCH_XL=1 cargo bench --bench solve  # also xl, timed once
//! ```
//!
//! `end_to_end` is what `sourcemix solve MODEL --out DIR` does, less the disk
//! writes: read and validate, label networks and their warnings, build and
//! solve every commodity's program, build the report, render the five output
//! files to bytes. The flagship reads its folder from disk; the synthetic
//! models start from their texts in memory (generated once, outside the
//! timing). xl takes minutes per solve, far too long for criterion's repeated
//! samples, so it is run once and its steps are printed.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, BatchSize, Criterion, SamplingMode};

use sourcemix::diagnostics::Diagnostics;
use sourcemix::input::ModelTexts;
use sourcemix::model::Model;
use sourcemix::network::CommodityNetwork;
use sourcemix::pipeline::{self, Request};
use sourcemix::program::{self, CommodityProgram, Lp};
use sourcemix::report::files;
use sourcemix::solve::SolveOptions;
use sourcemix::synth::{self, SynthParams};
use sourcemix::{ranges, solve, validate};

fn flagship_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024")
}

/// Load to rendered bytes through the one run path, as `sourcemix solve
/// --out` does (without the disk writes).
fn end_to_end(request: &Request) -> usize {
    let run = pipeline::run(request).expect("the model solves");
    let rendered = files::render_all(&run.report).expect("the report renders");
    run.loaded.warnings.warnings().count()
        + rendered.iter().map(|(_, bytes)| bytes.len()).sum::<usize>()
}

fn build_all(model: &Model, nets: &[CommodityNetwork]) -> Vec<(CommodityProgram, Lp)> {
    nets.iter().map(|net| program::build(model, net)).collect()
}

fn solve_all(model: &Model, built: Vec<(CommodityProgram, Lp)>) -> f64 {
    built
        .into_iter()
        .map(|(program, lp)| {
            let k = &model.commodity(program.commodity).id;
            solve::solve(&program, lp, k, &SolveOptions::default())
                .expect("the program solves")
                .objective
        })
        .sum()
}

/// load, networks, build (sequential over commodities) and solve (the same),
/// each measured alone.
fn steps(
    c: &mut Criterion,
    group_name: &str,
    texts: &ModelTexts,
    sample_size: usize,
    seconds: u64,
) {
    let model = pipeline::load(&pipeline::Request::texts(texts.clone()))
        .expect("the model validates")
        .model;
    let nets = pipeline::networks(&model);
    let mut group = c.benchmark_group(group_name);
    group.sample_size(sample_size);
    group.measurement_time(Duration::from_secs(seconds));
    group.bench_function("load", |b| {
        b.iter_batched(
            || texts.clone(),
            |t| pipeline::load(&pipeline::Request::texts(t)).is_ok(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut diags = Diagnostics::new();
            black_box(sourcemix::input::parse(texts, &mut diags).routes.len())
        })
    });
    group.bench_function("validate", |b| {
        let mut diags = Diagnostics::new();
        let raw = sourcemix::input::parse(texts, &mut diags);
        b.iter(|| {
            let mut diags = Diagnostics::new();
            black_box(validate::validate(&raw, &mut diags).is_some())
        })
    });
    group.bench_function("networks", |b| {
        b.iter(|| black_box(pipeline::networks(&model).len()))
    });
    group.bench_function("build", |b| {
        b.iter(|| black_box(build_all(&model, &nets).len()))
    });
    group.bench_function("solve", |b| {
        b.iter_batched(
            || build_all(&model, &nets),
            |built| solve_all(&model, built),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn flagship(c: &mut Criterion) {
    let dir = flagship_dir();
    let mut group = c.benchmark_group("flagship");
    group.bench_function("end_to_end", |b| {
        b.iter(|| black_box(end_to_end(&Request::folder(&dir))))
    });
    group.finish();
    let mut diags = Diagnostics::new();
    let texts = ModelTexts::read_dir(&dir, &mut diags);
    steps(c, "flagship", &texts, 50, 5);
}

fn medium(c: &mut Criterion) {
    let texts = synth::generate(&SynthParams::medium());
    let mut group = c.benchmark_group("medium");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("end_to_end", |b| {
        b.iter_batched(
            || Request::texts(texts.clone()),
            |r| black_box(end_to_end(&r)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
    steps(c, "medium", &texts, 20, 10);
}

/// Large: ten samples of the whole job, and of the steps outside the solver.
fn large(c: &mut Criterion) {
    let texts = synth::generate(&SynthParams::large());
    let model = pipeline::load(&pipeline::Request::texts(texts.clone()))
        .expect("large validates")
        .model;
    let nets = pipeline::networks(&model);
    let mut group = c.benchmark_group("large");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_millis(500));
    group.bench_function("load", |b| {
        b.iter_batched(
            || texts.clone(),
            |t| pipeline::load(&pipeline::Request::texts(t)).is_ok(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("networks", |b| {
        b.iter(|| black_box(pipeline::networks(&model).len()))
    });
    group.bench_function("build", |b| {
        b.iter(|| black_box(build_all(&model, &nets).len()))
    });
    if std::env::var_os("SOURCEMIX_BENCH_LARGE_SOLVE").is_some() {
        // About a minute per iteration (ten of them, flat): only on request.
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("end_to_end", |b| {
            b.iter_batched(
                || texts.clone(),
                |t| black_box(end_to_end(&Request::texts(t))),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// xl, once, step by step (opt in with SOURCEMIX_BENCH_XL=1).
fn xl_once() {
    let mut last = Instant::now();
    let mut lap = |step: &str| {
        println!("xl/{step:<10} {:>10.3} s", last.elapsed().as_secs_f64());
        last = Instant::now();
    };
    let started = Instant::now();
    let texts = synth::generate(&SynthParams::xl());
    lap("generate");
    let started_load = Instant::now();
    let run = pipeline::run(&Request::texts(texts)).expect("xl solves");
    let t = &run.report.timings;
    println!("xl/load       {:>10.3} s", t.load);
    println!("xl/build      {:>10.3} s", t.build);
    println!("xl/solve      {:>10.3} s", t.solve);
    lap("run");
    let report = run.report;
    let rendered = files::render_all(&report).expect("the report renders");
    lap("render");
    println!(
        "xl: end to end {:.3} s (with generation {:.3} s); LP {} variables, {} constraints; {} output bytes",
        started_load.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64(),
        report.lp.variables,
        report.lp.constraints,
        rendered.iter().map(|(_, b)| b.len()).sum::<usize>()
    );
}

/// Re-solving the kept instance after cutting one country's supply (each
/// iteration restores the previous country and cuts the next, as an N-1
/// stress test does) against building and solving the cut model cold.
fn resolve(c: &mut Criterion) {
    let texts = synth::generate(&SynthParams::medium());
    let model = pipeline::load(&Request::texts(texts))
        .expect("medium validates")
        .model;
    let countries = model.supplying_countries();
    // Both sides solve the LP only: the tie-break QP is not part of a re-solve.
    let options = SolveOptions {
        tie_break: sourcemix::tiebreak::TieBreak::None,
        ..SolveOptions::default()
    };
    let mut group = c.benchmark_group("resolve_medium");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    let mut next = 0;
    group.bench_function("cold_cut", |b| {
        b.iter(|| {
            let country = countries[next % countries.len()];
            next += 1;
            let mut cut = model.clone();
            cut.supply
                .iter_mut()
                .filter(|s| model.node_country(s.node) == country)
                .for_each(|s| s.capacity = Some(0.0));
            let outcome =
                pipeline::solve(&cut, pipeline::networks(&cut), &options).expect("solves");
            black_box(outcome.objective())
        })
    });
    let mut outcome =
        pipeline::solve(&model, pipeline::networks(&model), &options).expect("solves");
    let mut cut_columns: Vec<Vec<_>> = vec![Vec::new(); outcome.commodities.len()];
    let mut next = 0;
    group.bench_function("warm_cut", |b| {
        b.iter(|| {
            let country = countries[next % countries.len()];
            next += 1;
            let mut total = 0.0;
            for (k, c) in outcome.commodities.iter_mut().enumerate() {
                for &col in &cut_columns[k] {
                    c.solved.set_column_bounds(col, 0.0, f64::INFINITY);
                }
                cut_columns[k] = c
                    .program
                    .flows_from_sources_in(&model, &c.network, country)
                    .into_iter()
                    .map(|i| c.solved.flow_column(i))
                    .collect();
                c.solved.fix_to_zero(cut_columns[k].iter().copied());
                total += c.solved.resolve().expect("re-solves").objective;
            }
            black_box(total)
        })
    });
    group.finish();
}

/// Share ranges (`solve --ranges`): the flagship and medium, the ranges
/// alone on an outcome solved once per sample (`ranges::compute` restores
/// the kept instances, so every sample starts from the LP optimum), and the
/// whole run with ranges on the flagship.
fn ranges(c: &mut Criterion) {
    let mut group = c.benchmark_group("ranges");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    let dir = flagship_dir();
    group.bench_function("flagship_end_to_end", |b| {
        b.iter(|| {
            let request = Request {
                ranges: true,
                ..Request::folder(&dir)
            };
            black_box(end_to_end(&request))
        })
    });
    let options = SolveOptions::default();
    for (name, texts) in [
        ("flagship", {
            let mut diags = Diagnostics::new();
            ModelTexts::read_dir(&dir, &mut diags)
        }),
        ("medium", synth::generate(&SynthParams::medium())),
    ] {
        let model = pipeline::load(&Request::texts(texts))
            .expect("the model validates")
            .model;
        let mut outcome =
            pipeline::solve(&model, pipeline::networks(&model), &options).expect("solves");
        let computed = ranges::compute(&model, &mut outcome, &options).expect("ranges");
        println!(
            "ranges/{name}: {} ranges, {:?}",
            computed.ranges.len(),
            computed.stats
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    ranges::compute(&model, &mut outcome, &options)
                        .expect("ranges")
                        .ranges
                        .len(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, flagship, medium, large, resolve, ranges);

fn main() {
    benches();
    if std::env::var_os("SOURCEMIX_BENCH_XL").is_some() {
        xl_once();
    } else {
        println!("xl skipped: set SOURCEMIX_BENCH_XL=1 to run it once (minutes)");
    }
    Criterion::default().configure_from_args().final_summary();
}
