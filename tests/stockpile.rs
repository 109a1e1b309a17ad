//! Stockpile sizing (contract section 9, `sourcemix stockpile`) on the hand
//! model tests/models/stockpile-sharing, whose numbers are derived in its
//! README: two consumers whose worst disruptions differ, so one shared
//! holder needs less than two separate ones; the tolerance; a route
//! capacity that leaves a need uncovered; a split between two holders with
//! its ranges; and the command line's formats, `--out` and errors.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use sourcemix::disruption::{self, DisruptionKind, Window};
use sourcemix::model::Stage;
use sourcemix::pipeline::{self, Request};
use sourcemix::solve::SolveOptions;
use sourcemix::stockpile::{self, CommodityStock, Stockpile};

mod common;

const HAND: &str = "tests/models/stockpile-sharing";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Sizes the model in `dir` for A and B over a 6-month window.
fn size(dir: &Path, holders: &[&str], kinds: &[DisruptionKind], tolerance: f64) -> Stockpile {
    let loaded = pipeline::load(&Request::folder(dir)).expect("the model loads");
    let model = &loaded.model;
    let request = stockpile::Request {
        protect: strings(&["CON-B", "CON-A"]),
        holders: strings(holders),
        tolerance,
        window: Window {
            months: 6.0,
            keep_policies: false,
        },
        set: disruption::default_set(model, &Stage::ALL, kinds, None, None),
    };
    stockpile::run(model, &request, &SolveOptions::default(), &|_| {}).expect("sized")
}

fn only(s: &Stockpile) -> &CommodityStock {
    assert_eq!(s.commodities.len(), 1, "{s:?}");
    &s.commodities[0]
}

fn assert_close(what: &str, actual: f64, expected: f64) {
    assert!(
        common::close(actual, expected, 1e-6),
        "{what}: got {actual}, expected {expected}"
    );
}

#[test]
fn a_shared_holder_needs_less_than_two_separate_ones() {
    // README: X out leaves A 40 short, Y out leaves A 10 and B 30.
    // Joint max(40 + 0, 10 + 30) = 40; separate max(40, 10) + max(0, 30) = 70.
    let s = size(&root().join(HAND), &["STOCK-H"], &DisruptionKind::ALL, 0.0);
    assert_eq!(s.protect, strings(&["CON-A", "CON-B"]));
    assert_eq!(s.disruptions, 4);
    let c = only(&s);
    assert_eq!(c.disruptions, 4);
    let k = &c.sizing;
    assert_close("required", k.required, 40.0);
    assert_eq!(k.holders.len(), 1);
    let h = &k.holders[0];
    assert_eq!(h.holder, "STOCK-H");
    assert_close("stock", h.stock, 40.0);
    assert_close("min", h.min, 40.0);
    assert_close("max", h.max, 40.0);
    assert_eq!(
        h.binding,
        strings(&[
            "XXX mining export-ban",
            "XXX mining outage",
            "YYY mining export-ban",
            "YYY mining outage"
        ])
    );
    assert_eq!(h.value, Some(20_000.0));
    let (a, b) = (&k.consumers[0], &k.consumers[1]);
    assert_eq!(
        (a.consumer.as_str(), b.consumer.as_str()),
        ("CON-A", "CON-B")
    );
    assert_close("A window demand", a.window_demand, 60.0);
    assert_close("A worst need", a.worst_need, 40.0);
    assert_close("A alone", a.alone, 40.0);
    assert_close("B worst need", b.worst_need, 30.0);
    assert_close("B alone", b.alone, 30.0);
    // The first by label among equals: the export ban and the outage of a
    // country whose consumers are none leave the same shortfall.
    assert_eq!(a.worst_disruption.as_deref(), Some("XXX mining export-ban"));
    assert_eq!(b.worst_disruption.as_deref(), Some("YYY mining export-ban"));
    let g = &k.sharing;
    assert_close("joint", g.joint, 40.0);
    assert_close("separate", g.separate, 70.0);
    assert_close("saving", g.saving, 30.0);
    assert_eq!(g.joint_value, Some(20_000.0));
    assert_eq!(g.separate_value, Some(35_000.0));
    assert_eq!(g.saving_value, Some(15_000.0));
    assert_eq!(g.shared_holders, strings(&["STOCK-H"]));
    assert!(k.uncovered.is_empty());
}

