//! Discovery, the per-file pipeline on a rayon pool, and deterministic ordering.

use crate::cache::Cache;
use crate::config::{ConfigError, Effective, Settings, normalize};
use crate::diagnostic::{Diagnostic, LineIndex, Located};
use crate::discover::{discover, io_message};
use crate::knowledge::{Deferred, FnSummary};
use crate::model::crates::Packages;
use crate::model::items::FileItems;
use crate::model::{FileInput, Model, Settled};
use crate::options::Options;
use crate::rule::Rule;
use crate::rules::{invalid_suppression, unused_suppression};
use crate::suppress::Suppressions;
use crate::walker::Walker;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

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
    pub stats: Stats,
}

/// What a run did and how long it took. Parse and check times are summed over threads.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub files: usize,
    /// Files whose walk came from the cache.
    pub cached: usize,
    pub bytes: u64,
    pub lines: usize,
    pub parse: Duration,
    pub check: Duration,
    /// Building the crate model and settling the findings that wait for it (wall time).
    pub crate_pass: Duration,
    /// The crate pass, then levels and suppressions of every file (wall time).
    pub crate_wide: Duration,
    /// From the first file read to the last file finished (discovery excluded).
    pub wall: Duration,
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
    /// The run's configuration: the one found for the paths as a whole (or named).
    settings: Settings,
    /// Look up the nearest configuration of each file.
    nested_configs: bool,
    partial_crate: bool,
    cache: Option<RwLock<Cache>>,
    /// Started on the first run and kept: a new pool would fault in fresh worker stacks.
    pool: std::sync::OnceLock<rayon::ThreadPool>,
}

/// How each rule runs in one file.
pub struct Plan<'r> {
    /// The rules to walk the file with (those not turned off).
    pub rules: Vec<&'r dyn Rule>,
    levels: Vec<(&'static str, Effective)>,
    require_reason: bool,
    /// The run does not see the whole crate, so crate-wide facts may be missing.
    partial_crate: bool,
}

impl<'r> Plan<'r> {
    /// Every rule at its own severities.
    pub fn defaults(rules: &[&'r dyn Rule]) -> Self {
        Plan {
            rules: rules.to_vec(),
            levels: rules.iter().map(|r| (r.meta().name, Effective::Default)).collect(),
            require_reason: false,
            partial_crate: false,
        }
    }

    /// Whether `rule` runs in this file.
    pub fn runs(&self, rule: &str) -> bool {
        self.level(rule) != Effective::Off
    }

    fn level(&self, rule: &str) -> Effective {
        self.levels
            .iter()
            .find(|(n, _)| *n == rule)
            .map_or(Effective::Off, |(_, e)| *e)
    }
}

impl<'r> Engine<'r> {
    pub fn new(rules: Vec<&'r dyn Rule>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Engine {
            rules,
            threads,
            settings: Settings::default(),
            nested_configs: false,
            partial_crate: false,
            cache: None,
            pool: std::sync::OnceLock::new(),
        }
    }

    /// Reuses the walks of unchanged files from `cache`; [`Engine::save_cache`] writes it back.
    pub fn with_cache(mut self, cache: Cache) -> Self {
        self.cache = Some(RwLock::new(cache));
        self
    }

    /// Lets each file follow the configuration nearest to it (a workspace member's own
    /// `async-lint.toml` or `[package.metadata.async-lint]`) instead of the run's.
    pub fn with_nested_configs(mut self, nested: bool) -> Self {
        self.nested_configs = nested;
        self
    }

