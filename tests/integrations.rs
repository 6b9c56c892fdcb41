//! Where users run it: SARIF for code scanning, GitHub annotations, cargo's JSON for
//! rust-analyzer, cargo workspaces through the real `cargo async-lint`, and `--with-check`.

mod common;

use common::{run, write};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CARGO_BIN: &str = env!("CARGO_BIN_EXE_cargo-async-lint");

const SLEEP: &str = "pub async fn handler() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n";
const BLOCK_ON: &str = "pub async fn worker() {\n    futures::executor::block_on(work());\n}\n";

fn sarif_schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap()).unwrap()
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn sarif_validates_against_the_schema() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "src/lib.rs", SLEEP);
    // A path that needs escaping in a URI, findings with secondary locations, and a file error.
    write(p, "src/odd dir/ünï #1.rs", BLOCK_ON);
    write(p, "src/broken.rs", "fn (");
    let out = run(p, &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2), "a file error still gives exit 2");
    let sarif = stdout_json(&out);
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles offline");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), async_lint::rules::ALL.len());
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"src/lib.rs"), "{uris:?}");
    assert!(uris.contains(&"src/odd%20dir/%C3%BCn%C3%AF%20%231.rs"), "{uris:?}");
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
        assert_eq!(r["relatedLocations"][0]["message"]["text"], "async context starts here");
    }
    let sleep = results
        .iter()
        .find(|r| r["ruleId"] == "blocking_call_in_async")
        .unwrap();
    let region = &sleep["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(5))
    );
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
    let note = &run0["invocations"][0]["toolExecutionNotifications"][0];
    assert!(note["message"]["text"].as_str().unwrap().contains("could not parse"));
    // The schema really checks: a broken document is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_fingerprints_survive_moved_lines() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    let fingerprints = |dir: &Path| -> Vec<String> {
        let sarif = stdout_json(&run(dir, &["--format", "sarif"]));
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["asyncLintFingerprint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    write(p, "src/lib.rs", SLEEP);
    let before = fingerprints(p);
    write(p, "src/lib.rs", format!("//! Docs.\n\nuse std::fmt;\n\n{SLEEP}"));
    assert_eq!(fingerprints(p), before);
    write(p, "src/lib.rs", SLEEP.replace("handler", "other_handler"));
    assert_ne!(fingerprints(p), before, "a finding in another fn is another finding");
}

#[test]
fn github_annotations_escape_paths_and_messages() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "a,b:c/100%.rs", SLEEP);
    write(
        p,
        "a,b:c/multi.rs",
        "async fn f() {\n    std::thread::sleep(\n        D,\n    );\n}\n",
    );
    write(p, "a,b:c/bad.rs", "fn (");
    let out = run(p, &["--format", "github", "a,b:c"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "::warning file=a%2Cb%3Ac/100%25.rs,line=2,endLine=2,col=5,endColumn=60,\
         title=async-lint blocking_call_in_async::`std::thread::sleep` blocks the executor thread inside async code\
         %0Ahelp: use `tokio::time::sleep(duration).await`"
    );
    // A finding over several lines carries no columns; GitHub rejects them there.
    assert!(
        lines[1].starts_with("::warning file=a%2Cb%3Ac/multi.rs,line=2,endLine=4,title="),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("::error file=a%2Cb%3Ac/bad.rs,title=async-lint%3A file not linted::could not parse"));
    assert_eq!(out.status.code(), Some(2));
}

fn gitlab_report(dir: &Path) -> Vec<Value> {
    stdout_json(&run(dir, &["--format", "gitlab"]))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn gitlab_code_quality_report() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "src/lib.rs", format!("{SLEEP}{}", SLEEP.replace("handler", "h2")));
    let issues = gitlab_report(p);
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["check_name"], "blocking_call_in_async");
    assert_eq!(issues[0]["location"]["path"], "src/lib.rs");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 2);
    assert_eq!(issues[0]["severity"], "major");
    assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
}

