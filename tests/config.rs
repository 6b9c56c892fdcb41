//! End-to-end tests of configuration, suppressions and baselines: a temporary project tree and
//! the real binary.

use serde_json::Value;
use std::path::Path;
use std::process::Output;

mod common;

use common::{run, write};

/// Blocks in async code: `block_on_in_async` on line 2.
const BLOCK_ON: &str = "async fn handler() {\n    futures::executor::block_on(work());\n}\n";
/// Sleeps in async code: `blocking_call_in_async` on line 2.
const SLEEP: &str = "async fn handler() {\n    std::thread::sleep(D);\n}\n";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// (exit code, [(rule, path, line, severity)]) of a JSON run.
fn findings(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String, u64, String)>) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    let code = out.status.code().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}); stdout: {} stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    let list = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().replace('\\', "/"),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, list)
}

fn rules_of(list: &[(String, String, u64, String)]) -> Vec<&str> {
    list.iter().map(|f| f.0.as_str()).collect()
}

fn project() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "src/lib.rs", BLOCK_ON);
    t
}

#[test]
fn each_location_is_found_nearest_first() {
    let t = project();
    let p = t.path();
    // Nothing configured: the default level.
    assert_eq!(findings(p, &[]).1[0].3, "error");
    // Workspace metadata in Cargo.toml.
    write(
        p,
        "Cargo.toml",
        "[workspace]\nmembers = []\n[workspace.metadata.async-lint.rules]\nblock_on_in_async = \"warn\"\n",
    );
    assert_eq!(findings(p, &[]).1[0].3, "warning");
    // The package's table beats the workspace's in the same manifest.
    write(
        p,
        "Cargo.toml",
        "[package]\nname = \"x\"\n[package.metadata.async-lint.rules]\nblock_on_in_async = \"allow\"\n\
         [workspace.metadata.async-lint.rules]\nblock_on_in_async = \"warn\"\n",
    );
    assert!(findings(p, &[]).1.is_empty());
    // `.async-lint.toml` beats Cargo.toml, `async-lint.toml` beats `.async-lint.toml`.
    write(p, ".async-lint.toml", "[rules]\nblock_on_in_async = \"warn\"\n");
    assert_eq!(findings(p, &[]).1[0].3, "warning");
    write(p, "async-lint.toml", "[rules]\nblock_on_in_async = \"deny\"\n");
    assert_eq!(findings(p, &[]).1[0].3, "error");
    // A configuration nearer the linted path wins over one further up.
    write(p, "src/async-lint.toml", "[rules]\nblock_on_in_async = \"allow\"\n");
    assert!(findings(p, &["src"]).1.is_empty());
    assert!(findings(&p.join("src"), &[]).1.is_empty());
    // --config names a file; --no-config ignores them all.
    write(p, "other.toml", "[rules]\nblock_on_in_async = \"warn\"\n");
    assert_eq!(findings(p, &["--config", "other.toml", "src"]).1[0].3, "warning");
    assert_eq!(findings(p, &["--no-config", "src"]).1[0].3, "error");
}

#[test]
fn a_manifest_without_our_table_is_passed_over() {
    let t = project();
    let p = t.path();
    write(p, "async-lint.toml", "[rules]\nblock_on_in_async = \"warn\"\n");
    // A package manifest in between without metadata, even one we cannot parse.
    write(p, "src/Cargo.toml", "[package]\nname = \"inner\"\nthis is not toml\n");
    assert_eq!(findings(p, &["src"]).1[0].3, "warning");
}

