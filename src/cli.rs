//! The command line: parse arguments, run the engine, render, choose the exit code.

use crate::baseline::{self, Baseline};
use crate::config::{self, ConfigError, Effective, Level, Settings};
use crate::engine::{Engine, Report};
use crate::render;
use crate::rules;
use clap::{Parser, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

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
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the CLI on parsed arguments; `default_root` is linted when no path is given.
pub fn run(args: Args, default_root: PathBuf) -> i32 {
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
        print!("{out}");
        return EXIT_CLEAN;
    }
    let paths = if args.paths.is_empty() {
        vec![default_root]
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
    if let Some(name) = &args.explain {
        return match rules::by_name(name) {
            Some(r) => {
                print!("{}", r.meta().docs);
                println!("\n---\nEffective level here: {}", describe_level(r.meta(), &settings));
                EXIT_CLEAN
            }
            None => {
                eprintln!("error: unknown rule `{name}`; known rules: {}", config::rule_names());
                EXIT_TROUBLE
            }
        };
    }
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
    let mut engine = Engine::new(rules::ALL.to_vec()).with_settings(settings);
    if let Some(n) = args.threads {
        engine = engine.with_threads(n);
    }
    let mut report = engine.lint_paths(&paths);
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
        let filtered = b.filter(&mut report, &baseline::base_dir(file));
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
    let written = match args.format {
        Format::Json => std::io::stdout().write_all(render::json::render(&report).as_bytes()),
        Format::Human => print_human(&report, args.color),
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write output: {e}");
        return EXIT_TROUBLE;
    }
    exit_code(&report)
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
        rules::by_name(name)
            .map(|r| r.meta().name)
            .ok_or_else(|| ConfigError(format!("unknown rule `{name}`; known rules: {}", config::rule_names())))
    };
    if let Some(select) = &args.select {
        settings.cli.select = Some(select.iter().map(|n| known(n)).collect::<Result<_, _>>()?);
    }
    for (names, level) in [
        (&args.allow, Level::Allow),
        (&args.warn, Level::Warn),
        (&args.deny, Level::Deny),
    ] {
        for n in names {
            settings.cli.forced.set(known(n)?, level);
        }
    }
    if args.no_ignore {
        settings.respect_gitignore = false;
    }
    settings.require_reason |= args.require_reason;
    Ok(settings)
}

fn describe_level(meta: &crate::RuleMeta, settings: &Settings) -> String {
    let from = settings
        .source
        .as_ref()
        .map_or("no configuration file".to_string(), |p| p.display().to_string());
    match settings.effective(meta.name, None) {
        Effective::Off => format!("allow (off; {from})"),
        Effective::Default => format!("{} (the default; {from})", meta.default_severity),
        Effective::Forced(s) => format!("{} ({from}); per-path overrides may change it", s),
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

fn print_human(report: &Report, color: Color) -> std::io::Result<()> {
    let choice = match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() => ColorChoice::Auto,
        Color::Auto => ColorChoice::Never,
    };
    let (errors, summary) = render::human::summary(report);
    let stdout = StandardStream::stdout(choice);
    let mut out = stdout.lock();
    for file in &report.files {
        render::human::render_file(&mut out, file)?;
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
