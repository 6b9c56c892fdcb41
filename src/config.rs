//! The configuration file, found from the linted paths upward, and the settings the engine
//! runs with once the command line is applied on top of it.

use crate::options::{BlockingCall, Options};
use crate::rule::Severity;
use crate::rules;
use globset::{GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// The names a configuration file may have, in the order they are looked for in a directory.
pub const FILE_NAMES: &[&str] = &["async-lint.toml", ".async-lint.toml"];

/// How much a rule reports.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Level>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    respect_gitignore: Option<bool>,
    #[serde(default)]
    require_reason: bool,
    baseline: Option<String>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    blocking_calls: Vec<Spanned<BlockingCall>>,
    #[serde(default)]
    executor_entry_points: Vec<String>,
    #[serde(default)]
    spawners: Vec<String>,
    #[serde(default)]
    insulating_wrappers: Vec<String>,
    #[serde(default)]
    lock_types: Vec<String>,
    #[serde(default)]
    token_types: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOverride {
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Level>,
}

/// `Cargo.toml`, as far as it concerns us.
#[derive(Deserialize)]
struct Manifest {
    package: Option<ManifestSection>,
    workspace: Option<ManifestSection>,
}

#[derive(Deserialize)]
struct ManifestSection {
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "async-lint")]
    async_lint: Option<RawConfig>,
}

/// Levels by rule name; `all` applies to every rule not named.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    all: Option<Level>,
    by_rule: BTreeMap<&'static str, Level>,
}

impl Levels {
    fn get(&self, rule: &str) -> Option<Level> {
        self.by_rule.get(rule).copied().or(self.all)
    }

    pub fn set(&mut self, rule: &'static str, level: Level) {
        self.by_rule.insert(rule, level);
    }

    /// Sets the level of every rule, replacing what was set for single rules.
    pub fn set_all(&mut self, level: Level) {
        self.all = Some(level);
        self.by_rule.clear();
    }

    /// Whether a level is set for `rule`, by name or through `all`.
    pub fn mentions(&self, rule: &str) -> bool {
        self.get(rule).is_some()
    }
}

#[derive(Debug)]
struct Override {
    paths: GlobSet,
    levels: Levels,
}

/// What the command line adds on top of the file.
#[derive(Clone, Debug, Default)]
pub struct CliLevels {
    /// `--select`: only these rules run.
    pub select: Option<Vec<&'static str>>,
    /// `--allow`, `--warn`, `--deny`, strongest last.
    pub forced: Levels,
}

/// Everything the engine needs to know about the project.
#[derive(Debug)]
pub struct Settings {
    /// The configuration file in use, if any.
    pub source: Option<PathBuf>,
    /// The directory that relative paths and globs in the file are relative to.
    pub root: PathBuf,
    levels: Levels,
    overrides: Vec<Override>,
    pub cli: CliLevels,
    include: Option<GlobSet>,
    exclude: GlobSet,
    pub respect_gitignore: bool,
    pub require_reason: bool,
    /// `--require-reason` was given: it holds under every configuration of the run.
    pub require_reason_from_cli: bool,
    /// The baseline file named in the configuration, relative to the working directory.
    pub baseline: Option<PathBuf>,
    pub options: Options,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            source: None,
            root: std::env::current_dir().map(|d| normalize(&d)).unwrap_or_default(),
            levels: Levels::default(),
            overrides: Vec::new(),
            cli: CliLevels::default(),
            include: None,
            exclude: GlobSet::empty(),
            respect_gitignore: true,
            require_reason: false,
            require_reason_from_cli: false,
            baseline: None,
            options: Options::default(),
        }
    }
}

/// How a rule runs in one file: off, or on with its own severities or a forced one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effective {
    Off,
    /// The rule's own severity for each finding.
    Default,
    Forced(Severity),
}

impl Settings {
    /// The level of `rule` for a file at `rel` (relative to [`Settings::root`]).
    pub fn effective(&self, rule: &'static str, rel: Option<&Path>) -> Effective {
        let mut level = self.levels.get(rule);
        if let Some(select) = &self.cli.select {
            if !select.contains(&rule) {
                return Effective::Off;
            }
            // Selecting a rule on the command line turns it on even if the file allows it.
            if level == Some(Level::Allow) {
                level = None;
            }
        }
        if let Some(rel) = rel {
            for o in &self.overrides {
                if o.paths.is_match(rel) {
                    level = o.levels.get(rule).or(level);
                }
            }
        }
        match self.cli.forced.get(rule).or(level) {
            None => Effective::Default,
            Some(Level::Allow) => Effective::Off,
            Some(Level::Warn) => Effective::Forced(Severity::Warning),
            Some(Level::Deny) => Effective::Forced(Severity::Error),
        }
    }

