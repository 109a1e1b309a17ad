//! The reports of a multi-period solve (issue 10 section 3): the HTML page
//! (headline, plan, limits, budgets, a Sankey per period and commodity) and
//! the Excel workbook (the sheets of `--out`'s CSV files), both
//! deterministic. tests/browser.rs opens the page in Chromium.

#[path = "support/horizon_model.rs"]
mod horizon_model;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use sourcemix::report::{html, xlsx};

/// The JSON data embedded in a page.
fn page_data(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/json\" id=\"sourcemix-data\">")
        .expect("the data element");
    let rest = &page[start..];
    let open = rest.find('>').expect("element") + 1;
    let close = rest.find("</script>").expect("closed");
    serde_json::from_str(&rest[open..close]).expect("JSON")
}

#[test]
fn the_page_shows_the_headline_the_plan_and_a_sankey_per_period() {
    let h = horizon_model::report();
    let info = html::RunInfo {
        scenarios: vec!["scenarios/<x>.toml".into()],
        parameters: Vec::new(),
    };
    let page = html::horizon_page(&h, &info);
    // The same report gives the same bytes.
    assert_eq!(page, html::horizon_page(&horizon_model::report(), &info));
    assert!(page.contains("data-page=\"horizon\""));
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains(html::GENERATOR));
    // Model text is escaped.
    assert!(page.contains("two-periods &lt;&amp;&gt;"), "escaped name");
    assert!(page.contains("scenarios/&lt;x&gt;.toml"));
    // The headline: 6 x 100 x 10 + 5 x 130 x 10 operating + 5 x 20 x 1,000
    // penalty; 30 t per year at 50 per t per year invested.
    let total = 6_000.0 + 6_500.0 + 100_000.0 + 1_500.0;
    assert!((h.total_cost - total).abs() < 1e-6, "{}", h.total_cost);
    assert!(page.contains(&format!(
        "Total cost <b>{}</b>",
        sourcemix::report::table::amount(total)
    )));
    for id in [
        "table-periods",
        "table-unmet",
        "table-investment",
        "table-max-added",
        "table-budgets",
        "table-policies",
        "table-capacities",
    ] {
        assert!(page.contains(id), "{id}");
    }
    assert!(page.contains("20.00 t of x in 2030"), "unmet by period");
    assert!(
        page.contains("<th>used 2030 (t)</th>"),
        "budget use by period"
    );
    // R1 and R2 are full in both periods (R2: 0 t in 2024, 30 added in 2030).
    assert!(
        page.contains("4 capacities are full"),
        "binding capacities by period"
    );
    let data = page_data(&page);
    assert_eq!(data["page"], "horizon");
    let periods = data["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    for (p, r) in periods.iter().zip(&h.periods) {
        assert_eq!(p["year"], r.year);
        // Each period's Sankeys are those of the single-year page.
        assert_eq!(
            p["sankeys"],
            serde_json::to_value(html::sankeys(&r.report)).unwrap()
        );
        assert_eq!(p["sankeys"].as_array().unwrap().len(), 1);
    }
    let inv = data["investment"].as_array().unwrap();
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0]["node"], "R2");
    assert_eq!(inv[0]["year"], 2030);
    assert_eq!(inv[0]["until"], 2034);
    assert!((inv[0]["added"].as_f64().unwrap() - 30.0).abs() < 1e-6);
}