#[test]
fn the_tolerance_comes_off_each_consumers_need() {
    // a = 0.1: A may go 6 t short, B 3 t. X (34, 0), Y (4, 27): joint 34, separate 61.
    let s = size(
        &root().join(HAND),
        &["STOCK-H"],
        &[DisruptionKind::Outage],
        0.1,
    );
    let k = &only(&s).sizing;
    assert_close("required", k.required, 34.0);
    assert_close("separate", k.sharing.separate, 61.0);
    assert_eq!(k.holders[0].binding, strings(&["XXX mining outage"]));
    // A tolerance of 1 needs nothing.
    let s = size(
        &root().join(HAND),
        &["STOCK-H"],
        &[DisruptionKind::Outage],
        1.0,
    );
    assert_eq!(only(&s).sizing.required, 0.0);
}

/// The hand model copied with the route STOCK-H -> CON-A limited to 60 t/yr.
fn with_route_capacity(tmp: &Path) -> PathBuf {
    let dir = tmp.join("capped");
    fs::create_dir(&dir).expect("mkdir");
    for entry in fs::read_dir(root().join(HAND)).expect("model dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        let mut text = fs::read_to_string(&path).expect("read");
        if name == "routes.csv" {
            text = text.replace("STOCK-H,CON-A,k,1,\n", "STOCK-H,CON-A,k,1,60\n");
        }
        fs::write(dir.join(name), text).expect("write");
    }
    dir
}

#[test]
fn a_route_capacity_scaled_to_the_window_leaves_the_rest_uncovered() {
    // 60 t/yr x 6/12 = 30 t: A's 40 t under X is 30 covered, 10 uncovered;
    // joint max(30, 10 + 30) = 40 (Y binds alone), separate 30 + 30 = 60.
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = with_route_capacity(tmp.path());
    let s = size(&dir, &["STOCK-H"], &[DisruptionKind::Outage], 0.0);
    let k = &only(&s).sizing;
    assert_close("required", k.required, 40.0);
    assert_eq!(k.holders[0].binding, strings(&["YYY mining outage"]));
    assert_eq!(k.uncovered.len(), 1, "{:?}", k.uncovered);
    assert_eq!(k.uncovered[0].consumer, "CON-A");
    assert_eq!(k.uncovered[0].disruption, "XXX mining outage");
    assert_close("uncovered", k.uncovered[0].amount, 10.0);
    assert_close("A uncovered", k.consumers[0].uncovered, 10.0);
    assert_close("separate", k.sharing.separate, 60.0);
}

#[test]
fn two_holders_report_their_ranges_and_the_fair_split() {
    // z_H in [30, 40], z_A2 in [0, 10], total 40; both at position 0.5: H 35, A2 5.
    let s = size(
        &root().join(HAND),
        &["STOCK-H", "STOCK-A2"],
        &[DisruptionKind::Outage],
        0.0,
    );
    assert_eq!(s.holders, strings(&["STOCK-A2", "STOCK-H"]));
    let k = &only(&s).sizing;
    assert_close("required", k.required, 40.0);
    let (a2, h) = (&k.holders[0], &k.holders[1]);
    assert_eq!(
        (a2.holder.as_str(), h.holder.as_str()),
        ("STOCK-A2", "STOCK-H")
    );
    assert_close("A2 min", a2.min, 0.0);
    assert_close("A2 max", a2.max, 10.0);
    assert_close("A2 stock", a2.stock, 5.0);
    assert_close("H min", h.min, 30.0);
    assert_close("H max", h.max, 40.0);
    assert_close("H stock", h.stock, 35.0);
    let both = strings(&["XXX mining outage", "YYY mining outage"]);
    assert_eq!(a2.binding, both);
    assert_eq!(h.binding, both);
    // Money follows the split: joint 5 x 400 + 35 x 500; A alone splits its
    // 40 t 20 / 20 (ranges [0, 40] each), B alone 30 t from H.
    assert_eq!(k.sharing.joint_value, Some(19_500.0));
    assert_eq!(k.sharing.separate_value, Some(18_000.0 + 15_000.0));
    assert_close("separate", k.sharing.separate, 70.0);
}

