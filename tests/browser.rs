//! The HTML reports in a real browser: each kind of page (solve, batch,
//! frontier, stress, stockpile, and the report of a multi-period solve) is opened in
//! headless Chromium with the network cut off, and must load with no console
//! error and no failed request (nothing but the page itself is requested),
//! draw its charts, show a screenshot that is not blank, and, for the solve
//! report, hold a Sankey per commodity whose nodes and links are the ones
//! the JSON report's (mining, refining) pairs give.
//!
//! Without Chromium the test says it was skipped and passes; under `CI=true`
//! a missing browser is a failure (`.ci/run` installs the Debian package).
//! `SOURCEMIX_CHROMIUM` names another binary.
//!
//! The README's screenshot is made by the same code:
//! `cargo test --test browser -- --ignored flagship_screenshot`.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/horizon_model.rs"]
mod horizon_model;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sourcemix::batch::{self, plan};
use sourcemix::frontier::{self, Cap};
use sourcemix::pipeline::{self, OutDir, Request};
use sourcemix::report::html;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The browser, or `None` (after saying so) when there is none outside CI.
fn browser_binary() -> Option<PathBuf> {
    match chromium::find() {
        Some(p) => Some(p),
        None if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "CI=true but no Chromium was found: install the Debian package chromium (.ci/run does) or set SOURCEMIX_CHROMIUM"
        ),
        None => {
            // Written past the test harness's capture, so that it shows.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"browser test skipped: no Chromium found (install chromium or set SOURCEMIX_CHROMIUM; under CI=true this fails)\n",
            );
            None
        }
    }
}

/// Solves `model` with `--out dir` (which writes report.html) and returns the JSON report.
fn solve_out(model: &Path, dir: &Path, ranges: bool) -> Value {
    let request = Request {
        out: Some(OutDir {
            dir: dir.to_path_buf(),
            extra: Vec::new(),
        }),
        ranges,
        ..Request::folder(model)
    };
    pipeline::run(&request).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
    serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// What a page must do in any case: load cleanly offline and draw.
fn check_clean(b: &mut chromium::Browser, page: &Path, what: &str) -> chromium::Visit {
    let visit = b.visit(page);
    assert!(
        visit.errors.is_empty(),
        "{what}: console errors: {:#?}",
        visit.errors
    );
    assert!(
        visit.failed.is_empty(),
        "{what}: failed requests: {:#?}",
        visit.failed
    );
    let page_url = format!("file://{}", page.canonicalize().unwrap().display());
    let others: Vec<_> = visit.requests.iter().filter(|u| **u != page_url).collect();
    assert!(
        others.is_empty(),
        "{what}: requested more than the page: {others:?}"
    );
    let charts = b.eval("Number(document.body.getAttribute('data-charts'))");
    assert!(
        charts.as_f64().is_some_and(|n| n >= 1.0),
        "{what}: no chart was drawn ({charts})"
    );
    let colours = chromium::distinct_colours(&b.screenshot());
    assert!(
        colours > 100,
        "{what}: the screenshot looks blank ({colours} colours)"
    );
    let bytes = fs::metadata(page).unwrap().len();
    eprintln!(
        "{what}: {bytes} bytes, loaded and drawn in {:.0} ms, {colours} colours on screen",
        visit.load_ms
    );
    visit
}

/// The Sankeys the JSON report implies: per commodity, nodes (sorted as the
/// page sorts them) and links (source, target) -> tonnes.
type Sankey = (Vec<String>, BTreeMap<(String, String), f64>);

fn expected_sankeys(report: &Value) -> BTreeMap<String, Sankey> {
    let mut out: BTreeMap<String, Sankey> = BTreeMap::new();
    for c in report["consumers"].as_array().unwrap() {
        let k = c["commodity"].as_str().unwrap().to_string();
        let node = c["node"].as_str().unwrap().to_string();
        for p in c["pairs"].as_array().unwrap() {
            let m = format!("mine: {}", p["mining"].as_str().unwrap());
            let r = format!("ref: {}", p["refining"].as_str().unwrap());
            let x = p["amount"].as_f64().unwrap();
            let links = &mut out.entry(k.clone()).or_default().1;
            *links.entry((m, r.clone())).or_default() += x;
            *links.entry((r, node.clone())).or_default() += x;
        }
    }
    for (nodes, links) in out.values_mut() {
        let mut stage: [Vec<String>; 3] = Default::default();
        for (s, t) in links.keys() {
            for n in [s, t] {
                let i = if n.starts_with("mine: ") {
                    0
                } else if n.starts_with("ref: ") {
                    1
                } else {
                    2
                };
                if !stage[i].contains(n) {
                    stage[i].push(n.clone());
                }
            }
        }
        for s in &mut stage {
            s.sort();
            nodes.append(s);
        }
    }
    out
}

/// The Sankeys as drawn: read back from each chart's option object.
fn drawn_sankeys(b: &mut chromium::Browser) -> BTreeMap<String, Sankey> {
    let v = b.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('[id^=\"sankey-\"]')).map(function (d) {
            var s = echarts.getInstanceByDom(d).getOption().series[0];
            return { commodity: d.getAttribute('data-commodity'),
                     nodes: s.data.map(function (n) { return n.name; }),
                     links: s.links.map(function (l) { return [l.source, l.target, l.value]; }) };
         }))",
    );
    let list: Vec<Value> = serde_json::from_str(v.as_str().unwrap()).unwrap();
    list.into_iter()
        .map(|s| {
            let nodes = s["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect();
            let links = s["links"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let key = (
                        l[0].as_str().unwrap().to_string(),
                        l[1].as_str().unwrap().to_string(),
                    );
                    (key, l[2].as_f64().unwrap())
                })
                .collect();
            (s["commodity"].as_str().unwrap().to_string(), (nodes, links))
        })
        .collect()
}

