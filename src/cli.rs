//! The command line: parse arguments, run the engine, render, choose the exit code.

use crate::baseline::{self, Baseline};
use crate::cargo::{Selection, Workspace};
use crate::config::{self, ConfigError, Effective, Level, Settings};
use crate::engine::{Engine, Report};
use crate::render;
use crate::rules;
use clap::{Parser, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, ColorSpec, StandardStream, WriteColor};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit codes.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_TROUBLE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "async-lint",
    version,
    about = "Finds async misuse in Rust code without compiling it"
)]
pub struct Args {
    /// Files or directories to lint (directories are searched for `.rs` files).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// `json` prints cargo's JSON messages (one `compiler-message` per finding), as
    /// `cargo check --message-format json` does; for rust-analyzer and cargo tooling.
    #[arg(long, value_enum, value_name = "FMT", conflicts_with = "format")]
    pub message_format: Option<MessageFormat>,

    /// First run `cargo check` (or `cargo clippy`) with JSON messages, pass its output through
    /// unchanged, then add ours. This builds the code: build scripts and proc macros run.
    #[arg(long, value_enum, value_name = "TOOL", num_args = 0..=1, default_missing_value = "check", requires = "message_format")]
    pub with_check: Option<CheckTool>,

    /// Lint only this package of the workspace (repeatable).
    #[arg(long, short = 'p', value_name = "NAME", help_heading = "Package selection")]
    pub package: Vec<String>,

    /// Lint every member of the workspace.
    #[arg(long, help_heading = "Package selection")]
    pub workspace: bool,

    /// Leave this package out (with --workspace).
    #[arg(long, value_name = "NAME", help_heading = "Package selection")]
    pub exclude: Vec<String>,

    /// The Cargo.toml of the package or workspace to lint.
    #[arg(long, value_name = "PATH", help_heading = "Package selection")]
    pub manifest_path: Option<PathBuf>,

    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Print every rule with its default level and summary, then exit.
    #[arg(long)]
    pub list_rules: bool,

    /// Print the documentation of RULE, then exit.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,

    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Print what the run did on stderr: files, bytes, lines, parse and check time, throughput,
    /// cache hits and peak memory.
    #[arg(long)]
    pub stats: bool,

    /// Keep the cache here instead of `target/async-lint/` of the cargo workspace.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,

    /// Neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Use this configuration file instead of looking for one.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "no_config",
        help_heading = "Configuration"
    )]
    pub config: Option<PathBuf>,

    /// Ignore every configuration file.
    #[arg(long, help_heading = "Configuration")]
    pub no_config: bool,

    /// Turn RULE off (repeatable, or comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',', help_heading = "Configuration")]
    pub allow: Vec<String>,

    /// Report RULE as a warning.
    #[arg(long, value_name = "RULE", value_delimiter = ',', help_heading = "Configuration")]
    pub warn: Vec<String>,

    /// Report RULE as an error. `--deny` beats `--warn` beats `--allow` for a rule named twice.
    #[arg(long, value_name = "RULE", value_delimiter = ',', help_heading = "Configuration")]
    pub deny: Vec<String>,

    /// Run only these rules.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',', help_heading = "Configuration")]
    pub select: Option<Vec<String>>,

    /// Lint files that `.gitignore` excludes.
    #[arg(long, help_heading = "Configuration")]
    pub no_ignore: bool,

    /// Report suppression comments that give no reason.
    #[arg(long, help_heading = "Configuration")]
    pub require_reason: bool,

    /// Record every current finding in FILE and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline", help_heading = "Baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Report only findings that FILE does not list.
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub baseline: Option<PathBuf>,

    /// Rewrite the baseline without the entries that no longer match.
    #[arg(long, help_heading = "Baseline")]
    pub prune_baseline: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CheckTool {
    Check,
    Clippy,
}

/// How the binary was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// `async-lint [PATH]...`: no path lints the current directory.
    Direct,
    /// `cargo async-lint`: no path lints the package (or workspace) cargo would build.
    Cargo,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the CLI on parsed arguments.
