//! End-to-end tests of both binaries: exit codes, output formats and bad input.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

mod common;

use common::{run, write};
const CARGO_BIN: &str = env!("CARGO_BIN_EXE_cargo-async-lint");

const BAD: &str = "async fn handler() {\n    futures::executor::block_on(work());\n}\n";
const CLEAN: &str = "async fn handler() {\n    work().await;\n}\n";

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), doc)
}

fn error_for<'a>(doc: &'a Value, suffix: &str) -> &'a str {
    doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no error entry for {suffix}: {doc}"))["message"]
        .as_str()
        .unwrap()
}

#[test]
fn exit_codes_follow_findings() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "clean/src/lib.rs", CLEAN);
    write(t.path(), "bad/src/lib.rs", BAD);
    assert_eq!(run(t.path(), &["clean"]).status.code(), Some(0));
    assert_eq!(run(t.path(), &["bad"]).status.code(), Some(1));
    assert_eq!(run(t.path(), &["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(run(t.path(), &["does-not-exist"]).status.code(), Some(2));
}

#[test]
fn json_document_has_the_documented_shape() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "src/b.rs", BAD);
    write(t.path(), "src/a.rs", format!("// é\n{BAD}"));
    write(t.path(), "src/c.rs", CLEAN);
    let (code, doc) = json(t.path(), &["src"]);
    assert_eq!(code, 1);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["files_checked"], 3);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2);
    // Sorted by path.
    assert_eq!(diags[0]["path"], "src/a.rs");
    assert_eq!(diags[1]["path"], "src/b.rs");
    let d = &diags[1];
    assert_eq!(d["rule"], "block_on_in_async");
    assert_eq!(d["severity"], "error");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(5)));
    assert_eq!((d["end_line"].as_u64(), d["end_column"].as_u64()), (Some(2), Some(40)));
    assert!(d["help"].as_str().unwrap().contains(".await"));
    assert!(d["message"].as_str().unwrap().contains("block_on"));
}

