//! A batch of multi-period runs (issue 10 section 3): the comparison
//! compares discounted total cost, investment (present value) by commodity
//! and unmet demand by period; runs of one year keep their columns.

#[path = "support/horizon_model.rs"]
mod horizon_model;

use sourcemix::batch::comparison::{self, RunRecord, RunReport, RunStatus};

/// The comparison's columns for runs of the two-period model (one
/// commodity `x`, periods 2024 and 2030).
const HEADER: [&str; 14] = [
    "name",
    "status",
    "error",
    "total_cost",
    "supply",
    "refining",
    "transport",
    "shortfall",
    "operating",
    "investment",
    "investment:x",
    "unmet:2024:x",
    "unmet:2030:x",
    "binding_policies",
];

fn record(name: &str, status: RunStatus) -> RunRecord {
    RunRecord {
        name: name.into(),
        status,
        error: if status == RunStatus::Ok {
            String::new()
        } else {
            "boom".into()
        },
        inputs: "h".into(),
    }
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_summary_json_of_either_kind_of_run_reads_back() {
    let h = horizon_model::report();
    let json = sourcemix::report::horizon::json(&h);
    let back: RunReport = serde_json::from_str(&json).unwrap();
    assert!(
        matches!(back, RunReport::Horizon(_)),
        "a multi-period summary"
    );
    let year = h.periods[0].report.clone();
    let json = sourcemix::report::files::json(&year);
    let back: RunReport = serde_json::from_str(&json).unwrap();
    assert!(matches!(back, RunReport::Year(_)), "a single-year summary");
}

#[test]
fn multi_period_runs_are_compared_on_discounted_cost_investment_and_unmet_by_period() {
    let h = horizon_model::report();
    let rows = vec![
        comparison::row(
            &record("base", RunStatus::Ok),
            Some(&RunReport::Horizon(Box::new(h.clone()))),
        ),
        comparison::row(&record("broken", RunStatus::Error), None),
    ];
    let csv = comparison::to_csv(&rows).unwrap();
    assert_eq!(csv, comparison::to_csv(&rows).unwrap(), "deterministic");
    let table = csv_rows(&csv);
    assert_eq!(table[0], HEADER);
    let base = &table[1];
    let num = |i: usize| base[i].parse::<f64>().unwrap();
    assert_eq!(num(3), h.total_cost, "discounted total");
    // r = 0: present values are spans x annual. 6 x 100 x 10 + 5 x 130 x 10.
    assert!((num(4) - 12_500.0).abs() < 1e-6, "supply (PV) {}", base[4]);
    assert!(
        (num(7) - 100_000.0).abs() < 1e-6,
        "shortfall (PV) {}",
        base[7]
    );
    assert_eq!(num(8), h.operating_cost);
    assert_eq!(num(9), h.investment_cost);
    assert!((num(10) - 1_500.0).abs() < 1e-6, "investment in x: 30 x 50");
    assert_eq!(num(11), 0.0, "nothing unmet in 2024");
    assert!((num(12) - 20.0).abs() < 1e-6, "20 t per year unmet in 2030");
    assert!(
        (num(4) + num(5) + num(6) + num(7) + num(9) - num(3)).abs() < 1e-6,
        "the parts add up to the total"
    );
    assert_eq!(table[2][1], "error");
    assert_eq!(table[2].len(), table[0].len());
    assert!(table[2][3..].iter().all(String::is_empty));

    // The terminal table and the batch page say the same.
    let text = comparison::render(&rows);
    assert!(text.contains("investment (PV)"), "{text}");
    assert!(
        text.contains("unmet by period (t per year): 2030 x 20.00"),
        "{text}"
    );
    let page = sourcemix::report::html::batch_page("t", &rows);
    assert!(page.contains("<th>unmet x 2030 (t)</th>"));
    assert!(page.contains("<th>investment x (PV)</th>"));
    assert!(page.contains("\"multi_period\":true"));
    // The workbook holds the same sheet.
    let book = comparison::to_xlsx(&rows).unwrap();
    assert_eq!(book, comparison::to_xlsx(&rows).unwrap());
}

#[test]
fn a_batch_of_one_year_runs_has_no_multi_period_columns() {
    let h = horizon_model::report();
    let year = h.periods[1].report.clone();
    let rows = vec![comparison::row(
        &record("one-year", RunStatus::Ok),
        Some(&RunReport::Year(Box::new(year))),
    )];
    let table = csv_rows(&comparison::to_csv(&rows).unwrap());
    assert!(table[0]
        .iter()
        .all(|h| h != "operating" && h != "investment"));
    assert!(table[0].contains(&"unmet:x".to_string()));
    let page = sourcemix::report::html::batch_page("t", &rows);
    assert!(!page.contains("\"multi_period\":true"));
}

fn periods_batch() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/models/periods-batch/batch.toml")
}

#[test]
fn a_batch_of_a_multi_period_model_writes_resumes_and_merges_its_comparison() {
    use sourcemix::batch::{self, plan};
    let tmp = tempfile::tempdir().unwrap();
    let p = plan::read_with(&periods_batch(), false).expect("the batch file reads");
    let out = tmp.path().join("out");
    let opts = batch::Options {
        out: out.clone(),
        jobs: 2,
        resume: false,
        shard: batch::Shard::WHOLE,
        progress: false,
    };
    let outcome = batch::run(&p, &opts).expect("the batch runs");
    assert_eq!((outcome.ran, outcome.failed), (3, 0));
    let csv = std::fs::read(out.join("comparison.csv")).unwrap();
    let table = csv_rows(&csv);
    assert_eq!(
        table,
        [
            HEADER.to_vec(),
            // 6 x 100 x 10 + 5 x 130 x 10 supply, 5 x 20 x 1,000 penalty,
            // 30 t per year at 100 / 10 a year for 5 years.
            vec![
                "baseline", "ok", "", "114000", "12500", "0", "0", "100000", "112500", "1500",
                "1500", "0", "20", "0"
            ],
            // 2030 demand 210: 80 t per year unmet.
            vec![
                "demand-growth",
                "ok",
                "",
                "414000",
                "12500",
                "0",
                "0",
                "400000",
                "412500",
                "1500",
                "1500",
                "0",
                "80",
                "0"
            ],
            // R1 gives 120: 120 + 30 meet 2030's 150.
            vec![
                "more-recycling",
                "ok",
                "",
                "15000",
                "13500",
                "0",
                "0",
                "0",
                "13500",
                "1500",
                "1500",
                "0",
                "0",
                "0"
            ],
        ]
        .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
    );
    for run in ["baseline", "demand-growth", "more-recycling"] {
        let dir = out.join("runs").join(run);
        for f in sourcemix::report::horizon::OUT_FILES {
            assert!(dir.join(f).is_file(), "{run}/{f}");
        }
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("<th>unmet x 2030 (t)</th>"));

    // Resumed: every run is read back from its summary.json, same bytes.
    let outcome = batch::run(
        &p,
        &batch::Options {
            resume: true,
            ..opts
        },
    )
    .unwrap();
    assert_eq!((outcome.ran, outcome.skipped), (0, 3));
    assert_eq!(std::fs::read(out.join("comparison.csv")).unwrap(), csv);
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        index
    );

    // Merged (one folder): the same comparison.
    let merged = tmp.path().join("merged");
    batch::merge(&[out], &merged).expect("merges");
    assert_eq!(std::fs::read(merged.join("comparison.csv")).unwrap(), csv);
}