pub fn run(args: Args, invocation: Invocation) -> i32 {
    if args.list_rules {
        let mut out = String::new();
        for r in rules::ALL {
            let m = r.meta();
            out.push_str(&format!(
                "{:<28} {:<8} {}\n",
                m.name,
                m.default_severity.as_str(),
                m.summary
            ));
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        return EXIT_CLEAN;
    }
    if let Some(name) = &args.explain {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let settings = match settings(&args, &paths) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_TROUBLE;
            }
        };
        return match rules::by_name(name) {
            Some(r) => {
                let text = format!(
                    "{}\n---\nEffective level here: {}\n",
                    r.meta().docs,
                    describe_level(r.meta(), &settings)
                );
                let _ = std::io::stdout().write_all(text.as_bytes());
                EXIT_CLEAN
            }
            None => {
                eprintln!("error: unknown rule `{name}`; known rules: {}", config::rule_names());
                EXIT_TROUBLE
            }
        };
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let cargo_json = args.message_format == Some(MessageFormat::Json);
    let workspace_flags =
        args.workspace || !args.package.is_empty() || !args.exclude.is_empty() || args.manifest_path.is_some();
    let wants_packages = workspace_flags || (args.paths.is_empty() && invocation == Invocation::Cargo);
    // Cargo's view of the workspace: needed to choose packages and to name them in cargo's JSON.
    let workspace = if wants_packages || cargo_json {
        match Workspace::load(args.manifest_path.as_deref(), &cwd) {
            Ok(ws) => Some(ws),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_TROUBLE;
            }
        }
    } else {
        None
    };
    let selected: Option<Vec<crate::cargo::Package>> = match (&workspace, wants_packages && args.paths.is_empty()) {
        (Some(ws), true) => {
            let sel = Selection {
                packages: args.package.clone(),
                workspace: args.workspace,
                exclude: args.exclude.clone(),
            };
            match ws.select(&sel, &cwd) {
                Ok(p) => Some(p.into_iter().cloned().collect()),
                Err(e) => {
                    eprintln!("error: {e}");
                    return EXIT_TROUBLE;
                }
            }
        }
        _ => None,
    };
    let paths: Vec<PathBuf> = match &selected {
        Some(pkgs) => pkgs.iter().map(|p| relative_to_cwd(&p.dir, &cwd)).collect(),
        None if args.paths.is_empty() => vec![PathBuf::from(".")],
        None => args.paths.clone(),
    };
    let settings = match settings(&args, &paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_TROUBLE;
        }
    };
    let baseline_file = args.baseline.clone().or_else(|| settings.baseline.clone());
    if args.prune_baseline && baseline_file.is_none() {
        eprintln!("error: `--prune-baseline` needs a baseline: `--baseline FILE` or `baseline` in the configuration");
        return EXIT_TROUBLE;
    }
    // Load the baseline before linting, so a broken one fails fast.
    let baseline = match (&args.write_baseline, &baseline_file) {
        (None, Some(file)) => match Baseline::load(file) {
            Ok(b) => Some((file.clone(), b)),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_TROUBLE;
            }
        },
        _ => None,
    };
    if let Some(tool) = args.with_check
        && let Err(e) = run_check(tool, &args)
    {
        eprintln!("error: {e}");
        return EXIT_TROUBLE;
    }
    // Without --config/--no-config, each file follows the configuration nearest to it.
    let nested = args.config.is_none() && !args.no_config;
    let mut engine = Engine::new(rules::ALL.to_vec())
        .with_settings(settings)
        .with_nested_configs(nested);
    if let Some(n) = args.threads {
        engine = engine.with_threads(n);
    }
    let cache_dir = if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(|| {
            let start = paths.first().map_or(cwd.clone(), |p| {
                if p.is_dir() {
                    p.clone()
                } else {
                    p.parent().map_or(cwd.clone(), Path::to_path_buf)
                }
            });
            crate::cache::default_dir(&start)
        })
    };
    if let Some(dir) = &cache_dir {
        engine = engine.with_cache(crate::cache::Cache::open(dir));
    }
    let named_files = selected.is_none() && !paths.is_empty() && paths.iter().all(|p| p.is_file());
    if named_files {
        let outside = paths
            .iter()
            .any(|f| crate::cargo::package_root(f.parent().unwrap_or(Path::new("."))).is_none());
        engine = engine.with_partial_crate(outside);
    }
    let linted = if named_files {
        lint_files_in_context(&engine, &paths)
    } else {
        engine.lint(&paths)
    };
    let mut report = match linted {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_TROUBLE;
        }
    };
    if let Err(e) = engine.save_cache() {
        let dir = cache_dir.as_deref().unwrap_or(Path::new("?"));
        let _ = writeln!(
            std::io::stderr(),
            "warning: cannot write the cache in {}: {e}",
            dir.display()
        );
    }
    if args.stats {
        print_stats(&report.stats);
    }
    // A package's directory may hold other packages; their files are theirs.
    if let (Some(ws), Some(pkgs)) = (&workspace, &selected) {
        report.files.retain(|f| {
            ws.package_of(&f.path)
                .is_none_or(|owner| pkgs.iter().any(|p| p.id == owner.id))
        });
    }
    if let Some(file) = &args.write_baseline {
        let b = Baseline::from_report(&report, &baseline::base_dir(file));
        if let Err(e) = b.write(file) {
            eprintln!("error: {e}");
            return EXIT_TROUBLE;
        }
        eprintln!("wrote {} finding(s) to the baseline {}", b.len(), file.display());
        for (p, m) in report.errors() {
            eprintln!("error: cannot lint {}: {m}", p.display());
        }
        return if report.errors().next().is_some() {
            EXIT_TROUBLE
        } else {
            EXIT_CLEAN
        };
    }
    if let Some((file, b)) = &baseline {
        let base = baseline::base_dir(file);
        let linted: std::collections::HashMap<PathBuf, &Path> = report
            .files
            .iter()
            .filter(|f| f.error.is_none())
            .map(|f| (config::absolute_normalized(&f.path), f.path.as_path()))
            .collect();
        // Entries of files this run did not lint, or of rules it did not run, are not stale.
        let plans: std::collections::HashMap<PathBuf, crate::engine::Plan> =
            linted.iter().map(|(abs, p)| (abs.clone(), engine.plan(p))).collect();
        let covered = |e: &baseline::Entry| {
            plans
                .get(&config::normalize(&base.join(&e.path)))
                .is_some_and(|plan| plan.runs(&e.rule))
        };
        let filtered = b.filter(&mut report, &base, covered);
        if args.prune_baseline {
            if let Err(e) = filtered.pruned.write(file) {
                eprintln!("error: {e}");
                return EXIT_TROUBLE;
            }
            eprintln!(
                "pruned the baseline {}: {} finding(s) kept, {} dropped",
                file.display(),
                filtered.pruned.len(),
                filtered.stale.iter().map(|e| e.count).sum::<usize>()
            );
        } else if !filtered.stale.is_empty() {
            let n: usize = filtered.stale.iter().map(|e| e.count).sum();
            eprintln!(
                "note: {n} baseline finding(s) no longer occur (fixed or changed); run with `--prune-baseline` to drop them from {}:",
                file.display()
            );
            for e in &filtered.stale {
                eprintln!(
                    "  {} in {} ({}): {}",
                    e.rule,
                    e.path,
                    if e.function.is_empty() {
                        "module level"
                    } else {
                        &e.function
                    },
                    e.code
                );
            }
        }
        if filtered.known > 0 && args.format == Format::Human {
            eprintln!(
                "note: {} known finding(s) hidden by the baseline {}",
                filtered.known,
                file.display()
            );
        }
    }
    let written = if cargo_json {
        let ws = workspace.as_ref().expect("loaded for cargo's JSON");
        for (p, m) in report.errors() {
            eprintln!("error: cannot lint {}: {m}", p.display());
        }
        std::io::stdout().write_all(render::cargo::render(&report, ws).as_bytes())
    } else {
        match args.format {
            Format::Json => std::io::stdout().write_all(render::json::render(&report).as_bytes()),
            Format::Sarif => std::io::stdout().write_all(render::sarif::render(&report, &cwd).as_bytes()),
            Format::Github => std::io::stdout().write_all(render::github::render(&report).as_bytes()),
            Format::Gitlab => std::io::stdout().write_all(render::gitlab::render(&report, &cwd).as_bytes()),
            Format::Human => {
                let groups = selected
                    .as_ref()
                    .filter(|p| p.len() > 1)
                    .and_then(|_| workspace.as_ref().map(|ws| group_by_package(&report, ws)));
                print_human(&report, groups, args.color)
            }
        }
    };
    if let Err(e) = written
        && !is_broken_pipe(&e)
    {
        let _ = writeln!(std::io::stderr(), "error: cannot write output: {e}");
        return EXIT_TROUBLE;
    }
    exit_code(&report)
}