#[test]
fn command_line_beats_the_file() {
    let t = project();
    let p = t.path();
    write(p, "src/sleep.rs", SLEEP);
    write(
        p,
        "async-lint.toml",
        "[rules]\nall = \"deny\"\nblocking_call_in_async = \"allow\"\n",
    );
    let (_, list) = findings(p, &[]);
    assert_eq!(rules_of(&list), ["block_on_in_async"]);
    assert_eq!(list[0].3, "error");
    let (code, list) = findings(p, &["--allow", "block_on_in_async"]);
    assert_eq!((code, list.len()), (0, 0));
    let (_, list) = findings(p, &["--warn", "blocking_call_in_async,block_on_in_async"]);
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|f| f.3 == "warning"));
    // --deny beats --warn for a rule named by both.
    let (_, list) = findings(p, &["--warn", "block_on_in_async", "--deny", "block_on_in_async"]);
    assert_eq!(list[0].3, "error");
    // --select runs only the named rules, and turns on one the file allows.
    let (_, list) = findings(p, &["--select", "blocking_call_in_async"]);
    assert_eq!(rules_of(&list), ["blocking_call_in_async"]);
    let out = run(p, &["--deny", "no_such_rule"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown rule `no_such_rule`; known rules: all, block_on_in_async"));
}

#[test]
fn overrides_apply_by_path_in_order() {
    let t = project();
    let p = t.path();
    write(p, "tests/it.rs", SLEEP);
    write(p, "tests/slow/long.rs", BLOCK_ON);
    write(
        p,
        "async-lint.toml",
        r#"
[[overrides]]
paths = ["tests/**"]
rules = { blocking_call_in_async = "allow", block_on_in_async = "warn" }

[[overrides]]
paths = ["tests/slow"]
rules = { block_on_in_async = "allow" }
"#,
    );
    let (_, list) = findings(p, &[]);
    assert_eq!(
        list,
        [(
            "block_on_in_async".to_string(),
            "src/lib.rs".to_string(),
            2,
            "error".to_string()
        )]
    );
    // The same file reached by another path is still under the override.
    let (_, list) = findings(&p.join("tests"), &["."]);
    assert!(list.is_empty(), "{list:?}");
}

#[test]
fn every_kind_of_suppression() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        r#"
async fn end_of_line() {
    futures::executor::block_on(work()); // async-lint: allow(block_on_in_async) -- startup only
}

async fn line_above() {
    // async-lint: allow(block_on_in_async) -- startup only
    futures::executor::block_on(work());
}

#[cfg_attr(async_lint, allow(block_on_in_async))]
async fn attribute() {
    futures::executor::block_on(work());
}

async fn not_suppressed() {
    futures::executor::block_on(work());
}
"#,
    );
    write(
        p,
        "src/file.rs",
        "// async-lint: allow-file(blocking_call_in_async)\nasync fn a() { std::thread::sleep(D); }\nasync fn b() { std::thread::sleep(D); }\n",
    );
    let (_, list) = findings(p, &[]);
    assert_eq!(
        list,
        [(
            "block_on_in_async".to_string(),
            "src/lib.rs".to_string(),
            17,
            "error".to_string()
        )]
    );
}

#[test]
fn unknown_and_unused_suppressions_are_reported() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        "async fn a() {\n    work().await; // async-lint: allow(block_on_in_async)\n    work().await; // async-lint: allow(block_on_in_asink)\n}\n",
    );
    let (code, list) = findings(p, &[]);
    assert_eq!(code, 1);
    let got: Vec<(&str, u64)> = list.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(got, [("unused_suppression", 2), ("invalid_suppression", 3)]);
    // A suppression of a rule that is off here is not "unused".
    let (_, list) = findings(p, &["--allow", "block_on_in_async"]);
    assert_eq!(rules_of(&list), ["invalid_suppression"]);
    // And the suppression rules have levels like any other.
    let (code, list) = findings(p, &["--allow", "unused_suppression,invalid_suppression"]);
    assert_eq!((code, list.len()), (0, 0));
}

