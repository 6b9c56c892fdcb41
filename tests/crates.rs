//! Crate fixtures: each directory of `fixtures/crates/` is linted as one run, as a user would
//! lint a checkout. Lines that must fire end in `//~ <rule>` in any of its files; every other
//! line must stay quiet.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

type Finding = (PathBuf, usize, String);

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn expected(dir: &Path) -> BTreeSet<Finding> {
    let mut files = Vec::new();
    rs_files(dir, &mut files);
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("//~ ") {
                for rule in line[pos + 4..].split([',', ' ']).filter(|s| !s.is_empty()) {
                    out.insert((file.clone(), i + 1, rule.to_string()));
                }
            }
        }
    }
    out
}

/// Every finding of a run over `dir`, with its message.
fn lint(dir: &Path) -> Vec<(Finding, String)> {
    let engine = async_lint::Engine::new(async_lint::rules::ALL.to_vec());
    let report = engine.lint_paths(&[dir.to_path_buf()]);
    let errors: Vec<String> = report.errors().map(|(p, e)| format!("{}: {e}", p.display())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    report
        .diagnostics()
        .map(|(file, d)| {
            (
                (file.path.clone(), d.line, d.diagnostic.rule.to_string()),
                d.diagnostic.message.clone(),
            )
        })
        .collect()
}

fn check(dir: &Path) -> Result<(), String> {
    let want = expected(dir);
    let found = lint(dir);
    let got: BTreeSet<Finding> = found.iter().map(|(f, _)| f.clone()).collect();
    let mut problems = Vec::new();
    for (path, line, rule) in want.difference(&got) {
        problems.push(format!("{}:{line}: expected `{rule}`, got nothing", path.display()));
    }
    for (path, line, rule) in got.difference(&want) {
        let message = &found
            .iter()
            .find(|(f, _)| f == &(path.clone(), *line, rule.clone()))
            .unwrap()
            .1;
        problems.push(format!("{}:{line}: unexpected `{rule}`: {message}", path.display()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_crate_fixture() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures/crates")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 12, "the crate fixtures are there");
    let failures: Vec<String> = dirs.iter().filter_map(|d| check(d).err()).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The message names the chain from the called fn to the call that blocks.
#[test]
fn a_finding_shows_the_chain_to_the_blocking_call() {
    let found = lint(Path::new("fixtures/crates/depth"));
    let executor = found
        .iter()
        .find(|((_, _, rule), _)| rule == "block_on_in_async")
        .map(|(_, m)| m.as_str())
        .unwrap();
    assert!(
        executor.starts_with("`a` blocks the executor: it calls `b` → `c` → `d` → "),
        "{executor}"
    );
    assert!(executor.contains("block_on"), "{executor}");
    assert!(executor.contains("steps.rs:18)"), "{executor}");
    // The file I/O finding cites the first read, a different call of the same fn.
    let io = found
        .iter()
        .find(|((_, _, rule), _)| rule == "blocking_call_in_async")
        .map(|(_, m)| m.as_str())
        .unwrap();
    assert!(io.contains("std::fs::read"), "{io}");
}

/// A `crate::` entry of `blocking-calls` names the crate's own fn by its resolved path, and its
/// callers' callers learn of it too.
#[test]
fn configured_crate_paths_name_the_crates_own_fns() {
    let t = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = t.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[package]\nname = \"cfgt\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        "async-lint.toml",
        "blocking-calls = [{ path = \"crate::storage::sync::read\" }]\n",
    );
    write(
        "src/lib.rs",
        "pub mod storage;\nuse storage::sync::read as load;\npub async fn a() {\n    load();\n    helper();\n    storage::quick();\n}\nfn helper() {\n    storage::sync::read();\n}\n",
    );
    write("src/storage/mod.rs", "pub mod sync;\npub fn quick() {}\n");
    write("src/storage/sync.rs", "pub fn read() -> u32 {\n    7\n}\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_async-lint"))
        .args(["--no-cache", "--format", "json", "."])
        .current_dir(t.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(u64, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string()))
        .collect();
    let lines: Vec<u64> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![4, 5], "{found:?}");
    assert!(found[1].1.contains("it calls `read`, listed as blocking"), "{found:?}");
}