#[test]
fn every_holder_with_stock_has_a_binding_disruption_and_the_split_covers_each_one() {
    // On the flagship with Japan-EU stock sharing: the total is the sum of
    // the split, each split inside its range, and a positive stock binds somewhere.
    let request = Request {
        scenarios: vec![pipeline::ScenarioSource::File(root().join(
            "models/critical-minerals-2024/scenarios/japan-eu-cooperation.toml",
        ))],
        ..Request::folder(root().join("models/critical-minerals-2024"))
    };
    let loaded = pipeline::load(&request).expect("the flagship loads");
    let model = &loaded.model;
    let set = disruption::select(
        model,
        &Stage::ALL,
        &[DisruptionKind::Outage],
        &strings(&["rare_earths", "lithium"]),
        &[],
    )
    .expect("known names");
    let sized = stockpile::run(
        model,
        &stockpile::Request {
            protect: strings(&["CON-JPN", "CON-EU27"]),
            holders: strings(&["STOCK-JPN"]),
            tolerance: 0.05,
            window: Window {
                months: 6.0,
                keep_policies: false,
            },
            set,
        },
        &SolveOptions::default(),
        &|_| {},
    )
    .expect("sized");
    assert_eq!(sized.commodities.len(), 2);
    for c in &sized.commodities {
        let k = &c.sizing;
        let total: f64 = k.holders.iter().map(|h| h.stock).sum();
        assert_close("sum of the split", total, k.required);
        assert!(k.sharing.joint <= k.sharing.separate + 1e-6, "{k:?}");
        for h in &k.holders {
            assert!(h.min - 1e-6 <= h.stock && h.stock <= h.max + 1e-6, "{h:?}");
            if h.stock > 0.0 {
                assert!(!h.binding.is_empty(), "{h:?}");
            }
        }
        assert!(k.required > 0.0, "{k:?}");
    }
}

// ---- the command line ----

fn sourcemix() -> Command {
    let mut cmd = Command::cargo_bin("sourcemix").expect("the sourcemix binary is built");
    cmd.current_dir(root());
    cmd
}

