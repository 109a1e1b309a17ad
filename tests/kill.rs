//! `solve --out DIR` killed (SIGKILL) at pseudo-random moments of its run:
//! after every kill DIR is wholly the previous output or wholly the new one,
//! never missing, partial or a mix of the two.
//!
//! Two versions of the output alternate (the flagship model without and with
//! `--max-share 0.9`), so "previous" and "new" differ in every file. The
//! delays are spread over the measured length of a run, from before the
//! solve starts to after the folder is swapped in, from a fixed seed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

const OUT_FILES: [&str; 6] = [
    "summary.json",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
    "report.html",
];

const ITERATIONS: usize = 48;

fn model() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024")
}

/// The extra arguments of the two output versions.
fn version_args(version: usize) -> &'static [&'static str] {
    if version == 0 {
        &[]
    } else {
        &["--max-share", "0.9"]
    }
}

fn solve(dir: &Path, version: usize) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sourcemix"));
    cmd.arg("solve")
        .arg(model())
        .args(version_args(version))
        .arg("--out")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// A folder's output files, summary.json without its timings.
type Content = BTreeMap<String, Value>;

/// What `dir` holds, or why it is not a complete output.
fn content(dir: &Path) -> Result<Content, String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = OUT_FILES.iter().map(|s| s.to_string()).collect();
    want.sort();
    if names != want {
        return Err(format!("holds {names:?}"));
    }
    let mut out = Content::new();
    for name in OUT_FILES {
        let bytes = fs::read(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
        let value = if name == "summary.json" {
            let mut v: Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("summary.json does not parse: {e}"))?;
            v.as_object_mut()
                .ok_or("summary.json is not an object")?
                .remove("timings");
            v
        } else {
            Value::String(String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?)
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// Which of the reference versions `c` is, if any.
fn which(c: &Content, refs: &[Content; 2]) -> Option<usize> {
    refs.iter().position(|r| r == c)
}

/// A small deterministic generator (xorshift64*), so that the delays are the
/// same on every run of the test.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn leftovers(parent: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out")
        .collect();
    out.sort();
    out
}

#[test]
fn a_killed_solve_leaves_the_previous_or_the_new_output_whole() {
    let tmp = tempfile::tempdir().unwrap();
    // The two reference outputs, and how long a whole run takes.
    let mut refs = Vec::new();
    let mut lengths = Vec::new();
    for version in [0, 1, 0, 1] {
        let dir = tmp.path().join(format!("ref-{version}"));
        let started = Instant::now();
        let status = solve(&dir, version).status().expect("sourcemix runs");
        lengths.push(started.elapsed());
        assert!(status.success(), "the reference solve {version} failed");
        if refs.len() < 2 {
            refs.push(content(&dir).expect("a reference output is complete"));
        }
    }
    let refs: [Content; 2] = refs.try_into().unwrap();
    assert_ne!(refs[0], refs[1], "the two versions must differ");
    lengths.sort();
    let length = lengths[lengths.len() / 2];

    let parent = tmp.path().join("kills");
    fs::create_dir(&parent).unwrap();
    let out = parent.join("out");
    assert!(solve(&out, 0).status().unwrap().success());
    let mut current = 0;
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut became_new = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    for i in 0..ITERATIONS {
        let next = 1 - current;
        // Over the whole run and a little beyond, denser near its end, where
        // the files are written and swapped in.
        let u = rng.unit();
        let fraction = if i % 2 == 0 { 1.2 * u } else { 0.8 + 0.3 * u };
        let delay = length.mul_f64(fraction);
        let mut child = solve(&out, next).spawn().expect("sourcemix starts");
        sleep(delay);
        let _ = child.kill(); // SIGKILL; an error means it had already exited
        let _ = child.wait();

        match content(&out) {
            Ok(c) => match which(&c, &refs) {
                Some(v) if v == current => {}
                Some(v) => {
                    current = v;
                    became_new += 1;
                }
                None => panic!(
                    "kill {i} after {delay:?}: {} is a mix of the two outputs",
                    out.display()
                ),
            },
            Err(why) => {
                // Only the two-rename fallback (no atomic exchange on this
                // system) may leave the folder missing, with the previous
                // output moved away whole beside it: the next write puts it back.
                let old: Vec<String> = leftovers(&parent)
                    .into_iter()
                    .filter(|n| n.starts_with(".sourcemix-old-"))
                    .collect();
                assert!(
                    !out.exists() && old.len() == 1,
                    "kill {i} after {delay:?}: {} is not a complete output ({why}); beside it: {:?}",
                    out.display(),
                    leftovers(&parent)
                );
                let moved = content(&parent.join(&old[0])).expect("the moved-away output is whole");
                assert_eq!(
                    which(&moved, &refs),
                    Some(current),
                    "kill {i}: the moved-away output"
                );
            }
        }
        assert!(
            Instant::now() < deadline,
            "the kill loop took too long ({i} kills)"
        );
    }
    eprintln!(
        "{ITERATIONS} kills over runs of {length:?}: {became_new} left the new output, {} the previous one",
        ITERATIONS - became_new
    );

    // A run after all the kills cleans every leftover and writes the output.
    let next = 1 - current;
    assert!(solve(&out, next).status().unwrap().success());
    assert_eq!(
        content(&out).ok().and_then(|c| which(&c, &refs)),
        Some(next)
    );
    assert_eq!(
        leftovers(&parent),
        Vec::<String>::new(),
        "leftovers beside the folder"
    );
}