    /// Whether `rel` is excluded by `exclude`, or (for files) not matched by `include`.
    pub fn excluded(&self, rel: &Path, is_dir: bool) -> bool {
        if self.exclude.is_match(rel) {
            return true;
        }
        !is_dir && self.include.as_ref().is_some_and(|inc| !inc.is_match(rel))
    }

    /// `path` relative to the configuration root, if it lies below it.
    pub fn relative(&self, path: &Path) -> Option<PathBuf> {
        let abs = absolute(path)?;
        normalize(&abs).strip_prefix(&self.root).ok().map(Path::to_path_buf)
    }
}

/// A configuration problem, with where it is.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Finds the configuration for `paths`: the nearest one at or above their common directory.
pub fn discover(paths: &[PathBuf]) -> Result<Option<PathBuf>, ConfigError> {
    let cwd = std::env::current_dir().map_err(|e| ConfigError(format!("cannot read the working directory: {e}")))?;
    let mut start = common_dir(paths, &cwd);
    loop {
        if let Some(found) = in_dir(&start)? {
            return Ok(Some(found));
        }
        if !start.pop() {
            return Ok(None);
        }
    }
}

/// The configuration file of `dir` itself, if it has one.
pub fn in_dir(dir: &Path) -> Result<Option<PathBuf>, ConfigError> {
    for name in FILE_NAMES {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(Some(candidate));
        }
    }
    let manifest = dir.join("Cargo.toml");
    // Only a manifest that mentions us is parsed; others may be anything.
    // Capped and regular files only: a checkout may plant a FIFO or a huge file here.
    if let Ok(text) = crate::source::read_capped(&manifest, MAX_CONFIG_BYTES)
        && text.contains("async-lint")
        && manifest_config(&manifest, &text)?.is_some()
    {
        return Ok(Some(manifest));
    }
    Ok(None)
}

impl Settings {
    /// The command line's part of these settings, applied to settings from another file.
    pub fn with_command_line_of(mut self, run: &Settings) -> Self {
        self.cli = run.cli.clone();
        self.respect_gitignore &= run.respect_gitignore;
        self.require_reason |= run.require_reason_from_cli;
        self.require_reason_from_cli = run.require_reason_from_cli;
        self
    }
}

/// Loads a configuration file (`async-lint.toml` or a `Cargo.toml` with metadata).
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let text = read(path)?;
    let raw = if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        manifest_config(path, &text)?.ok_or_else(|| {
            ConfigError(format!(
                "{}: no `[package.metadata.async-lint]` or `[workspace.metadata.async-lint]` table",
                path.display()
            ))
        })?
    } else {
        toml::from_str::<RawConfig>(&text).map_err(|e| toml_error(path, &text, &e))?
    };
    let abs = std::path::absolute(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let root = normalize(abs.parent().unwrap_or(Path::new("/")));
    resolve(raw, path, &text, root)
}

/// The largest configuration file or manifest read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

fn read(path: &Path) -> Result<String, ConfigError> {
    crate::source::read_capped(path, MAX_CONFIG_BYTES)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", shown(path))))
}

fn manifest_config(path: &Path, text: &str) -> Result<Option<RawConfig>, ConfigError> {
    let manifest: Manifest = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let from = |s: Option<ManifestSection>| s.and_then(|s| s.metadata).and_then(|m| m.async_lint);
    // A package's own table is nearer than its workspace's.
    Ok(from(manifest.package).or(from(manifest.workspace)))
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().trim_end().replace('\n', " ");
    match e.span() {
        Some(span) => at(path, text, span.start, &message),
        None => ConfigError(format!("{}: {message}", shown(path))),
    }
}

fn at(path: &Path, text: &str, offset: usize, message: &str) -> ConfigError {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ConfigError(format!("{}:{line}:{column}: {message}", shown(path)))
}

/// A configuration path as messages show it: from the working directory when that is shorter.
fn shown(path: &Path) -> String {
    let abs = absolute_normalized(path);
    let cwd = std::env::current_dir().map(|c| normalize(&c)).unwrap_or_default();
    let rel = relative_path(&abs, &cwd);
    if rel.as_os_str().len() < path.as_os_str().len() {
        rel
    } else {
        path.to_path_buf()
    }
    .display()
    .to_string()
}