#[test]
fn the_workbook_holds_the_plan_and_every_period_under_a_year_column() {
    let h = horizon_model::report();
    let bytes = xlsx::horizon_workbook(&h).expect("renders");
    assert_eq!(
        bytes,
        xlsx::horizon_workbook(&horizon_model::report()).unwrap(),
        "the same report gives the same bytes"
    );
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("a readable workbook");
    assert_eq!(
        book.sheet_names(),
        [
            "summary",
            "periods",
            "totals",
            "investment",
            "max_added",
            "budgets",
            "mix",
            "flows",
            "policies",
            "capacities"
        ]
    );
    let find = |range: &calamine::Range<Data>, key: &str| -> Vec<Data> {
        range
            .rows()
            .find(|r| r[0] == Data::String(key.into()))
            .unwrap_or_else(|| panic!("row {key}"))
            .to_vec()
    };
    let summary = book.worksheet_range("summary").unwrap();
    assert_eq!(
        find(&summary, "total_cost")[2],
        Data::Float(h.total_cost),
        "numbers are numbers, unrounded"
    );
    assert_eq!(
        find(&summary, "investment_cost")[2],
        Data::Float(h.investment_cost)
    );
    let periods = book.worksheet_range("periods").unwrap();
    assert_eq!(periods.height(), 3, "a header and a row per period");
    assert_eq!(periods.get((2, 0)), Some(&Data::Float(2030.0)));
    assert_eq!(
        periods.get((2, 6)),
        Some(&Data::Float(20_000.0)),
        "shortfall"
    );
    let totals = book.worksheet_range("totals").unwrap();
    assert_eq!(
        totals.get((2, 4)),
        Some(&Data::Float(20.0)),
        "unmet in 2030"
    );
    let inv = book.worksheet_range("investment").unwrap();
    assert_eq!(inv.height(), 2);
    assert_eq!(inv.get((1, 1)), Some(&Data::String("R2".into())));
    assert_eq!(inv.get((1, 6)), Some(&Data::Float(2034.0)));
    let limits = book.worksheet_range("max_added").unwrap();
    assert_eq!(limits.get((1, 5)), Some(&Data::Bool(true)), "binding");
    let budgets = book.worksheet_range("budgets").unwrap();
    let header: Vec<String> = budgets
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "kind",
            "node",
            "commodity",
            "line",
            "amount",
            "used",
            "used_2024",
            "used_2030",
            "binding",
            "shadow_price"
        ]
    );
    assert_eq!(budgets.get((1, 5)), Some(&Data::Float(1_100.0)));
    // The single-year sheets: a leading year, then the CSV's columns, every
    // period's rows in turn.
    let flows = book.worksheet_range("flows").unwrap();
    let header: Vec<String> = flows
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut want = vec!["year".to_string()];
    want.extend(
        sourcemix::report::files::FLOW_COLUMNS
            .iter()
            .map(|s| s.to_string()),
    );
    assert_eq!(header, want);
    let years: Vec<f64> = flows
        .rows()
        .skip(1)
        .map(|r| match r[0] {
            Data::Float(y) => y,
            ref other => panic!("year {other:?}"),
        })
        .collect();
    let n = |p: usize| h.periods[p].report.flows.len();
    assert_eq!(years.len(), n(0) + n(1));
    assert!(years[..n(0)].iter().all(|y| *y == 2024.0));
    assert!(years[n(0)..].iter().all(|y| *y == 2030.0));
    let mix = book.worksheet_range("mix").unwrap();
    assert!(mix
        .rows()
        .skip(1)
        .any(|r| r[0] == Data::Float(2030.0) && r[4] == Data::String("BBB".into())));
}

/// `solve --html`, `--xlsx` and `--out` on a `[periods]` model folder: the
/// page and workbook are written, the same on a second run, and the page in
/// the folder is the `--html` page.
#[test]
fn solve_writes_the_page_and_the_workbook_of_a_periods_model() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |n: usize| {
        let html = tmp.path().join(format!("r{n}.html"));
        let book = tmp.path().join(format!("r{n}.xlsx"));
        let out = tmp.path().join(format!("out{n}"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_sourcemix"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["solve", "tests/models/periods-batch", "--html"])
            .arg(&html)
            .arg("--xlsx")
            .arg(&book)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("sourcemix runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            std::fs::read(html).unwrap(),
            std::fs::read(book).unwrap(),
            out,
        )
    };
    let (page, book, out) = run(1);
    let (page2, book2, _) = run(2);
    assert_eq!(page, page2, "the same page");
    assert_eq!(book, book2, "the same workbook");
    assert_eq!(std::fs::read(out.join("report.html")).unwrap(), page);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = sourcemix::report::horizon::OUT_FILES
        .iter()
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(names, want);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("data-page=\"horizon\""));
    assert!(page.contains("Total cost <b>114,000.00</b>"));
    let mut book = Xlsx::new(Cursor::new(book)).unwrap();
    assert_eq!(book.sheet_names()[..2], ["summary", "periods"]);
    let inv = book.worksheet_range("investment").unwrap();
    assert_eq!(inv.get((1, 5)), Some(&Data::Float(30.0)));
}
