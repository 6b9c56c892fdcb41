//! Which files of a run form which crate, and where each sits in its crate's module tree.
//!
//! A package (the nearest `Cargo.toml` with a `[package]` above a file) has the targets cargo
//! would build: the library (`src/lib.rs` or `[lib] path`), each binary (`src/main.rs`,
//! `src/bin/*`, `[[bin]] path`), each file of `tests/`, `examples/` and `benches/` (or a
//! `*/main.rs` there), `build.rs`, and the paths its `[[test]]`, `[[example]]` and `[[bench]]`
//! tables name. Outside a package, `lib.rs` and `main.rs` are roots. From each root the module
//! tree follows `mod x;` (`x.rs`, `x/mod.rs`, `#[path]`), inline modules, and `mod x;` inside
//! item macros. A package's file that no `mod` reaches (one declared by a macro the scan does not
//! see) is placed where its path puts it under the library; any other file is a crate of its own.
//!
//! Manifests are read, never executed: through a size cap, as regular files only.

use crate::model::items::FileItems;
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

pub type CrateId = u32;
pub type ModuleId = u32;

#[derive(Debug)]
pub struct Crate {
    /// The name other crates of the run use for it (a package's library), if any.
    pub extern_name: Option<String>,
    pub root: ModuleId,
    pub package: Option<usize>,
}

#[derive(Debug)]
pub struct Module {
    pub krate: CrateId,
    pub file: usize,
    /// The module's index in its file's [`FileItems::modules`].
    pub local: u32,
    pub parent: Option<ModuleId>,
    /// The module's own name, empty for a crate root (its path is found through `parent`).
    pub name: String,
    pub children: HashMap<String, ModuleId>,
    /// Compiled only for tests: under a `#[cfg(test)]` module, or a test target.
    pub test: bool,
}

#[derive(Debug, Default)]
pub struct Package {
    pub dir: PathBuf,
    /// The library's crate name (`-` as `_`).
    pub lib_name: Option<String>,
    pub lib_path: Option<PathBuf>,
    /// Explicit target paths of `[[bin]]`, `[[test]]`, `[[example]]`, `[[bench]]`.
    pub target_paths: Vec<PathBuf>,
    pub lib_crate: Option<CrateId>,
}

#[derive(Debug, Default)]
pub struct Layout {
    pub crates: Vec<Crate>,
    pub modules: Vec<Module>,
    pub packages: Vec<Package>,
    /// For each file, the module id of its file-level module in each crate it is part of (the
    /// first is where its own code is judged); a file's module `i` is that id plus `i`.
    pub placements: Vec<Vec<ModuleId>>,
}

/// The largest manifest read.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

