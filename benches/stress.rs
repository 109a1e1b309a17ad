//! Stress tests (`sourcemix stress`, docs/disruptions.md): the full default
//! N-1 set of the flagship and of the medium synthetic model, each
//! disruption a warm re-solve of the reference window (`disruption::run`),
//! against the same set solved cold, one new program per disruption
//! (`disruption::run_cold`).
//!
//! ```text
//! cargo bench --bench stress -- stress      # flagship warm + cold (with and without the QP); medium once
//! SOURCEMIX_BENCH_STRESS_MEDIUM=1 cargo bench --bench stress -- stress  # + medium in criterion, and cold
//! ```
//!
//! `warm` and `cold` include the tie-break QP of every disruption (section
//! 6), as the command does; `warm_lp` and `cold_lp` solve the LP only
//! (`--tie-break none`), which is what a warm start speeds up. The model is
//! loaded once, outside the timing. Before the timings, the number of
//! disruptions and one run of each side are printed with their CPU time
//! (the machine is shared, so wall time overstates), and the simplex
//! iterations of the warm LP re-solves. A medium run takes about half a
//! minute of CPU, so criterion samples it only when asked.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, SamplingMode};

use sourcemix::disruption::{
    self, default_set, Disruption, DisruptionKind, DisruptionOutcome, Window,
};
use sourcemix::model::{Model, Stage};
use sourcemix::pipeline::{self, Request};
use sourcemix::solve::SolveOptions;
use sourcemix::synth::{self, SynthParams};
use sourcemix::tiebreak::TieBreak;

fn load(request: &Request) -> Model {
    pipeline::load(request).expect("the model validates").model
}

fn full_set(model: &Model) -> Vec<Disruption> {
    default_set(model, &Stage::ALL, &DisruptionKind::ALL, None, None)
}

/// With the tie-break QP (as the command) or the LP only.
fn options(qp: bool) -> SolveOptions {
    SolveOptions {
        tie_break: if qp { TieBreak::Market } else { TieBreak::None },
        ..SolveOptions::default()
    }
}

fn warm(model: &Model, set: &[Disruption], qp: bool) -> Vec<DisruptionOutcome> {
    disruption::run(model, set, &Window::default(), &[], &options(qp))
        .expect("the disruptions solve")
        .1
}

fn cold(model: &Model, set: &[Disruption], qp: bool) -> Vec<DisruptionOutcome> {
    disruption::run_cold(model, set, &Window::default(), &[], &options(qp))
        .expect("the disruptions solve")
        .1
}

/// CPU seconds of this process so far (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields 14 and 15 (utime, stime) in clock ticks, after the ")" of the name.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

/// Runs `f` once: (wall seconds, CPU seconds, its result).
fn timed<T>(f: impl FnOnce() -> T) -> (f64, f64, T) {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu, out)
}

/// One run of each side, timed, with the warm re-solves' simplex iterations.
fn once(name: &str, model: &Model, set: &[Disruption], with_cold: bool) {
    println!(
        "{name}: {} disruptions on {} threads",
        set.len(),
        rayon::current_num_threads()
    );
    for qp in [true, false] {
        let what = if qp { "with the QP" } else { "LP only" };
        let (wall, cpu, outcomes) = timed(|| warm(model, set, qp));
        let iterations: i64 = outcomes.iter().map(|o| o.stats.simplex_iterations).sum();
        let unchanged = outcomes.iter().filter(|o| o.stats.run.is_zero()).count();
        print!(
            "  {what}: warm {wall:.2} s wall, {cpu:.2} s CPU ({iterations} simplex iterations in the re-solves, {unchanged} disruptions equal to the reference)"
        );
        if with_cold {
            let (cold_wall, cold_cpu, _) = timed(|| black_box(cold(model, set, qp)));
            print!(
                "; cold {cold_wall:.2} s wall, {cold_cpu:.2} s CPU: {:.1}x the warm CPU",
                cold_cpu / cpu
            );
        }
        println!();
    }
}

fn stress(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024");
    let flagship = load(&Request::folder(dir));
    let flagship_set = full_set(&flagship);
    let medium = load(&Request::texts(synth::generate(&SynthParams::medium())));
    let medium_set = full_set(&medium);
    let medium_too = std::env::var_os("SOURCEMIX_BENCH_STRESS_MEDIUM").is_some();
    once("flagship", &flagship, &flagship_set, true);
    once("medium", &medium, &medium_set, medium_too);

    let mut group = c.benchmark_group("stress");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(20));
    for (name, qp) in [("", true), ("_lp", false)] {
        group.bench_function(format!("flagship_warm{name}"), |b| {
            b.iter(|| black_box(warm(&flagship, &flagship_set, qp)))
        });
        group.bench_function(format!("flagship_cold{name}"), |b| {
            b.iter(|| black_box(cold(&flagship, &flagship_set, qp)))
        });
    }
    if medium_too {
        group.measurement_time(Duration::from_secs(300));
        group.bench_function("medium_warm", |b| {
            b.iter(|| black_box(warm(&medium, &medium_set, true)))
        });
        group.bench_function("medium_cold", |b| {
            b.iter(|| black_box(cold(&medium, &medium_set, true)))
        });
    }
    group.finish();
}

criterion_group!(benches, stress);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
