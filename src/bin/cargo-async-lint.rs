//! `cargo async-lint`: cargo runs `cargo-async-lint async-lint [ARGS]`. Without paths it lints
//! the package or workspace members cargo would build (`-p`, `--workspace`, `--exclude`,
//! `--manifest-path` as in cargo).

use clap::Parser;

fn main() {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "async-lint") {
        argv.remove(1);
    }
    let args = async_lint::cli::Args::parse_from(argv);
    std::process::exit(async_lint::cli::run(args, async_lint::cli::Invocation::Cargo));
}
