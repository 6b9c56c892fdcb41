//! Compares the full pipeline with a parse-only floor over the same files, threads and stacks.
//!
//! `cargo bench --bench pipeline` runs over a generated corpus (`BENCH_MIX`, `BENCH_SEED`,
//! `BENCH_FILES`);
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

/// CPU time (user + system) of this process so far, all threads, in microseconds' resolution.
fn cpu_time() -> Option<Duration> {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Some(tv(usage.ru_utime) + tv(usage.ru_stime))
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

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let roots: Vec<PathBuf> = if args.is_empty() {
        let mix_name = std::env::var("BENCH_MIX").unwrap_or_else(|_| "service".into());
        let Some(mix) = corpus::Mix::parse(&mix_name) else {
            eprintln!("BENCH_MIX must be `service` or `dense`, not `{mix_name}`");
            std::process::exit(2);
        };
        // Over 150,000 lines either way: 162,503 (service) and 155,451 (dense) at seed 42.
        let default_files = match mix {
            corpus::Mix::Service => 360,
            corpus::Mix::Dense => 420,
        };
        let (seed, n) = (env("BENCH_SEED", 42), env("BENCH_FILES", default_files) as usize);
        let (dir, lines) = corpus::ensure(seed, n, mix).expect("generate the corpus");
        println!(
            "corpus: {} ({} mix, seed {seed}, {n} modules, {lines} lines)",
            dir.display(),
            mix.name()
        );
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
    // Per-run ratios of adjacent measurements: on a shared machine the speed drifts between
    // runs, and a pair measured back to back drifts least.
    let (mut wall_ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    let mut findings = 0;
    let mut crate_shares = Vec::new();
    let measure = |f: &mut dyn FnMut()| {
        let (t, c) = (Instant::now(), cpu_time());
        f();
        (t.elapsed(), cpu_time().zip(c).map_or(Duration::ZERO, |(b, a)| b - a))
    };
    for run in 0..runs {
        let mut floor_run = || {
            std::hint::black_box(floor(&files, &pool));
        };
        let mut pipeline_run = || {
            let report = std::hint::black_box(engine.lint_paths(&roots));
            findings = report.diagnostics().count();
            crate_shares.push(report.stats.crate_pass.as_secs_f64() / report.stats.wall.as_secs_f64());
        };
        // Alternate which goes first, so neither always runs on a warmer cache.
        let ((wf, c_f), (wp, c_p)) = if run % 2 == 0 {
            let a = measure(&mut floor_run);
            (a, measure(&mut pipeline_run))
        } else {
            let b = measure(&mut pipeline_run);
            (measure(&mut floor_run), b)
        };
        tf.push(wf);
        tp.push(wp);
        cf += c_f;
        cp += c_p;
        wall_ratios.push(wp.as_secs_f64() / wf.as_secs_f64());
        if !c_f.is_zero() {
            cpu_ratios.push(c_p.as_secs_f64() / c_f.as_secs_f64());
        }
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
        "ratio pipeline/floor (median of per-run wall-time ratios): {:.3}",
        median_f64(wall_ratios)
    );
    println!(
        "crate model's share of the pipeline's wall time (median): {:.1}%",
        median_f64(crate_shares) * 100.0
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
            "ratio pipeline/floor (median of per-run CPU-time ratios): {:.3}  (total CPU {} vs {} ms)",
            median_f64(cpu_ratios),
            cp.as_millis(),
            cf.as_millis(),
        );
    }
}
