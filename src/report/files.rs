//! The report as files: JSON, and the CSV tables of `solve --out DIR`.
//! Every renderer is a pure function returning bytes; `write_out_dir` puts
//! them on disk so that the folder is at every instant either wholly the
//! previous output or wholly the new one.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Report;

/// The files `solve --out` writes, in order.
pub const OUT_FILES: [&str; 6] = [
    "summary.json",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
    HTML_FILE,
];

/// The HTML report `solve --out` writes (`report::html`).
pub const HTML_FILE: &str = "report.html";

/// Files `solve --out` writes only when asked (`--ranges`).
pub const OPTIONAL_FILES: [&str; 1] = ["ranges.csv"];

/// The record a batch keeps beside a run's outputs.
pub const RUN_FILE: &str = "run.json";

/// Errors writing an output folder. Every variant but `OldLeft` and
/// `NotRestored` means the folder was left as it was.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} exists and holds files sourcemix did not write ({example}); choose another --out folder or move them away")]
    Foreign { path: String, example: String },
    #[error("{path} exists and is not a workbook of this kind that sourcemix wrote; choose another path or move it away")]
    NotOurs { path: String },
    #[error(
        "{path} exists and is not a page sourcemix wrote; choose another file name or move it away"
    )]
    NotOurPage { path: String },
    #[error("{path} exists and is not a folder")]
    NotADir { path: String },
    #[error("{path} does not name a folder (give a path that ends in a folder name)")]
    NoFolderName { path: String },
    #[error("cannot render {file}: {reason}")]
    Render { file: String, reason: String },
    /// The new output is in place; only the removal of the previous one failed.
    #[error("{dir} holds the new output, but its previous content could not be removed from {old} ({source}); the next write of {dir} removes it")]
    OldLeft {
        dir: String,
        old: String,
        source: io::Error,
    },
    /// The two-rename fallback moved the previous output away and could neither
    /// put the new one in its place nor move the previous one back.
    #[error("{dir} could not be replaced ({source}) and its previous content could not be put back: it is in {old} (the next write of {dir} puts it back first)")]
    NotRestored {
        dir: String,
        old: String,
        source: io::Error,
    },
}

impl WriteError {
    /// Whether the folder may differ from what it was before the write.
    pub fn changed_anything(&self) -> bool {
        matches!(
            self,
            WriteError::OldLeft { .. } | WriteError::NotRestored { .. }
        )
    }
}

/// A text cell as sourcemix writes it to CSV. A spreadsheet reads a cell
/// that begins with `=`, `+`, `-`, `@`, a tab or a carriage return as a
/// formula (CSV injection); such a cell gets a leading `'`, which spreadsheets
/// show as text. Numbers are written as numbers and never pass through here.
/// The columns of each report table, shared by the CSV files of `--out`
/// and the sheets of `--xlsx` (report::xlsx), so the two cannot drift.
pub const FLOW_COLUMNS: [&str; 5] = ["from", "to", "commodity", "line", "amount"];
pub const MIX_COLUMNS: [&str; 6] = [
    "consumer",
    "commodity",
    "stage",
    "country",
    "amount",
    "share",
];
pub const POLICY_COLUMNS: [&str; 11] = [
    "policy",
    "type",
    "commodity",
    "stage",
    "scope",
    "from",
    "limit",
    "actual",
    "delivered",
    "binding",
    "shadow_price",
];
pub const CAPACITY_COLUMNS: [&str; 9] = [
    "kind",
    "node",
    "route",
    "commodity",
    "line",
    "capacity",
    "used",
    "binding",
    "shadow_price",
];
pub const RANGE_COLUMNS: [&str; 11] = [
    "commodity",
    "kind",
    "scope",
    "stage",
    "country",
    "demand",
    "amount",
    "min",
    "max",
    "min_share",
    "max_share",
];