#[test]
fn human_output_names_rule_location_and_help() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "a.rs", BAD);
    let out = run(t.path(), &["--color", "never", "a.rs"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error[block_on_in_async]:"), "{text}");
    assert!(text.contains("a.rs:2:5"), "{text}");
    assert!(text.contains("async context starts here"), "{text}");
    assert!(text.contains("help:"), "{text}");
    assert!(text.contains("found 1 error in 1 file"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes with --color never");
    let coloured = run(t.path(), &["--color", "always", "a.rs"]);
    assert!(String::from_utf8(coloured.stdout).unwrap().contains('\u{1b}'));
}

#[test]
fn list_rules_and_explain() {
    let t = tempfile::tempdir().unwrap();
    let out = run(t.path(), &["--list-rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for r in async_lint::rules::ALL {
        let line = text
            .lines()
            .find(|l| l.starts_with(r.meta().name))
            .expect("rule listed");
        assert!(line.contains(r.meta().default_severity.as_str()) && line.contains(r.meta().summary));
    }
    let out = run(t.path(), &["--explain", "sequential_awaits"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("# sequential_awaits")
    );
    let out = run(t.path(), &["--explain", "no_such_rule"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr).unwrap().contains("block_on_in_async"),
        "lists the known rules"
    );
}

#[test]
fn skips_target_and_hidden_directories_but_not_named_files() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "target/debug/gen.rs", BAD);
    write(t.path(), ".git/x.rs", BAD);
    write(t.path(), "src/ok.rs", CLEAN);
    let (code, doc) = json(t.path(), &["."]);
    assert_eq!((code, doc["files_checked"].as_u64()), (0, Some(1)));
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 0);
    let (code, _) = json(t.path(), &["target/debug/gen.rs"]);
    assert_eq!(code, 1, "a file named explicitly is linted");
}

#[test]
fn cargo_subcommand_drops_its_name_and_finds_the_package() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n");
    write(t.path(), "src/lib.rs", BAD);
    write(t.path(), "src/nested/deeper/mod.rs", CLEAN);
    let out = Command::new(CARGO_BIN)
        .args(["async-lint", "--format", "json"])
        .current_dir(t.path().join("src/nested/deeper"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["files_checked"], 2,
        "the whole package, not just the current directory"
    );
    assert_eq!(doc["diagnostics"][0]["path"], "../../../src/lib.rs");
    // Without the leading `async-lint` (run directly) it behaves the same.
    let direct = Command::new(CARGO_BIN)
        .args(["--format", "json", "src"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert_eq!(direct.status.code(), Some(1));
    // Outside any package, with no path, it says so.
    let outside = tempfile::tempdir().unwrap();
    let out = Command::new(CARGO_BIN)
        .arg("async-lint")
        .current_dir(outside.path())
        .output()
        .unwrap();
    if !outside.path().ancestors().any(|d| d.join("Cargo.toml").is_file()) {
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8(out.stderr).unwrap().contains("Cargo.toml"));
    }
}

/// Each kind of bad file yields one error entry; the good file next to it is still linted.
#[test]
fn bad_files_are_reported_and_the_rest_is_linted() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "good.rs", BAD);
    write(d, "latin1.rs", b"fn main() { let s = \"caf\xe9\"; }\n");
    write(d, "broken.rs", "fn main() {\n    let x = ;\n}\n");
    write(d, "nul.rs", "fn main() {}\0\n");
    write(
        d,
        "deep.rs",
        format!("fn f() {{ let x = {}1{}; }}", "(".repeat(100_000), ")".repeat(100_000)),
    );
    let huge = std::fs::File::create(d.join("huge.rs")).unwrap();
    huge.set_len(65 << 20).unwrap();
    std::fs::create_dir(d.join("dir.rs")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("missing.rs"), d.join("dangling.rs")).unwrap();
        std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
    }
    #[cfg(target_os = "linux")]
    std::os::unix::fs::symlink("/proc/self/mem", d.join("unreadable.rs")).unwrap();

    let (code, doc) = json(d, &["."]);
    assert_eq!(code, 2);
    assert_eq!(
        doc["diagnostics"].as_array().unwrap().len(),
        1,
        "good.rs is still linted: {doc}"
    );
    assert_eq!(doc["diagnostics"][0]["path"], "good.rs");
    assert!(error_for(&doc, "latin1.rs").contains("not valid UTF-8"));
    let broken = error_for(&doc, "broken.rs");
    assert!(
        broken.contains("could not parse") && broken.contains("line 2"),
        "{broken}"
    );
    assert!(error_for(&doc, "nul.rs").contains("could not parse"));
    assert!(error_for(&doc, "deep.rs").contains("nesting is too deep"));
    assert!(error_for(&doc, "huge.rs").contains("too large"));
    #[cfg(unix)]
    assert!(error_for(&doc, "dangling.rs").contains("dangling symlink"));
    #[cfg(target_os = "linux")]
    assert!(!error_for(&doc, "unreadable.rs").is_empty());
    // Each bad file is reported once; the directory named `dir.rs` is not a file.
    let errors = doc["errors"].as_array().unwrap();
    let mut paths: Vec<&str> = errors.iter().map(|e| e["path"].as_str().unwrap()).collect();
    let n = paths.len();
    paths.dedup();
    assert_eq!(n, paths.len(), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("dir.rs")));
    // The human format says the same on stderr.
    let out = run(d, &["."]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot lint broken.rs: could not parse"), "{stderr}");
}

#[test]
fn deep_nesting_of_every_kind_is_refused_without_overflow() {
    let n = 100_000;
    let cases = [
        ("parens", format!("fn f() {{ {}1{}; }}", "(".repeat(n), ")".repeat(n))),
        ("blocks", format!("async fn f() {}{}", "{".repeat(n), "}".repeat(n))),
        ("closures", format!("fn f() {{ let c = {}1; }}", "|| ".repeat(n))),
        ("modules", format!("{}{}", "mod a { ".repeat(n), "}".repeat(n))),
        ("types", format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n))),
        ("macros", format!("fn f() {{ m!{}{}; }}", "(".repeat(n), ")".repeat(n))),
        ("unary", format!("fn f() {{ let x = {}true; }}", "!".repeat(n))),
        ("chain", format!("fn f() {{ let x = a{}; }}", ".b()".repeat(n))),
        ("binop", format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(n))),
        // Found by fuzzing: prefix keywords and pattern bindings nest without brackets.
        ("yield", format!("fn f() {{ {}1; }}", "yield ".repeat(n))),
        ("become", format!("fn f() {{ {}1; }}", "become ".repeat(n))),
        ("box", format!("fn f() {{ let {}x = 1; }}", "box ".repeat(n))),
        ("bindings", format!("fn f() {{ let {}x = 1; }}", "a @ ".repeat(n))),
    ];
    let t = tempfile::tempdir().unwrap();
    for (name, text) in &cases {
        write(t.path(), &format!("{name}.rs"), text);
    }
    // Just under the limit parses and walks fine (on the worker's stack).
    write(
        t.path(),
        "near_limit.rs",
        format!("async fn f() {{ {}{} }}", "{".repeat(3900), "}".repeat(3900)),
    );
    let (code, doc) = json(t.path(), &["."]);
    assert_eq!(code, 2);
    for (name, _) in &cases {
        assert!(error_for(&doc, &format!("{name}.rs")).contains("nesting is too deep"));
    }
    assert_eq!(
        doc["errors"].as_array().unwrap().len(),
        cases.len(),
        "near_limit.rs lints: {doc}"
    );
}

