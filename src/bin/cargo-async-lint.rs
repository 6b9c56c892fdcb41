//! `cargo async-lint`: cargo runs `cargo-async-lint async-lint [ARGS]`.

use clap::Parser;
use std::path::{Path, PathBuf};

fn main() {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "async-lint") {
        argv.remove(1);
    }
    let args = async_lint::cli::Args::parse_from(argv);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = match package_root(&cwd) {
        Some(dir) => relative_to(&dir, &cwd),
        None => {
            if args.paths.is_empty() && !args.list_rules && args.explain.is_none() {
                eprintln!(
                    "error: could not find `Cargo.toml` in `{}` or any parent directory",
                    cwd.display()
                );
                std::process::exit(async_lint::cli::EXIT_TROUBLE);
            }
            PathBuf::from(".")
        }
    };
    std::process::exit(async_lint::cli::run(args, root));
}

/// The directory of the nearest `Cargo.toml` at or above `dir`.
fn package_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// `dir` as a path from `cwd` (`.` or `../..`), so reported paths stay short.
fn relative_to(dir: &Path, cwd: &Path) -> PathBuf {
    let Ok(rest) = cwd.strip_prefix(dir) else {
        return dir.to_path_buf();
    };
    let ups = rest.components().count();
    if ups == 0 {
        PathBuf::from(".")
    } else {
        (0..ups).map(|_| "..").collect()
    }
}
