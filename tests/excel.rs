//! Excel (docs/excel.md): the report workbook holds the report's values with
//! numbers as numbers and text never as a formula, the same report gives the
//! same bytes, and a model converted to a workbook and back solves to the
//! same report; workbook messages name `sheet!cell`; no workbook, however
//! broken, makes sourcemix panic.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use sourcemix::diagnostics::Diagnostics;
use sourcemix::input::{workbook, ModelTexts};
use sourcemix::pipeline::{self, Request};
use sourcemix::report::xlsx::{self, Cell, NumFormat, Sheet};
use sourcemix::report::{files, Report};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn flagship_dir() -> PathBuf {
    root().join("models/critical-minerals-2024")
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("a readable workbook")
}

fn solve(model: &Path) -> Report {
    let mut report = pipeline::run(&Request::folder(model))
        .unwrap_or_else(|e| panic!("{} solves: {e}", model.display()))
        .report;
    report.timings = Default::default();
    report
}

fn read_texts(model: &Path) -> ModelTexts {
    let mut diags = Diagnostics::new();
    let texts = ModelTexts::read_dir(model, &mut diags);
    assert!(!diags.has_errors(), "{diags}");
    texts
}

#[test]
fn report_workbook_holds_the_report_values_as_numbers() {
    let report = solve(&flagship_dir());
    let mut book = open(xlsx::report_workbook(&report).expect("renders"));
    assert_eq!(
        book.sheet_names(),
        ["summary", "mix", "flows", "policies", "capacities"]
    );
    let summary = book.worksheet_range("summary").expect("summary");
    assert_eq!(
        summary.get((0, 0)),
        Some(&Data::String("item".into())),
        "the header"
    );
    let total = summary
        .rows()
        .find(|r| r[0] == Data::String("total_cost".into()))
        .expect("a total_cost row");
    assert_eq!(total[2], Data::Float(report.total_cost));
    let flows = book.worksheet_range("flows").expect("flows");
    assert_eq!(flows.height(), report.flows.len() + 1);
    for (row, f) in flows.rows().skip(1).zip(&report.flows) {
        assert_eq!(row[0], Data::String(f.from.clone()));
        assert_eq!(row[3], Data::Float(f.line as f64));
        assert_eq!(row[4], Data::Float(f.amount));
    }
    let policies = book.worksheet_range("policies").expect("policies");
    for (row, p) in policies.rows().skip(1).zip(&report.policies) {
        assert_eq!(row[6], Data::Float(p.limit));
        assert_eq!(row[9], Data::Bool(p.binding));
    }
    // mix.csv and the mix sheet are the same rows.
    let csv = files::render_all(&report).expect("renders");
    let mix_csv = &csv
        .iter()
        .find(|(n, _)| *n == "mix.csv")
        .expect("mix.csv")
        .1;
    let mix = book.worksheet_range("mix").expect("mix");
    assert_eq!(
        mix.height(),
        String::from_utf8_lossy(mix_csv).lines().count()
    );
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    let first = solve(&flagship_dir());
    let mut second = solve(&flagship_dir());
    second.timings.solve = 123.0; // timings are not in the workbook
    assert_eq!(
        xlsx::report_workbook(&first).expect("renders"),
        xlsx::report_workbook(&second).expect("renders")
    );
}

/// Text that a spreadsheet would take for a formula is stored as a string.
#[test]
fn text_cells_are_never_formulas() {
    let texts = [
        "=1+1",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "=HYPERLINK(\"x\")",
    ];
    let sheet = Sheet {
        name: "s".into(),
        header: vec!["=header".into()],
        rows: texts.iter().map(|t| vec![Cell::text(t)]).collect(),
    };
    let mut book = open(xlsx::workbook(&[sheet]).expect("renders"));
    let range = book.worksheet_range("s").expect("s");
    assert_eq!(range.get((0, 0)), Some(&Data::String("=header".into())));
    for (i, t) in texts.iter().enumerate() {
        assert_eq!(range.get((i + 1, 0)), Some(&Data::String(t.to_string())));
    }
    let formulas = book.worksheet_formula("s").expect("s");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell holds a formula"
    );
    // Numbers stay numbers, with their format.
    let sheet = Sheet {
        name: "n".into(),
        header: vec!["x".into()],
        rows: vec![vec![Cell::Number(0.25, NumFormat::Share)]],
    };
    let mut book = open(xlsx::workbook(&[sheet]).expect("renders"));
    let range = book.worksheet_range("n").expect("n");
    assert_eq!(range.get((1, 0)), Some(&Data::Float(0.25)));
}

