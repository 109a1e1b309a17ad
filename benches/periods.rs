//! Benchmarks of multi-period models (contract section 10, docs/periods.md).
//!
//! ```text
//! cargo bench --bench periods                      # 2040 flagship, medium x 4 periods
//! SOURCEMIX_BENCH_LARGE_PERIODS=1 cargo bench --bench periods   # + large x 4, once
//! ```
//!
//! `flagship-2040` is `sourcemix solve models/critical-minerals-2040 --out
//! DIR` less the disk writes (target: under 2 s). The synthetic models are
//! the single-year ones of `sourcemix::synth` made multi-period by
//! `synth::with_periods` (four periods, demand growing 1.0, 1.4, 1.8, 2.2,
//! an expansion option on every finite mine, recycler and refiner row); the
//! size of each commodity's LP is printed.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, Criterion, SamplingMode};

use sourcemix::input::ModelTexts;
use sourcemix::pipeline::{self, Request, Run};
use sourcemix::report::horizon;
use sourcemix::synth::{self, SynthParams};

const YEARS: [i32; 4] = [2024, 2030, 2035, 2040];
const GROWTH: [f64; 4] = [1.0, 1.4, 1.8, 2.2];

fn end_to_end(request: &Request) -> usize {
    let run = pipeline::run(request).expect("the model solves");
    let h = run.horizon.expect("a multi-period model");
    horizon::render_all(&h)
        .expect("the report renders")
        .iter()
        .map(|(_, bytes)| bytes.len())
        .sum()
}

fn lp_size(run: &Run) -> String {
    run.outcome
        .horizon
        .iter()
        .map(|o| format!("{} cols x {} rows", o.program.columns, o.program.rows))
        .collect::<Vec<_>>()
        .join(", ")
}

fn periods_of(p: &SynthParams) -> ModelTexts {
    synth::with_periods(&synth::generate(p), &YEARS, &GROWTH)
}

fn flagship_2040(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2040");
    let request = Request::folder(&dir);
    let run = pipeline::run(&request).expect("the 2040 flagship solves");
    println!("flagship-2040 LPs: {}", lp_size(&run));
    let mut group = c.benchmark_group("periods");
    group.sample_size(10);
    group.bench_function("flagship-2040/end_to_end", |b| {
        b.iter(|| black_box(end_to_end(&request)))
    });
    group.finish();
}

fn medium_4(c: &mut Criterion) {
    let request = Request::texts(periods_of(&SynthParams::medium()));
    let run = pipeline::run(&request).expect("medium x 4 solves");
    println!("medium x 4 LPs: {}", lp_size(&run));
    let mut group = c.benchmark_group("periods");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("medium-4/end_to_end", |b| {
        b.iter(|| black_box(end_to_end(&request)))
    });
    group.finish();
}

/// large x 4 periods, once (opt in with SOURCEMIX_BENCH_LARGE_PERIODS=1).
fn large_4_once() {
    let request = Request::texts(periods_of(&SynthParams::large()));
    let started = Instant::now();
    let run = pipeline::run(&request).expect("large x 4 solves");
    let wall = started.elapsed().as_secs_f64();
    println!("large x 4 LPs: {}", lp_size(&run));
    if let Some(h) = &run.horizon {
        let t = &h.timings;
        println!(
            "large x 4: load {:.3} s, build {:.3} s, solve {:.3} s, end to end {wall:.3} s",
            t.load, t.build, t.solve
        );
    }
}

criterion_group!(benches, flagship_2040, medium_4);

fn main() {
    benches();
    if std::env::var_os("SOURCEMIX_BENCH_LARGE_PERIODS").is_some() {
        large_4_once();
    } else {
        println!("large x 4 skipped: set SOURCEMIX_BENCH_LARGE_PERIODS=1 to run it once");
    }
    Criterion::default().configure_from_args().final_summary();
}
