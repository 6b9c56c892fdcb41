//! Paths and declared types, resolved as rustc would for the forms real code uses: `crate::`,
//! `self::`, `super::`, 2018 module-relative imports, renames, groups, globs, re-exports followed
//! through any number of modules (cycle-safe), items that shadow the prelude, and the library
//! names of the run's other crates. What the run does not declare stays external, with the path
//! as written through the imports.

use crate::knowledge::FnSummary;
use crate::model::crates::{Layout, ModuleId, Packages};
use crate::model::items::{CallRef, FileItems, TypeKind, TypeRef};
use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;

/// A fn of the run: its index over all files' summaries.
pub type FnId = u32;

/// A type a value is known to have.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeKey {
    /// A struct, enum, union or trait of the run, by its index in [`Items::types`].
    Crate(u32),
    /// A type no file of the run declares, by its path (`std::fs::File`).
    External(String),
}

/// What a path names.
#[derive(Clone, Debug)]
enum Res {
    Module(ModuleId),
    Type(TypeKey),
    Fn(FnId),
    Value(u32),
    /// An associated item of a type: `Config::load`.
    Assoc(TypeKey, String),
    External(String),
}

/// What a call reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Fns of the run; a rule's need must hold for every one.
    Fns(Vec<FnId>),
    /// A method of a type the run does not declare: `std::fs::File::read_to_end`.
    ExternalMethod(String, String),
    /// A path the run does not declare.
    External(String),
    Unknown,
}

/// A method of a type, and whether it is inherent (not a trait's).
type Method = (FnId, bool);

#[derive(Clone, Copy, Debug)]
enum Decl {
    Fn(FnId),
    Type(u32),
    Value(u32),
}

pub struct TypeEntry {
    pub file: u32,
    pub index: u32,
}

pub struct FileInput<'a> {
    pub path: &'a std::path::Path,
    pub items: &'a FileItems,
    pub summaries: &'a [FnSummary],
}

/// How deep type aliases, fields and return types are followed.
const MAX_TYPE_DEPTH: usize = 12;
/// How many path segments a resolution walks before giving up.
const MAX_SEGMENTS: usize = 32;