/// Folder -> workbook -> solve, and folder -> workbook -> folder -> solve:
/// the report is the same as the folder's (timings aside; the input line
/// numbers in flows and capacities are the same, as each CSV record keeps
/// its line as its row).
#[test]
fn flagship_round_trip_gives_the_same_report() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let expected = solve(&flagship_dir());
    let book = dir.path().join("flagship.xlsx");
    let bytes = workbook::write(&read_texts(&flagship_dir())).expect("converts");
    std::fs::write(&book, &bytes).expect("writes");
    let from_book = solve(&book);
    assert_eq!(
        serde_json::to_value(&from_book).unwrap(),
        serde_json::to_value(&expected).unwrap(),
        "workbook"
    );
    let back = dir.path().join("back");
    files::write_out_dir(&back, &workbook::folder_files(&read_texts(&book))).expect("writes");
    let from_back = solve(&back);
    assert_eq!(
        serde_json::to_value(&from_back).unwrap(),
        serde_json::to_value(&expected).unwrap(),
        "back to a folder"
    );
    // And the folder converts to the same workbook again.
    assert_eq!(
        workbook::write(&read_texts(&back)).expect("converts"),
        bytes
    );
}

/// The checked-in workbook is what the converter writes now, so the two
/// forms of the flagship cannot drift apart.
#[test]
fn checked_in_flagship_workbook_is_current() {
    let now = workbook::write(&read_texts(&flagship_dir())).expect("converts");
    let path = root().join("models/critical-minerals-2024.xlsx");
    let shipped = std::fs::read(&path).expect("models/critical-minerals-2024.xlsx is checked in");
    assert!(
        shipped == now,
        "{} is out of date: run `sourcemix convert models/critical-minerals-2024 --to xlsx --out models/critical-minerals-2024.xlsx`",
        path.display()
    );
}

/// A copy of the flagship workbook with `edit` applied to its texts.
fn edited_book(dir: &Path, edit: impl FnOnce(&mut ModelTexts)) -> PathBuf {
    let mut texts = read_texts(&flagship_dir());
    edit(&mut texts);
    let path = dir.join("model.xlsx");
    std::fs::write(&path, workbook::write(&texts).expect("converts")).expect("writes");
    path
}

fn errors_of(model: &Path) -> String {
    match pipeline::load(&Request::folder(model)) {
        Ok(_) => panic!("{} should not load", model.display()),
        Err(diags) => diags.to_string(),
    }
}

#[test]
fn workbook_messages_name_the_cell() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let book = edited_book(dir.path(), |t| {
        let supply = t.files.get_mut("supply.csv").unwrap().as_mut().unwrap();
        *supply = supply.replacen("MINE-AUS,lithium,82700,", "MINE-AUS,lithium,lots,", 1);
        let routes = t.files.get_mut("routes.csv").unwrap().as_mut().unwrap();
        *routes = routes.replacen("MINE-AUS,REF-CHN,", "MINE-AUS,REF-XXX,", 1);
    });
    let shown = book.display();
    let errors = errors_of(&book);
    assert!(
        errors.contains(&format!(
            "error: [{shown}]supply!C2: \"lots\" is not a number"
        )),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "error: [{shown}]routes!B2: unknown node \"REF-XXX\""
        )),
        "{errors}"
    );
    // Locations never name a CSV file (message texts may: "nodes.csv has no such id").
    assert!(!errors.contains(".csv:"), "{errors}");
}