fn resolve(raw: RawConfig, path: &Path, text: &str, root: PathBuf) -> Result<Settings, ConfigError> {
    let levels = levels_of(&raw.rules, path, text)?;
    let mut overrides = Vec::new();
    for o in &raw.overrides {
        overrides.push(Override {
            paths: globs(&o.paths, path, text)?,
            levels: levels_of(&o.rules, path, text)?,
        });
    }
    for b in &raw.blocking_calls {
        let call = b.get_ref();
        if call.path.is_some() == call.method.is_some() {
            return Err(at(
                path,
                text,
                b.span().start,
                "a blocking call needs exactly one of `path` or `method`",
            ));
        }
    }
    let baseline = raw.baseline.as_ref().map(|b| relative_to_cwd(&root.join(b)));
    Ok(Settings {
        source: Some(path.to_path_buf()),
        levels,
        overrides,
        cli: CliLevels::default(),
        include: if raw.include.is_empty() {
            None
        } else {
            Some(globs(&raw.include, path, text)?)
        },
        exclude: globs(&raw.exclude, path, text)?,
        respect_gitignore: raw.respect_gitignore.unwrap_or(true),
        require_reason: raw.require_reason,
        require_reason_from_cli: false,
        baseline,
        options: Options {
            blocking_calls: raw.blocking_calls.into_iter().map(Spanned::into_inner).collect(),
            executor_entry_points: raw.executor_entry_points,
            spawners: raw.spawners,
            insulating_wrappers: raw.insulating_wrappers,
            lock_types: raw.lock_types,
            token_types: raw.token_types,
        },
        root,
    })
}

fn levels_of(table: &BTreeMap<Spanned<String>, Level>, path: &Path, text: &str) -> Result<Levels, ConfigError> {
    let mut out = Levels::default();
    for (name, level) in table {
        if name.get_ref() == "all" {
            out.all = Some(*level);
            continue;
        }
        let Some(rule) = rules::by_name(name.get_ref()) else {
            return Err(at(
                path,
                text,
                name.span().start,
                &format!("unknown rule `{}`; known rules: all, {}", name.get_ref(), rule_names()),
            ));
        };
        out.set(rule.meta().name, *level);
    }
    Ok(out)
}

/// Globs relative to the configuration's directory. A pattern without a `/` matches a name at
/// any depth, as in `.gitignore`; a directory pattern also excludes what is below it.
fn globs(patterns: &[Spanned<String>], path: &Path, text: &str) -> Result<GlobSet, ConfigError> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        // A trailing `/` means "a directory", which is all a pattern matches below anyway.
        let raw = p.get_ref().trim_start_matches("./").trim_end_matches('/');
        let anchored = raw.trim_start_matches('/');
        let pattern = if raw.contains('/') {
            anchored.to_string()
        } else {
            format!("**/{anchored}")
        };
        for candidate in [pattern.to_string(), format!("{pattern}/**")] {
            let glob = globset::GlobBuilder::new(&candidate)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    at(
                        path,
                        text,
                        p.span().start,
                        &format!("invalid glob `{}`: {}", p.get_ref(), e.kind()),
                    )
                })?;
            set.add(glob);
        }
    }
    set.build()
        .map_err(|e| ConfigError(format!("{}: invalid globs: {e}", path.display())))
}

pub fn rule_names() -> String {
    rules::ALL.iter().map(|r| r.meta().name).collect::<Vec<_>>().join(", ")
}

/// The directory all `paths` lie in (absolute, without `.` or `..`).
fn common_dir(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| {
            let abs = normalize(&cwd.join(p));
            if abs.is_dir() {
                abs
            } else {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            }
        })
        .collect();
    let Some(first) = dirs.first() else {
        return normalize(cwd);
    };
    let mut common = first.clone();
    for d in &dirs[1..] {
        while !d.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// `path` made absolute against the working directory, which is read once per process: every
/// entry of a walk asks, and `std::path::absolute` makes a `getcwd` call each time.
pub fn absolute(path: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        return Some(path.to_path_buf());
    }
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    match cwd {
        Some(cwd) => Some(cwd.join(path)),
        None => std::path::absolute(path).ok(),
    }
}

/// `path` absolute and without `.` or `..` (see [`normalize`]), or as given when the working
/// directory cannot be read: how files and configurations are known across a run.
pub fn absolute_normalized(path: &Path) -> PathBuf {
    absolute(path).map_or_else(|| path.to_path_buf(), |p| normalize(&p))
}

