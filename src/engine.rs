//! Discovery, the per-file pipeline on a rayon pool, and deterministic ordering.

use crate::diagnostic::{Diagnostic, LineIndex, Located};
use crate::knowledge::{CrateIndex, Deferred, FnSummary};
use crate::rule::Rule;
use crate::walker::Walker;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Worker stack size. Parsing and walking recurse once per nesting level; with the nesting limit
/// below this leaves a wide margin even in unoptimised builds. Only touched pages are committed.
pub const STACK_SIZE: usize = 256 << 20;
/// Files whose estimated syntax depth exceeds this are refused before parsing.
pub const MAX_NESTING: usize = 4000;
/// Files larger than this are refused unread.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// One file's outcome.
#[derive(Debug)]
pub struct FileReport {
    /// The path as reached from the argument it was found under.
    pub path: PathBuf,
    pub diagnostics: Vec<Located>,
    /// The file's text, kept only when there is something to show in it.
    pub source: Option<String>,
    /// Why the file could not be linted.
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    /// Every file the run attempted, sorted by path.
    pub files: Vec<FileReport>,
}

impl Report {
    pub fn files_checked(&self) -> usize {
        self.files.len()
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = (&FileReport, &Located)> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
    }

    pub fn errors(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files
            .iter()
            .filter_map(|f| f.error.as_deref().map(|e| (f.path.as_path(), e)))
    }
}

pub struct Engine<'r> {
    rules: Vec<&'r dyn Rule>,
    threads: usize,
}

impl<'r> Engine<'r> {
    pub fn new(rules: Vec<&'r dyn Rule>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Engine { rules, threads }
    }

    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Lints every `.rs` file under `paths`.
    pub fn lint_paths(&self, paths: &[PathBuf]) -> Report {
        let (mut files, errors) = discover(paths);
        // Largest first, so one big file does not finish last on an otherwise idle pool.
        files.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let pool = worker_pool(self.threads);
        let checked: Vec<(PathBuf, Result<Checked, String>)> = pool.install(|| {
            files
                .par_iter()
                .map(|(path, _)| {
                    let outcome = read_source(path).and_then(|text| check_text(&self.rules, text, is_test_path(path)));
                    (path.clone(), outcome)
                })
                .collect()
        });
        let index = CrateIndex::new(
            checked
                .iter()
                .filter_map(|(p, c)| c.as_ref().ok().map(|c| (p.as_path(), c.summaries.as_slice()))),
        );
        let mut reports: Vec<FileReport> = pool.install(|| {
            checked
                .par_iter()
                .map(|(path, outcome)| match outcome {
                    Ok(c) => finish(path, c, &index),
                    Err(e) => FileReport {
                        path: path.clone(),
                        diagnostics: Vec::new(),
                        source: None,
                        error: Some(e.clone()),
                    },
                })
                .collect()
        });
        reports.extend(errors);
        reports.sort_by(|a, b| a.path.cmp(&b.path));
        reports.dedup_by(|a, b| a.path == b.path && a.error.is_some() == b.error.is_some());
        Report { files: reports }
    }
}

/// One file after its walk, before crate-wide findings are settled.
pub struct Checked {
    /// The text without a byte-order mark, as offsets count it.
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    pub summaries: Vec<FnSummary>,
    pub deferred: Vec<Deferred>,
}

/// Settles a file's deferred findings against the crate, then orders and places them.
pub fn finish(path: &Path, checked: &Checked, index: &CrateIndex) -> FileReport {
    let mut diags = checked.diagnostics.clone();
    diags.extend(checked.deferred.iter().filter_map(|d| index.resolve(d, path)));
    diags.sort_by(|a, b| (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule)));
    diags.dedup_by(|a, b| a.rule == b.rule && a.range == b.range);
    let mut report = FileReport {
        path: path.to_path_buf(),
        diagnostics: Vec::new(),
        source: None,
        error: None,
    };
    if !diags.is_empty() {
        let lines = LineIndex::new(&checked.text);
        report.diagnostics = diags.into_iter().map(|d| lines.locate(d)).collect();
        report.source = Some(checked.text.clone());
    }
    report
}

/// The pool every file is checked on: `threads` workers with [`STACK_SIZE`] stacks.
pub fn worker_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_SIZE)
        .thread_name(|i| format!("async-lint-{i}"))
        .build()
        .expect("cannot start worker threads")
}