fn check_sankeys(b: &mut chromium::Browser, report: &Value, what: &str) {
    let want = expected_sankeys(report);
    let got = drawn_sankeys(b);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}: one Sankey per commodity delivered"
    );
    for (k, (nodes, links)) in &want {
        let (got_nodes, got_links) = &got[k];
        assert_eq!(got_nodes, nodes, "{what} {k}: Sankey nodes");
        assert_eq!(
            got_links.keys().collect::<Vec<_>>(),
            links.keys().collect::<Vec<_>>(),
            "{what} {k}: Sankey links"
        );
        for (key, x) in links {
            let y = got_links[key];
            assert!(
                (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                "{what} {k}: link {key:?} is {y} t, the report gives {x} t"
            );
        }
    }
}

#[test]
fn every_kind_of_page_opens_offline_and_draws() {
    let Some(binary) = browser_binary() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut b = chromium::Browser::start(&binary, 1280, 900);

    // The flagship's solve report, as `solve --out` writes it.
    let flagship = tmp.path().join("flagship");
    let report = solve_out(
        &root().join("models/critical-minerals-2024"),
        &flagship,
        false,
    );
    let page = flagship.join("report.html");
    check_clean(&mut b, &page, "solve report (flagship)");
    check_sankeys(&mut b, &report, "flagship");
    let select = b.eval("document.querySelectorAll('select').length");
    assert_eq!(select.as_u64(), Some(5), "a share chart per commodity");

    // A report with share ranges (whiskers) and a per-consumer cap.
    let cap = tmp.path().join("binding-cap");
    let report = solve_out(&root().join("models/examples/binding-cap"), &cap, true);
    assert!(!report["ranges"].as_array().unwrap().is_empty());
    check_clean(
        &mut b,
        &cap.join("report.html"),
        "solve report (binding-cap, --ranges)",
    );
    check_sankeys(&mut b, &report, "binding-cap");
    let whiskers = b.eval(
        "echarts.getInstanceByDom(document.getElementById('shares-0')).getOption().series.filter(function (s) { return s.type === 'custom'; }).length",
    );
    assert!(
        whiskers.as_u64().is_some_and(|n| n >= 1),
        "ranges are drawn as whiskers"
    );

    // A batch's index.html, linking each run's report.
    let dir = tmp.path().join("batch");
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("batch.toml");
    fs::write(
        &file,
        format!(
            "model = {:?}\ndescription = \"browser test\"\n\n[[run]]\nname = \"baseline\"\nscenarios = []\n\n[[run]]\nname = \"no-caps\"\nscenarios = []\nno_policies = true\n\n[[run]]\nname = \"cap-50\"\nscenarios = []\nmax_share = 0.5\n",
            root().join("models/critical-minerals-2024").display().to_string()
        ),
    )
    .unwrap();
    let p = plan::read_with(&file, true).expect("the batch file reads");
    let out = dir.join("out");
    let opts = batch::Options {
        out: out.clone(),
        jobs: 2,
        resume: false,
        shard: batch::Shard::WHOLE,
        progress: false,
    };
    batch::run(&p, &opts).expect("the batch runs");
    let index = out.join("index.html");
    check_clean(&mut b, &index, "batch page");
    let links = b.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('a')).map(function (a) { return a.getAttribute('href'); }))",
    );
    let links: Vec<String> = serde_json::from_str(links.as_str().unwrap()).unwrap();
    assert_eq!(links.len(), 3, "a link per run: {links:?}");
    for l in &links {
        assert!(out.join(l).is_file(), "{l} exists");
    }

    // A frontier page.
    let request = frontier::Request {
        run: Request::folder(root().join("models/examples/binding-cap")),
        options: frontier::Options::new(Cap::Policy("single-country".into())),
    };
    let run = frontier::run(&request).expect("the frontier runs");
    let page = tmp.path().join("frontier.html");
    html::write_page(&page, &html::frontier_page(&run.frontier)).unwrap();
    check_clean(&mut b, &page, "frontier page");

    // A stress page and a stockpile page, through the command line.
    let cli = |args: &[&str], page: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sourcemix"))
            .current_dir(root())
            .args(args)
            .arg("--html")
            .arg(page)
            .output()
            .expect("sourcemix runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let page = tmp.path().join("stress.html");
    cli(&["stress", "tests/stress/base"], &page);
    check_clean(&mut b, &page, "stress page");
    let heatmaps = b.eval("document.querySelectorAll('[id^=\"heatmap-\"]').length");
    assert_eq!(heatmaps.as_u64(), Some(1), "a heatmap per commodity");
    let page = tmp.path().join("stockpile.html");
    cli(
        &[
            "stockpile",
            "tests/models/stockpile-sharing",
            "--protect",
            "CON-A,CON-B",
            "--holders",
            "STOCK-H",
        ],
        &page,
    );
    check_clean(&mut b, &page, "stockpile page");
    let bars = b.eval(
        "echarts.getInstanceByDom(document.getElementById('stockpile-0')).getOption().series.length",
    );
    assert_eq!(
        bars.as_u64(),
        Some(3),
        "one holder (shared) and two consumers alone (separate)"
    );

    // With JavaScript off, the flagship's summary is still there.
    b.send(
        "Emulation.setScriptExecutionDisabled",
        serde_json::json!({"value": true}),
    );
    b.load(&flagship.join("report.html"));
    // Turning scripts back on does not run the loaded page's scripts.
    b.send(
        "Emulation.setScriptExecutionDisabled",
        serde_json::json!({"value": false}),
    );
    let charts = b.eval("document.body.getAttribute('data-charts')");
    assert!(charts.is_null(), "no script ran: {charts}");
    let text = b.eval("document.body.innerText");
    let text = text.as_str().unwrap();
    assert!(
        text.contains("Total cost") && text.contains("95,240,476,824.76"),
        "the summary reads without JavaScript"
    );
}