    /// Tells the engine that the files it lints are not their whole crate (files named on
    /// the command line outside any package), so missing crate-wide facts prove nothing.
    pub fn with_partial_crate(mut self, partial: bool) -> Self {
        self.partial_crate = partial;
        self
    }

    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The levels of every rule for the file at `path`, under the run's configuration.
    pub fn plan(&self, path: &Path) -> Plan<'r> {
        self.plan_with(path, &self.settings)
    }

    fn plan_with(&self, path: &Path, settings: &Settings) -> Plan<'r> {
        let rel = settings.relative(path);
        let levels: Vec<(&'static str, Effective)> = self
            .rules
            .iter()
            .map(|r| (r.meta().name, settings.effective(r.meta().name, rel.as_deref())))
            .collect();
        Plan {
            rules: self
                .rules
                .iter()
                .zip(&levels)
                .filter(|(_, (_, e))| *e != Effective::Off)
                .map(|(r, _)| *r)
                .collect(),
            levels,
            require_reason: settings.require_reason,
            partial_crate: self.partial_crate,
        }
    }

    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self.pool = std::sync::OnceLock::new();
        self
    }

    /// Lints every `.rs` file under `paths` under the run's configuration.
    pub fn lint_paths(&self, paths: &[PathBuf]) -> Report {
        let (files, errors) = discover(paths, &self.settings);
        let configs = vec![None; files.len()];
        self.lint_files(files, configs, errors)
    }

    /// Lints every `.rs` file under `paths`, each under its nearest configuration when nested
    /// configurations are on. Fails before linting anything if one of them is broken.
    pub fn lint(&self, paths: &[PathBuf]) -> Result<Report, ConfigError> {
        let (files, errors) = discover(paths, &self.settings);
        if !self.nested_configs {
            let configs = vec![None; files.len()];
            return Ok(self.lint_files(files, configs, errors));
        }
        let mut nearest = Nearest::new(&self.settings);
        let mut kept = Vec::new();
        let mut configs = Vec::new();
        for (path, len) in files {
            let settings = nearest.for_file(&path)?;
            // The file's own configuration may exclude it.
            if let Some(s) = &settings
                && s.relative(&path).is_some_and(|rel| s.excluded(&rel, false))
            {
                continue;
            }
            kept.push((path, len));
            configs.push(settings);
        }
        Ok(self.lint_files(kept, configs, errors))
    }

    fn lint_files(
        &self,
        mut files: Vec<(PathBuf, u64)>,
        configs: Vec<Option<Arc<Settings>>>,
        errors: Vec<FileReport>,
    ) -> Report {
        let mut work: Vec<(PathBuf, u64, Option<Arc<Settings>>)> =
            files.drain(..).zip(configs).map(|((p, len), c)| (p, len, c)).collect();
        // Largest first, so one big file does not finish last on an otherwise idle pool.
        work.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let started = Instant::now();
        // Known before the walk: a path through one of these names may reach a fn of the run.
        let packages = crate::model::crates::Packages::around(work.iter().map(|(p, _, _)| p.as_path()));
        let run_crates = packages.lib_names();
        let pool = self.pool.get_or_init(|| worker_pool(self.threads));
        let cache = self.cache.as_ref().map(|c| c.read().unwrap_or_else(|e| e.into_inner()));
        type Walked<'p> = (
            PathBuf,
            Plan<'p>,
            Result<Checked, String>,
            Option<crate::cache::Entry>,
            bool,
        );
        let checked: Vec<Walked> = pool.install(|| {
            work.par_iter()
                .map(|(path, _, config)| {
                    let settings = config.as_deref().unwrap_or(&self.settings);
                    let plan = self.plan_with(path, settings);
                    let test_file = is_test_path(path);
                    let text = match read_source(path) {
                        Ok(t) => t,
                        Err(e) => return (path.clone(), plan, Err(e), None, false),
                    };
                    let Some(cache) = &cache else {
                        let outcome = check_text(&plan.rules, &settings.options, &run_crates, text, test_file);
                        return (path.clone(), plan, outcome, None, false);
                    };
                    let content = crate::cache::content_hash(&text);
                    let env = crate::cache::env_hash(&plan.rules, &settings.options, &run_crates, test_file);
                    if let Some(entry) = cache.get(path, content, env) {
                        return (path.clone(), plan, Ok(entry.checked(text)), None, true);
                    }
                    let outcome = check_text(&plan.rules, &settings.options, &run_crates, text, test_file);
                    let entry = outcome
                        .as_ref()
                        .ok()
                        .map(|c| crate::cache::Cache::entry(c, content, env));
                    (path.clone(), plan, outcome, entry, false)
                })
                .collect()
        });
        drop(cache);
        let mut stats = Stats::default();
        for (_, _, outcome, _, hit) in &checked {
            stats.files += 1;
            stats.cached += usize::from(*hit);
            if let Ok(c) = outcome {
                stats.bytes += c.text.len() as u64;
                stats.lines += memchr::memchr_iter(b'\n', c.text.as_bytes()).count();
                stats.parse += c.parse_time;
                stats.check += c.check_time;
            }
        }
        if let Some(cache) = &self.cache {
            let mut cache = cache.write().unwrap_or_else(|e| e.into_inner());
            for (path, _, _, entry, _) in &checked {
                if let Some(e) = entry {
                    cache.insert(path, e.clone());
                }
            }
        }
        let crate_wide = Instant::now();
        let walked: Vec<(&Path, &Checked)> = checked
            .iter()
            .filter_map(|(p, _, c, _, _)| Some((p.as_path(), c.as_ref().ok()?)))
            .collect();
        // On a worker: its heap has the pages the walk freed.
        let settled = pool.install(|| settle(&walked, packages, &self.settings.options));
        stats.crate_pass = crate_wide.elapsed();
        let mut settled = settled.into_iter();
        let settled: Vec<Vec<Settled>> = checked
            .iter()
            .map(|(_, _, c, _, _)| match c {
                Ok(_) => settled.next().unwrap_or_default(),
                Err(_) => Vec::new(),
            })
            .collect();
        let mut reports: Vec<FileReport> = pool.install(|| {
            checked
                .par_iter()
                .zip(settled.par_iter())
                .map(|((path, plan, outcome, _, _), settled)| match outcome {
                    Ok(c) => finish(path, c, settled, plan),
                    Err(e) => FileReport {
                        path: path.clone(),
                        diagnostics: Vec::new(),
                        source: None,
                        error: Some(e.clone()),
                    },
                })
                .collect()
        });
        stats.crate_wide = crate_wide.elapsed();
        reports.extend(errors);
        reports.sort_by(|a, b| a.path.cmp(&b.path));
        reports.dedup_by(|a, b| a.path == b.path && a.error.is_some() == b.error.is_some());
        stats.wall = started.elapsed();
        Report { files: reports, stats }
    }

    /// Writes the cache back, if there is one and it changed.
    pub fn save_cache(&self) -> std::io::Result<()> {
        match &self.cache {
            Some(c) => c.read().unwrap_or_else(|e| e.into_inner()).save(),
            None => Ok(()),
        }
    }
}

