//! No input, however broken, makes sourcemix panic: random edits of a valid
//! model either load (and then solve) or give diagnostics.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use sourcemix::diagnostics::Diagnostics;
use sourcemix::input::{ModelTexts, MODEL_FILES};
use sourcemix::pipeline;
use sourcemix::solve::SolveOptions;

fn base_texts() -> ModelTexts {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/stockpile-cap");
    let mut diags = Diagnostics::new();
    let texts = ModelTexts::read_dir(&dir, &mut diags);
    assert!(!diags.has_errors());
    texts
}

/// One edit: which file, where (a fraction of its length), what to do.
#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, f64, char),
    Delete(usize, f64, usize),
    DropLine(usize, f64),
    DuplicateLine(usize, f64),
    RemoveFile(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let file = 0..MODEL_FILES.len();
    let at = 0.0..1.0f64;
    let chars = prop::sample::select(vec![
        ',', '\n', '"', '-', 'x', '*', '0', '9', '.', 'e', ' ', '=', '[', ']', ';', 'é', '\u{0}',
    ]);
    prop_oneof![
        (file.clone(), at.clone(), chars).prop_map(|(f, a, c)| Edit::Insert(f, a, c)),
        (file.clone(), at.clone(), 1..5usize).prop_map(|(f, a, n)| Edit::Delete(f, a, n)),
        (file.clone(), at.clone()).prop_map(|(f, a)| Edit::DropLine(f, a)),
        (file.clone(), at).prop_map(|(f, a)| Edit::DuplicateLine(f, a)),
        file.prop_map(Edit::RemoveFile),
    ]
}

/// How an edit changes the text of one file.
type TextEdit = Box<dyn Fn(&mut String)>;

fn apply(files: &mut BTreeMap<String, Option<String>>, e: &Edit) {
    let (f, action): (usize, TextEdit) = match *e {
        Edit::Insert(f, a, c) => (
            f,
            Box::new(move |t: &mut String| {
                let i = char_boundary(t, a);
                t.insert(i, c);
            }),
        ),
        Edit::Delete(f, a, n) => (
            f,
            Box::new(move |t: &mut String| {
                let i = char_boundary(t, a);
                let end = (i..=t.len())
                    .filter(|j| t.is_char_boundary(*j))
                    .nth(n)
                    .unwrap_or(t.len());
                t.replace_range(i..end, "");
            }),
        ),
        Edit::DropLine(f, a) => (
            f,
            Box::new(move |t: &mut String| {
                let mut lines: Vec<&str> = t.lines().collect();
                if !lines.is_empty() {
                    lines.remove(((lines.len() as f64) * a) as usize % lines.len());
                }
                *t = lines.join("\n");
            }),
        ),
        Edit::DuplicateLine(f, a) => (
            f,
            Box::new(move |t: &mut String| {
                let mut lines: Vec<String> = t.lines().map(String::from).collect();
                if !lines.is_empty() {
                    let i = ((lines.len() as f64) * a) as usize % lines.len();
                    lines.insert(i, lines[i].clone());
                }
                *t = lines.join("\n");
            }),
        ),
        Edit::RemoveFile(f) => {
            files.insert(MODEL_FILES[f].to_string(), None);
            return;
        }
    };
    if let Some(Some(text)) = files.get_mut(MODEL_FILES[f]) {
        action(text);
    }
}

fn char_boundary(t: &str, a: f64) -> usize {
    let mut i = ((t.len() as f64) * a) as usize;
    while i < t.len() && !t.is_char_boundary(i) {
        i += 1;
    }
    i.min(t.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn broken_input_never_panics(edits in prop::collection::vec(edit(), 1..6)) {
        let mut texts = base_texts();
        for e in &edits {
            apply(&mut texts.files, e);
        }
        match pipeline::load(&pipeline::Request::texts(texts.clone())) {
            Ok(loaded) => {
                let nets = pipeline::networks(&loaded.model);
                let _ = pipeline::network_warnings(&loaded.model, &nets, &texts);
                let outcome = pipeline::solve(&loaded.model, nets, &SolveOptions::default()).expect("a valid model always solves");
                let report = outcome.report(&loaded.model);
                prop_assert!(report.total_cost.is_finite());
            }
            Err(diags) => {
                prop_assert!(diags.has_errors());
                // Every message names a file.
                for d in diags.errors() {
                    prop_assert!(!d.location.file.is_empty());
                }
            }
        }
    }
}