/// A two-member workspace with a finding in each member.
fn workspace() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    for (name, body) in [("api", SLEEP), ("jobs", BLOCK_ON)] {
        write(
            p,
            &format!("crates/{name}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        write(p, &format!("crates/{name}/src/lib.rs"), body);
    }
    write(p, "crates/jobs/tests/it.rs", BLOCK_ON);
    t
}

/// `cargo async-lint ARGS` with the built subcommand first on PATH, as after `cargo install`.
fn cargo_async_lint(dir: &Path, args: &[&str]) -> Output {
    let bin_dir = Path::new(CARGO_BIN).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .arg("async-lint")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("cargo runs")
}

fn metadata_ids(dir: &Path) -> Vec<(String, String)> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(dir)
        .output()
        .unwrap();
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn json_paths(out: &Output) -> Vec<String> {
    let doc = stdout_json(out);
    let mut v: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn cargo_subcommand_selects_workspace_packages() {
    let t = workspace();
    let p = t.path();
    let all = [
        "crates/api/src/lib.rs",
        "crates/jobs/src/lib.rs",
        "crates/jobs/tests/it.rs",
    ];
    // At a virtual workspace's root cargo picks every member, and so do we.
    assert_eq!(json_paths(&cargo_async_lint(p, &["--format", "json"])), all);
    assert_eq!(
        json_paths(&cargo_async_lint(p, &["--workspace", "--format", "json"])),
        all
    );
    assert_eq!(
        json_paths(&cargo_async_lint(p, &["-p", "api", "--format", "json"])),
        ["crates/api/src/lib.rs"]
    );
    assert_eq!(
        json_paths(&cargo_async_lint(
            p,
            &["--workspace", "--exclude", "api", "--format", "json"]
        )),
        ["crates/jobs/src/lib.rs", "crates/jobs/tests/it.rs"]
    );
    // Inside a member, the member.
    assert_eq!(
        json_paths(&cargo_async_lint(&p.join("crates/jobs/src"), &["--format", "json"])),
        ["../src/lib.rs", "../tests/it.rs"]
    );
    // --manifest-path from anywhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = p.join("crates/api/Cargo.toml");
    let out = cargo_async_lint(
        elsewhere.path(),
        &["--manifest-path", manifest.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(json_paths(&out).len(), 1);
    // Unknown packages are an error, as in cargo.
    let out = cargo_async_lint(p, &["-p", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("package `nope` is not a member"));
    // Human output is grouped by package.
    let out = cargo_async_lint(p, &["--color", "never"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let api = text.find("package `api`: 1 finding(s)").expect("api header");
    let jobs = text.find("package `jobs`: 2 finding(s)").expect("jobs header");
    assert!(
        api < jobs && text[api..jobs].contains("crates/api/src/lib.rs"),
        "{text}"
    );
}

#[test]
fn cargo_json_lines_carry_the_right_package() {
    let t = workspace();
    let p = t.path();
    let ids = metadata_ids(p);
    let out = cargo_async_lint(p, &["--workspace", "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(line["reason"], "compiler-message");
        let file = line["message"]["spans"][0]["file_name"].as_str().unwrap();
        let owner = if file.starts_with("crates/api/") { "api" } else { "jobs" };
        let id = &ids.iter().find(|(n, _)| n == owner).unwrap().1;
        assert_eq!(line["package_id"].as_str(), Some(id.as_str()), "{file}");
        assert!(
            line["manifest_path"]
                .as_str()
                .unwrap()
                .ends_with(&format!("crates/{owner}/Cargo.toml"))
        );
        let message = &line["message"];
        assert!(message["code"]["code"].as_str().unwrap().starts_with("async_lint::"));
        assert!(message["rendered"].as_str().unwrap().contains(file));
        let span = &message["spans"][0];
        assert_eq!(span["is_primary"], true);
        assert_eq!(span["line_start"], 2);
        assert!(span["text"][0]["text"].as_str().unwrap().starts_with("    "));
        assert_eq!(message["children"][0]["level"], "help");
    }
    // The integration test file belongs to the `it` test target, the rest to the library.
    let it = lines
        .iter()
        .find(|l| l["message"]["spans"][0]["file_name"] == "crates/jobs/tests/it.rs")
        .unwrap();
    assert_eq!(it["target"]["kind"][0], "test");
    assert_eq!(it["target"]["name"], "it");
    let lib = lines
        .iter()
        .find(|l| l["message"]["spans"][0]["file_name"] == "crates/jobs/src/lib.rs")
        .unwrap();
    assert_eq!(lib["target"]["kind"][0], "lib");
    // A rewrite comes with its applicability: `block_on(work())` -> `work().await`.
    let child = &lib["message"]["children"][0]["spans"][0];
    assert_eq!(child["suggested_replacement"], "work().await");
    assert_eq!(child["suggestion_applicability"], "MaybeIncorrect");
}

#[test]
fn with_check_passes_cargo_output_through_byte_for_byte() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    // One target, so cargo's message order cannot vary between runs.
    write(
        p,
        "Cargo.toml",
        "[package]\nname = \"warns\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\ntest = false\ndoctest = false\n",
    );
    write(
        p,
        "src/lib.rs",
        "pub fn unused() {\n    let x = 1;\n}\n\npub async fn handler() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n",
    );
    // Sources older than the build, so cargo's mtime check sees them as unchanged between runs.
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for f in ["Cargo.toml", "src/lib.rs"] {
        std::fs::File::options()
            .write(true)
            .open(p.join(f))
            .unwrap()
            .set_modified(past)
            .unwrap();
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let check = |args: &[&str]| {
        Command::new(&cargo)
            .args(args)
            .current_dir(p)
            .env("CARGO_TARGET_DIR", p.join("target"))
            .output()
            .unwrap()
    };
    // Build once; the next runs replay the cached warning the same way.
    check(&["check", "--message-format", "json", "--all-targets"]);
    let expected = check(&["check", "--message-format", "json", "--all-targets"]).stdout;
    assert!(String::from_utf8_lossy(&expected).contains("unused variable: `x`"));
    let out = cargo_async_lint(p, &["--message-format", "json", "--with-check"]);
    assert_eq!(out.status.code(), Some(1));
    // cargo checks the library in two modes in parallel, so the order of their messages may
    // differ between runs; every line must come through unchanged, before ours.
    let sorted = |bytes: &[u8]| {
        let mut v: Vec<Vec<u8>> = bytes.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        v.sort();
        v
    };
    assert!(out.stdout.len() > expected.len());
    let (theirs, rest) = out.stdout.split_at(expected.len());
    assert_eq!(
        sorted(theirs),
        sorted(&expected),
        "cargo's lines first, byte for byte:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let ours: Vec<Value> = String::from_utf8(rest.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["message"]["code"]["code"], "async_lint::blocking_call_in_async");
    // --with-check needs cargo's format.
    assert_eq!(run(p, &["--with-check"]).status.code(), Some(2));
}

#[test]
fn named_files_see_their_crate() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(
        p,
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        p,
        "src/config.rs",
        "pub fn load() -> String {\n    std::fs::read_to_string(\"app.toml\").unwrap()\n}\n",
    );
    write(
        p,
        "src/handlers.rs",
        "pub async fn index() {\n    let _cfg = crate::config::load();\n}\n",
    );
    write(p, "src/other.rs", SLEEP);
    write(p, "src/lib.rs", "pub mod config;\npub mod handlers;\npub mod other;\n");
    // As pre-commit calls it: one changed file. The blocking `load` is in a file not named.
    let out = run(p, &["--format", "json", "src/handlers.rs"]);
    let doc = stdout_json(&out);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{doc}");
    assert_eq!(diags[0]["path"], "src/handlers.rs");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("`load` blocks the executor")
    );
    assert_eq!(doc["files_checked"], 1);
}

#[test]
fn pre_commit_manifest_describes_the_hook() {
    let text = std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap();
    for needed in [
        "- id: async-lint",
        "entry: async-lint",
        "language: rust",
        "types: [rust]",
        "require_serial: false",
    ] {
        assert!(text.contains(needed), "{needed}");
    }
    // The pre-commit end-to-end run is `.ci/pre-commit-e2e`; it must exist and be executable.
    let script = PathBuf::from(".ci/pre-commit-e2e");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert!(std::fs::metadata(&script).unwrap().permissions().mode() & 0o111 != 0);
    }
}