#[test]
fn require_reason_reports_bare_suppressions() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        "async fn a() {\n    futures::executor::block_on(w()); // async-lint: allow(block_on_in_async)\n    futures::executor::block_on(w()); // async-lint: allow(block_on_in_async) -- warms the cache\n}\n",
    );
    assert_eq!(findings(p, &[]).0, 0);
    let (code, list) = findings(p, &["--require-reason"]);
    assert_eq!(code, 1);
    let got: Vec<(&str, u64)> = list.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(got, [("invalid_suppression", 2)]);
    write(p, "async-lint.toml", "require-reason = true\n");
    assert_eq!(findings(p, &[]).1.len(), 1);
}

#[test]
fn own_blocking_calls_and_executors_are_caught() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        r#"
use legacy_db::query_sync as q;

async fn handler(db: &Db) {
    q("select 1");
    db.fetch_blocking();
    storage::sync::read_all();
    crate::rt::run_sync(work());
}

fn load() -> Vec<u8> {
    legacy_db::query_sync("select 2")
}

async fn caller() {
    let _ = load();
}
"#,
    );
    write(
        p,
        "async-lint.toml",
        r#"
blocking-calls = [
    { path = "legacy_db::query_sync", use-instead = "legacy_db::query" },
    { path = "crate::storage::sync::*" },
    { method = "fetch_blocking" },
]
executor-entry-points = ["crate::rt::run_sync"]
"#,
    );
    let (_, list) = findings(p, &[]);
    let got: Vec<(&str, u64)> = list.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(
        got,
        [
            ("blocking_call_in_async", 5),
            ("blocking_call_in_async", 6),
            ("blocking_call_in_async", 7),
            ("block_on_in_async", 8),
            ("blocking_call_in_async", 16),
        ]
    );
    let out = run(p, &["--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("help: use `legacy_db::query` instead"), "{text}");
    assert!(
        text.contains("`load` blocks the executor: it calls `legacy_db::query_sync`"),
        "{text}"
    );
    // Without the configuration none of these is known.
    assert!(findings(p, &["--no-config"]).1.is_empty());
}

#[test]
fn own_insulating_wrappers_spawners_locks_and_tokens() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        r#"
use crate::shutdown::StopToken;

async fn offloaded() {
    crate::pool::offload(|| std::thread::sleep(D)).await;
}

async fn detached() {
    crate::tasks::spawn_detached(async { save().await?; Ok::<_, Error>(()) });
}

async fn guard(m: &crate::sync::FairMutex<u8>) {
    let g = m.lock();
    tick().await;
    drop(g);
}

async fn idle(stop: StopToken) {
    tick().await;
}
"#,
    );
    let (_, list) = findings(p, &["--no-config"]);
    assert_eq!(rules_of(&list), ["blocking_call_in_async"], "{list:?}");
    write(
        p,
        "async-lint.toml",
        r#"
insulating-wrappers = ["crate::pool::offload"]
spawners = ["crate::tasks::spawn_detached"]
lock-types = ["crate::sync::FairMutex"]
token-types = ["crate::shutdown::StopToken"]
"#,
    );
    let (_, list) = findings(p, &[]);
    let got: Vec<(&str, u64)> = list.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(
        got,
        [
            ("fire_and_forget_spawn", 9),
            ("lock_across_await", 13),
            ("dropped_cancellation_token", 18),
        ]
    );
}