/// The nearest configuration of each directory, looked up once per directory.
struct Nearest<'s> {
    run: &'s Settings,
    /// Directory -> the configuration file that governs it (`None`: none at or above it).
    dirs: HashMap<PathBuf, Option<PathBuf>>,
    loaded: HashMap<PathBuf, Arc<Settings>>,
}

impl<'s> Nearest<'s> {
    fn new(run: &'s Settings) -> Self {
        Nearest {
            run,
            dirs: HashMap::new(),
            loaded: HashMap::new(),
        }
    }

    /// `None` means the run's own configuration.
    fn for_file(&mut self, path: &Path) -> Result<Option<Arc<Settings>>, ConfigError> {
        let abs = std::path::absolute(path)
            .map(|p| normalize(&p))
            .unwrap_or_else(|_| path.to_path_buf());
        let dir = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
        let Some(file) = self.config_of(&dir)? else {
            return Ok(None);
        };
        let run_file = self
            .run
            .source
            .as_ref()
            .and_then(|s| std::path::absolute(s).ok())
            .map(|s| normalize(&s));
        if run_file.as_ref() == Some(&file) {
            return Ok(None);
        }
        if let Some(s) = self.loaded.get(&file) {
            return Ok(Some(s.clone()));
        }
        let settings = Arc::new(crate::config::load(&file)?.with_command_line_of(self.run));
        self.loaded.insert(file, settings.clone());
        Ok(Some(settings))
    }

    fn config_of(&mut self, dir: &Path) -> Result<Option<PathBuf>, ConfigError> {
        if let Some(found) = self.dirs.get(dir) {
            return Ok(found.clone());
        }
        let found = match crate::config::in_dir(dir)? {
            Some(f) => Some(normalize(&f)),
            None => match dir.parent() {
                Some(parent) => self.config_of(parent)?,
                None => None,
            },
        };
        self.dirs.insert(dir.to_path_buf(), found.clone());
        Ok(found)
    }
}