pub fn csv_text(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The report as a pretty-printed JSON document (with a final newline).
pub fn json(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct FlowRow<'a> {
    from: Cow<'a, str>,
    to: Cow<'a, str>,
    commodity: Cow<'a, str>,
    line: usize,
    amount: f64,
}

/// A row of mix.csv (and of the workbook's mix sheet).
#[derive(Serialize)]
pub struct MixRow<'a> {
    pub consumer: Cow<'a, str>,
    pub commodity: Cow<'a, str>,
    pub stage: &'static str,
    pub country: Cow<'a, str>,
    pub amount: f64,
    pub share: f64,
}

/// The rows of mix.csv: each consumer's shares, mining then refining, with
/// the amount they stand for; text cells pass through `text`.
pub fn mix_rows<'a>(
    report: &'a Report,
    text: fn(&'a str) -> Cow<'a, str>,
) -> impl Iterator<Item = MixRow<'a>> + 'a {
    report.consumers.iter().flat_map(move |c| {
        let mining = c
            .mining_shares
            .iter()
            .map(move |(k, s)| (crate::model::Stage::Mining, k, s));
        let refining = c
            .refining_shares
            .iter()
            .map(move |(k, s)| (crate::model::Stage::Refining, k, s));
        mining
            .chain(refining)
            .map(move |(stage, country, &share)| MixRow {
                consumer: text(&c.node),
                commodity: text(&c.commodity),
                stage: stage.as_str(),
                country: text(country),
                amount: super::tonnes(c.delivered * share),
                share,
            })
    })
}

#[derive(Serialize)]
struct PolicyRow<'a> {
    policy: Cow<'a, str>,
    kind: &'static str,
    commodity: Cow<'a, str>,
    stage: &'static str,
    scope: Cow<'a, str>,
    from: Cow<'a, str>,
    limit: f64,
    actual: f64,
    delivered: f64,
    binding: bool,
    shadow_price: f64,
}

#[derive(Serialize)]
struct CapacityRow<'a> {
    kind: &'static str,
    node: Cow<'a, str>,
    route: Cow<'a, str>,
    commodity: Cow<'a, str>,
    line: usize,
    capacity: f64,
    used: f64,
    binding: bool,
    shadow_price: f64,
}

#[derive(Serialize)]
struct RangeRow<'a> {
    commodity: Cow<'a, str>,
    kind: &'static str,
    scope: Cow<'a, str>,
    stage: &'static str,
    country: Cow<'a, str>,
    demand: f64,
    amount: f64,
    min: f64,
    max: f64,
    min_share: f64,
    max_share: f64,
}

/// ranges.csv: one row per share range (`solve --ranges`).
pub fn ranges_csv(report: &Report) -> Result<Vec<u8>, WriteError> {
    let rows = report.ranges.iter().map(|r| RangeRow {
        commodity: csv_text(&r.commodity),
        kind: r.kind.as_str(),
        scope: csv_text(&r.scope),
        stage: r.stage.as_str(),
        country: csv_text(&r.country),
        demand: r.demand,
        amount: r.amount,
        min: r.min,
        max: r.max,
        min_share: r.min_share,
        max_share: r.max_share,
    });
    csv_of("ranges.csv", rows, &RANGE_COLUMNS)
}

