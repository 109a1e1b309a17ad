//! Stress tests (`sourcemix stress`, docs/disruptions.md): the full default
//! N-1 set of the flagship and of the medium synthetic model, each
//! disruption a warm re-solve of the reference window (`disruption::run`),
//! against the same set solved cold, one new program per disruption
//! (`disruption::run_cold`).
//!
//! ```text
//! cargo bench --bench stress -- stress             # flagship warm + cold, medium warm
//! SOURCEMIX_BENCH_STRESS_COLD=1 cargo bench --bench stress -- stress  # + medium cold
//! ```
//!
//! Both sides include the tie-break QP of every disruption (section 6), as
//! the command does; the model is loaded once, outside the timing. Before
//! the timings, the number of disruptions and the time of one run of each
//! are printed, with the simplex iterations of the warm LP re-solves.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, SamplingMode};

use sourcemix::disruption::{self, default_set, Disruption, DisruptionKind, Window};
use sourcemix::model::{Model, Stage};
use sourcemix::pipeline::{self, Request};
use sourcemix::solve::SolveOptions;
use sourcemix::synth::{self, SynthParams};

fn load(request: &Request) -> Model {
    pipeline::load(request).expect("the model validates").model
}

fn full_set(model: &Model) -> Vec<Disruption> {
    default_set(model, &Stage::ALL, &DisruptionKind::ALL, None, None)
}

fn warm(model: &Model, set: &[Disruption]) -> f64 {
    let (_, outcomes) = disruption::run(
        model,
        set,
        &Window::default(),
        &[],
        &SolveOptions::default(),
    )
    .expect("the disruptions solve");
    outcomes.iter().map(|o| o.unmet()).sum()
}

fn cold(model: &Model, set: &[Disruption]) -> f64 {
    let (_, outcomes) = disruption::run_cold(
        model,
        set,
        &Window::default(),
        &[],
        &SolveOptions::default(),
    )
    .expect("the disruptions solve");
    outcomes.iter().map(|o| o.unmet()).sum()
}

/// One run of each side, timed, with the warm re-solves' simplex iterations.
fn once(name: &str, model: &Model, set: &[Disruption], with_cold: bool) {
    let started = Instant::now();
    let (_, outcomes) = disruption::run(
        model,
        set,
        &Window::default(),
        &[],
        &SolveOptions::default(),
    )
    .expect("the disruptions solve");
    let warm_time = started.elapsed().as_secs_f64();
    let iterations: i64 = outcomes.iter().map(|o| o.stats.simplex_iterations).sum();
    let untied = outcomes.iter().filter(|o| !o.tie_broken).count();
    print!(
        "{name}: {} disruptions, warm {warm_time:.2} s ({iterations} simplex iterations in the re-solves; {untied} not tie-broken)",
        set.len()
    );
    if with_cold {
        let started = Instant::now();
        black_box(cold(model, set));
        let cold_time = started.elapsed().as_secs_f64();
        print!(", cold {cold_time:.2} s: {:.1}x", cold_time / warm_time);
    }
    println!(" on {} threads", rayon::current_num_threads());
}

fn stress(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024");
    let flagship = load(&Request::folder(dir));
    let flagship_set = full_set(&flagship);
    let medium = load(&Request::texts(synth::generate(&SynthParams::medium())));
    let medium_set = full_set(&medium);
    let medium_cold = std::env::var_os("SOURCEMIX_BENCH_STRESS_COLD").is_some();
    once("flagship", &flagship, &flagship_set, true);
    once("medium", &medium, &medium_set, medium_cold);

    let mut group = c.benchmark_group("stress");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("flagship_warm", |b| {
        b.iter(|| black_box(warm(&flagship, &flagship_set)))
    });
    group.bench_function("flagship_cold", |b| {
        b.iter(|| black_box(cold(&flagship, &flagship_set)))
    });
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("medium_warm", |b| {
        b.iter(|| black_box(warm(&medium, &medium_set)))
    });
    if medium_cold {
        group.bench_function("medium_cold", |b| {
            b.iter(|| black_box(cold(&medium, &medium_set)))
        });
    }
    group.finish();
}

criterion_group!(benches, stress);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
