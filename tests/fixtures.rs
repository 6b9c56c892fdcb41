//! Fixture harness: `fixtures/<rule>.rs` marks every line that must fire with `//~ <rule>`;
//! every other line must stay quiet. The rendered output is compared with the blessed
//! `fixtures/<rule>.stderr` (`BLESS=1 cargo test` rewrites it).

use async_lint::FileReport;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .expect("fixtures/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    v.sort();
    v
}

/// (line, rule) pairs marked with `//~ rule[, rule]`.
fn expectations(src: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in src.lines().enumerate() {
        if let Some(pos) = line.find("//~ ") {
            for rule in line[pos + 4..].split([',', ' ']).filter(|s| !s.is_empty()) {
                out.insert((i + 1, rule.to_string()));
            }
        }
    }
    out
}

fn check(path: &Path) -> Result<(), String> {
    let src = std::fs::read_to_string(path).unwrap();
    let diags = async_lint::lint_source(&src).map_err(|e| format!("{}: {e}", path.display()))?;
    let expected = expectations(&src);
    let actual: BTreeSet<(usize, String)> = diags.iter().map(|d| (d.line, d.diagnostic.rule.to_string())).collect();
    let mut problems = Vec::new();
    for (line, rule) in expected.difference(&actual) {
        problems.push(format!("{}:{line}: expected `{rule}`, got nothing", path.display()));
    }
    for (line, rule) in actual.difference(&expected) {
        let msg = diags
            .iter()
            .find(|d| d.line == *line && d.diagnostic.rule == rule)
            .unwrap();
        problems.push(format!(
            "{}:{line}: unexpected `{rule}`: {}",
            path.display(),
            msg.diagnostic.message
        ));
    }
    let report = FileReport {
        path: path.to_path_buf(),
        diagnostics: diags,
        source: Some(src.strip_prefix('\u{feff}').unwrap_or(&src).to_string()),
        error: None,
    };
    let rendered = async_lint::render::human::render_file_to_string(&report);
    let blessed = path.with_extension("stderr");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&blessed, &rendered).unwrap();
    } else {
        match std::fs::read_to_string(&blessed) {
            Ok(old) if old == rendered => {}
            Ok(_) => problems.push(format!(
                "{}: output differs from {} (run `BLESS=1 cargo test`)",
                path.display(),
                blessed.display()
            )),
            Err(_) => problems.push(format!("{} is missing (run `BLESS=1 cargo test`)", blessed.display())),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn fixtures_match_their_markers_and_blessed_output() {
    let files = fixture_files();
    assert!(files.len() >= async_lint::rules::ALL.len());
    let failures: Vec<String> = files.iter().filter_map(|p| check(p).err()).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_fixture_has_many_positives_and_negatives() {
    for rule in async_lint::rules::ALL {
        let name = rule.meta().name;
        let src =
            std::fs::read_to_string(format!("fixtures/{name}.rs")).unwrap_or_else(|_| panic!("fixtures/{name}.rs"));
        let positives = expectations(&src).iter().filter(|(_, r)| r == name).count();
        assert!(positives >= 20, "{name}: only {positives} positive cases");
        // Negatives: fns in the fixture without any marker.
        let fns = src.matches("fn ").count();
        assert!(
            fns >= positives / 2 + 20,
            "{name}: too few negative cases ({fns} fns for {positives} positives)"
        );
    }
}