fn output(args: &[&str]) -> (Option<i32>, String, String) {
    let out = sourcemix().args(args).output().expect("sourcemix runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BASE: [&str; 6] = [
    "stockpile",
    HAND,
    "--protect",
    "CON-A,CON-B",
    "--holders",
    "STOCK-H",
];

fn ok(extra: &[&str]) -> String {
    let args: Vec<&str> = BASE.iter().chain(extra).copied().collect();
    let (code, out, err) = output(&args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    out
}

#[test]
fn cli_table_json_and_csv_agree() {
    let table = ok(&[]);
    assert!(table.contains("required stock 40.00"), "{table}");
    assert!(
        table.contains("joint 40.00 t beside separate 70.00 t: saves 30.00 t (15,000.00 USD)"),
        "{table}"
    );
    let json: Value = serde_json::from_str(&ok(&["--format", "json"])).expect("JSON");
    assert_eq!(json["months"], 6.0);
    let k = &json["commodities"][0];
    assert_eq!(k["commodity"], "k");
    assert_eq!(k["required"], 40.0);
    assert_eq!(k["sharing"]["separate"], 70.0);
    assert_eq!(k["holders"][0]["holder"], "STOCK-H");
    let csv = ok(&["--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("commodity,holder,stock,min,max,value,binding")
    );
    assert_eq!(
        lines.next(),
        Some("k,STOCK-H,40.0,40.0,40.0,20000.0,XXX mining export-ban;XXX mining outage;YYY mining export-ban;YYY mining outage")
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn cli_out_writes_every_file_and_is_deterministic() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("stock");
    let out_s = out.to_string_lossy().into_owned();
    ok(&["--out", &out_s]);
    let mut names: Vec<String> = fs::read_dir(&out)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = sourcemix::report::stockpile::OUT_FILES.to_vec();
    expected.sort();
    assert_eq!(names, expected);
    let first: Vec<Vec<u8>> = expected
        .iter()
        .map(|f| fs::read(out.join(f)).expect("read"))
        .collect();
    let parsed: Stockpile = serde_json::from_slice(
        &first[expected
            .iter()
            .position(|f| *f == "stockpile.json")
            .expect("json")],
    )
    .expect("stockpile.json parses");
    assert_close("required", parsed.commodities[0].sizing.required, 40.0);
    // Written again over itself: byte-identical. Over a foreign file: exit 4, untouched.
    ok(&["--out", &out_s]);
    for (f, bytes) in expected.iter().zip(&first) {
        assert_eq!(&fs::read(out.join(f)).expect("read"), bytes, "{f} changed");
    }
    fs::write(out.join("notes.txt"), "mine").expect("write");
    let args: Vec<&str> = BASE.iter().copied().chain(["--out", &out_s]).collect();
    let (code, _, err) = output(&args);
    assert_eq!(code, Some(4), "{err}");
    assert!(out.join("notes.txt").exists());
}

#[test]
fn cli_bad_values_are_usage_errors() {
    for (extra, message) in [
        (&["--tolerance", "1.5"][..], "--tolerance 1.5"),
        (&["--tolerance", "-0.1"], "--tolerance -0.1"),
        (&["--months", "0"], "number of months in (0, 120]"),
        (&["--months=-3"], "number of months in (0, 120]"),
        (&["--months", "121"], "number of months in (0, 120]"),
    ] {
        let args: Vec<&str> = BASE.iter().chain(extra).copied().collect();
        let (code, _, err) = output(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    // --protect and --holders are required.
    let (code, _, err) = output(&["stockpile", HAND, "--holders", "STOCK-H"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn cli_names_that_do_not_fit_the_model_are_all_reported() {
    let (code, _, err) = output(&[
        "stockpile",
        HAND,
        "--protect",
        "CON-A,CON-C,REC-X",
        "--holders",
        "STOCK-H,STOCK-Q,REC-Y,STOCK-Z",
        "--country",
        "ZZZ",
        "--commodity",
        "kk",
    ]);
    assert_eq!(code, Some(2), "{err}");
    for message in [
        "unknown protected consumer \"CON-C\"",
        "did you mean \"CON-A\"",
        "protected consumer \"REC-X\" is a recycler, not a consumer",
        "unknown holder \"STOCK-Q\"",
        "holder \"REC-Y\" is a recycler, not a stockpile",
        "holder \"STOCK-Z\" has no route to any protected consumer (CON-A)",
        "unknown country \"ZZZ\"",
        "unknown commodity \"kk\"",
    ] {
        assert!(err.contains(message), "missing {message:?} in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    // A model that does not load: exit 1.
    let (code, _, err) = output(&[
        "stockpile",
        "no/such/model",
        "--protect",
        "A",
        "--holders",
        "B",
    ]);
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn cli_output_does_not_depend_on_the_row_order_of_the_files() {
    // Every CSV's rows reversed (header kept): byte-identical JSON.
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("reversed");
    fs::create_dir(&dir).expect("mkdir");
    for entry in fs::read_dir(root().join(HAND)).expect("model dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        let text = fs::read_to_string(&path).expect("read");
        let text = if path.extension().is_some_and(|e| e == "csv") {
            let mut lines: Vec<&str> = text.lines().collect();
            lines[1..].reverse();
            lines.join("\n") + "\n"
        } else {
            text
        };
        fs::write(dir.join(name), text).expect("write");
    }
    let json = |model: &str| {
        let (code, out, err) = output(&[
            "stockpile",
            model,
            "--protect",
            "CON-B,CON-A",
            "--holders",
            "STOCK-H,STOCK-A2",
            "--tolerance",
            "0.02",
            "--format",
            "json",
        ]);
        assert_eq!(code, Some(0), "{err}");
        out
    };
    let reversed = dir.to_string_lossy().into_owned();
    assert_eq!(json(HAND), json(&reversed));
}
