//! The command line: parse arguments, run the engine, render, choose the exit code.

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
    if let Some(name) = &args.explain {
        return match rules::by_name(name) {
            Some(r) => {
                print!("{}", r.meta().docs);
                EXIT_CLEAN
            }
            None => {
                eprintln!("error: unknown rule `{name}`; known rules: {}", rule_names());
                EXIT_TROUBLE
            }
        };
    }
    let paths = if args.paths.is_empty() {
        vec![default_root]
    } else {
        args.paths
    };
    let mut engine = Engine::new(rules::ALL.to_vec());
    if let Some(n) = args.threads {
        engine = engine.with_threads(n);
    }
    let report = engine.lint_paths(&paths);
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

pub fn exit_code(report: &Report) -> i32 {
    if report.errors().next().is_some() {
        EXIT_TROUBLE
    } else if report.diagnostics().next().is_some() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn rule_names() -> String {
    rules::ALL.iter().map(|r| r.meta().name).collect::<Vec<_>>().join(", ")
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