/// The page of a multi-period solve: loads cleanly, draws the cost by
/// period, the plan (stacked bars and timeline), and one Sankey per period
/// and commodity with the nodes and links of that period's report.
#[test]
fn the_multi_period_page_opens_offline_and_draws() {
    let Some(binary) = browser_binary() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut b = chromium::Browser::start(&binary, 1280, 900);
    let h = horizon_model::report();
    let page = tmp.path().join("horizon.html");
    html::write_page(&page, &html::horizon_page(&h, &html::RunInfo::default())).unwrap();
    check_clean(&mut b, &page, "multi-period report");
    for id in ["horizon-cost", "horizon-added", "horizon-timeline"] {
        let drawn = b.eval(&format!(
            "Boolean(echarts.getInstanceByDom(document.getElementById('{id}')))"
        ));
        assert_eq!(drawn.as_bool(), Some(true), "{id} is drawn");
    }
    let bars = b.eval(
        "echarts.getInstanceByDom(document.getElementById('horizon-timeline')).getOption().series[0].data.length",
    );
    assert_eq!(bars.as_u64(), Some(1), "a timeline bar per addition");
    // Per period, the Sankeys of that period's report.
    for p in &h.periods {
        let report = serde_json::to_value(&p.report).unwrap();
        let want = expected_sankeys(&report);
        let year = b.eval(&format!(
            "JSON.stringify(Array.from(document.querySelectorAll('[id^=\"sankey-\"][data-year=\"{}\"]')).map(function (d) {{ return d.getAttribute('data-commodity'); }}))",
            p.year
        ));
        let commodities: Vec<String> = serde_json::from_str(year.as_str().unwrap()).unwrap();
        assert_eq!(
            commodities,
            want.keys().cloned().collect::<Vec<_>>(),
            "{}: a Sankey per commodity delivered",
            p.year
        );
        let links = b.eval(&format!(
            "JSON.stringify(Array.from(document.querySelectorAll('[id^=\"sankey-\"][data-year=\"{}\"]')).map(function (d) {{
                return echarts.getInstanceByDom(d).getOption().series[0].links.map(function (l) {{ return [l.source, l.target, l.value]; }});
             }}))",
            p.year
        ));
        let links: Vec<Vec<(String, String, f64)>> =
            serde_json::from_str(links.as_str().unwrap()).unwrap();
        for ((k, (_, want_links)), got) in want.iter().zip(&links) {
            assert_eq!(got.len(), want_links.len(), "{} {k}: links", p.year);
            for (source, target, value) in got {
                let x = want_links[&(source.clone(), target.clone())];
                assert!(
                    (x - value).abs() <= 1e-6 * x.abs().max(1.0),
                    "{} {k}: {source} -> {target} is {value} t, the report gives {x} t",
                    p.year
                );
            }
        }
    }
    let text = b.eval("document.body.innerText");
    assert!(text.as_str().unwrap().contains("Investment plan"));

    // The batch page of a multi-period model's runs (investment stacked on
    // the cost, unmet demand by period), linking each run's report.
    let p = plan::read_with(&root().join("tests/models/periods-batch/batch.toml"), false)
        .expect("the batch file reads");
    let out = tmp.path().join("periods-batch");
    let opts = batch::Options {
        out: out.clone(),
        jobs: 1,
        resume: false,
        shard: batch::Shard::WHOLE,
        progress: false,
    };
    batch::run(&p, &opts).expect("the batch runs");
    check_clean(&mut b, &out.join("index.html"), "batch page (multi-period)");
    let parts = b.eval(
        "echarts.getInstanceByDom(document.getElementById('batch-cost')).getOption().series.length",
    );
    assert_eq!(
        parts.as_u64(),
        Some(5),
        "four operating parts and investment"
    );
    check_clean(
        &mut b,
        &out.join("runs/baseline/report.html"),
        "a multi-period run's report",
    );
}

/// Writes docs/report-flagship.png: the top of the flagship's report.
#[test]
#[ignore = "writes docs/report-flagship.png; run on purpose"]
fn flagship_screenshot() {
    let Some(binary) = browser_binary() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("flagship");
    solve_out(&root().join("models/critical-minerals-2024"), &out, false);
    let mut b = chromium::Browser::start(&binary, 1200, 1500);
    check_clean(&mut b, &out.join("report.html"), "solve report (flagship)");
    fs::write(root().join("docs/report-flagship.png"), b.screenshot()).unwrap();
    // The time to draw it again in the same browser (ECharts parsed before).
    for _ in 0..3 {
        let visit = b.visit(&out.join("report.html"));
        eprintln!("flagship again: drawn in {:.0} ms", visit.load_ms);
    }
}