/// One file after its walk, before crate-wide findings are settled.
pub struct Checked {
    /// The text without a byte-order mark, as offsets count it.
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    pub summaries: Vec<FnSummary>,
    pub items: FileItems,
    pub deferred: Vec<Deferred>,
    pub suppressions: Suppressions,
    /// Time spent parsing and walking this file (zero when it came from the cache).
    pub parse_time: Duration,
    pub check_time: Duration,
}

/// Settles a file's deferred findings against the crate, applies the file's levels and
/// suppressions, then orders and places the findings.
pub fn finish(path: &Path, checked: &Checked, settled: &[Settled], plan: &Plan) -> FileReport {
    let mut diags = checked.diagnostics.clone();
    diags.extend(checked.deferred.iter().zip(settled).filter_map(|(d, s)| {
        let Settled::Holds(diag) = s else { return None };
        let mut diag = (**diag).clone();
        if let Some(f) = d.fn_index.and_then(|i| checked.summaries.get(i)) {
            diag.scope = f.scope();
        }
        Some(diag)
    }));
    if diags.is_empty() && checked.suppressions.is_empty() {
        return FileReport {
            path: path.to_path_buf(),
            diagnostics: Vec::new(),
            source: None,
            error: None,
        };
    }
    let lines = LineIndex::new(&checked.text);
    if !checked.suppressions.is_empty() {
        let outcome = crate::suppress::apply(&checked.suppressions, diags, &lines);
        diags = outcome.kept;
        // A crate-wide finding about a fn this run never saw (its file was not linted) might
        // have been there: a suppression on its line is not known to be unused.
        let unsure: Vec<(&str, usize)> = checked
            .deferred
            .iter()
            .zip(settled)
            .filter(|(_, s)| plan.partial_crate && matches!(s, Settled::Unknown))
            .map(|(d, _)| d)
            .map(|d| (d.rule, lines.line_col(d.range.start).0))
            .collect();
        let unused: Vec<(usize, usize)> = outcome
            .unused
            .into_iter()
            .filter(|&(si, ri)| {
                let s = &checked.suppressions.list[si];
                let rule = s.rules[ri].0.as_str();
                !unsure.iter().any(|&(r, line)| {
                    r == rule
                        && match &s.scope {
                            crate::suppress::Scope::Line(l) => *l == line,
                            _ => true,
                        }
                })
            })
            .collect();
        diags.extend(suppression_findings(&checked.suppressions, &unused, plan));
    }
    diags.retain_mut(|d| match plan.level(d.rule) {
        Effective::Off => false,
        Effective::Default => true,
        Effective::Forced(s) => {
            d.severity = s;
            true
        }
    });
    diags.sort_by(|a, b| (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule)));
    diags.dedup_by(|a, b| a.rule == b.rule && a.range == b.range);
    let mut report = FileReport {
        path: path.to_path_buf(),
        diagnostics: Vec::new(),
        source: None,
        error: None,
    };
    if !diags.is_empty() {
        report.diagnostics = diags.into_iter().map(|d| lines.locate(d)).collect();
        report.source = Some(checked.text.clone());
    }
    report
}