fn read_source(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_message(&e))?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file is too large to lint ({} bytes; the limit is {MAX_FILE_BYTES})",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| io_message(&e))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "file is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Integration tests, benches and examples of tests: `tests/`, `benches/`, `*_test.rs`, `tests.rs`.
pub fn is_test_path(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "benches")
        || path.file_stem().is_some_and(|s| {
            let s = s.to_string_lossy();
            s == "tests" || s.ends_with("_test") || s.ends_with("_tests")
        })
}

fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    // "No such file or directory (os error 2)" reads better without the errno.
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

/// Lints one file's text on the current thread, as a crate of its own: diagnostics sorted by
/// position, or why the text could not be linted. The caller must run this on a thread with a
/// [`STACK_SIZE`] stack.
pub fn lint_text(rules: &[&dyn Rule], text: &str, test_file: bool) -> Result<Vec<Located>, String> {
    let checked = check_text(rules, text.to_string(), test_file)?;
    let path = Path::new("");
    let index = CrateIndex::new(std::iter::once((path, checked.summaries.as_slice())));
    Ok(finish(path, &checked, &index).diagnostics)
}

/// Parses and walks one file. The caller must run this on a thread with a [`STACK_SIZE`] stack.
pub fn check_text(rules: &[&dyn Rule], mut text: String, test_file: bool) -> Result<Checked, String> {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    let depth = crate::nesting::estimate_depth(&text);
    if depth > MAX_NESTING {
        return Err(format!(
            "nesting is too deep to lint safely (about {depth} levels; the limit is {MAX_NESTING})"
        ));
    }
    // A `#!` interpreter line is not Rust; blank it so offsets and lines stay put.
    let blanked;
    let code = if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        let end = text.find('\n').unwrap_or(text.len());
        blanked = format!("{}{}", " ".repeat(end), &text[end..]);
        &blanked
    } else {
        &text
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<_, String> {
        let file = syn::parse_file(code).map_err(|e| {
            let at = e.span().start();
            format!("could not parse: {e} (line {}, column {})", at.line, at.column + 1)
        })?;
        let cx = Walker::new(rules, code, &file, test_file).run(&file);
        Ok((cx.diagnostics, cx.summaries, cx.deferred))
    }));
    // Spans of this file are no longer needed; free the thread's source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    let (diagnostics, summaries, deferred) = match outcome {
        Ok(r) => r?,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(format!("internal error while linting this file: {msg}"));
        }
    };
    Ok(Checked {
        text,
        diagnostics,
        summaries,
        deferred,
    })
}

/// Every `.rs` file under `paths` with its size, and an error report for each path that cannot
/// be walked. Hidden directories and `target/` are skipped below a root; symlinked directories
/// are never followed, so a symlink loop cannot hang the walk.
pub fn discover(paths: &[PathBuf]) -> (Vec<(PathBuf, u64)>, Vec<FileReport>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut error = |path: PathBuf, message: String| {
        errors.push(FileReport {
            path,
            diagnostics: Vec::new(),
            source: None,
            error: Some(message),
        });
    };
    for root in paths {
        let root_meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                error(root.clone(), io_message(&e));
                continue;
            }
        };
        if root_meta.is_file() {
            files.push((clean(root), root_meta.len()));
            continue;
        }
        let walk = walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_type().is_dir() || !is_skipped_dir(e.file_name()));
        for entry in walk {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    let msg = e.io_error().map(io_message).unwrap_or_else(|| e.to_string());
                    error(clean(&path), msg);
                    continue;
                }
            };
            if entry.path().extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let ft = entry.file_type();
            if ft.is_file() {
                let len = entry.metadata().map_or(0, |m| m.len());
                files.push((clean(entry.path()), len));
            } else if ft.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(m) if m.is_file() => files.push((clean(entry.path()), m.len())),
                    Ok(_) => {}
                    Err(_) => error(clean(entry.path()), "dangling symlink".into()),
                }
            }
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    (files, errors)
}

fn is_skipped_dir(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name == "target" || (name.starts_with('.') && name != "." && name != "..")
}

/// `./src/a.rs` reads as `src/a.rs`.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
