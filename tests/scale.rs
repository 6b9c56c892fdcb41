//! Large inputs, the cache and `--stats`, through the real binary.

mod common;

use common::{run, write};
use serde_json::Value;
use std::path::Path;

const BAD: &str = "async fn handler() {\n    futures::executor::block_on(work());\n}\n";

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn lines_of(doc: &Value) -> Vec<(String, u64)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn huge_files_are_linted_not_refused() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    // 20 MB in one file: many small fns, a finding at the very end.
    let unit = "pub fn helper_000000(x: u64) -> u64 {\n    let y = x.wrapping_mul(31);\n    y ^ (y >> 7)\n}\n";
    let count = 20_000_000 / unit.len();
    let mut big = String::with_capacity(20_100_000);
    for i in 0..count {
        big.push_str(&unit.replace("000000", &format!("{i:06}")));
    }
    let big_lines = big.lines().count() as u64;
    big.push_str(BAD);
    assert!(big.len() >= 20_000_000);
    write(p, "big.rs", &big);
    // One fn of 100k lines.
    let mut long = String::from("async fn long() {\n");
    for i in 0..100_000 {
        long.push_str(&format!("    let v{i} = {i};\n"));
    }
    long.push_str("    futures::executor::block_on(work());\n}\n");
    write(p, "long.rs", &long);
    // One line of 5 MB.
    let mut wide = String::from("async fn wide() { let _v = [");
    while wide.len() < 5_000_000 {
        wide.push_str("1, ");
    }
    wide.push_str("]; futures::executor::block_on(work()); }");
    write(p, "wide.rs", &wide);
    let doc = json(p, &["--no-cache"]);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{}", doc["errors"]);
    let found = lines_of(&doc);
    assert!(found.contains(&("big.rs".to_string(), big_lines + 2)), "{found:?}");
    assert!(found.contains(&("long.rs".to_string(), 100_002)), "{found:?}");
    let wide_hit = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "wide.rs")
        .expect("a finding on the 5 MB line");
    assert_eq!(wide_hit["line"], 1);
    assert!(wide_hit["column"].as_u64().unwrap() > 5_000_000);
}

#[test]
fn the_cache_gives_the_same_answers_and_follows_edits() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "Cargo.toml", "[package]\nname = \"cached\"\nversion = \"0.1.0\"\n");
    write(
        p,
        "src/config.rs",
        "pub fn load() -> String {\n    std::fs::read_to_string(\"a\").unwrap()\n}\n",
    );
    write(
        p,
        "src/lib.rs",
        "pub async fn start() {\n    let _c = crate::config::load();\n}\n",
    );
    write(p, "src/other.rs", BAD);
    let cold = json(p, &[]);
    assert!(p.join("target/async-lint/cache-v1.json").is_file());
    assert!(p.join("target/async-lint/CACHEDIR.TAG").is_file());
    let warm = run(p, &["--format", "json", "--stats"]);
    assert_eq!(serde_json::from_slice::<Value>(&warm.stdout).unwrap(), cold);
    let stats = String::from_utf8(warm.stderr).unwrap();
    assert!(stats.contains("3 files (3 from the cache)"), "{stats}");
    assert_eq!(lines_of(&cold).len(), 2);

    // The blocking helper stops blocking: the finding in the unchanged file goes away, because
    // crate-wide findings are settled against the current files on every run.
    write(p, "src/config.rs", "pub fn load() -> String {\n    String::new()\n}\n");
    let after = json(p, &["--stats"]);
    assert_eq!(lines_of(&after), [("src/other.rs".to_string(), 2)]);
    // A change of configuration that shapes the walk is not served stale results.
    write(p, "async-lint.toml", "blocking-calls = [{ path = \"String::new\" }]\n");
    let configured = json(p, &[]);
    assert!(
        lines_of(&configured).contains(&("src/lib.rs".to_string(), 2)),
        "{configured}"
    );
    // Levels apply after the cache.
    write(p, "async-lint.toml", "[rules]\nblock_on_in_async = \"allow\"\n");
    assert!(lines_of(&json(p, &[])).is_empty());
}

#[test]
fn corrupt_or_foreign_caches_are_replaced() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "src/lib.rs", BAD);
    let cache = p.join("cache/cache-v1.json");
    for junk in [
        &b"not json at all"[..],
        b"{\"format\":1,\"tool\":\"0.0.0-other\",\"entries\":[]}",
        b"{\"format\":1,\"tool\":\"\",\"entries\":[[\"x\",{\"content\":1}]]}",
        b"\xff\xfe\x00garbage",
        b"",
    ] {
        write(p, "cache/cache-v1.json", junk);
        let doc = json(p, &["--cache-dir", "cache"]);
        assert_eq!(lines_of(&doc), [("src/lib.rs".to_string(), 2)]);
        let rewritten: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
        assert_eq!(rewritten["format"], 2);
    }
    // An entry whose hashes match but names a rule this version lacks is not trusted.
    let text = std::fs::read_to_string(&cache).unwrap();
    write(
        p,
        "cache/cache-v1.json",
        text.replace("\"block_on_in_async\"", "\"no_such_rule\""),
    );
    assert_eq!(
        lines_of(&json(p, &["--cache-dir", "cache"])),
        [("src/lib.rs".to_string(), 2)]
    );
    // --no-cache neither reads nor writes.
    std::fs::remove_dir_all(p.join("cache")).unwrap();
    json(p, &["--no-cache"]);
    assert!(!p.join("cache").exists());
    // A cache directory that cannot be written is a warning, not a failure.
    write(p, "blocked", "a file where the cache directory should be");
    let out = run(p, &["--cache-dir", "blocked/sub"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: cannot write the cache"));
}

#[test]
fn stats_report_sizes_and_times() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    write(p, "a.rs", BAD);
    write(p, "b.rs", "fn x() {}\n");
    let out = run(p, &["--stats", "--no-cache"]);
    let err = String::from_utf8(out.stderr).unwrap();
    let bytes = BAD.len() + "fn x() {}\n".len();
    assert!(
        err.contains(&format!("stats: 2 files (0 from the cache), {bytes} bytes, 4 lines")),
        "{err}"
    );
    assert!(err.contains("MB/s") && err.contains("peak memory"), "{err}");
}