impl Layout {
    pub fn build(paths: &[&Path], items: &[&FileItems], mut packages: Packages) -> Layout {
        let abs: Vec<PathBuf> = paths.iter().map(|p| crate::config::absolute_normalized(p)).collect();
        let mut by_first: HashMap<&Path, usize> = HashMap::default();
        for (i, p) in abs.iter().enumerate() {
            by_first.entry(p.as_path()).or_insert(i);
        }
        let by_path = &by_first;
        let file_package: Vec<Option<usize>> = abs
            .iter()
            .map(|p| packages.of_dir(p.parent().unwrap_or(Path::new("/"))))
            .collect();
        let mut layout = Layout {
            placements: vec![Vec::new(); paths.len()],
            packages: packages.list,
            ..Layout::default()
        };
        // Roots first: libraries before everything else, so other targets can name them.
        let mut roots: Vec<(usize, bool)> = Vec::new();
        for (i, p) in abs.iter().enumerate() {
            if by_first.get(p.as_path()) != Some(&i) {
                continue;
            }
            let name = p.file_name().and_then(|n| n.to_str());
            let bare_root = matches!(name, Some("lib.rs" | "main.rs"));
            match file_package[i] {
                Some(pkg) => {
                    let package = &layout.packages[pkg];
                    if let Some(lib) = target_kind(p, package) {
                        roots.push((i, lib));
                    } else if bare_root && !p.starts_with(package.dir.join("src")) {
                        // A tree kept inside a package but outside its targets (fixtures, vendored
                        // code): its roots are roots, as in a directory without a manifest.
                        roots.push((i, false));
                    }
                }
                None if bare_root => roots.push((i, name == Some("lib.rs"))),
                None => {}
            }
        }
        roots.sort_by_key(|&(i, lib)| (!lib, i));
        let mut queue = VecDeque::new();
        for &(file, lib) in &roots {
            let pkg = file_package[file];
            let krate = layout.crates.len() as CrateId;
            let extern_name = match pkg {
                Some(p) if lib => {
                    layout.packages[p].lib_crate.get_or_insert(krate);
                    layout.packages[p].lib_name.clone()
                }
                _ => None,
            };
            let root = layout.place(file, krate, None, items);
            layout.crates.push(Crate {
                extern_name,
                root,
                package: pkg,
            });
            queue.push_back((file, root, true));
        }
        layout.follow_mods(&mut queue, &abs, by_path, items);
        // Files of a package that no `mod` reached: where their path puts them in the library.
        for (file, pkg) in file_package.iter().enumerate() {
            if !layout.placements[file].is_empty() {
                continue;
            }
            let Some(pkg) = *pkg else { continue };
            let Some(lib) = layout.packages[pkg].lib_crate else {
                continue;
            };
            let root = layout.crates[lib as usize].root;
            let root_file = layout.modules[root as usize].file;
            let Some(src) = abs[root_file].parent() else { continue };
            let Ok(rel) = abs[file].strip_prefix(src) else { continue };
            let mut path: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
            if let Some(last) = path.last_mut() {
                *last = last.trim_end_matches(".rs").to_string();
                if last == "mod" {
                    path.pop();
                }
            }
            if path.is_empty() || path.iter().any(|s| s.is_empty() || s.contains('.')) {
                continue;
            }
            // Attach under the deepest module that exists; the rest of the path must be free.
            let mut at = root;
            let mut free = true;
            for (depth, seg) in path.iter().enumerate() {
                match layout.modules[at as usize].children.get(seg) {
                    Some(&child) if depth + 1 < path.len() => at = child,
                    Some(_) => free = false,
                    None if depth + 1 == path.len() => {}
                    None => free = false,
                }
            }
            if !free {
                continue;
            }
            let name = path.last().cloned().unwrap_or_default();
            let module = layout.place(file, lib, Some((at, name)), items);
            queue.push_back((file, module, false));
            layout.follow_mods(&mut queue, &abs, by_path, items);
        }
        // A file named twice (a directory and a file in it) is where its first mention is.
        for (file, path) in abs.iter().enumerate() {
            if let Some(&first) = by_first.get(path.as_path())
                && first != file
                && layout.placements[file].is_empty()
            {
                layout.placements[file] = layout.placements[first].clone();
            }
        }
        // Everything else is a crate of its own.
        for (file, package) in file_package.iter().enumerate() {
            if layout.placements[file].is_empty() {
                let krate = layout.crates.len() as CrateId;
                let root = layout.place(file, krate, None, items);
                layout.crates.push(Crate {
                    extern_name: None,
                    root,
                    package: *package,
                });
                queue.push_back((file, root, true));
                layout.follow_mods(&mut queue, &abs, by_path, items);
            }
        }
        layout
    }

