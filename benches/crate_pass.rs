//! Times the crate pass alone (building the crate model and settling every finding that waits
//! for it) over files walked once beforehand.
//!
//! `cargo bench --bench crate_pass` builds two generated trees of 10,000 and 20,000 files, each
//! file declaring `fn helper()` and an async fn that calls it, and prints the crate pass's time
//! for both, then the same for chains of 2,500 and 5,000 modules each declared by the file before:
//! doubling the input must about double the time. `cargo bench --bench crate_pass -- DIR...`
//! times it over any tree.

use async_lint::engine::{Checked, STACK_SIZE, check_text, settle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const HELPER: &str = "fn helper() -> u32 {\n    7\n}\n\npub async fn run() -> u32 {\n    helper()\n}\n";

fn generated(n: usize) -> PathBuf {
    let dir = PathBuf::from(format!("target/bench-crate-pass/helpers-{n}"));
    if !dir.join("done").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..n {
            std::fs::write(dir.join(format!("f{i}.rs")), HELPER).unwrap();
        }
        std::fs::write(dir.join("done"), "").unwrap();
    }
    dir
}

/// A chain of `n` modules, each file declaring the next: `lib.rs` → `m1.rs` → `m2.rs` ...
fn deep(n: usize) -> PathBuf {
    let dir = PathBuf::from(format!("target/bench-crate-pass/deep-{n}"));
    if !dir.join("done").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let next = |i: usize| format!("#[path = \"m{i}.rs\"]\npub mod m;\n");
        std::fs::write(dir.join("lib.rs"), next(1)).unwrap();
        for i in 1..=n {
            let tail = if i < n { next(i + 1) } else { String::new() };
            std::fs::write(dir.join(format!("m{i}.rs")), format!("{tail}{HELPER}")).unwrap();
        }
        std::fs::write(dir.join("done"), "").unwrap();
    }
    dir
}

fn walk(roots: &[PathBuf]) -> Vec<(PathBuf, Checked)> {
    let (files, _) = async_lint::discover::discover(roots, &async_lint::config::Settings::default());
    let rules = async_lint::rules::ALL;
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(s, || {
                files
                    .iter()
                    .filter_map(|(p, _)| {
                        let text = std::fs::read_to_string(p).ok()?;
                        let checked = check_text(rules, &Default::default(), &[], text, false).ok()?;
                        Some((p.clone(), checked))
                    })
                    .collect()
            })
            .unwrap()
            .join()
            .unwrap()
    })
}

fn time_pass(walked: &[(PathBuf, Checked)], runs: usize) -> Duration {
    let view: Vec<(&Path, &Checked)> = walked.iter().map(|(p, c)| (p.as_path(), c)).collect();
    let options = Default::default();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let packages = async_lint::model::crates::Packages::around(view.iter().map(|(p, _)| *p));
            std::hint::black_box(settle(&view, packages, &options));
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let runs = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    if !args.is_empty() {
        let walked = walk(&args);
        let fns: usize = walked.iter().map(|(_, c)| c.summaries.len()).sum();
        let deferred: usize = walked.iter().map(|(_, c)| c.deferred.len()).sum();
        let t = time_pass(&walked, runs);
        println!(
            "crate pass over {} files ({fns} fns, {deferred} waiting findings): {:.2} ms (median of {runs})",
            walked.len(),
            t.as_secs_f64() * 1e3
        );
        return;
    }
    type Make = fn(usize) -> PathBuf;
    let cases: [(&str, Make, [usize; 2]); 2] = [
        ("files each defining `fn helper()`", generated, [10_000, 20_000]),
        ("modules deep, each file declaring the next", deep, [2_500, 5_000]),
    ];
    for (what, make, sizes) in cases {
        let mut last = None;
        for n in sizes {
            let walked = walk(&[make(n)]);
            let t = time_pass(&walked, runs);
            println!("crate pass over {n} {what}: {:.2} ms", t.as_secs_f64() * 1e3);
            if let Some(prev) = last {
                println!(
                    "growth from doubling: {:.2}x",
                    t.as_secs_f64() / Duration::as_secs_f64(&prev)
                );
            }
            last = Some(t);
        }
    }
}