/// A CSV file: `header`, then one record per row; every header cell passes
/// through [`csv_text`], as the rows' text cells do where they are built.
pub fn csv_of<T: Serialize>(
    file: &str,
    rows: impl Iterator<Item = T>,
    header: &[&str],
) -> Result<Vec<u8>, WriteError> {
    let fail = |e: csv::Error| WriteError::Render {
        file: file.into(),
        reason: e.to_string(),
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(header.iter().map(|h| csv_text(h).into_owned()))
        .map_err(fail)?;
    for row in rows {
        w.serialize(row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| WriteError::Render {
        file: file.into(),
        reason: e.to_string(),
    })
}

/// Every output file's name and bytes (ranges.csv only when the report has ranges).
pub fn render_all(report: &Report) -> Result<Vec<(&'static str, Vec<u8>)>, WriteError> {
    let flow_rows = report.flows.iter().map(|f| FlowRow {
        from: csv_text(&f.from),
        to: csv_text(&f.to),
        commodity: csv_text(&f.commodity),
        line: f.line,
        amount: f.amount,
    });
    let flows = csv_of("flows.csv", flow_rows, &FLOW_COLUMNS)?;
    let mix_rows = mix_rows(report, csv_text);
    let mix = csv_of("mix.csv", mix_rows, &MIX_COLUMNS)?;
    let policy_rows = report.policies.iter().map(|p| PolicyRow {
        policy: csv_text(&p.policy),
        kind: p.kind.as_str(),
        commodity: csv_text(&p.commodity),
        stage: p.stage.as_str(),
        scope: csv_text(&p.scope),
        from: csv_text(&p.from),
        limit: p.limit,
        actual: p.actual,
        delivered: p.delivered,
        binding: p.binding,
        shadow_price: p.shadow_price,
    });
    let policies = csv_of("policies.csv", policy_rows, &POLICY_COLUMNS)?;
    let capacity_rows = report.capacities.iter().map(|c| CapacityRow {
        kind: c.kind.as_str(),
        node: csv_text(c.node.as_deref().unwrap_or("")),
        route: csv_text(c.route.as_deref().unwrap_or("")),
        commodity: csv_text(&c.commodity),
        line: c.line,
        capacity: c.capacity,
        used: c.used,
        binding: c.binding,
        shadow_price: c.shadow_price,
    });
    let capacities = csv_of("capacities.csv", capacity_rows, &CAPACITY_COLUMNS)?;
    let mut out = vec![
        ("summary.json", json(report).into_bytes()),
        ("flows.csv", flows),
        ("mix.csv", mix),
        ("policies.csv", policies),
        ("capacities.csv", capacities),
    ];
    if !report.ranges.is_empty() {
        out.push(("ranges.csv", ranges_csv(report)?));
    }
    Ok(out)
}

/// Writes `files` as the folder `dir`, so that `dir` is at every instant
/// either wholly its previous content or wholly the new one.
///
/// The files are written into a fresh folder beside `dir`
/// (`.sourcemix-out-<tag>`, the tag derived from `dir`'s name), which then
/// takes `dir`'s place: on Linux by one atomic exchange
/// (`renameat2(RENAME_EXCHANGE)`), after which the previous content, now in
/// the fresh folder's place, is removed; elsewhere (or where the file system
/// cannot exchange) by moving `dir` away to `.sourcemix-old-<tag>` and the
/// fresh folder in. What an interrupted earlier write of `dir` left beside it
/// is cleaned first, and a previous content that was moved away but not
/// replaced is put back. An existing `dir` is replaced only when it holds
/// nothing but files sourcemix writes, so nothing a user put there is lost.
/// One writer per folder at a time.
pub fn write_out_dir(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    let swap = if cfg!(target_os = "linux") {
        Swap::Exchange
    } else {
        Swap::TwoRenames
    };
    write_out_dir_with(dir, files, swap)
}

/// How the fresh folder takes the place of an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Swap {
    /// One atomic exchange where the platform has it, else `TwoRenames`.
    Exchange,
    /// Move the old folder away, then the new one in.
    TwoRenames,
}

fn write_out_dir_with(dir: &Path, files: &[(&str, Vec<u8>)], swap: Swap) -> Result<(), WriteError> {
    let shown = dir.display().to_string();
    let io_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| WriteError::Io { path, source }
    };
    let Some(name) = dir.file_name() else {
        return Err(WriteError::NoFolderName { path: shown });
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let beside = Beside::of(&parent, name);
    beside.recover(dir);
    check_replaceable(dir, files)?;
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let staging = &beside.staging;
    fs::create_dir(staging).map_err(io_err(staging))?;
    let written = files.iter().try_for_each(|(file, bytes)| {
        let path = staging.join(file);
        fs::write(&path, bytes).map_err(io_err(&path))
    });
    if let Err(e) = written {
        let _ = fs::remove_dir_all(staging);
        return Err(e);
    }
    if fs::symlink_metadata(dir).is_err() {
        // Nothing to replace: one rename puts the whole folder in place.
        return fs::rename(staging, dir).map_err(|source| {
            let _ = fs::remove_dir_all(staging);
            WriteError::Io {
                path: shown,
                source,
            }
        });
    }
    if swap == Swap::Exchange {
        match exchange(staging, dir) {
            Ok(()) => {
                // `dir` is the new output; `staging` holds the previous one.
                return fs::remove_dir_all(staging).map_err(|source| WriteError::OldLeft {
                    dir: shown,
                    old: staging.display().to_string(),
                    source,
                });
            }
            Err(e) if !exchange_unsupported(&e) => {
                let _ = fs::remove_dir_all(staging);
                return Err(WriteError::Io {
                    path: shown,
                    source: e,
                });
            }
            Err(_) => {} // fall back to two renames
        }
    }
    let old = &beside.old;
    if let Err(e) = fs::rename(dir, old) {
        let _ = fs::remove_dir_all(staging);
        return Err(io_err(dir)(e));
    }
    // Between these two renames `dir` does not exist; an interrupted write
    // leaves `old`, which the next write of `dir` puts back (`recover`).
    if let Err(source) = fs::rename(staging, dir) {
        let _ = fs::remove_dir_all(staging);
        return match fs::rename(old, dir) {
            Ok(()) => Err(WriteError::Io {
                path: shown,
                source,
            }),
            Err(_) => Err(WriteError::NotRestored {
                dir: shown,
                old: old.display().to_string(),
                source,
            }),
        };
    }
    fs::remove_dir_all(old).map_err(|source| WriteError::OldLeft {
        dir: shown,
        old: old.display().to_string(),
        source,
    })
}

/// The folders a write of one output folder keeps beside it while it runs.
/// Their names are fixed for a given folder name, so that the next write
/// finds what an interrupted one left without listing the parent folder (a
/// batch writes thousands of sibling run folders), and sibling output
/// folders (written in parallel) never share them.
struct Beside {
    /// The fresh folder being written (after an exchange: the previous output).
    staging: PathBuf,
    /// The previous output, moved away by the two-rename fallback.
    old: PathBuf,
}

impl Beside {
    fn of(parent: &Path, name: &OsStr) -> Beside {
        let digest = Sha256::digest(name.as_encoded_bytes());
        let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Beside {
            staging: parent.join(format!(".sourcemix-out-{tag}")),
            old: parent.join(format!(".sourcemix-old-{tag}")),
        }
    }

    /// Cleans what an interrupted write of `dir` left. If `dir` is missing
    /// but its previous content was moved away (the write stopped between
    /// the two renames of the fallback), that content is put back. Best
    /// effort: what cannot be removed now is tried again at the next write,
    /// and a leftover still in the way makes that write fail before it
    /// changes anything.
    fn recover(&self, dir: &Path) {
        if fs::symlink_metadata(&self.old).is_ok() {
            if fs::symlink_metadata(dir).is_err() {
                let _ = fs::rename(&self.old, dir);
            } else {
                let _ = fs::remove_dir_all(&self.old);
            }
        }
        if fs::symlink_metadata(&self.staging).is_ok() {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Atomically exchanges two paths (both must exist).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the
    // call; renameat2 reads them and touches no other memory. The raw
    // syscall is used so that an older C library without the wrapper works.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The exchange is not available here (kernel, file system or platform).
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(
        e.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    ) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// An existing `dir` may be replaced only if every entry in it is a file sourcemix writes there.
fn check_replaceable(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    let shown = dir.display().to_string();
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(WriteError::NotADir { path: shown });
    }
    let entries = fs::read_dir(dir).map_err(|source| WriteError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let ours = |n: &str| {
        files.iter().any(|(f, _)| *f == n)
            || OUT_FILES.contains(&n)
            || OPTIONAL_FILES.contains(&n)
            || n == RUN_FILE
    };
    match names.into_iter().find(|n| !ours(n)) {
        Some(example) => Err(WriteError::Foreign {
            path: shown,
            example,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(version: &str) -> Vec<(&'static str, Vec<u8>)> {
        OUT_FILES
            .iter()
            .map(|f| (*f, format!("{f} {version}\n").into_bytes()))
            .collect()
    }

    fn read(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        out
    }

    fn expected(version: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = files(version)
            .into_iter()
            .map(|(f, b)| (f.to_string(), String::from_utf8(b).unwrap()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn csv_text_neutralises_formula_starts_only() {
        for bad in [
            "=1+2",
            "+1",
            "-x",
            "@cmd",
            "\tx",
            "\rx",
            "=HYPERLINK(\"a\")",
        ] {
            assert_eq!(csv_text(bad), format!("'{bad}"));
        }
        for good in ["", "CHN", "a=b", "x-1", "'=quoted", " =x", "1.5"] {
            assert_eq!(csv_text(good), good);
        }
    }

    #[test]
    fn both_swaps_replace_a_previous_output_and_leave_nothing_beside_it() {
        for swap in [Swap::Exchange, Swap::TwoRenames] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("out");
            write_out_dir_with(&dir, &files("one"), swap).unwrap();
            assert_eq!(read(&dir), expected("one"));
            write_out_dir_with(&dir, &files("two"), swap).unwrap();
            assert_eq!(read(&dir), expected("two"), "{swap:?}");
            assert_eq!(names(tmp.path()), vec!["out"], "{swap:?}");
        }
    }

    /// A write killed between the two renames of the fallback left `dir`
    /// missing and its previous content moved away: the next write puts it
    /// back (and then replaces it), and cleans the half-written fresh folder.
    #[test]
    fn an_interrupted_two_rename_write_is_recovered() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_out_dir(&dir, &files("one")).unwrap();
        let beside = Beside::of(tmp.path(), OsStr::new("out"));
        fs::rename(&dir, &beside.old).unwrap();
        fs::create_dir(&beside.staging).unwrap();
        fs::write(beside.staging.join("summary.json"), "{").unwrap();
        // A sibling output folder's leftovers are not ours to touch.
        let theirs = Beside::of(tmp.path(), OsStr::new("other")).staging;
        fs::create_dir(&theirs).unwrap();

        beside.recover(&dir);
        assert_eq!(read(&dir), expected("one"), "the previous output is back");
        let mut others = names(tmp.path());
        others.retain(|n| n != "out");
        assert_eq!(
            others,
            vec![theirs.file_name().unwrap().to_string_lossy().into_owned()]
        );

        // The same through write_out_dir: moved away again, then written.
        fs::rename(&dir, &beside.old).unwrap();
        write_out_dir(&dir, &files("two")).unwrap();
        assert_eq!(read(&dir), expected("two"));
        assert!(!beside.old.exists() && !beside.staging.exists());
    }

    /// Killed after the exchange, before the previous content was removed:
    /// `dir` is the new output, and the leftover is removed by the next write.
    #[test]
    fn a_leftover_previous_content_is_removed_and_dir_kept() {
        for swap in [Swap::Exchange, Swap::TwoRenames] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("out");
            write_out_dir(&dir, &files("two")).unwrap();
            let beside = Beside::of(tmp.path(), OsStr::new("out"));
            fs::create_dir(&beside.staging).unwrap();
            fs::write(beside.staging.join("summary.json"), "one").unwrap();
            fs::create_dir(&beside.old).unwrap();
            fs::write(beside.old.join("flows.csv"), "one").unwrap();
            write_out_dir_with(&dir, &files("three"), swap).unwrap();
            assert_eq!(read(&dir), expected("three"), "{swap:?}");
            assert_eq!(names(tmp.path()), vec!["out"], "{swap:?}");
        }
    }

    #[test]
    fn a_path_without_a_folder_name_is_an_error_not_a_panic() {
        let tmp = tempfile::tempdir().unwrap();
        let err = write_out_dir(&tmp.path().join(".."), &files("x")).unwrap_err();
        assert!(matches!(err, WriteError::NoFolderName { .. }), "{err}");
        let err = write_out_dir(Path::new("/"), &files("x")).unwrap_err();
        assert!(matches!(err, WriteError::NoFolderName { .. }), "{err}");
        assert!(!err.changed_anything());
    }
}
