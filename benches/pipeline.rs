//! Compares the full pipeline with a parse-only floor over the same files, threads and stacks.
//!
//! `cargo bench --bench pipeline` runs over a generated corpus (`BENCH_SEED`, `BENCH_FILES`);
//! `cargo bench --bench pipeline -- DIR...` over any tree. Prints, for each of the two, the
//! median wall time over several interleaved runs, throughput, the ratios, and peak memory.
//!
//! A plain harness rather than criterion or divan: those time one function at a time, while the
//! ratio is only meaningful when floor and pipeline alternate in the same run on the same files.

#[path = "support/corpus.rs"]
mod corpus;

use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn floor(files: &[(PathBuf, u64)], pool: &rayon::ThreadPool) -> usize {
    pool.install(|| {
        files
            .par_iter()
            .map(|(p, _)| {
                let Ok(text) = std::fs::read_to_string(p) else { return 0 };
                let n = syn::parse_file(&text).map_or(0, |f| f.items.len());
                proc_macro2::extra::invalidate_current_thread_spans();
                n
            })
            .sum()
    })
}

/// CPU time (user + system) of this process so far, from /proc on Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux configuration that matters here.
    Some(Duration::from_millis(ticks * 10))
}

/// Starts a new peak-memory measurement (Linux: writing 5 to `clear_refs` resets `VmHWM`).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident memory in bytes (Linux `VmHWM`).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let roots: Vec<PathBuf> = if args.is_empty() {
        let (seed, n) = (env("BENCH_SEED", 42), env("BENCH_FILES", 420) as usize);
        let (dir, lines) = corpus::ensure(seed, n).expect("generate the corpus");
        println!("corpus: {} (seed {seed}, {n} modules, {lines} lines)", dir.display());
        vec![dir]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let threads = std::env::var("BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let (mut files, _) = async_lint::discover::discover(&roots, &async_lint::config::Settings::default());
    files.sort_by_key(|f| std::cmp::Reverse(f.1));
    let bytes: u64 = files.iter().map(|f| f.1).sum();
    let pool = async_lint::engine::worker_pool(threads);
    // BENCH_RULES=a,b limits the pipeline to some rules, to see what each costs.
    let rules: Vec<&dyn async_lint::Rule> = match std::env::var("BENCH_RULES") {
        Ok(list) => list.split(',').filter_map(async_lint::rules::by_name).collect(),
        Err(_) => async_lint::rules::ALL.to_vec(),
    };
    let engine = async_lint::Engine::new(rules).with_threads(threads);

    // Warm the page cache and the allocator once, measuring each one's peak memory on its own.
    let reset = reset_peak_rss();
    floor(&files, &pool);
    let floor_peak = peak_rss();
    if !reset || !reset_peak_rss() {
        eprintln!("peak memory cannot be reset here: the pipeline's peak includes the floor's run");
    }
    engine.lint_paths(&roots);
    let pipeline_peak = peak_rss();
    let (mut tf, mut tp) = (Vec::new(), Vec::new());
    let (mut cf, mut cp) = (Duration::ZERO, Duration::ZERO);
    let mut findings = 0;
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_time());
        std::hint::black_box(floor(&files, &pool));
        tf.push(t.elapsed());
        cf += cpu_time().zip(c).map_or(Duration::ZERO, |(b, a)| b - a);
        let (t, c) = (Instant::now(), cpu_time());
        let report = std::hint::black_box(engine.lint_paths(&roots));
        tp.push(t.elapsed());
        cp += cpu_time().zip(c).map_or(Duration::ZERO, |(b, a)| b - a);
        findings = report.diagnostics().count();
    }
    let (f, p) = (median(tf), median(tp));
    let mbps = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    println!(
        "files: {}  bytes: {}  threads: {threads}  runs: {runs}  findings: {findings}",
        files.len(),
        bytes
    );
    println!(
        "floor    (read + syn::parse_file): {:>8.1} ms  {:>6.1} MB/s",
        f.as_secs_f64() * 1e3,
        mbps(f)
    );
    println!(
        "pipeline (async-lint, all rules):  {:>8.1} ms  {:>6.1} MB/s",
        p.as_secs_f64() * 1e3,
        mbps(p)
    );
    println!(
        "ratio pipeline/floor (median wall time): {:.3}",
        p.as_secs_f64() / f.as_secs_f64()
    );
    if let (Some(a), Some(b)) = (floor_peak, pipeline_peak) {
        println!(
            "peak RSS of one run: {:.1} MB for the floor, {:.1} MB for the pipeline ({:.2}x)",
            a as f64 / 1e6,
            b as f64 / 1e6,
            b as f64 / a as f64
        );
    }
    if !cf.is_zero() {
        println!(
            "ratio pipeline/floor (total CPU time, {} vs {} ms): {:.3}",
            cp.as_millis(),
            cf.as_millis(),
            cp.as_secs_f64() / cf.as_secs_f64()
        );
    }
}