/// Lints the files named, seeing the rest of their packages for crate-wide knowledge (which
/// sync fns block, which fns are async) without reporting on them.
fn lint_files_in_context(engine: &Engine, files: &[PathBuf]) -> Result<Report, ConfigError> {
    let key = config::absolute_normalized;
    let named: Vec<(PathBuf, &PathBuf)> = files.iter().map(|f| (key(f), f)).collect();
    let mut roots: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| crate::cargo::package_root(f.parent().unwrap_or(Path::new("."))))
        .collect();
    roots.sort();
    roots.dedup();
    let mut paths = roots;
    paths.extend(files.iter().cloned());
    let mut report = engine.lint(&paths)?;
    report.files.retain_mut(|f| {
        let k = key(&f.path);
        match named.iter().find(|(n, _)| *n == k) {
            Some((_, given)) => {
                f.path = (*given).clone();
                true
            }
            None => false,
        }
    });
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report.files.dedup_by(|a, b| a.path == b.path);
    Ok(report)
}

/// Runs `cargo check`/`cargo clippy --message-format json` and copies its stdout through.
fn run_check(tool: CheckTool, args: &Args) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.arg(match tool {
        CheckTool::Check => "check",
        CheckTool::Clippy => "clippy",
    });
    cmd.args(["--message-format", "json", "--all-targets"]);
    if args.workspace {
        cmd.arg("--workspace");
    }
    for p in &args.package {
        cmd.args(["--package", p]);
    }
    for p in &args.exclude {
        cmd.args(["--exclude", p]);
    }
    if let Some(m) = &args.manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    cmd.stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut from = child.stdout.take().expect("piped");
    let mut to = std::io::stdout().lock();
    std::io::copy(&mut from, &mut to).map_err(|e| format!("cannot pass cargo's output through: {e}"))?;
    to.flush().map_err(|e| e.to_string())?;
    child.wait().map_err(|e| format!("cargo did not finish: {e}"))?;
    Ok(())
}

