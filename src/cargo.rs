//! Cargo workspaces: which packages there are (from `cargo metadata --no-deps`, which reads
//! manifests and runs no build script), which of them to lint, and which package and target
//! each file belongs to.

use crate::config::{absolute_normalized, normalize};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<RawPackage>,
    workspace_members: Vec<String>,
    #[serde(default)]
    workspace_default_members: Vec<String>,
    workspace_root: PathBuf,
}

#[derive(Debug, Deserialize)]
struct RawPackage {
    id: String,
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Value>,
}

/// One package of the workspace.
#[derive(Clone, Debug)]
pub struct Package {
    /// Cargo's package id, exactly as `cargo metadata` and cargo's JSON messages give it.
    pub id: String,
    pub name: String,
    pub manifest_path: PathBuf,
    /// The directory of the manifest (absolute).
    pub dir: PathBuf,
    /// The targets as `cargo metadata` describes them.
    pub targets: Vec<Value>,
}

#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<Package>,
    members: Vec<String>,
    default_members: Vec<String>,
}

/// Which packages to lint, as cargo's own flags say it.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub packages: Vec<String>,
    pub workspace: bool,
    pub exclude: Vec<String>,
}

impl Workspace {
    /// Runs `cargo metadata --no-deps` for the manifest at `manifest_path`, or the one cargo
    /// finds from `cwd`.
    pub fn load(manifest_path: Option<&Path>, cwd: &Path) -> Result<Self, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(cwd);
        if let Some(m) = manifest_path {
            cmd.arg("--manifest-path").arg(m);
        }
        let out = cmd.output().map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!("`cargo metadata` failed: {}", err.trim()));
        }
        let meta: Metadata = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("cannot read the output of `cargo metadata`: {e}"))?;
        let packages = meta
            .packages
            .into_iter()
            .map(|p| Package {
                dir: normalize(p.manifest_path.parent().unwrap_or(Path::new("/"))),
                id: p.id,
                name: p.name,
                manifest_path: p.manifest_path,
                targets: p.targets,
            })
            .collect();
        Ok(Workspace {
            root: normalize(&meta.workspace_root),
            packages,
            members: meta.workspace_members,
            default_members: meta.workspace_default_members,
        })
    }

    /// The packages to lint, chosen as cargo chooses them: `-p` names, or `--workspace`, or the
    /// package of the current directory, or the default members at a virtual workspace's root.
    pub fn select(&self, sel: &Selection, cwd: &Path) -> Result<Vec<&Package>, String> {
        let member = |id: &String| self.packages.iter().find(|p| &p.id == id);
        let chosen: Vec<&Package> = if !sel.packages.is_empty() {
            let mut v = Vec::new();
            for name in &sel.packages {
                let found = self.packages.iter().find(|p| &p.name == name).ok_or_else(|| {
                    let names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
                    format!(
                        "package `{name}` is not a member of the workspace; members: {}",
                        names.join(", ")
                    )
                })?;
                v.push(found);
            }
            v
        } else if sel.workspace {
            self.members.iter().filter_map(member).collect()
        } else {
            let cwd = normalize(cwd);
            let here = self
                .packages
                .iter()
                .filter(|p| cwd.starts_with(&p.dir))
                .max_by_key(|p| p.dir.components().count());
            match here {
                Some(p) => vec![p],
                None if self.default_members.is_empty() => self.members.iter().filter_map(member).collect(),
                None => self.default_members.iter().filter_map(member).collect(),
            }
        };
        for name in &sel.exclude {
            if !self.packages.iter().any(|p| &p.name == name) {
                return Err(format!("excluded package `{name}` is not a member of the workspace"));
            }
        }
        Ok(chosen.into_iter().filter(|p| !sel.exclude.contains(&p.name)).collect())
    }

    /// The package a file belongs to: the one whose directory is the nearest above it.
    pub fn package_of(&self, file: &Path) -> Option<&Package> {
        let abs = absolute_normalized(file);
        self.packages
            .iter()
            .filter(|p| abs.starts_with(&p.dir))
            .max_by_key(|p| p.dir.components().count())
    }

    /// `file` relative to the workspace root, as cargo writes paths in its messages.
    pub fn relative(&self, file: &Path) -> PathBuf {
        let abs = absolute_normalized(file);
        abs.strip_prefix(&self.root).map(Path::to_path_buf).unwrap_or(abs)
    }
}

impl Package {
    /// The target a file is compiled in: the target whose source directory is the nearest above
    /// it (`src/lib.rs` for `src/**`, `tests/it.rs` for itself), else the library.
    pub fn target_of(&self, file: &Path) -> Value {
        let abs = absolute_normalized(file);
        let src = |t: &Value| t["src_path"].as_str().map(|s| normalize(Path::new(s)));
        if let Some(t) = self.targets.iter().find(|t| src(t).is_some_and(|s| s == abs)) {
            return t.clone();
        }
        self.targets
            .iter()
            .filter_map(|t| {
                let dir = src(t)?.parent()?.to_path_buf();
                abs.starts_with(&dir).then_some((dir.components().count(), t))
            })
            .max_by_key(|(depth, t)| (*depth, is_lib(t)))
            .map(|(_, t)| t.clone())
            .or_else(|| self.targets.iter().find(|t| is_lib(t)).cloned())
            .or_else(|| self.targets.first().cloned())
            .unwrap_or(Value::Null)
    }
}

fn is_lib(t: &Value) -> bool {
    t["kind"]
        .as_array()
        .is_some_and(|k| k.iter().any(|k| k.as_str().is_some_and(|k| k.ends_with("lib"))))
}

/// The directory of the nearest `Cargo.toml` at or above `dir`.
pub fn package_root(dir: &Path) -> Option<PathBuf> {
    absolute_normalized(dir)
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}
