//! A batch of multi-period runs (issue 10 section 3): the comparison
//! compares discounted total cost, investment (present value) by commodity
//! and unmet demand by period; runs of one year keep their columns.

#[path = "support/horizon_model.rs"]
mod horizon_model;

use sourcemix::batch::comparison::{self, RunRecord, RunReport, RunStatus};

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
    assert_eq!(
        table[0],
        [
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
            "binding_policies"
        ]
    );
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