    /// Places `file` in crate `krate` below `parent` (as `name`), allocating ids for its modules.
    fn place(
        &mut self,
        file: usize,
        krate: CrateId,
        parent: Option<(ModuleId, String)>,
        items: &[&FileItems],
    ) -> ModuleId {
        let base = self.modules.len() as ModuleId;
        let name = parent.as_ref().map_or(String::new(), |(_, n)| n.clone());
        let locals = &items[file].modules;
        for (i, m) in locals.iter().enumerate() {
            let (parent_id, name) = match (i, m.parent) {
                (0, _) => (parent.as_ref().map(|(p, _)| *p), name.clone()),
                (_, Some(p)) => (Some(base + p), m.name.clone()),
                (_, None) => (None, name.clone()),
            };
            self.modules.push(Module {
                krate,
                file,
                local: i as u32,
                parent: parent_id,
                name,
                children: HashMap::default(),
                test: m.cfg_test || parent_id.is_some_and(|p| self.modules[p as usize].test),
            });
            if i > 0
                && let Some(pid) = parent_id
            {
                self.modules[pid as usize]
                    .children
                    .insert(m.name.clone(), base + i as u32);
            }
        }
        if locals.is_empty() {
            self.modules.push(Module {
                krate,
                file,
                local: 0,
                parent: parent.as_ref().map(|(p, _)| *p),
                name,
                children: HashMap::default(),
                test: false,
            });
        }
        if let Some((p, name)) = parent {
            let parent = &self.modules[p as usize];
            let parent_file = &items[parent.file].modules[parent.local as usize];
            let test = parent.test || parent_file.test_mods.contains(&name);
            self.modules[p as usize].children.insert(name, base);
            if test {
                // The whole file is under the test module, with its inline modules.
                for m in &mut self.modules[base as usize..] {
                    m.test = true;
                }
            }
        }
        self.placements[file].push(base);
        base
    }

    /// Follows `mod x;` declarations from the files in `queue` to the files they name.
    fn follow_mods(
        &mut self,
        queue: &mut VecDeque<(usize, ModuleId, bool)>,
        abs: &[PathBuf],
        by_path: &HashMap<&Path, usize>,
        items: &[&FileItems],
    ) {
        while let Some((file, base, is_root)) = queue.pop_front() {
            let locals = &items[file].modules;
            let own = &abs[file];
            let Some(file_dir) = own.parent() else { continue };
            let mod_rs = is_root || own.file_name().is_some_and(|n| n == "mod.rs");
            // The directory each of the file's modules keeps its children in.
            let mut dirs: Vec<PathBuf> = Vec::with_capacity(locals.len());
            for (i, m) in locals.iter().enumerate() {
                let dir = match m.parent {
                    None if mod_rs => file_dir.to_path_buf(),
                    None => file_dir.join(own.file_stem().unwrap_or_default()),
                    Some(p) => {
                        let parent_dir = dirs.get(p as usize).cloned().unwrap_or_else(|| file_dir.to_path_buf());
                        match &m.path_attr {
                            Some(attr) => parent_dir.join(attr),
                            None => parent_dir.join(&m.name),
                        }
                    }
                };
                dirs.push(dir);
                let krate = self.modules[base as usize].krate;
                for (name, attr) in &m.file_mods {
                    let candidates: Vec<PathBuf> = match attr {
                        Some(a) if i == 0 => vec![file_dir.join(a)],
                        Some(a) => vec![dirs[i].join(a)],
                        None => vec![dirs[i].join(format!("{name}.rs")), dirs[i].join(name).join("mod.rs")],
                    };
                    let Some(&child) = candidates
                        .iter()
                        .find_map(|c| by_path.get(crate::config::normalize(c).as_path()))
                    else {
                        continue;
                    };
                    let here = base + i as u32;
                    let already = self.placements[child]
                        .iter()
                        .any(|&b| self.modules[b as usize].krate == krate);
                    if already || self.modules[here as usize].children.contains_key(name) {
                        continue;
                    }
                    let id = self.place(child, krate, Some((here, name.clone())), items);
                    queue.push_back((child, id, false));
                }
            }
        }
    }

    /// The module's path in its crate (`a::b`), empty for a crate root.
    pub fn path_of(&self, module: ModuleId) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = Some(module);
        // Parents come before children, so the walk up ends; the bound is for the reader.
        while let Some(m) = at.filter(|_| out.len() <= self.modules.len()) {
            let module = &self.modules[m as usize];
            if module.parent.is_some() {
                out.push(module.name.as_str());
            }
            at = module.parent;
        }
        out.reverse();
        out
    }

    /// The module where code of module `local` of `file` is judged.
    pub fn module_of(&self, file: usize, local: u32) -> Option<ModuleId> {
        self.placements.get(file)?.first().map(|b| b + local)
    }
}

/// The packages of a run, each manifest read once: found before the walk (their library names
/// tell the walk which paths may reach the run) and kept for the crate model.
#[derive(Debug, Default)]
pub struct Packages {
    memo: HashMap<PathBuf, Option<usize>>,
    list: Vec<Package>,
}

