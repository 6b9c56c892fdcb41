//! Finding the files to lint: walkdir below each root, `.gitignore` files honoured on the way,
//! the configuration's `include`/`exclude` applied.

use crate::config::{Settings, absolute_normalized};
use crate::engine::FileReport;
use ignore::Match;
use ignore::gitignore::Gitignore;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `paths` with its size, and an error report for each path that cannot
/// be walked. Hidden directories and `target/` are skipped below a root; symlinked directories
/// are never followed, so a symlink loop cannot hang the walk. A file named explicitly is linted
/// even if `.gitignore` lists it, but the configuration's `exclude` still applies to it.
pub fn discover(paths: &[PathBuf], settings: &Settings) -> (Vec<(PathBuf, u64)>, Vec<FileReport>) {
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
    let excluded = |path: &Path, is_dir: bool| {
        settings
            .relative(path)
            .is_some_and(|rel| !rel.as_os_str().is_empty() && settings.excluded(&rel, is_dir))
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
            if !excluded(root, false) {
                files.push((clean(root), root_meta.len()));
            }
            continue;
        }
        let mut ignores = Ignores::new(root, settings.respect_gitignore);
        let walk = walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let is_dir = e.file_type().is_dir();
                if is_dir && is_skipped_dir(e.path()) {
                    return false;
                }
                let keep = !ignores.ignored(e.path(), e.depth(), is_dir) && !excluded(e.path(), is_dir);
                if keep && is_dir {
                    ignores.enter(e.path(), e.depth());
                }
                keep
            });
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
            let ft = entry.file_type();
            if entry.path().extension().is_none_or(|x| x != "rs") {
                continue;
            }
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

/// The `.gitignore` files that apply where the walk is: those of the repository above the root
/// (up to the directory holding `.git`, with `.git/info/exclude`), then one per directory
/// entered, innermost last. walkdir visits depth-first, so leaving a directory is noticed when
/// the next entry is no deeper than it.
struct Ignores {
    enabled: bool,
    /// (depth of the directory that holds it, matcher); depth 0 is the root, above it -1.
    stack: Vec<(isize, Gitignore)>,
    /// Absolute form of the root, to match ancestors' patterns against.
    root_abs: PathBuf,
    root: PathBuf,
}

impl Ignores {
    fn new(root: &Path, enabled: bool) -> Self {
        let root_abs = absolute_normalized(root);
        let mut ignores = Ignores {
            enabled,
            stack: Vec::new(),
            root_abs: root_abs.clone(),
            root: root.to_path_buf(),
        };
        if !enabled {
            return ignores;
        }
        // The repository the root is in: the root itself, or the nearest ancestor with `.git`.
        // Its `.gitignore` files between there and the root apply, outermost first.
        let repo = root_abs
            .ancestors()
            .find(|d| d.join(".git").exists())
            .map(Path::to_path_buf);
        if let Some(repo) = repo {
            ignores.push_file(-1, &repo.join(".git/info/exclude"), &repo);
            let above: Vec<&Path> = root_abs
                .ancestors()
                .skip(1)
                .take_while(|d| d.starts_with(&repo))
                .collect();
            for dir in above.iter().rev() {
                ignores.push_file(-1, &dir.join(".gitignore"), dir);
            }
        }
        ignores.enter(root, 0);
        ignores
    }

    fn push_file(&mut self, depth: isize, file: &Path, dir: &Path) {
        if !file.is_file() {
            return;
        }
        let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
        // A malformed line is skipped, as git does.
        let _ = builder.add(file);
        if let Ok(gi) = builder.build()
            && !gi.is_empty()
        {
            self.stack.push((depth, gi));
        }
    }

    /// Called for every directory the walk enters.
    fn enter(&mut self, dir: &Path, depth: usize) {
        if !self.enabled {
            return;
        }
        self.leave_to(depth);
        let abs = self.absolute(dir);
        self.push_file(depth as isize, &abs.join(".gitignore"), &abs);
    }

    fn leave_to(&mut self, depth: usize) {
        while self.stack.last().is_some_and(|(d, _)| *d >= depth as isize && *d >= 0) {
            self.stack.pop();
        }
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(rest) => self.root_abs.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }

    fn ignored(&mut self, path: &Path, depth: usize, is_dir: bool) -> bool {
        if !self.enabled || self.stack.is_empty() {
            return false;
        }
        // Matchers of directories at this depth or deeper belong to siblings already left.
        self.leave_to(depth);
        let abs = self.absolute(path);
        for (_, gi) in self.stack.iter().rev() {
            match gi.matched(&abs, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }
}

/// Hidden directories, and cargo's build directories: a `target` directory that cargo made
/// (a source module directory named `target` is linted).
fn is_skipped_dir(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    if name.starts_with('.') && name != "." && name != ".." {
        return true;
    }
    name == "target"
        && ["CACHEDIR.TAG", ".rustc_info.json", "debug", "release"]
            .iter()
            .any(|marker| path.join(marker).exists())
}

pub(crate) fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    // "No such file or directory (os error 2)" reads better without the errno.
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

/// `./src/a.rs` reads as `src/a.rs`.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
