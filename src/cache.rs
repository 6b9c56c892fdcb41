//! A cache of each file's walk: what the rules found, the fns it declares and the suppressions
//! it holds, keyed by the file's content hash, the tool's version and everything that shaped the
//! walk (the rules that ran, the project's tables, test-file status). A re-run over an unchanged
//! tree reads and hashes the files and skips parsing them.
//!
//! Crate-wide findings stay correct without invalidation: the cache keeps each file's own facts
//! and its pending crate-wide findings, and every run settles those against the index of all
//! files as they are now. Levels, suppressions and baselines are applied after the cache too.
//!
//! The cache is a single file, written whole to a temporary file and renamed into place. One
//! that cannot be read, or was written by another version, is ignored and replaced.

use crate::diagnostic::Diagnostic;
use crate::engine::Checked;
use crate::knowledge::{Deferred, FnSummary, Words};
use crate::model::items::FileItems;
use crate::options::Options;
use crate::rule::Rule;
use crate::suppress::Suppressions;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

const FORMAT: u32 = 2;
const FILE_NAME: &str = "cache-v1.json";

#[derive(Serialize, Deserialize)]
struct FileFormat {
    format: u32,
    tool: String,
    entries: Vec<(String, Entry)>,
}

/// One file's walk.
#[derive(Clone, Serialize, Deserialize)]
pub struct Entry {
    content: u64,
    env: u64,
    diagnostics: Vec<Diagnostic>,
    summaries: Vec<FnSummary>,
    items: FileItems,
    deferred: Vec<Deferred>,
    suppressions: Suppressions,
}

impl Entry {
    /// The walk as the engine uses it, with the file's text.
    pub fn checked(&self, text: String) -> Checked {
        Checked {
            text,
            diagnostics: self.diagnostics.clone(),
            summaries: self.summaries.clone(),
            items: self.items.clone(),
            deferred: self.deferred.clone(),
            suppressions: self.suppressions.clone(),
            parse_time: Default::default(),
            check_time: Default::default(),
        }
    }
}

pub struct Cache {
    dir: PathBuf,
    entries: HashMap<String, Entry>,
    changed: bool,
}

/// The hash of a file's text.
pub fn content_hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// The hash of everything besides the text that the walk's result depends on.
pub fn env_hash(rules: &[&dyn Rule], options: &Options, run_crates: &[String], test_file: bool) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    for r in rules {
        r.meta().name.hash(&mut h);
    }
    options.hash(&mut h);
    run_crates.hash(&mut h);
    test_file.hash(&mut h);
    h.finish()
}

impl Cache {
    /// Opens the cache in `dir`, empty if there is none or it cannot be trusted.
    pub fn open(dir: &Path) -> Self {
        let entries = std::fs::read(dir.join(FILE_NAME))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<FileFormat>(&bytes).ok())
            .filter(|f| f.format == FORMAT && f.tool == env!("CARGO_PKG_VERSION"))
            .map(|f| f.entries.into_iter().collect())
            .unwrap_or_default();
        Cache {
            dir: dir.to_path_buf(),
            entries,
            changed: false,
        }
    }

    /// The cached walk of `path`, if it is for this text and environment.
    pub fn get(&self, path: &Path, content: u64, env: u64) -> Option<&Entry> {
        self.entries
            .get(&key(path))
            .filter(|e| e.content == content && e.env == env)
    }

    /// An entry for a freshly walked file.
    pub fn entry(checked: &Checked, content: u64, env: u64) -> Entry {
        Entry {
            content,
            env,
            diagnostics: checked.diagnostics.clone(),
            summaries: checked.summaries.clone(),
            items: checked.items.clone(),
            // A fn pointer cannot be stored: write the words now.
            deferred: checked
                .deferred
                .iter()
                .map(|d| {
                    let (m, l, h) = d
                        .describe
                        .for_callee(checked.items.calls.get(d.callee as usize).map_or("", |c| c.name()));
                    Deferred {
                        describe: Words::Ready(m, l, h),
                        ..d.clone()
                    }
                })
                .collect(),
            suppressions: checked.suppressions.clone(),
        }
    }

    pub fn insert(&mut self, path: &Path, entry: Entry) {
        self.entries.insert(key(path), entry);
        self.changed = true;
    }

    /// Writes the cache back if anything changed. A cache that cannot be written is only a
    /// missed speed-up, so the error is returned for a warning, not a failure.
    pub fn save(&self) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        // Tell backup and archive tools the directory holds nothing worth keeping.
        let tag = self.dir.join("CACHEDIR.TAG");
        if !tag.exists() {
            let _ = std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# async-lint's cache; see its README.\n",
            );
        }
        let mut entries: Vec<(String, Entry)> = self.entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let file = FileFormat {
            format: FORMAT,
            tool: env!("CARGO_PKG_VERSION").to_string(),
            entries,
        };
        let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
        let tmp = self.dir.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, self.dir.join(FILE_NAME))
    }
}

/// Files are known by their absolute path, so runs from different directories share entries.
fn key(path: &Path) -> String {
    crate::config::absolute_normalized(path).to_string_lossy().into_owned()
}

/// Where the cache lives by default: `target/async-lint/` of the cargo workspace (or package)
/// around `start`, or `$CARGO_TARGET_DIR/async-lint/`. `None` outside any cargo package.
pub fn default_dir(start: &Path) -> Option<PathBuf> {
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("async-lint"));
    }
    let abs = std::path::absolute(start).ok()?;
    let manifests: Vec<&Path> = abs.ancestors().filter(|d| d.join("Cargo.toml").is_file()).collect();
    let workspace = manifests
        .iter()
        .rev()
        .find(|d| std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]")));
    let root = workspace.or(manifests.first())?;
    Some(root.join("target").join("async-lint"))
}