/// The run's items by module, and the memo of every name looked up.
pub struct Items<'a> {
    pub files: Vec<FileInput<'a>>,
    pub layout: Layout,
    /// The first fn id of each file.
    pub fn_base: Vec<FnId>,
    /// For each fn id: its file and index in the file's summaries.
    pub fn_at: Vec<(u32, u32)>,
    pub types: Vec<TypeEntry>,
    values: Vec<(u32, u32)>,
    declared: HashMap<(ModuleId, &'a str), SmallVec<[Decl; 1]>>,
    nested: HashMap<(ModuleId, &'a str), Vec<FnId>>,
    /// Each file module's imports by the name they bring in, and its globs: (file, module) keys,
    /// indexes into the module's `uses`.
    imports: HashMap<(u32, u32, &'a str), SmallVec<[u32; 1]>>,
    globs: HashMap<(u32, u32), SmallVec<[u32; 2]>>,
    /// (type, method) → fns, with whether each is inherent.
    methods: HashMap<TypeKey, HashMap<&'a str, Vec<Method>>>,
    /// Traits each type implements, from the `impl Trait for Type` blocks that define a method.
    impls_of: HashMap<TypeKey, Vec<TypeKey>>,
    extern_crates: HashMap<String, ModuleId>,
    memo: HashMap<ModuleId, HashMap<String, Vec<Res>>>,
    /// What each call path reaches, by the module it is written in.
    targets: HashMap<ModuleId, HashMap<String, Target>>,
    /// What each file's calls reach, once asked.
    call_targets: Vec<Vec<Option<Target>>>,
}

impl<'a> Items<'a> {
    pub fn build(files: Vec<FileInput<'a>>, packages: Packages) -> Items<'a> {
        let paths: Vec<&std::path::Path> = files.iter().map(|f| f.path).collect();
        let items: Vec<&FileItems> = files.iter().map(|f| f.items).collect();
        let layout = Layout::build(&paths, &items, packages);
        let extern_crates = layout
            .crates
            .iter()
            .filter_map(|c| Some((c.extern_name.clone()?, c.root)))
            .collect();
        let mut model = Items {
            fn_base: Vec::with_capacity(files.len()),
            fn_at: Vec::new(),
            types: Vec::new(),
            values: Vec::new(),
            declared: HashMap::with_capacity_and_hasher(
                files
                    .iter()
                    .map(|f| f.summaries.len() + f.items.types.len() + f.items.values.len())
                    .sum(),
                Default::default(),
            ),
            nested: HashMap::default(),
            imports: HashMap::default(),
            globs: HashMap::default(),
            methods: HashMap::default(),
            impls_of: HashMap::default(),
            extern_crates,
            memo: HashMap::default(),
            targets: HashMap::default(),
            call_targets: files.iter().map(|f| vec![None; f.items.calls.len()]).collect(),
            layout,
            files,
        };
        model.declare();
        model.collect_methods();
        model
    }

    fn declare(&mut self) {
        for (file, input) in self.files.iter().enumerate() {
            for (local, m) in input.items.modules.iter().enumerate() {
                for (i, u) in m.uses.iter().enumerate() {
                    let key = (file as u32, local as u32);
                    match &u.alias {
                        Some(alias) => self
                            .imports
                            .entry((key.0, key.1, alias.as_str()))
                            .or_default()
                            .push(i as u32),
                        None => self.globs.entry(key).or_default().push(i as u32),
                    }
                }
            }
            self.fn_base.push(self.fn_at.len() as FnId);
            let placements = self.layout.placements[file].clone();
            for (index, f) in input.summaries.iter().enumerate() {
                let id = self.fn_at.len() as FnId;
                self.fn_at.push((file as u32, index as u32));
                for &base in &placements {
                    let module = base + f.module;
                    if f.nested {
                        self.nested.entry((module, f.name.as_str())).or_default().push(id);
                    } else if f.self_ty.is_none() {
                        self.declared
                            .entry((module, f.name.as_str()))
                            .or_default()
                            .push(Decl::Fn(id));
                    }
                }
            }
            for (index, t) in input.items.types.iter().enumerate() {
                let id = self.types.len() as u32;
                self.types.push(TypeEntry {
                    file: file as u32,
                    index: index as u32,
                });
                for &base in &placements {
                    self.declared
                        .entry((base + t.module, t.name.as_str()))
                        .or_default()
                        .push(Decl::Type(id));
                }
            }
            for (index, v) in input.items.values.iter().enumerate() {
                let id = self.values.len() as u32;
                self.values.push((file as u32, index as u32));
                for &base in &placements {
                    self.declared
                        .entry((base + v.module, v.name.as_str()))
                        .or_default()
                        .push(Decl::Value(id));
                }
            }
        }
    }

    /// Methods by the type their `impl` (or trait) is for.
    fn collect_methods(&mut self) {
        let mut found = Vec::new();
        let mut impls = Vec::new();
        for (file, input) in self.files.iter().enumerate() {
            for i in &input.items.impls {
                impls.push((file as u32, i));
            }
            for (index, f) in input.summaries.iter().enumerate() {
                if f.nested {
                    continue;
                }
                let Some(self_ty) = &f.self_ty else { continue };
                found.push((file as u32, index as u32, self_ty, f));
            }
        }
        for (file, i) in impls {
            let of_trait = TypeRef::Path {
                module: i.module,
                segs: i.of_trait.clone(),
            };
            if let (Some(key), Some(trait_key)) = (
                self.resolve_type(file, &i.self_ty, 0),
                self.resolve_type(file, &of_trait, 0),
            ) {
                let traits = self.impls_of.entry(key).or_default();
                if !traits.contains(&trait_key) {
                    traits.push(trait_key);
                }
            }
        }
        for (file, index, self_ty, f) in found {
            let Some(key) = self.resolve_type(file, self_ty, 0) else {
                continue;
            };
            let id = self.fn_base[file as usize] + index;
            let inherent = f.of_trait.is_none();
            let by_name = self.methods.entry(key).or_default();
            by_name.entry(f.name.as_str()).or_default().push((id, inherent));
        }
    }

    pub fn summary(&self, id: FnId) -> &'a FnSummary {
        let (file, index) = self.fn_at[id as usize];
        &self.files[file as usize].summaries[index as usize]
    }

    pub fn file_of(&self, id: FnId) -> u32 {
        self.fn_at[id as usize].0
    }

    /// Whether a fn is compiled only for tests (in a `#[cfg(test)] mod x;` declared elsewhere).
    pub fn in_test_module(&self, file: u32, local: u32) -> bool {
        self.module(file, local)
            .is_some_and(|m| self.layout.modules[m as usize].test)
    }

    /// The global module of a file's local module, where its code is judged.
    fn module(&self, file: u32, local: u32) -> Option<ModuleId> {
        self.layout.module_of(file as usize, local)
    }

    /// The fn's path in its crate: `crate::store::Disk::save`.
    pub fn canonical_path(&self, id: FnId) -> String {
        let (file, _) = self.fn_at[id as usize];
        let f = self.summary(id);
        let mut out = String::from("crate");
        if let Some(m) = self.module(file, f.module) {
            for seg in self.layout.path_of(m) {
                out.push_str("::");
                out.push_str(seg);
            }
        }
        if let Some(owner) = &f.owner {
            out.push_str("::");
            out.push_str(owner);
        }
        out.push_str("::");
        out.push_str(&f.name);
        out
    }

    /// What call `index` of `file`'s table reaches, resolved once for every finding and call
    /// graph edge that names it.
    pub fn call_target(&mut self, file: u32, index: u32) -> Target {
        if let Some(Some(known)) = self.call_targets[file as usize].get(index as usize) {
            return known.clone();
        }
        let files = &self.files;
        let Some(call) = files[file as usize].items.calls.get(index as usize) else {
            return Target::Unknown;
        };
        let target = self.target(file, call);
        if let Some(slot) = self.call_targets[file as usize].get_mut(index as usize) {
            *slot = Some(target.clone());
        }
        target
    }

    /// What `call`, written in `file`, reaches.
    pub fn target(&mut self, file: u32, call: &CallRef) -> Target {
        match call {
            CallRef::Path { module, path } => {
                let Some(m) = self.module(file, *module) else {
                    return Target::Unknown;
                };
                // Most calls name the same few paths again and again.
                if let Some(known) = self.targets.get(&m).and_then(|t| t.get(path.as_str())) {
                    return known.clone();
                }
                let segs: Vec<&str> = path.split("::").collect();
                let target = self.path_target(m, &segs);
                self.targets.entry(m).or_default().insert(path.clone(), target.clone());
                target
            }
            CallRef::Method { receiver, method } => match self.resolve_type(file, receiver, 0) {
                Some(key) => self.method_target(&key, method),
                None => Target::Unknown,
            },
            CallRef::Nested { module, name } => {
                let Some(m) = self.module(file, *module) else {
                    return Target::Unknown;
                };
                match self.nested.get(&(m, name.as_str())) {
                    Some(ids) => Target::Fns(ids.clone()),
                    None => Target::Unknown,
                }
            }
        }
    }

    fn path_target(&mut self, m: ModuleId, segs: &[&str]) -> Target {
        let mut fns = Vec::new();
        for r in self.resolve_path(m, segs) {
            match r {
                Res::Fn(id) => fns.push(id),
                // `Trait::method(x)`: any impl's method, not known from the path.
                Res::Assoc(key, _) if self.is_trait(&key) => {}
                Res::Assoc(key, name) => match self.method_target(&key, &name) {
                    Target::Fns(ids) => fns.extend(ids),
                    other if fns.is_empty() => return other,
                    _ => {}
                },
                Res::External(p) if fns.is_empty() => return Target::External(p),
                _ => {}
            }
        }
        if fns.is_empty() {
            Target::Unknown
        } else {
            Target::Fns(fns)
        }
    }

    fn is_trait(&self, key: &TypeKey) -> bool {
        let TypeKey::Crate(t) = key else { return false };
        let entry = &self.types[*t as usize];
        self.files[entry.file as usize].items.types[entry.index as usize].kind == TypeKind::Trait
    }

    /// The methods named `name` of a type: inherent ones first, then those of the traits it
    /// implements, then the traits' default bodies.
    fn method_target(&self, key: &TypeKey, name: &str) -> Target {
        let own = self.methods.get(key).and_then(|m| m.get(name));
        if let Some(own) = own {
            let inherent: Vec<FnId> = own.iter().filter(|(_, i)| *i).map(|(id, _)| *id).collect();
            return Target::Fns(if inherent.is_empty() {
                own.iter().map(|(id, _)| *id).collect()
            } else {
                inherent
            });
        }
        let defaults: Vec<FnId> = self
            .impls_of
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|t| self.methods.get(t)?.get(name))
            .flatten()
            .map(|(id, _)| *id)
            .collect();
        if !defaults.is_empty() {
            return Target::Fns(defaults);
        }
        match key {
            TypeKey::External(path) => Target::ExternalMethod(path.clone(), name.to_string()),
            TypeKey::Crate(_) => Target::Unknown,
        }
    }

    /// The type a declared type written in `file` names.
    pub fn resolve_type(&mut self, file: u32, ty: &TypeRef, depth: usize) -> Option<TypeKey> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        match ty {
            TypeRef::Path { module, segs } => {
                let m = self.module(file, *module)?;
                let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
                let found = self.resolve_path(m, &segs);
                let key = found.into_iter().find_map(|r| match r {
                    Res::Type(k) => Some(k),
                    Res::External(p) => Some(TypeKey::External(p)),
                    _ => None,
                })?;
                self.through_alias(key, depth)
            }
            TypeRef::Field(inner, field) => {
                let TypeKey::Crate(t) = self.resolve_type(file, inner, depth + 1)? else {
                    return None;
                };
                let entry = &self.types[t as usize];
                let (tfile, decl) = (
                    entry.file,
                    &self.files[entry.file as usize].items.types[entry.index as usize],
                );
                let (_, fty) = decl.fields.iter().find(|(n, _)| n == field)?;
                let fty = fty.clone();
                self.resolve_type(tfile, &fty, depth + 1)
            }
            TypeRef::Returns { module, path } => {
                let target = self.target(
                    file,
                    &CallRef::Path {
                        module: *module,
                        path: path.clone(),
                    },
                );
                self.returned(target, depth)
            }
            TypeRef::MethodReturns(inner, method) => {
                let key = self.resolve_type(file, inner, depth + 1)?;
                let target = self.method_target(&key, method);
                self.returned(target, depth)
            }
            TypeRef::ValueOf { module, segs } => {
                let m = self.module(file, *module)?;
                let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
                let found = self.resolve_path(m, &segs);
                let v = found.into_iter().find_map(|r| match r {
                    Res::Value(v) => Some(v),
                    _ => None,
                })?;
                let (vfile, index) = self.values[v as usize];
                let vty = self.files[vfile as usize].items.values[index as usize].ty.clone()?;
                self.resolve_type(vfile, &vty, depth + 1)
            }
        }
    }

    /// The declared return type of the first of the fns a call reaches.
    fn returned(&mut self, target: Target, depth: usize) -> Option<TypeKey> {
        let Target::Fns(ids) = target else { return None };
        let id = *ids.first()?;
        let ret = self.summary(id).ret.as_ref()?;
        self.resolve_type(self.file_of(id), ret, depth + 1)
    }

    fn through_alias(&mut self, key: TypeKey, depth: usize) -> Option<TypeKey> {
        let TypeKey::Crate(t) = key else { return Some(key) };
        let entry = &self.types[t as usize];
        let decl = &self.files[entry.file as usize].items.types[entry.index as usize];
        match (&decl.kind, &decl.alias_of) {
            (TypeKind::Alias, Some(of)) => {
                let (file, of) = (entry.file, of.clone());
                self.resolve_type(file, &of, depth + 1)
            }
            (TypeKind::Alias, None) => None,
            _ => Some(key),
        }
    }

    /// Everything a path written in module `m` may name.
    fn resolve_path(&mut self, m: ModuleId, segs: &[&str]) -> Vec<Res> {
        let Some((first, rest)) = segs.split_first() else {
            return Vec::new();
        };
        if segs.len() > MAX_SEGMENTS {
            return Vec::new();
        }
        let mut current: Vec<Res> = match *first {
            // `::name`: a crate by its name.
            "" => match rest.split_first() {
                Some((name, more)) => {
                    let start = match self.extern_crates.get(*name) {
                        Some(&root) => vec![Res::Module(root)],
                        None => vec![Res::External(name.to_string())],
                    };
                    return self.walk(start, more);
                }
                None => return Vec::new(),
            },
            "crate" => {
                let krate = self.layout.modules[m as usize].krate;
                vec![Res::Module(self.layout.crates[krate as usize].root)]
            }
            "self" => vec![Res::Module(m)],
            "super" => match self.layout.modules[m as usize].parent {
                Some(p) => vec![Res::Module(p)],
                None => return Vec::new(),
            },
            name => {
                let found = self.lookup(m, name, true);
                if found.is_empty() {
                    // Not declared in the run: the prelude, a dependency, or a generic.
                    return vec![Res::External(segs.join("::"))];
                }
                found
            }
        };
        current = self.walk(current, rest);
        current
    }

    fn walk(&mut self, mut current: Vec<Res>, rest: &[&str]) -> Vec<Res> {
        for &seg in rest {
            let mut next = Vec::new();
            for r in current {
                match r {
                    Res::Module(m) if seg == "super" => {
                        next.extend(self.layout.modules[m as usize].parent.map(Res::Module))
                    }
                    Res::Module(m) => next.extend(self.lookup(m, seg, false)),
                    Res::Type(key) => {
                        if let Some(key) = self.through_alias(key, 0) {
                            next.push(Res::Assoc(key, seg.to_string()));
                        }
                    }
                    Res::External(p) => next.push(Res::External(format!("{p}::{seg}"))),
                    _ => {}
                }
            }
            if next.is_empty() {
                return next;
            }
            current = next;
        }
        current
    }

    /// What `name` names in module `m`: its own items and child modules, then its imports by
    /// name, then its globs, then (for the first segment of a path) the run's crate names.
    fn lookup(&mut self, m: ModuleId, name: &str, first_segment: bool) -> Vec<Res> {
        let found = self.lookup_in(m, name);
        if found.is_empty()
            && first_segment
            && let Some(&root) = self.extern_crates.get(name)
        {
            return vec![Res::Module(root)];
        }
        found
    }

    fn lookup_in(&mut self, m: ModuleId, name: &str) -> Vec<Res> {
        if let Some(found) = self.memo.get(&m).and_then(|names| names.get(name)) {
            return found.clone();
        }
        // In progress: an import cycle reaches this name again and finds nothing.
        self.memo.entry(m).or_default().insert(name.to_string(), Vec::new());
        let mut found: Vec<Res> = Vec::new();
        if let Some(&child) = self.layout.modules[m as usize].children.get(name) {
            found.push(Res::Module(child));
        }
        if let Some(decls) = self.declared.get(&(m, name)) {
            found.extend(decls.iter().map(|d| match *d {
                Decl::Fn(id) => Res::Fn(id),
                Decl::Type(t) => Res::Type(TypeKey::Crate(t)),
                Decl::Value(v) => Res::Value(v),
            }));
        }
        let module = &self.layout.modules[m as usize];
        let (file, local) = (module.file as u32, module.local);
        let files = &self.files;
        let uses = files[file as usize]
            .items
            .modules
            .get(local as usize)
            .map(|l| l.uses.as_slice())
            .unwrap_or(&[]);
        let paths = |indexes: Option<&[u32]>| -> Vec<&'a [String]> {
            indexes
                .unwrap_or(&[])
                .iter()
                .filter_map(|&i| uses.get(i as usize).map(|u| u.path.as_slice()))
                .collect()
        };
        if found.is_empty() {
            let named = paths(self.imports.get(&(file, local, name)).map(|v| v.as_slice()));
            for path in named {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                let via = self.resolve_path(m, &path);
                found.extend(via);
            }
        }
        if found.is_empty() {
            let globs = paths(self.globs.get(&(file, local)).map(|v| v.as_slice()));
            for path in globs {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                for r in self.resolve_path(m, &path) {
                    match r {
                        Res::Module(g) if g != m => found.extend(self.lookup(g, name, false)),
                        _ => {}
                    }
                }
            }
        }
        self.memo.entry(m).or_default().insert(name.to_string(), found.clone());
        found
    }
}