/// `dir` as a path from `cwd` (`.`, `crates/a` or `../..`), so reported paths stay short.
fn relative_to_cwd(dir: &Path, cwd: &Path) -> PathBuf {
    config::relative_path(dir, &config::normalize(cwd))
}

/// Files by package, in the order packages are named, for human output.
fn group_by_package<'a>(report: &'a Report, ws: &Workspace) -> Vec<(String, Vec<&'a crate::engine::FileReport>)> {
    let mut groups: Vec<(String, Vec<&crate::engine::FileReport>)> = Vec::new();
    for f in &report.files {
        let name = ws
            .package_of(&f.path)
            .map_or("(no package)".to_string(), |p| p.name.clone());
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(f),
            None => groups.push((name, vec![f])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
}

/// The configuration for `paths` with the command line on top.
fn settings(args: &Args, paths: &[PathBuf]) -> Result<Settings, ConfigError> {
    let file = match (&args.config, args.no_config) {
        (Some(f), _) => Some(f.clone()),
        (None, true) => None,
        (None, false) => config::discover(paths)?,
    };
    let mut settings = match &file {
        Some(f) => config::load(f)?,
        None => Settings::default(),
    };
    let known = |name: &str| {
        let name = name.trim();
        rules::by_name(name).map(|r| r.meta().name).ok_or_else(|| {
            ConfigError(format!(
                "unknown rule `{name}`; known rules: all, {}",
                config::rule_names()
            ))
        })
    };
    if let Some(select) = &args.select {
        settings.cli.select = Some(
            select
                .iter()
                .filter(|n| !n.trim().is_empty())
                .map(|n| known(n))
                .collect::<Result<_, _>>()?,
        );
    }
    let layers = [
        (&args.allow, Level::Allow),
        (&args.warn, Level::Warn),
        (&args.deny, Level::Deny),
    ];
    // `--deny` beats `--warn` beats `--allow`; `all` sets every rule at that level.
    for (names, level) in layers {
        if names.iter().any(|n| n.trim() == "all") {
            settings.cli.forced.set_all(level);
        }
    }
    for (names, level) in layers {
        for n in names.iter().filter(|n| n.trim() != "all" && !n.trim().is_empty()) {
            settings.cli.forced.set(known(n)?, level);
        }
    }
    if args.no_ignore {
        settings.respect_gitignore = false;
    }
    settings.require_reason |= args.require_reason;
    settings.require_reason_from_cli = args.require_reason;
    Ok(settings)
}

fn describe_level(meta: &crate::RuleMeta, settings: &Settings) -> String {
    let from = if settings.cli.forced.mentions(meta.name) || settings.cli.select.is_some() {
        "the command line".to_string()
    } else {
        settings
            .source
            .as_ref()
            .map_or("no configuration file".to_string(), |p| p.display().to_string())
    };
    match settings.effective(meta.name, None) {
        Effective::Off => format!("allow (off; {from})"),
        Effective::Default => format!("{} (the default; {from})", meta.default_severity),
        Effective::Forced(s) => format!("{s} ({from}); per-path overrides may change it"),
    }
}

pub fn exit_code(report: &Report) -> i32 {
    if report.errors().next().is_some() {
        EXIT_TROUBLE
    } else if report.diagnostics().next().is_some() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn print_stats(s: &crate::engine::Stats) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let mbps = if s.wall.is_zero() {
        0.0
    } else {
        s.bytes as f64 / 1e6 / s.wall.as_secs_f64()
    };
    let peak = peak_memory().map_or("unknown on this platform".to_string(), |b| {
        format!("{:.1} MB", b as f64 / 1e6)
    });
    let _ = writeln!(
        std::io::stderr(),
        "stats: {} files ({} from the cache), {} bytes, {} lines\n\
         stats: parse {:.1} ms, check {:.1} ms (CPU, summed over threads); crate model {:.1} ms, crate-wide {:.1} ms\n\
         stats: wall {:.1} ms, {:.1} MB/s; peak memory {peak}",
        s.files,
        s.cached,
        s.bytes,
        s.lines,
        ms(s.parse),
        ms(s.check),
        ms(s.crate_pass),
        ms(s.crate_wide),
        ms(s.wall),
        mbps
    );
}

/// The process's peak resident memory in bytes, where the platform tells (Linux `VmHWM`).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Whether writing failed only because the reader went away (`async-lint .. | head`).
fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<codespan_reporting::files::Error>())
            .is_some_and(|f| matches!(f, codespan_reporting::files::Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn print_human(
    report: &Report,
    groups: Option<Vec<(String, Vec<&crate::engine::FileReport>)>>,
    color: Color,
) -> std::io::Result<()> {
    let choice = match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() => ColorChoice::Auto,
        Color::Auto => ColorChoice::Never,
    };
    let (errors, summary) = render::human::summary(report);
    let stdout = StandardStream::stdout(choice);
    let mut out = stdout.lock();
    match groups {
        Some(groups) => {
            for (name, files) in groups {
                let findings: usize = files.iter().map(|f| f.diagnostics.len()).sum();
                if findings == 0 {
                    continue;
                }
                out.set_color(ColorSpec::new().set_bold(true))?;
                writeln!(out, "package `{name}`: {findings} finding(s)")?;
                out.reset()?;
                for file in files {
                    render::human::render_file(&mut out, file)?;
                }
            }
        }
        None => {
            for file in &report.files {
                render::human::render_file(&mut out, file)?;
            }
        }
    }
    out.flush()?;
    if !errors.is_empty() {
        let mut err = std::io::stderr().lock();
        for e in &errors {
            writeln!(err, "{e}")?;
        }
        err.flush()?;
    }
    out.reset()?;
    writeln!(out, "{summary}")?;
    out.flush()
}