impl Packages {
    /// The packages around `paths`.
    pub fn around<'p>(paths: impl Iterator<Item = &'p Path>) -> Packages {
        let mut packages = Packages::default();
        let mut dirs: Vec<PathBuf> = paths
            .filter_map(|p| Some(crate::config::absolute_normalized(p.parent()?)))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            packages.of_dir(&dir);
        }
        packages
    }

    /// The library names of the packages, sorted.
    pub fn lib_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.list.iter().filter_map(|p| p.lib_name.clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The package whose manifest is nearest above `dir` (an absolute, normalised path).
    fn of_dir(&mut self, dir: &Path) -> Option<usize> {
        package_for(dir, &mut self.memo, &mut self.list)
    }
}

/// Whether `file` is a target root of `pkg`, and whether that target is the library.
fn target_kind(file: &Path, pkg: &Package) -> Option<bool> {
    if let Some(lib) = &pkg.lib_path {
        if file == lib {
            return Some(true);
        }
    } else if file == pkg.dir.join("src/lib.rs") {
        return Some(true);
    }
    if pkg.target_paths.iter().any(|t| t == file) {
        return Some(false);
    }
    let rel = file.strip_prefix(&pkg.dir).ok()?;
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    let auto = match parts.as_slice() {
        ["src", "main.rs"] | ["build.rs"] => true,
        ["src", "bin", f] | ["tests", f] | ["examples", f] | ["benches", f] => f.ends_with(".rs"),
        ["src", "bin", _, "main.rs"]
        | ["tests", _, "main.rs"]
        | ["examples", _, "main.rs"]
        | ["benches", _, "main.rs"] => true,
        _ => false,
    };
    auto.then_some(false)
}

/// The package whose manifest is nearest above `dir`, reading each manifest once.
fn package_for(dir: &Path, memo: &mut HashMap<PathBuf, Option<usize>>, packages: &mut Vec<Package>) -> Option<usize> {
    if let Some(found) = memo.get(dir) {
        return *found;
    }
    let found = match read_package(dir) {
        Some(p) => {
            packages.push(p);
            Some(packages.len() - 1)
        }
        None => dir.parent().and_then(|parent| package_for(parent, memo, packages)),
    };
    memo.insert(dir.to_path_buf(), found);
    found
}

#[derive(serde::Deserialize)]
struct Manifest {
    package: Option<ManifestPackage>,
    lib: Option<ManifestTarget>,
    #[serde(default)]
    bin: Vec<ManifestTarget>,
    #[serde(default)]
    test: Vec<ManifestTarget>,
    #[serde(default)]
    example: Vec<ManifestTarget>,
    #[serde(default)]
    bench: Vec<ManifestTarget>,
}

#[derive(serde::Deserialize)]
struct ManifestPackage {
    name: String,
}

#[derive(serde::Deserialize)]
struct ManifestTarget {
    name: Option<String>,
    path: Option<String>,
}

/// The package whose `Cargo.toml` is in `dir`, if there is one with a `[package]` table.
fn read_package(dir: &Path) -> Option<Package> {
    let text = crate::source::read_capped(&dir.join("Cargo.toml"), MAX_MANIFEST_BYTES).ok()?;
    let manifest: Manifest = toml::from_str(&text).ok()?;
    let package = manifest.package?;
    let lib_name = manifest
        .lib
        .as_ref()
        .and_then(|l| l.name.clone())
        .unwrap_or_else(|| package.name.clone())
        .replace('-', "_");
    let at = |p: &str| crate::config::normalize(&dir.join(p));
    let target_paths = [&manifest.bin, &manifest.test, &manifest.example, &manifest.bench]
        .into_iter()
        .flatten()
        .filter_map(|t| t.path.as_deref().map(at))
        .collect();
    Some(Package {
        dir: dir.to_path_buf(),
        lib_name: Some(lib_name),
        lib_path: manifest.lib.and_then(|l| l.path).map(|p| at(&p)),
        target_paths,
        lib_crate: None,
    })
}