#[test]
fn bad_configs_fail_fast_with_file_and_line() {
    let t = project();
    let p = t.path();
    let cases = [
        ("[rules\nblock_on_in_async = \"deny\"\n", "async-lint.toml:1:"),
        ("exclude = \"tests\"\n", "async-lint.toml:1:11: invalid type"),
        (
            "[rules]\nblock_on_in_asink = \"deny\"\n",
            "async-lint.toml:2:1: unknown rule `block_on_in_asink`; known rules: all, block_on_in_async",
        ),
        (
            "[rules]\nblock_on_in_async = \"error\"\n",
            "async-lint.toml:2:21: unknown variant `error`, expected one of `allow`, `warn`, `deny`",
        ),
        (
            "colour = true\n",
            "async-lint.toml:1:1: unknown field `colour`, expected one of",
        ),
        (
            "blocking-calls = [{ path = \"a::b\", method = \"c\" }]\n",
            "needs exactly one of `path` or `method`",
        ),
        ("exclude = [\"src/[\"]\n", "invalid glob `src/[`"),
        (
            "[[overrides]]\npaths = [\"tests/**\"]\nrules = { nope = \"allow\" }\n",
            "async-lint.toml:3:11: unknown rule `nope`",
        ),
    ];
    for (text, expected) in cases {
        write(p, "async-lint.toml", text);
        let out = run(p, &["--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(out.stdout.is_empty(), "nothing is linted for {text:?}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{text:?}: {err}");
    }
    // The same in Cargo.toml metadata points into Cargo.toml.
    std::fs::remove_file(p.join("async-lint.toml")).unwrap();
    write(
        p,
        "Cargo.toml",
        "[package]\nname = \"x\"\n\n[package.metadata.async-lint.rules]\nblock_on_in_asink = \"deny\"\n",
    );
    let out = run(p, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Cargo.toml:5:1: unknown rule `block_on_in_asink`"),
        "{}",
        stderr(&out)
    );
    let out = run(p, &["--config", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read missing.toml"));
}

#[test]
fn gitignore_include_and_exclude_choose_the_files() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    std::fs::create_dir(p.join(".git")).unwrap();
    write(p, ".gitignore", "/generated/\n*.gen.rs\n!keep.gen.rs\n");
    write(p, "src/lib.rs", BLOCK_ON);
    write(p, "generated/out.rs", BLOCK_ON);
    write(p, "src/x.gen.rs", BLOCK_ON);
    write(p, "src/keep.gen.rs", BLOCK_ON);
    write(p, "src/nested/.gitignore", "local.rs\n");
    write(p, "src/nested/local.rs", BLOCK_ON);
    write(p, "src/nested/other.rs", BLOCK_ON);
    write(p, ".git/info/exclude", "scratch.rs\n");
    write(p, "src/scratch.rs", BLOCK_ON);
    let paths = |args: &[&str], dir: &Path| {
        let mut v: Vec<String> = findings(dir, args).1.into_iter().map(|f| f.1).collect();
        v.sort();
        v
    };
    assert_eq!(paths(&[], p), ["src/keep.gen.rs", "src/lib.rs", "src/nested/other.rs"]);
    // The repository's .gitignore applies when linting a subdirectory too.
    assert_eq!(
        paths(&["."], &p.join("src")),
        ["keep.gen.rs", "lib.rs", "nested/other.rs"]
    );
    assert_eq!(paths(&["--no-ignore"], p).len(), 7);
    // A file named explicitly is linted even though .gitignore lists it.
    assert_eq!(paths(&["src/x.gen.rs"], p), ["src/x.gen.rs"]);
    write(p, "async-lint.toml", "include = [\"src/**\"]\nexclude = [\"nested\"]\n");
    assert_eq!(paths(&[], p), ["src/keep.gen.rs", "src/lib.rs"]);
    // But `exclude` still applies to named files (pre-commit passes file names).
    assert!(paths(&["src/nested/other.rs"], p).is_empty());
}

#[test]
fn baseline_write_use_and_prune() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    let two =
        "async fn a() {\n    futures::executor::block_on(w());\n}\n\nasync fn b() {\n    std::thread::sleep(D);\n}\n";
    write(p, "src/lib.rs", two);
    let out = run(p, &["--write-baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(p.join("baseline.json")).unwrap();
    let doc: Value = serde_json::from_str(&written).unwrap();
    let entries = doc["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["rule"], "block_on_in_async");
    assert_eq!(entries[0]["path"], "src/lib.rs");
    assert_eq!(entries[0]["function"], "a");
    assert_eq!(entries[0]["count"], 1);
    // Writing twice gives the same bytes.
    run(p, &["--write-baseline", "baseline.json"]);
    assert_eq!(std::fs::read_to_string(p.join("baseline.json")).unwrap(), written);

    // Known findings are hidden; lines inserted above and re-indentation do not resurrect them.
    assert_eq!(findings(p, &["--baseline", "baseline.json"]), (0, vec![]));
    let moved = format!(
        "//! Docs.\n\nuse std::time::Duration;\n\n{}",
        two.replace("    futures", "        futures")
    );
    write(p, "src/lib.rs", &moved);
    assert_eq!(findings(p, &["--baseline", "baseline.json"]), (0, vec![]));
    // A new finding is reported, with exit 1.
    write(
        p,
        "src/lib.rs",
        format!("{moved}\nasync fn c() {{\n    futures::executor::block_on(x());\n}}\n"),
    );
    let (code, list) = findings(p, &["--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].2, 14);
    // A second identical finding in the same fn is new: entries are counted.
    write(
        p,
        "src/lib.rs",
        moved.replace(
            "block_on(w());",
            "block_on(w());\n    futures::executor::block_on(w());",
        ),
    );
    assert_eq!(findings(p, &["--baseline", "baseline.json"]).1.len(), 1);

    // Fixing one reports the stale entry; pruning drops it.
    write(
        p,
        "src/lib.rs",
        "async fn a() {\n    futures::executor::block_on(w());\n}\n",
    );
    let out = run(p, &["--baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("1 baseline finding(s) no longer occur"), "{err}");
    assert!(err.contains("blocking_call_in_async in src/lib.rs (b)"), "{err}");
    let out = run(p, &["--baseline", "baseline.json", "--prune-baseline"]);
    assert_eq!(out.status.code(), Some(0));
    let pruned: Value = serde_json::from_str(&std::fs::read_to_string(p.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(pruned["findings"].as_array().unwrap().len(), 1);
    assert!(!stderr(&run(p, &["--baseline", "baseline.json"])).contains("no longer occur"));

    // The baseline named in the configuration is used; a broken one fails fast.
    write(p, "async-lint.toml", "baseline = \"baseline.json\"\n");
    write(p, "src/lib.rs", two);
    assert_eq!(findings(p, &[]).1.len(), 1);
    write(p, "baseline.json", "{ not json");
    let out = run(p, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("baseline baseline.json is not valid"));
    assert_eq!(run(p, &["--prune-baseline", "--no-config"]).status.code(), Some(2));
}

#[test]
fn baseline_paths_are_relative_to_the_baseline_file() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "crate/src/lib.rs", BLOCK_ON);
    assert_eq!(
        run(p, &["--write-baseline", "crate/bl.json", "crate"]).status.code(),
        Some(0)
    );
    // Run from inside the crate: the same finding is recognised.
    assert_eq!(findings(&p.join("crate"), &["--baseline", "bl.json"]), (0, vec![]));
}

#[test]
fn explain_prints_the_effective_level() {
    let t = project();
    let p = t.path();
    let out = run(p, &["--explain", "sequential_awaits"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Effective level here: warning (the default"));
    write(p, "async-lint.toml", "[rules]\nsequential_awaits = \"allow\"\n");
    let text = String::from_utf8_lossy(&run(p, &["--explain", "sequential_awaits"]).stdout).into_owned();
    assert!(text.starts_with("# sequential_awaits"));
    assert!(text.contains("Effective level here: allow (off; "), "{text}");
}

#[test]
fn readme_configuration_example_loads_and_acts() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let chapter = &readme[readme
        .find("## Configuration")
        .expect("README has a Configuration chapter")..];
    let start = chapter.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let example = &chapter[start..start + chapter[start..].find("```").unwrap()];
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "async-lint.toml", example);
    write(p, "async-lint-baseline.json", "{\"version\": 1, \"findings\": []}\n");
    write(
        p,
        "src/lib.rs",
        "async fn a() {\n    legacy_db::query_sync(\"q\");\n    futures::executor::block_on(w()); // async-lint: allow(block_on_in_async) -- warms up\n}\n",
    );
    write(p, "src/generated/x.rs", BLOCK_ON);
    write(p, "tests/t.rs", SLEEP);
    let (code, list) = findings(p, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        list,
        [(
            "blocking_call_in_async".to_string(),
            "src/lib.rs".to_string(),
            2,
            "warning".to_string()
        )]
    );
}

#[test]
fn partial_runs_neither_report_nor_prune_other_files() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "src/a.rs", BLOCK_ON);
    write(p, "src/b.rs", SLEEP);
    assert_eq!(run(p, &["--write-baseline", "bl.json"]).status.code(), Some(0));
    // One file, as pre-commit runs it: nothing stale, and pruning keeps b.rs's entry.
    let out = run(p, &["--baseline", "bl.json", "--prune-baseline", "src/a.rs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(p.join("bl.json")).unwrap()).unwrap();
    assert_eq!(kept["findings"].as_array().unwrap().len(), 2);
    // Rules the run did not run are not stale either.
    let out = run(p, &["--baseline", "bl.json", "--select", "lock_across_await"]);
    assert!(!stderr(&out).contains("no longer occur"), "{}", stderr(&out));
}

#[test]
fn a_baseline_beside_the_tree_uses_relative_paths() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "src/lib.rs", BLOCK_ON);
    std::fs::create_dir(p.join("ci")).unwrap();
    assert_eq!(run(p, &["--write-baseline", "ci/bl.json"]).status.code(), Some(0));
    let text = std::fs::read_to_string(p.join("ci/bl.json")).unwrap();
    assert!(text.contains("\"path\": \"../src/lib.rs\""), "{text}");
    // The same checkout elsewhere (another machine, another CI directory) still matches.
    let copy = tempfile::tempdir().unwrap();
    write(copy.path(), "src/lib.rs", BLOCK_ON);
    write(copy.path(), "ci/bl.json", &text);
    assert_eq!(findings(copy.path(), &["--baseline", "ci/bl.json"]), (0, vec![]));
}

#[test]
fn reformatting_keeps_baselined_findings_known() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        "async fn a() {\n    futures::executor::block_on(work(10));\n}\n",
    );
    run(p, &["--write-baseline", "bl.json"]);
    write(
        p,
        "src/lib.rs",
        "async fn a() {\n    futures::executor::block_on(\n        work( 10 ),\n    );\n}\n",
    );
    assert_eq!(findings(p, &["--baseline", "bl.json"]), (0, vec![]));
}

#[test]
fn a_nested_repository_ignores_the_outer_gitignore() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    std::fs::create_dir(p.join(".git")).unwrap();
    write(p, ".gitignore", "*\n");
    std::fs::create_dir_all(p.join("inner/.git/info")).unwrap();
    write(p, "inner/.git/info/exclude", "skip.rs\n");
    write(p, "inner/src/lib.rs", BLOCK_ON);
    write(p, "inner/src/skip.rs", BLOCK_ON);
    let inner = p.join("inner");
    let (_, list) = findings(&inner, &[]);
    let paths: Vec<&str> = list.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(paths, ["src/lib.rs"]);
}

#[test]
fn each_file_follows_its_nearest_configuration() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "Cargo.toml",
        "[workspace]\nmembers = [\"api\", \"jobs\"]\n[workspace.metadata.async-lint.rules]\nblock_on_in_async = \"warn\"\n",
    );
    write(
        p,
        "api/Cargo.toml",
        "[package]\nname = \"api\"\n[package.metadata.async-lint.rules]\nblock_on_in_async = \"allow\"\n",
    );
    write(p, "api/src/lib.rs", BLOCK_ON);
    write(p, "jobs/Cargo.toml", "[package]\nname = \"jobs\"\n");
    write(p, "jobs/src/lib.rs", BLOCK_ON);
    // From the workspace root the member's own table still governs its files.
    let (_, list) = findings(p, &[]);
    assert_eq!(
        list,
        [(
            "block_on_in_async".to_string(),
            "jobs/src/lib.rs".to_string(),
            2,
            "warning".to_string()
        )]
    );
    // The same when both files are named, as pre-commit does.
    let (_, list) = findings(p, &["api/src/lib.rs", "jobs/src/lib.rs"]);
    assert_eq!(list.len(), 1);
    // The command line still beats every file.
    let (_, list) = findings(p, &["--deny", "block_on_in_async"]);
    assert_eq!(list.len(), 2);
    // A broken member configuration stops the run before anything is linted.
    write(p, "jobs/async-lint.toml", "[rules]\nnope = \"allow\"\n");
    let out = run(p, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("jobs/async-lint.toml:2:1: unknown rule `nope`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn crate_entries_do_not_match_same_named_fns_elsewhere() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "async-lint.toml",
        "blocking-calls = [{ path = \"crate::legacy::load_all\" }]\n",
    );
    write(
        p,
        "src/lib.rs",
        "fn load_all() {}\nasync fn a() {\n    load_all();\n    crate::legacy::load_all();\n}\n",
    );
    let (_, list) = findings(p, &[]);
    let lines: Vec<u64> = list.iter().map(|f| f.2).collect();
    assert_eq!(lines, [4]);
}

#[test]
fn more_ways_to_write_suppressions_and_flags() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "src/lib.rs",
        "#![cfg_attr(async_lint, allow(lock_across_await))]\n\
         async fn a() {\n    futures::executor::block_on(w()); // async_lint: allow(block_on_in_async) -- warm-up\n}\n\
         #[cfg_attr(async_lint, allow(blocking_call_in_async, reason = \"fixture loader\"))]\n\
         async fn b() {\n    std::thread::sleep(D);\n}\n\
         async fn c(m: &std::sync::Mutex<u8>) {\n    let g = m.lock().unwrap();\n    w().await;\n    drop(g);\n}\n",
    );
    let (code, list) = findings(p, &["--require-reason"]);
    assert_eq!((code, list.len()), (1, 1), "{list:?}");
    assert_eq!(
        list[0].0, "invalid_suppression",
        "the file-wide attribute has no reason"
    );
    // `--warn all` sets every rule; a name list may have spaces.
    write(p, "src/lib.rs", BLOCK_ON);
    assert_eq!(findings(p, &["--warn", "all"]).1[0].3, "warning");
    assert_eq!(
        findings(p, &["--select", "lock_across_await, block_on_in_async"])
            .1
            .len(),
        1
    );
}

#[test]
fn odd_directory_names_and_empty_runs() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    // A module directory named `target` is source; cargo's own `target/` is not.
    write(p, "src/target/mod.rs", BLOCK_ON);
    write(
        p,
        "target/CACHEDIR.TAG",
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    );
    write(p, "target/debug/build/out.rs", BLOCK_ON);
    write(p, "async-lint.toml", "exclude = [\"generated/\"]\n");
    write(p, "src/generated/x.rs", BLOCK_ON);
    let (_, list) = findings(p, &[]);
    let paths: Vec<&str> = list.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(paths, ["src/target/mod.rs"]);
    let out = run(p, &["src/generated"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no Rust files to lint"));
}

/// A checkout may plant a FIFO where a manifest is looked for: the run reads around it instead of
/// waiting for a writer.
#[cfg(unix)]
#[test]
fn a_fifo_named_cargo_toml_does_not_hang_the_run() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "src/lib.rs",
        "pub async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n",
    );
    let fifo = std::ffi::CString::new(t.path().join("Cargo.toml").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let mut child = std::process::Command::new(common::BIN)
        .args(["--no-cache", "--format", "json", "."])
        .current_dir(t.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the run waited on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status.code(), Some(1), "{doc}");
    assert_eq!(doc["diagnostics"][0]["rule"], "blocking_call_in_async", "{doc}");
}