#[test]
fn bom_crlf_tabs_and_unusual_paths_keep_columns_right() {
    let t = tempfile::tempdir().unwrap();
    let src = "\u{feff}async fn f() {\r\n\tlet _ = futures::executor::block_on(g());\r\n}\r\n";
    write(t.path(), "dir with space/ünï.rs", src);
    write(
        t.path(),
        "shebang.rs",
        format!("#!/usr/bin/env run-cargo-script\n{BAD}"),
    );
    write(t.path(), "empty.rs", "");
    let (code, doc) = json(t.path(), &["."]);
    assert_eq!(code, 1, "{doc}");
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2, "{doc}");
    let d = &diags[0];
    assert_eq!(d["path"], "dir with space/ünï.rs");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(10)));
    assert_eq!(diags[1]["path"], "shebang.rs");
    assert_eq!(diags[1]["line"], 3);
    assert_eq!(doc["files_checked"], 3);
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let t = tempfile::tempdir().unwrap();
    for i in 0..40 {
        write(t.path(), &format!("m{i}/lib.rs"), if i % 3 == 0 { BAD } else { CLEAN });
    }
    let one = run(t.path(), &["--format", "json", "-j", "1", "."]).stdout;
    let many = run(t.path(), &["--format", "json", "-j", "4", "."]).stdout;
    assert_eq!(one, many);
}

#[test]
fn sequential_awaits_stay_quiet_in_test_files() {
    let t = tempfile::tempdir().unwrap();
    let src = "async fn setup(api: &Api) -> Result<()> {\n    let a = api.alpha().await?;\n    let b = api.beta().await?;\n    Ok(())\n}\n";
    write(t.path(), "src/lib.rs", src);
    write(t.path(), "tests/it.rs", src);
    let (_, doc) = json(t.path(), &["."]);
    let paths: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["src/lib.rs"]);
}

/// Crate-wide knowledge: facts about fns in one file drive findings in another.
#[test]
fn crate_wide_knowledge_crosses_files() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "src/store.rs",
        r#"use tokio_util::sync::CancellationToken;
pub fn load_config(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}
pub fn fetch_sync(h: &tokio::runtime::Handle) -> u32 {
    h.block_on(fetch())
}
pub async fn sync_orders(db: Db) -> anyhow::Result<()> {
    db.push().await
}
pub async fn flush(db: &Db) {
    db.flush().await;
}
pub async fn reindex(db: &Db, token: CancellationToken) {
    db.reindex(token).await;
}
pub fn pure(x: u32) -> u32 {
    x + 1
}
"#,
    );
    write(
        t.path(),
        "src/app.rs",
        r#"use crate::store::*;
use tokio_util::sync::CancellationToken;
pub async fn start(db: Db, h: tokio::runtime::Handle, token: CancellationToken) {
    let cfg = load_config("app.toml");
    let n = fetch_sync(&h);
    tokio::spawn(sync_orders(db.clone()));
    flush(&db);
    reindex(&db, token.child_token()).await;
    let m = pure(n);
    token.cancelled().await;
}
pub async fn rebuild(db: Db, token: CancellationToken) {
    reindex(&db).await;
    token.cancelled().await;
}
"#,
    );
    // The crate root that makes both files one crate.
    write(t.path(), "src/lib.rs", "pub mod app;\npub mod store;\n");
    let (code, doc) = json(t.path(), &["src"]);
    assert_eq!(code, 1);
    let mut got: Vec<(String, u64, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, u64, String)> = [
        (4, "blocking_call_in_async"),
        (5, "block_on_in_async"),
        (6, "fire_and_forget_spawn"),
        (7, "unawaited_future"),
        (13, "dropped_cancellation_token"),
    ]
    .into_iter()
    .map(|(l, r)| ("src/app.rs".to_string(), l, r.to_string()))
    .collect();
    assert_eq!(got, want, "{doc}");
    let msg = doc["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("std::fs::read_to_string") && msg.contains("src/store.rs:3"),
        "{msg}"
    );
    // Linted alone, app.rs knows nothing about store.rs.
    let (code, _) = json(t.path(), &["src/app.rs"]);
    assert_eq!(code, 0);
}