#[test]
fn missing_sheet_and_bad_toml_are_named() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let book = edited_book(dir.path(), |t| {
        t.files.insert("demand.csv".into(), None);
        let toml = t.files.get_mut("model.toml").unwrap().as_mut().unwrap();
        toml.push_str("\nnot toml at all\n");
    });
    let shown = book.display();
    let errors = errors_of(&book);
    assert!(
        errors.contains(&format!("error: [{shown}]demand: sheet is missing")),
        "{errors}"
    );
    assert!(errors.contains(&format!("[{shown}]model!A")), "{errors}");
}

/// Every broken fixture, converted to a workbook, is refused too, and each
/// of its messages names a sheet (never a CSV file).
#[test]
fn broken_fixtures_as_workbooks_name_sheets() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("tests/broken")).expect("tests/broken") {
        let fixture = entry.expect("an entry").path();
        let mut diags = Diagnostics::new();
        let texts = ModelTexts::read_dir(&fixture, &mut diags);
        if diags.has_errors() || texts.files.values().all(Option::is_none) {
            continue; // unreadable files: nothing to convert
        }
        let Ok(bytes) = workbook::write(&texts) else {
            continue; // a CSV the converter cannot read (reported by convert)
        };
        let book = dir.path().join(format!(
            "{}.xlsx",
            fixture.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&book, bytes).expect("writes");
        let diags = match pipeline::load(&Request::folder(&book)) {
            Ok(_) => panic!("{} loads as a workbook", fixture.display()),
            Err(d) => d,
        };
        for d in diags.errors() {
            assert!(
                d.location.sheet.is_some(),
                "{}: {d} names no sheet",
                fixture.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} fixtures checked");
}

/// Broken workbooks give diagnostics, never a panic.
#[test]
fn corrupted_workbooks_never_panic() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let good = workbook::write(&read_texts(&flagship_dir())).expect("converts");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"node,commodity\n".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("report", {
            let report = solve(&root().join("models/examples/hub"));
            xlsx::report_workbook(&report).expect("renders")
        }),
    ];
    cases.push(("far-cell", {
        let mut book = rust_xlsxwriter::Workbook::new();
        for (sheet, _) in workbook::SHEETS {
            let ws = book.add_worksheet();
            ws.set_name(sheet).unwrap();
            ws.write_string(1_000_000, 16_000, "far").unwrap();
        }
        book.save_to_buffer().unwrap()
    }));
    let mut flipped = good.clone();
    for i in (100..flipped.len()).step_by(997) {
        flipped[i] ^= 0x5a;
    }
    cases.push(("flipped", flipped));
    for (name, bytes) in cases {
        let path = dir.path().join(format!("{name}.xlsx"));
        std::fs::write(&path, bytes).expect("writes");
        let errors = errors_of(&path);
        assert!(errors.contains("error: "), "{name}: {errors}");
        if name == "far-cell" {
            assert!(
                errors.contains("]routes: the sheet reaches cell"),
                "{errors}"
            );
        }
    }
}

fn sourcemix(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("sourcemix")
        .expect("the sourcemix binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("sourcemix runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr)
}

macro_rules! args {
    ($($a:expr),*) => { &[$(std::ffi::OsStr::new($a)),*] };
}