/// Findings about the suppressions themselves: unknown rules, unreadable comments, missing
/// reasons, and suppressions of a rule that runs here but found nothing to suppress.
fn suppression_findings(sup: &Suppressions, unused: &[(usize, usize)], plan: &Plan) -> Vec<Diagnostic> {
    let invalid = |range: std::ops::Range<usize>, message: String| {
        let meta = &invalid_suppression::META;
        Diagnostic::new(meta.name, meta.default_severity, message, range)
    };
    let mut out = Vec::new();
    for range in &sup.malformed {
        out.push(
            invalid(range.clone(), "this suppression cannot be read".into()).with_help(
                "write `// async-lint: allow(rule_name) -- reason` or `#[cfg_attr(async_lint, allow(rule_name))]`",
            ),
        );
    }
    for (si, s) in sup.list.iter().enumerate() {
        for (ri, (name, range)) in s.rules.iter().enumerate() {
            if crate::rules::by_name(name).is_none() {
                out.push(
                    invalid(range.clone(), format!("unknown rule `{name}` in a suppression"))
                        .with_help(format!("known rules: {}", crate::config::rule_names())),
                );
            } else if unused.contains(&(si, ri)) && plan.level(name) != Effective::Off {
                let meta = &unused_suppression::META;
                out.push(
                    Diagnostic::new(
                        meta.name,
                        meta.default_severity,
                        format!("unused suppression of `{name}`"),
                        range.clone(),
                    )
                    .with_primary_label("nothing here to suppress")
                    .with_help("remove it, or move it to the line the finding is on"),
                );
            }
        }
        if plan.require_reason && s.reason.is_none() {
            let help = if matches!(s.scope, crate::suppress::Scope::Item(_)) {
                "give the reason as rustc does: `#[cfg_attr(async_lint, allow(rule, reason = \"why\"))]`"
            } else {
                "add the reason after the rule list: `// async-lint: allow(rule) -- why this is fine`"
            };
            out.push(invalid(s.range.clone(), "suppression without a reason".into()).with_help(help));
        }
    }
    out
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
    use std::io::Read;
    // One open, then questions to the open file: a second lookup of the path costs as much as
    // reading a small file.
    let mut file = std::fs::File::open(path).map_err(|e| io_message(&e))?;
    let meta = file.metadata().map_err(|e| io_message(&e))?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file is too large to lint ({} bytes; the limit is {MAX_FILE_BYTES})",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.read_to_end(&mut bytes).map_err(|e| io_message(&e))?;
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

/// Lints one file's text on the current thread, as a crate of its own: diagnostics sorted by
/// position, or why the text could not be linted. The caller must run this on a thread with a
/// [`STACK_SIZE`] stack.
pub fn lint_text(rules: &[&dyn Rule], text: &str, test_file: bool) -> Result<Vec<Located>, String> {
    let options = Options::default();
    let checked = check_text(rules, &options, &[], text.to_string(), test_file)?;
    let path = Path::new("");
    let settled = settle(&[(path, &checked)], Packages::default(), &options);
    let settled = settled.into_iter().next().unwrap_or_default();
    Ok(finish(path, &checked, &settled, &Plan::defaults(rules)).diagnostics)
}

/// Builds the crate model of the walked files and settles their deferred findings.
pub fn settle(walked: &[(&Path, &Checked)], packages: Packages, options: &Options) -> Vec<Vec<Settled>> {
    let inputs = walked
        .iter()
        .map(|(path, c)| FileInput {
            path,
            items: &c.items,
            summaries: &c.summaries,
        })
        .collect();
    let mut model = Model::build(inputs, packages, options);
    let deferred: Vec<&[Deferred]> = walked.iter().map(|(_, c)| c.deferred.as_slice()).collect();
    model.settle_all(&deferred)
}

/// Parses and walks one file. The caller must run this on a thread with a [`STACK_SIZE`] stack.
pub fn check_text(
    rules: &[&dyn Rule],
    options: &Options,
    run_crates: &[String],
    mut text: String,
    test_file: bool,
) -> Result<Checked, String> {
    crate::source::strip_bom(&mut text);
    let depth = crate::nesting::estimate_depth(&text);
    if depth > MAX_NESTING {
        return Err(format!(
            "nesting is too deep to lint safely (about {depth} levels; the limit is {MAX_NESTING})"
        ));
    }
    let code = crate::source::without_shebang(&text);
    let code = &*code;
    // Rules read `code`; only the parser sees the copy without doc comments.
    let parsed = crate::source::without_docs(code);
    let mut parse_time = Duration::ZERO;
    let mut check_time = Duration::ZERO;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<_, String> {
        let t = Instant::now();
        let file = syn::parse_file(&parsed).map_err(|e| {
            let at = e.span().start();
            format!("could not parse: {e} (line {}, column {})", at.line, at.column + 1)
        })?;
        parse_time = t.elapsed();
        let t = Instant::now();
        let _lines = crate::context::SourceLines::install(code);
        let cx = Walker::new(rules, code, options, run_crates, &file, test_file).run(&file);
        let suppressions = Suppressions::collect(code, &file);
        check_time = t.elapsed();
        Ok((cx.diagnostics, cx.summaries, cx.items, cx.deferred, suppressions))
    }));
    // Spans of this file are no longer needed; free the thread's source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    let (diagnostics, summaries, items, deferred, suppressions) = match outcome {
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
        items,
        deferred,
        suppressions,
        parse_time,
        check_time,
    })
}