/// `a/./b/../c` as `a/c`, without touching the file system (symlinks stay as written).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` as seen from `base` (both absolute and normalized): `src/a.rs`, `../src/a.rs`, or
/// `path` itself when they share nothing but the root.
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    let Some(common) = base.ancestors().find(|a| path.starts_with(a)) else {
        return path.to_path_buf();
    };
    if common.parent().is_none() && base != common {
        return path.to_path_buf();
    }
    let ups = base.strip_prefix(common).map_or(0, |r| r.components().count());
    let mut out: PathBuf = (0..ups).map(|_| "..").collect();
    out.push(path.strip_prefix(common).unwrap_or(path));
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// `path` relative to the working directory when it lies below it, for shorter messages.
fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(normalize(&cwd)).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<Settings, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(Path::new("c.toml"), text, &e))?;
        resolve(raw, Path::new("c.toml"), text, PathBuf::from("/p"))
    }

    #[test]
    fn levels_layer_file_overrides_then_cli() {
        let mut s = settings(
            r#"
[rules]
all = "deny"
sequential_awaits = "allow"

[[overrides]]
paths = ["tests/**"]
rules = { block_on_in_async = "allow" }
"#,
        )
        .unwrap();
        let src = Some(Path::new("src/a.rs"));
        let test = Some(Path::new("tests/a.rs"));
        assert_eq!(
            s.effective("block_on_in_async", src),
            Effective::Forced(Severity::Error)
        );
        assert_eq!(s.effective("block_on_in_async", test), Effective::Off);
        assert_eq!(s.effective("sequential_awaits", src), Effective::Off);
        s.cli.forced.set("sequential_awaits", Level::Warn);
        assert_eq!(
            s.effective("sequential_awaits", src),
            Effective::Forced(Severity::Warning)
        );
        s.cli.select = Some(vec!["lock_across_await"]);
        assert_eq!(s.effective("block_on_in_async", src), Effective::Off);
        assert_eq!(
            s.effective("lock_across_await", src),
            Effective::Forced(Severity::Error)
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = settings("[rules]\nblock_on_in_asink = \"deny\"\n").unwrap_err().0;
        assert!(e.starts_with("c.toml:2:1: unknown rule `block_on_in_asink`"), "{e}");
        let e = settings("exclude = \"x\"\n").unwrap_err().0;
        assert!(e.starts_with("c.toml:1:11:"), "{e}");
        let e = settings("[rules]\nblock_on_in_async = \"loud\"\n").unwrap_err().0;
        assert!(
            e.contains("allow") && e.contains("deny") && e.starts_with("c.toml:2:"),
            "{e}"
        );
        let e = settings("colour = true\n").unwrap_err().0;
        assert!(
            e.contains("unknown field `colour`") && e.contains("blocking-calls"),
            "{e}"
        );
    }

    #[test]
    fn absolute_agrees_with_std() {
        for p in ["src/a.rs", ".", "../x/y.rs", "/abs/z.rs"] {
            assert_eq!(absolute(Path::new(p)), std::path::absolute(p).ok(), "{p}");
        }
    }

    #[test]
    fn relative_paths_climb_with_dots() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(relative_path(&p("/r/src/a.rs"), &p("/r")), p("src/a.rs"));
        assert_eq!(relative_path(&p("/r/src/a.rs"), &p("/r/ci")), p("../src/a.rs"));
        assert_eq!(relative_path(&p("/r"), &p("/r/a/b")), p("../.."));
        assert_eq!(relative_path(&p("/r"), &p("/r")), p("."));
        assert_eq!(relative_path(&p("/x/y"), &p("/r/s")), p("/x/y"));
    }

    #[test]
    fn globs_match_like_gitignore() {
        let s = settings("exclude = [\"generated/\", \"src/legacy/*.rs\"]\ninclude = [\"src/**\"]\n").unwrap();
        assert!(s.excluded(Path::new("src/generated/x.rs"), false));
        assert!(s.excluded(Path::new("generated"), true));
        assert!(s.excluded(Path::new("src/legacy/a.rs"), false));
        assert!(!s.excluded(Path::new("src/legacy/deeper/a.rs"), false));
        assert!(s.excluded(Path::new("tests/a.rs"), false));
        assert!(!s.excluded(Path::new("tests"), true));
        assert!(!s.excluded(Path::new("src/a.rs"), false));
    }
}