/// `convert` both ways, `solve --xlsx` and `batch --xlsx` from the command
/// line; an existing file or folder sourcemix did not write is refused (exit
/// 4) and left alone.
#[test]
fn cli_convert_and_xlsx_outputs() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let t = |name: &str| dir.path().join(name);
    let flagship = flagship_dir();
    let book = t("cm.xlsx");
    for _ in 0..2 {
        // the second time replaces the previous output
        let (code, err) = sourcemix(args!("convert", &flagship, "--to", "xlsx", "--out", &book));
        assert_eq!(code, 0, "{err}");
    }
    let shipped = std::fs::read(root().join("models/critical-minerals-2024.xlsx")).unwrap();
    assert!(std::fs::read(&book).unwrap() == shipped);

    let folder = t("cm");
    for _ in 0..2 {
        let (code, err) = sourcemix(args!("convert", &book, "--to", "csv", "--out", &folder));
        assert_eq!(code, 0, "{err}");
    }
    assert!(folder.join("routes.csv").is_file());

    // Refusals: a foreign file, a folder with a foreign file, the model workbook itself.
    std::fs::write(t("notes.xlsx"), "mine").unwrap();
    let (code, err) = sourcemix(args!(
        "convert",
        &flagship,
        "--to",
        "xlsx",
        "--out",
        &t("notes.xlsx")
    ));
    assert_eq!(code, 4, "{err}");
    assert_eq!(std::fs::read_to_string(t("notes.xlsx")).unwrap(), "mine");
    std::fs::write(folder.join("README.md"), "mine").unwrap();
    let (code, err) = sourcemix(args!("convert", &book, "--to", "csv", "--out", &folder));
    assert_eq!(code, 4, "{err}");
    assert!(folder.join("README.md").is_file());
    let (code, err) = sourcemix(args!("solve", &book, "--xlsx", &book));
    assert_eq!(code, 4, "{err}");
    assert!(
        std::fs::read(&book).unwrap() == shipped,
        "the model workbook is left alone"
    );

    let report = t("report.xlsx");
    let (code, err) = sourcemix(args!("solve", &book, "--ranges", "--xlsx", &report));
    assert_eq!(code, 0, "{err}");
    let read = open(std::fs::read(&report).unwrap());
    assert_eq!(
        read.sheet_names(),
        [
            "summary",
            "mix",
            "flows",
            "policies",
            "capacities",
            "ranges"
        ]
    );

    std::fs::write(
        t("batch.toml"),
        format!(
            "model = {:?}\n[[run]]\nname = \"base\"\nscenarios = []\n[[run]]\nname = \"capped\"\nscenarios = []\nmax_share = 0.5\n",
            root().join("models/examples/hub").display().to_string()
        ),
    )
    .unwrap();
    let comparison = t("comparison.xlsx");
    let (code, err) = sourcemix(args!(
        "batch",
        &t("batch.toml"),
        "--out",
        &t("batch-out"),
        "-j",
        "1",
        "--allow-outside",
        "--xlsx",
        &comparison
    ));
    assert_eq!(code, 0, "{err}");
    let mut read = open(std::fs::read(&comparison).unwrap());
    let range = read.worksheet_range("comparison").expect("comparison");
    assert_eq!(range.height(), 3);
    assert_eq!(range.get((1, 0)), Some(&Data::String("base".into())));
    assert!(matches!(range.get((1, 3)), Some(Data::Float(_))));
}

/// A bad cell in a workbook: exit 1, the message names the cell.
#[test]
fn cli_workbook_errors_exit_1() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let book = edited_book(dir.path(), |t| {
        let demand = t.files.get_mut("demand.csv").unwrap().as_mut().unwrap();
        *demand = demand.replacen("CON-CHN,lithium,120950,", "CON-CHN,lithium,-5,", 1);
    });
    let (code, err) = sourcemix(args!("validate", &book));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("]demand!C2: "), "{err}");
}

/// Scenarios apply to a workbook model as to its folder; `diff` names the
/// rows they change by sheet and row.
#[test]
fn scenarios_on_the_flagship_workbook() {
    let scenario = flagship_dir().join("scenarios/china-export-ban.toml");
    let with = |model: PathBuf| Request {
        scenarios: vec![pipeline::ScenarioSource::File(scenario.clone())],
        ..Request::folder(model)
    };
    let book = root().join("models/critical-minerals-2024.xlsx");
    let loaded = pipeline::load(&with(book.clone())).expect("loads");
    let first = loaded.changes.first().expect("changes").to_string();
    assert!(
        first.contains(&format!("[{}]routes!", book.display())),
        "{first}"
    );
    let mut from_book = pipeline::run(&with(book)).expect("solves").report;
    let mut from_folder = pipeline::run(&with(flagship_dir())).expect("solves").report;
    from_book.timings = Default::default();
    from_folder.timings = Default::default();
    assert_eq!(
        serde_json::to_value(&from_book).unwrap(),
        serde_json::to_value(&from_folder).unwrap()
    );
}
