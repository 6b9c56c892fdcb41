//! What rules may ask about the code around the node they look at.
//!
//! The walker keeps this up to date: the stack of async/sync frames, the lexical scopes with
//! their `use` imports, local items and local bindings. Rules only ask questions and report.

use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::{BlockKind, BlockRecord, Deferred, FnSummary, Need};
use crate::model::items::{CallRef, FileItems, ModuleIndex, TypeRef, type_segments};
use crate::options::Options;
use crate::rule::{RuleMeta, Severity};
use proc_macro2::Span;
use std::collections::HashSet;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// Runs on an async executor thread.
    Async,
    /// Plain sync code: the body of a sync fn item (and closures run inline in it).
    Sync,
    /// A closure handed to a thread or blocking-pool spawner: runs elsewhere, may block.
    Insulated,
}

#[derive(Clone, Debug)]
pub struct Frame {
    pub kind: FrameKind,
    /// Where the frame starts ("async context starts here"); an offset only when a label needs it.
    pub(crate) start: Span,
}

/// A local binding (`let`, fn or closure parameter).
#[derive(Clone, Debug, Default)]
pub struct Local {
    pub name: String,
    /// Declared `mut`, or a parameter typed `&mut T`.
    pub mutable: bool,
    /// The resolved path of the call the initialiser's method chain starts from, e.g.
    /// `tokio::runtime::Runtime::new` for `let rt = Runtime::new().unwrap();`.
    pub origin: Option<String>,
    /// The last segment of the parameter's type path, e.g. `CancellationToken`.
    pub type_name: Option<String>,
    /// The binding's type where the code states it (an annotation, a constructor, a crate fn's
    /// declared return type), for the crate model to resolve.
    pub ty: Option<TypeRef>,
    /// Where the binding comes into scope (the end of its `let`); `None` for parameters.
    /// Kept as a span and turned into an offset only when a use of the same name is looked up.
    pub(crate) declared: Option<Span>,
}

impl Local {
    /// Whether the binding is in scope at byte offset `at`.
    pub fn visible_at(&self, at: usize) -> bool {
        self.declared.is_none_or(|s| span_range(s).end <= at)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Scope {
    /// `use a::b as c;` gives (`c`, `a::b`).
    pub aliases: Vec<(String, String)>,
    /// The last entry of `aliases` for each name, so a lookup does not scan them all.
    pub alias_index: std::collections::HashMap<String, usize>,
    /// `use a::b as c;` renames: (`c`, `b`), the few imports under a name of their own.
    pub renames: Vec<(String, String)>,
    pub globs: Vec<String>,
    /// Items declared in this scope (fns, types, modules, consts).
    pub items: HashSet<String>,
    pub locals: Vec<Local>,
    /// A module: names from outer scopes are not visible (except through `use super::*`).
    pub module_barrier: bool,
    /// A fn body: outer locals are not visible (outer items and imports are).
    pub fn_barrier: bool,
}

impl Scope {
    /// The import that brings in `name` here, the last one if several do.
    pub(crate) fn alias(&self, name: &str) -> Option<&(String, String)> {
        self.aliases.get(*self.alias_index.get(name)?)
    }

    pub(crate) fn add_alias(&mut self, alias: String, path: String) {
        self.alias_index.insert(alias.clone(), self.aliases.len());
        self.aliases.push((alias, path));
    }
}

/// Facts about the whole file, gathered before the walk.
#[derive(Debug, Default)]
pub struct FileFacts {
    /// Names of free fns declared in the file whose return type is a `Result` (or a type alias
    /// of one declared in the file, or `impl Future<Output = Result<..>>`).
    pub result_fns: HashSet<String>,
    /// Names of methods (in `impl` and `trait` blocks) of the file that return a `Result`.
    pub result_methods: HashSet<String>,
    /// Names of `async fn`s declared in the file.
    pub async_fns: HashSet<String>,
    /// The file mentions tokio anywhere (imports or paths).
    pub uses_tokio: bool,
    /// The file is test code by its path (`tests/`, `benches/`, `*_test.rs`).
    pub test_file: bool,
    /// The file names a cancellation token type (`CancellationToken` or a configured one).
    pub mentions_token: bool,
    /// `(struct, field)` for struct fields of the file that hold a `CancellationToken`.
    pub token_fields: HashSet<(String, String)>,
}

pub struct Context<'src> {
    pub(crate) source: &'src str,
    pub(crate) options: &'src Options,
    /// The library names of the run's crates: a path through one of them may reach the run.
    pub(crate) run_crates: &'src [String],
    pub(crate) facts: FileFacts,
    pub(crate) frames: Vec<Frame>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) rule: Option<&'static RuleMeta>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Facts about each enclosing fn, innermost last.
    pub(crate) fns: Vec<FnFlags>,
    /// One summary per fn walked, for the crate-wide index.
    pub(crate) summaries: Vec<FnSummary>,
    pub(crate) deferred: Vec<Deferred>,
    pub(crate) impl_types: Vec<String>,
    /// The `impl` and `trait` blocks around the walk, innermost last.
    pub(crate) impls: Vec<ImplFrame>,
    /// What the file declares, for the crate model.
    pub(crate) items: FileItems,
    /// The file's module being walked, innermost last (0 is the file).
    pub(crate) modules: Vec<ModuleIndex>,
    /// The calls findings wait on, shared by every rule that asks about the same call.
    pub(crate) calls: std::cell::RefCell<Vec<CallRef>>,
    /// The last call interned, by the expression's address; cleared before each node, so an
    /// address reused by a later macro-body parse never finds a stale answer.
    call_memo: std::cell::Cell<Option<(usize, Option<u32>)>>,
    /// Depth of `#[cfg(test)]` modules around the walk.
    pub(crate) test_modules: usize,
    mentions_cache: std::cell::RefCell<Vec<(&'static str, bool)>>,
    /// The text of the identifier asked about last: several rules ask about the same call.
    ident_text: std::cell::RefCell<String>,
}

/// An `impl` or `trait` block.
#[derive(Clone, Debug)]
pub(crate) struct ImplFrame {
    /// The self type as written (`Disk`, `crate::store::Disk`); the trait for a trait's block.
    pub self_segs: Option<Vec<String>>,
    pub of_trait: Option<Vec<String>>,
    /// How many fns enclosed the block: its methods are one deeper.
    pub fns_outside: usize,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FnFlags {
    /// Index of the fn's entry in `Context::summaries`.
    pub summary: usize,
    /// `&mut self` / `mut self` receiver.
    pub self_mut: bool,
    /// `#[test]`, `#[tokio::test]`, `#[sqlx::test]`, ...
    pub test: bool,
    /// `#[should_panic]`: misuse that panics is what the test checks.
    pub should_panic: bool,
    /// Runs on a current-thread tokio runtime: `#[tokio::test]` (default flavour) or
    /// `#[tokio::main(flavor = "current_thread")]`.
    pub current_thread: bool,
    /// Takes `self` in any form.
    pub has_self: bool,
}

impl<'src> Context<'src> {
    pub(crate) fn new(source: &'src str, options: &'src Options, run_crates: &'src [String], facts: FileFacts) -> Self {
        Context {
            source,
            options,
            run_crates,
            facts,
            frames: Vec::new(),
            scopes: Vec::new(),
            rule: None,
            diagnostics: Vec::new(),
            fns: Vec::new(),
            summaries: Vec::new(),
            deferred: Vec::new(),
            impl_types: Vec::new(),
            impls: Vec::new(),
            items: FileItems {
                modules: vec![Default::default()],
                ..FileItems::default()
            },
            modules: vec![0],
            calls: Default::default(),
            call_memo: Default::default(),
            test_modules: 0,
            mentions_cache: Default::default(),
            ident_text: Default::default(),
        }
    }

    /// Called by the walker before the rules look at a new node.
    pub(crate) fn new_node(&self) {
        self.call_memo.set(None);
    }

    /// Runs `f` on the text of `ident` (`r#type` as `r#type`), without allocating when the
    /// same name was asked about last.
    pub fn with_ident_text<R>(&self, ident: &proc_macro2::Ident, f: impl FnOnce(&str) -> R) -> R {
        // Asked again from inside `f`: the buffer is in use, so this one name gets its own string.
        let Ok(mut text) = self.ident_text.try_borrow_mut() else {
            return f(&ident.to_string());
        };
        if *ident != *text {
            use std::fmt::Write;
            text.clear();
            let _ = write!(text, "{ident}");
        }
        f(&text)
    }

    pub fn source(&self) -> &'src str {
        self.source
    }

    pub fn facts(&self) -> &FileFacts {
        &self.facts
    }

    /// Whether the file's text contains `word` anywhere. Rules use it to skip work on files that
    /// cannot contain what they look for; the answer is computed once per file and word.
    pub fn file_mentions(&self, word: &'static str) -> bool {
        if let Some(&(_, hit)) = self.mentions_cache.borrow().iter().find(|(w, _)| *w == word) {
            return hit;
        }
        let hit = crate::source::contains(self.source, word);
        self.mentions_cache.borrow_mut().push((word, hit));
        hit
    }

    /// The innermost async frame, if the current code runs on an executor thread.
    pub fn in_async(&self) -> Option<&Frame> {
        self.frames.last().filter(|f| f.kind == FrameKind::Async)
    }

    /// Whether the innermost fn takes `&mut self` or `mut self`.
    pub fn self_is_mut(&self) -> bool {
        self.fns.last().is_some_and(|f| f.self_mut)
    }

    /// Whether the code is test code: a test fn, a `#[cfg(test)]` module, or a test file.
    pub fn in_test(&self) -> bool {
        self.facts.test_file || self.test_modules > 0 || self.fns.iter().any(|f| f.test)
    }

    /// Whether the innermost fn runs on a current-thread tokio runtime by its attribute.
    pub fn on_current_thread_runtime(&self) -> bool {
        self.fns.last().is_some_and(|f| f.current_thread)
    }

    /// The type of the innermost `impl` block (`Worker` in `impl Worker` or `impl Job for Worker`).
    pub fn impl_type(&self) -> Option<&str> {
        self.impl_types.last().map(String::as_str)
    }

    /// Whether the innermost fn takes `self`.
    pub fn fn_has_self(&self) -> bool {
        self.fns.last().is_some_and(|f| f.has_self)
    }

    /// Whether the innermost fn is a `#[should_panic]` test.
    pub fn expects_panic(&self) -> bool {
        self.fns.last().is_some_and(|f| f.should_panic)
    }

    /// The local binding `name` in scope at byte offset `at`, if any.
    pub fn local(&self, name: &str, at: usize) -> Option<&Local> {
        for scope in self.scopes.iter().rev() {
            if let Some(l) = scope.locals.iter().rev().find(|l| l.name == name && l.visible_at(at)) {
                return Some(l);
            }
            if scope.fn_barrier || scope.module_barrier {
                break;
            }
        }
        None
    }

    /// The local bindings in scope at byte offset `at` in the current fn, innermost first.
    pub fn visible_locals(&self, at: usize) -> impl Iterator<Item = &Local> {
        let end = self
            .scopes
            .iter()
            .rposition(|s| s.fn_barrier || s.module_barrier)
            .unwrap_or(0);
        self.scopes[end..]
            .iter()
            .rev()
            .flat_map(|s| s.locals.iter().rev())
            .filter(move |l| l.visible_at(at))
    }

    /// Every path `path` may name here, most likely first: through `use` renames, groups and
    /// globs. A name bound by a local variable resolves to nothing; a name declared in this file
    /// resolves to `self::name`.
    pub fn resolve_path(&self, path: &syn::Path) -> Vec<String> {
        let mut segs = path.segments.iter().map(|s| s.ident.to_string());
        let Some(first) = segs.next() else { return Vec::new() };
        let rest: Vec<String> = segs.collect();
        let at = path.segments[0].ident.span();
        self.resolve_segments(&first, &rest, path.leading_colon.is_some(), Some(at))
    }

    pub(crate) fn resolve_segments(
        &self,
        first: &str,
        rest: &[String],
        absolute: bool,
        at: Option<Span>,
    ) -> Vec<String> {
        if absolute {
            return vec![join_path(first, rest)];
        }
        self.resolve_in(self.scopes.len(), first, rest, at, 0)
    }

    /// Resolves in the innermost `limit` scopes. `super::`, `crate::` and `self::` paths, written
    /// or reached through an import, are looked up again in the module they name, so
    /// `use super::{block_on};` finds the parent's `use futures::executor::block_on;`.
    fn resolve_in(&self, limit: usize, first: &str, rest: &[String], at: Option<Span>, depth: usize) -> Vec<String> {
        let module_of = |i: usize| {
            (0..=i.min(limit.saturating_sub(1)))
                .rev()
                .find(|&j| self.scopes[j].module_barrier)
        };
        let relative = |scope_index: usize, head: &str, tail: &[String]| -> Option<Vec<String>> {
            let (next, more) = tail.split_first()?;
            let target = match head {
                "crate" => 1,
                "super" => module_of(scope_index)?,
                "self" => module_of(scope_index)? + 1,
                _ => return None,
            };
            if depth >= 8 {
                return None;
            }
            let found = self.resolve_in(target, next, more, None, depth + 1);
            // Not declared in this file (the module is another file): keep the crate path.
            if found.first().is_some_and(|f| *f == join_path(next, more)) {
                let head = if head == "self" { "crate" } else { head };
                return Some(vec![join_path(head, tail)]);
            }
            Some(found)
        };
        if matches!(first, "crate" | "self" | "super" | "Self") {
            let here = limit.saturating_sub(1);
            return relative(here, first, rest).unwrap_or_else(|| vec![join_path(first, rest)]);
        }
        let mut globs = Vec::new();
        // Only a single name can be a local variable; `None` means "not from this fn".
        let mut in_fn = at.is_some() && rest.is_empty();
        let use_site = std::cell::OnceCell::new();
        for (i, scope) in self.scopes[..limit].iter().enumerate().rev() {
            if in_fn
                && scope.locals.iter().any(|l| {
                    l.name == first && l.visible_at(*use_site.get_or_init(|| at.map_or(0, |s| span_range(s).start)))
                })
            {
                return Vec::new();
            }
            if scope.items.contains(first) {
                return vec![join_path(&format!("self::{first}"), rest)];
            }
            if let Some((_, full)) = scope.alias(first) {
                let mut parts = full.split("::");
                let head = parts.next().unwrap_or_default();
                if matches!(head, "crate" | "self" | "super") {
                    let tail: Vec<String> = parts.map(str::to_string).chain(rest.iter().cloned()).collect();
                    if let Some(found) = relative(i, head, &tail) {
                        return found;
                    }
                }
                return vec![join_path(full, rest)];
            }
            globs.extend(scope.globs.iter().filter(|g| *g != "super"));
            if scope.fn_barrier {
                in_fn = false;
            }
            if scope.module_barrier && !scope.globs.iter().any(|g| g == "super") {
                break;
            }
        }
        let mut out = vec![join_path(first, rest)];
        out.extend(globs.into_iter().map(|g| join_path(&format!("{g}::{first}"), rest)));
        out
    }

    /// The resolved path of the call a method chain starts from, looking through locals:
    /// `tokio::runtime::Runtime::new` for `rt` after `let rt = Runtime::new().unwrap();`, and
    /// `std::process::Command::new` for `Command::new("git").arg("log").output()`.
    /// Only constructor-like roots are resolved (see [`ORIGIN_CTORS`]).
    pub fn origin(&self, expr: &syn::Expr) -> Option<String> {
        use syn::Expr;
        let mut e = expr;
        loop {
            e = match e {
                Expr::MethodCall(m) => &m.receiver,
                Expr::Try(t) => &t.expr,
                Expr::Await(a) => &a.base,
                Expr::Paren(p) => &p.expr,
                Expr::Reference(r) => &r.expr,
                // `Arc::new(Condvar::new())`: the shared value is what matters.
                Expr::Call(c)
                    if c.args.len() == 1
                        && matches!(&*c.func, Expr::Path(p) if p.path.segments.len() == 2
                            && ["Arc", "Rc", "Box"].iter().any(|w| p.path.segments[0].ident == w)
                            && p.path.segments[1].ident == "new") =>
                {
                    &c.args[0]
                }
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else { return None };
                    if !self.may_name(&p.path, ORIGIN_CTORS) {
                        return None;
                    }
                    // Prefer what an import or glob says over the bare written path.
                    let written = p
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect::<Vec<_>>()
                        .join("::");
                    let all = self.resolve_path(&p.path);
                    return all.iter().find(|c| **c != written).or(all.first()).cloned();
                }
                Expr::Path(p) => {
                    let name = p.path.get_ident()?.to_string();
                    let at = span_range(p.path.segments[0].ident.span()).start;
                    return self.local(&name, at).and_then(|l| l.origin.clone());
                }
                _ => return None,
            }
        }
    }

    /// A cheap test before [`Context::resolve_path`]: whether `path` can name an item whose own
    /// name is one of `names`, either directly or through a renaming import of a single name
    /// (`use futures::executor::block_on as wait;`).
    pub fn may_name(&self, path: &syn::Path, names: &[&str]) -> bool {
        let Some(last) = path.segments.last() else { return false };
        // One string, then plain `&str` comparisons: far cheaper than comparing the `Ident` with
        // each name of a long list.
        self.with_ident_text(&last.ident, |own| {
            names.contains(&own)
                || path.segments.len() == 1
                    && self.scopes.iter().any(|s| {
                        s.renames
                            .iter()
                            .any(|(alias, original)| alias == own && names.contains(&original.as_str()))
                    })
        })
    }

    /// Whether a path starting with `first` may name something other than what it says: an
    /// import under another name, or a module-relative import that may lead to one.
    pub fn may_be_renamed(&self, first: &proc_macro2::Ident) -> bool {
        ["crate", "super", "self", "Self"].iter().any(|k| first == k)
            || self.scopes.iter().any(|s| {
                s.renames.iter().any(|(alias, _)| first == alias)
                    || s.aliases.iter().any(|(alias, full)| {
                        first == alias && ["crate::", "super::", "self::"].iter().any(|p| full.starts_with(p))
                    })
            })
    }

    /// Whether `name` is imported here from one of `crates` (`use reqwest::blocking;`).
    pub fn imported_from(&self, name: &str, crates: &[&str]) -> bool {
        self.scopes.iter().any(|s| {
            s.aliases.iter().any(|(alias, full)| {
                alias == name
                    && crates
                        .iter()
                        .any(|c| full.strip_prefix(c).is_some_and(|r| r.starts_with("::")))
            })
        })
    }

    /// Whether a glob import from one of `crates` is in scope (`use reqwest::blocking::*;`).
    pub fn has_glob_from(&self, crates: &[&str]) -> bool {
        self.scopes.iter().any(|s| {
            s.globs
                .iter()
                .any(|g| crates.iter().any(|c| g == c || g.starts_with(&format!("{c}::"))))
        })
    }

    /// What a single name (a type or fn written bare) may name here.
    pub fn resolve_name(&self, name: &str) -> Vec<String> {
        self.resolve_segments(name, &[], false, None)
    }

    /// The first of `known` that `path` may name here.
    pub fn path_matches(&self, path: &syn::Path, known: &[&'static str]) -> Option<&'static str> {
        let candidates = self.resolve_path(path);
        candidates.iter().find_map(|c| known.iter().copied().find(|k| k == c))
    }

    /// The byte range of a syntax node.
    pub fn range(&self, node: &impl syn::spanned::Spanned) -> Range<usize> {
        span_range(node.span())
    }

    /// The source text of a block, braces included, without re-tokenising it.
    pub fn block_text(&self, block: &syn::Block) -> &'src str {
        self.source.get(span_range(block.brace_token.span.join())).unwrap_or("")
    }

    /// The source text of a syntax node.
    pub fn text(&self, node: &impl syn::spanned::Spanned) -> &'src str {
        self.source.get(self.range(node)).unwrap_or("")
    }

    /// A diagnostic for the rule being run, at its default severity.
    pub fn diagnostic(&self, range: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let meta = self.rule.expect("rules report only while the walker runs them");
        Diagnostic::new(meta.name, meta.default_severity, message, range)
    }

    pub fn report(&mut self, mut diagnostic: Diagnostic) {
        if diagnostic.scope.is_empty() {
            diagnostic.scope = self.scope_name();
        }
        self.diagnostics.push(diagnostic);
    }

    /// The innermost fn, qualified by its `impl` type: `Worker::run`, `handler`.
    fn scope_name(&self) -> String {
        self.fns
            .last()
            .map_or(String::new(), |flags| self.summaries[flags.summary].scope())
    }

    /// The entry of a configured list of paths (see [`Options`]) that a call path names here.
    pub fn configured_path(&self, path: &syn::Path, list: &'src [String]) -> Option<&'src str> {
        let last = path.segments.last()?;
        if !Options::last_segments(list).any(|n| last.ident == n) {
            return None;
        }
        self.resolve_path(path)
            .iter()
            .find_map(|r| Options::path_listed(list, r))
    }

    /// The project's additions to the rules' built-in tables.
    pub fn options(&self) -> &'src Options {
        self.options
    }

    /// Reports `diagnostic` once every file is walked, if every fn of the run that `callee`
    /// reaches has what `need` says. A blocking finding is labelled with the async frame.
    pub fn report_if(
        &mut self,
        callee: u32,
        need: Need,
        range: Range<usize>,
        labels: Vec<Label>,
        describe: crate::knowledge::Describe,
    ) {
        let meta = self.rule.expect("rules report only while the walker runs them");
        let frame = match need {
            Need::Blocks(_) => self.in_async().map(|f| span_range(f.start)),
            _ => None,
        };
        self.deferred.push(Deferred {
            frame,
            callee,
            need,
            rule: meta.name,
            severity: meta.default_severity,
            range,
            labels,
            describe: crate::knowledge::Words::Lazy(describe),
            fn_index: self.fns.last().map(|f| f.summary),
        });
    }

    /// Whether the innermost frame is the body of a sync fn (not async, not insulated).
    pub fn in_sync_fn_body(&self) -> bool {
        !self.fns.is_empty() && self.frames.last().is_some_and(|f| f.kind == FrameKind::Sync)
    }

    /// Records that the sync fn being walked blocks at `range`, so async callers in the crate can
    /// be told. Only direct calls in the fn's own sync body count.
    pub fn note_blocking(&mut self, kind: BlockKind, what: impl Into<String>, range: Range<usize>) {
        if !self.in_sync_fn_body() {
            return;
        }
        let Some(flags) = self.fns.last() else { return };
        let summary = &mut self.summaries[flags.summary];
        summary.blocking_calls += 1;
        let what = what.into();
        let rank = BlockRecord::rank_of(kind, &what);
        // Keep the one of each kind that blocks longest: the one a finding cites.
        let same = summary.blocks.iter().position(|b| b.kind == kind);
        if same.is_some_and(|i| summary.blocks[i].rank >= rank) {
            return;
        }
        let line = line_of(self.source, range.start);
        let record = BlockRecord {
            kind,
            rank,
            what,
            range,
            line,
        };
        match same {
            Some(i) => summary.blocks[i] = record,
            None => summary.blocks.push(record),
        }
    }

    /// The module of the file being walked.
    pub fn current_module(&self) -> ModuleIndex {
        self.modules.last().copied().unwrap_or(0)
    }

    /// The innermost `impl` or `trait` block, if the innermost fn is one of its methods.
    fn method_of(&self) -> Option<&ImplFrame> {
        self.impls.last().filter(|i| i.fns_outside + 1 == self.fns.len())
    }

    /// A type as declared here, for the crate model: `Self` is the `impl`'s type. A type of
    /// `std` (written or imported) is kept only if the model knows methods of it that block;
    /// primitives and prelude types are not kept.
    pub fn declared_type(&self, ty: &syn::Type) -> Option<TypeRef> {
        let mut segs = type_segments(ty)?;
        let first = segs.first()?.clone();
        if first == "Self" {
            let own = self.impls.last()?.self_segs.clone()?;
            segs.splice(0..1, own);
        } else if let Some(full) = self.imported_as(&first).filter(|f| {
            is_std(f)
                || crate::model::facts::is_blocking_type(
                    &[*f]
                        .into_iter()
                        .chain(segs[1..].iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join("::"),
                )
        }) {
            let mut path: Vec<String> = full.split("::").map(str::to_string).collect();
            path.extend(segs.drain(1..));
            segs = path;
        } else if crate::model::facts::is_blocking_type(&segs.join("::")) {
            return Some(TypeRef::Path {
                module: self.current_module(),
                segs,
            });
        } else if !is_std(&first) && !matches!(first.as_str(), "crate" | "self" | "super" | "") {
            if let Some(full) = self.reach(&first)? {
                let mut path: Vec<String> = full.split("::").map(str::to_string).collect();
                path.extend(segs.drain(1..));
                segs = path;
            }
        }
        if is_std(&segs[0]) && !crate::model::facts::is_blocking_type(&segs.join("::")) {
            return None;
        }
        Some(TypeRef::Path {
            module: self.current_module(),
            segs,
        })
    }

    /// What an import in scope brings in under `name`: `std::fs::File` for `File`.
    fn imported_as(&self, name: &str) -> Option<&str> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.alias(name).map(|(_, full)| full.as_str()))
    }

    /// The type of `self` in the innermost method.
    fn self_type(&self) -> Option<TypeRef> {
        let frame = self.method_of()?;
        Some(TypeRef::Path {
            module: self.current_module(),
            segs: frame.self_segs.clone()?,
        })
    }

    /// The type of an expression where the code states it: `self`, a typed binding, a field of
    /// a value of known type, a static, a constructor or a crate fn's declared return type, one
    /// method call deep. `None` is unknown: a rule then does not guess.
    pub fn type_of(&self, expr: &syn::Expr) -> Option<TypeRef> {
        self.type_of_depth(expr, 0)
    }

    fn type_of_depth(&self, expr: &syn::Expr, depth: usize) -> Option<TypeRef> {
        use syn::Expr;
        if depth > 6 {
            return None;
        }
        match expr {
            Expr::Paren(p) => self.type_of_depth(&p.expr, depth),
            Expr::Reference(r) => self.type_of_depth(&r.expr, depth),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.type_of_depth(&u.expr, depth),
            Expr::Try(t) => self.type_of_depth(&t.expr, depth),
            Expr::Await(a) => self.type_of_depth(&a.base, depth),
            Expr::Path(p) if p.qself.is_none() => {
                if p.path.is_ident("self") {
                    return self.self_type();
                }
                if let Some(ident) = p.path.get_ident() {
                    let name = ident.to_string();
                    let at = span_range(ident.span()).start;
                    if let Some(local) = self.local(&name, at) {
                        return local.ty.clone();
                    }
                }
                // A static or const: by convention its name is upper case.
                let last = p.path.segments.last()?.ident.to_string();
                if last.len() < 2 || !last.chars().all(|c| c.is_uppercase() || c == '_' || c.is_ascii_digit()) {
                    return None;
                }
                Some(TypeRef::ValueOf {
                    module: self.current_module(),
                    segs: self.written_segments(&p.path)?,
                })
            }
            Expr::Field(f) => {
                let syn::Member::Named(name) = &f.member else {
                    return None;
                };
                let base = self.type_of_depth(&f.base, depth + 1)?;
                Some(TypeRef::Field(Box::new(base), name.to_string()))
            }
            Expr::Struct(s) if s.qself.is_none() => Some(TypeRef::Path {
                module: self.current_module(),
                segs: self.written_segments(&s.path)?,
            }),
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                if p.qself.is_some() {
                    return None;
                }
                let segs = &p.path.segments;
                // `Arc::new(x)`, `Box::new(x)`: the value is what matters.
                if segs.len() == 2
                    && c.args.len() == 1
                    && segs[1].ident == "new"
                    && ["Arc", "Rc", "Box", "Mutex", "RwLock", "Some", "Ok"]
                        .iter()
                        .any(|w| segs[0].ident == w)
                {
                    return self.type_of_depth(&c.args[0], depth + 1);
                }
                if segs.len() == 1 && ["Some", "Ok"].iter().any(|w| segs[0].ident == w) && c.args.len() == 1 {
                    return self.type_of_depth(&c.args[0], depth + 1);
                }
                Some(TypeRef::Returns {
                    module: self.current_module(),
                    path: self.written_path(&p.path)?,
                })
            }
            Expr::MethodCall(m) => {
                let base = self.type_of_depth(&m.receiver, depth + 1)?;
                let method = m.method.to_string();
                if TRANSPARENT_METHODS.contains(&method.as_str()) {
                    return Some(base);
                }
                // One method call deep: past that, a chain's type is rarely what the code states.
                if matches!(base, TypeRef::MethodReturns(..)) {
                    return None;
                }
                Some(TypeRef::MethodReturns(Box::new(base), method))
            }
            _ => None,
        }
    }

    /// A path as the crate model reads it: `Self` becomes the `impl`'s type, and an import
    /// inside a fn body (which the model does not see) is applied here.
    fn written_segments(&self, path: &syn::Path) -> Option<Vec<String>> {
        let mut segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_some() {
            segs.insert(0, String::new());
            return Some(segs);
        }
        let first = segs.first()?;
        if first == "Self" {
            let own = self.impls.last()?.self_segs.clone()?;
            segs.splice(0..1, own);
            return Some(segs);
        }
        // Imports of the enclosing blocks, up to the module.
        for scope in self.scopes.iter().rev() {
            if scope.module_barrier {
                break;
            }
            if let Some((_, full)) = scope.alias(first) {
                let mut out: Vec<String> = full.split("::").map(str::to_string).collect();
                out.extend(segs.drain(1..));
                return Some(out);
            }
        }
        Some(segs)
    }

    /// A call that may reach a fn of the run, for the crate model to resolve: a path call
    /// (`load(..)`, `crate::a::f(..)`, `Config::load(..)`, `Self::new(..)`) or a method called on
    /// a receiver whose type the code states. Calls of locals (closures) and of `std` are not.
    pub fn call_ref(&self, expr: &syn::Expr) -> Option<CallRef> {
        use syn::Expr;
        match expr {
            Expr::Call(c) => {
                let mut func = &*c.func;
                while let Expr::Paren(p) = func {
                    func = &p.expr;
                }
                let Expr::Path(p) = func else { return None };
                self.path_call_ref(&p.path)
            }
            Expr::MethodCall(m) => {
                if self.with_ident_text(&m.method, |name| TRANSPARENT_METHODS.contains(&name)) {
                    return None;
                }
                let receiver = self.type_of(&m.receiver)?;
                Some(CallRef::Method {
                    receiver,
                    method: m.method.to_string(),
                })
            }
            _ => None,
        }
    }

    /// A call path as the crate model reads it, segments joined by `::` (an import inside a
    /// fn body, which the model does not see, applied), or `None` for a path that cannot reach
    /// the run: through `std`, `core`, `alloc` or another crate outside the run (written or
    /// imported), or a name no item, import or glob of the file explains (the prelude's `drop`,
    /// `Vec::new`).
    fn written_path(&self, path: &syn::Path) -> Option<String> {
        let first = path.segments.first()?;
        let mut out = String::new();
        let mut rest = path.segments.iter();
        if path.leading_colon.is_some() {
            let name = first.ident.to_string();
            if !self.run_crates.contains(&name) {
                return None;
            }
            out.push_str("::");
        } else {
            let head = first.ident.to_string();
            match head.as_str() {
                "crate" | "self" | "super" => {}
                "Self" => {
                    out.push_str(&self.impls.last()?.self_segs.as_ref()?.join("::"));
                    rest.next();
                }
                _ => {
                    if let Some(full) = self.reach(&head)? {
                        out.push_str(full);
                        rest.next();
                    }
                }
            }
        }
        for seg in rest {
            if !out.is_empty() && !out.ends_with("::") {
                out.push_str("::");
            }
            let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{}", seg.ident));
        }
        Some(out)
    }

    /// Whether a path starting with `head` may reach an item of the run: `None` if it cannot,
    /// `Some(Some(full))` if an import in a fn body stands for `full`, `Some(None)` if it may as
    /// written.
    fn reach(&self, head: &str) -> Option<Option<&str>> {
        for scope in self.scopes.iter().rev() {
            if let Some((_, full)) = scope.alias(head) {
                let root = full.split("::").next().unwrap_or_default();
                let inside = matches!(root, "crate" | "self" | "super")
                    || self.run_crates.iter().any(|c| c == root)
                    || self.declared_here(root);
                if !inside {
                    return None;
                }
                return Some((!scope.module_barrier).then_some(full.as_str()));
            }
            if scope.items.contains(head) || !scope.globs.is_empty() {
                return Some(None);
            }
            if scope.module_barrier {
                break;
            }
        }
        self.run_crates.iter().any(|c| c == head).then_some(None)
    }

    /// Whether an item named `name` (a module, for a module-relative import) is declared in the
    /// innermost module or the blocks inside it.
    fn declared_here(&self, name: &str) -> bool {
        for scope in self.scopes.iter().rev() {
            if scope.items.contains(name) {
                return true;
            }
            if scope.module_barrier {
                break;
            }
        }
        false
    }

    /// [`Context::call_ref`], kept in the file's table of calls for findings that wait on it:
    /// its index there.
    pub fn call_index(&self, expr: &syn::Expr) -> Option<u32> {
        let key = std::ptr::from_ref(expr) as usize;
        if let Some((k, index)) = self.call_memo.get()
            && k == key
        {
            return index;
        }
        let index = self.call_ref(expr).map(|c| self.intern(c));
        self.call_memo.set(Some((key, index)));
        index
    }

    /// [`Context::call_index`] for the path of a call.
    pub fn path_call_index(&self, path: &syn::Path) -> Option<u32> {
        self.path_call_ref(path).map(|c| self.intern(c))
    }

    fn intern(&self, call: CallRef) -> u32 {
        let mut calls = self.calls.borrow_mut();
        calls.push(call);
        (calls.len() - 1) as u32
    }

    /// The name of an interned call's callee, as a finding shows it.
    pub fn call_name(&self, index: u32) -> String {
        self.calls
            .borrow()
            .get(index as usize)
            .map_or(String::new(), |c| c.name().to_string())
    }

    /// [`Context::call_ref`] for the path of a call.
    pub fn path_call_ref(&self, path: &syn::Path) -> Option<CallRef> {
        let first = path.segments.first()?;
        if path.segments.len() == 1 && path.leading_colon.is_none() {
            let name = first.ident.to_string();
            // A tuple struct or variant: `Some(x)`, `Wrapper(x)`.
            if name.starts_with(char::is_uppercase) {
                return None;
            }
            let at = span_range(first.ident.span()).start;
            let mut in_fn = true;
            for scope in self.scopes.iter().rev() {
                if in_fn && scope.locals.iter().any(|l| l.name == name && l.visible_at(at)) {
                    return None;
                }
                if scope.module_barrier {
                    break;
                }
                if scope.items.contains(&name) {
                    return Some(CallRef::Nested {
                        module: self.current_module(),
                        name,
                    });
                }
                // Outer fns' locals are not visible; their items and imports are.
                in_fn &= !scope.fn_barrier;
            }
        }
        Some(CallRef::Path {
            module: self.current_module(),
            path: self.written_path(path)?,
        })
    }
}

fn is_std(path: &str) -> bool {
    matches!(path.split("::").next(), Some("std" | "core" | "alloc"))
}

/// Methods that hand back the receiver's own value (or a reference to it) for the crate model:
/// the type of `a.clone()` or `a.lock().unwrap()` for a method call's receiver is `a`'s.
const TRANSPARENT_METHODS: &[&str] = &[
    "clone",
    "unwrap",
    "expect",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "as_deref",
    "to_owned",
    "deref",
    "deref_mut",
    "unwrap_or_default",
];

fn join_path(head: &str, rest: &[String]) -> String {
    let mut s = head.to_string();
    for r in rest {
        s.push_str("::");
        s.push_str(r);
    }
    s
}

/// Calls whose result [`Context::origin`] tracks: constructors and handle getters.
pub const ORIGIN_CTORS: &[&str] = &[
    "new",
    "current",
    "try_current",
    "default",
    "new_current_thread",
    "new_multi_thread",
    "new_multi_thread_alt",
    "spawn",
    "stdin",
    "bind",
    "connect",
    "channel",
    "sync_channel",
];

thread_local! {
    /// Where each line of the file being checked on this thread starts, and whether the file is
    /// ASCII. proc-macro2 turns a span into bytes through a per-file map of char offsets that
    /// grows with every lookup and walks chars between entries; for an ASCII file the span's
    /// line and column give the bytes directly.
    static LINES: std::cell::RefCell<Option<SpanLines>> = const { std::cell::RefCell::new(None) };
}

struct SpanLines {
    starts: Vec<usize>,
    ascii: bool,
}

/// Installs the line index of `code` (the text syn parsed) for spans of it on this thread,
/// until dropped.
pub(crate) struct SourceLines(());

impl SourceLines {
    pub(crate) fn install(code: &str) -> Self {
        LINES.with(|l| {
            *l.borrow_mut() = Some(SpanLines {
                starts: crate::diagnostic::line_starts(code),
                ascii: code.is_ascii(),
            })
        });
        SourceLines(())
    }
}

impl Drop for SourceLines {
    fn drop(&mut self) {
        LINES.with(|l| l.borrow_mut().take());
    }
}

/// The byte range of a span of the file being checked.
pub fn span_range(span: Span) -> Range<usize> {
    let fast = LINES.with(|l| {
        let l = l.borrow();
        let index = l.as_ref().filter(|i| i.ascii)?;
        let at = |lc: proc_macro2::LineColumn| Some(index.starts.get(lc.line.checked_sub(1)?)? + lc.column);
        Some(at(span.start())?..at(span.end())?)
    });
    fast.unwrap_or_else(|| span.byte_range())
}

/// The 1-based line of a byte offset of the file being checked.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    LINES
        .with(|l| l.borrow().as_ref().map(|i| i.starts.partition_point(|&s| s <= offset)))
        .unwrap_or_else(|| source.get(..offset).map_or(0, |s| s.matches('\n').count() + 1))
}

impl Diagnostic {
    pub fn with_label(mut self, range: Range<usize>, message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        self.labels.push(Label {
            range,
            message: message.into(),
        });
        self
    }

    pub fn with_primary_label(mut self, message: impl Into<String>) -> Self {
        self.primary_label = message.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The help as a concrete rewrite of `range`.
    pub fn with_suggestion(
        mut self,
        range: Range<usize>,
        replacement: impl Into<String>,
        applicability: crate::diagnostic::Applicability,
    ) -> Self {
        self.suggestion = Some(crate::diagnostic::Suggestion {
            range,
            replacement: replacement.into(),
            applicability,
        });
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds the "async context starts here" label of the innermost async frame.
    pub fn with_async_frame(self, cx: &Context<'_>) -> Self {
        match cx.in_async() {
            Some(frame) => {
                let start = span_range(frame.start);
                self.with_label(start, "async context starts here")
            }
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::{TokenStream, TokenTree};

    /// Every token's range, as proc-macro2 gives it and through the line index.
    fn ranges(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
        let tokens: TokenStream = text.parse().unwrap();
        let _lines = SourceLines::install(text);
        let mut out = Vec::new();
        let mut stack = vec![tokens];
        while let Some(ts) = stack.pop() {
            for t in ts {
                let span = t.span();
                out.push((span.byte_range(), span_range(span)));
                if let TokenTree::Group(g) = t {
                    out.push((g.span_open().byte_range(), span_range(g.span_open())));
                    out.push((g.span_close().byte_range(), span_range(g.span_close())));
                    stack.push(g.stream());
                }
            }
        }
        out
    }

    #[test]
    fn spans_through_the_line_index_match_proc_macro2() {
        let ascii =
            "fn a() {\r\n\tlet x = [1, 2];\n    // c\n    x.iter().map(|y| y + 1).count();\n}\n\n/* b */ fn b() {}";
        let non_ascii = "fn a() { let s = \"héllo →\"; }\n// é\nfn b() { c(\"ü\") }";
        for text in [ascii, non_ascii] {
            let all = ranges(text);
            assert!(all.len() > 10);
            for (want, got) in all {
                assert_eq!(got, want, "in {text:?}");
            }
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }

    #[test]
    fn identifier_text_can_be_asked_for_inside_itself() {
        let options = Options::default();
        let cx = Context::new("", &options, &[], FileFacts::default());
        let (a, b) = (
            proc_macro2::Ident::new("spawn", Span::call_site()),
            proc_macro2::Ident::new_raw("type", Span::call_site()),
        );
        let both = cx.with_ident_text(&a, |outer| cx.with_ident_text(&b, |inner| format!("{outer} {inner}")));
        assert_eq!(both, "spawn r#type");
        assert_eq!(cx.with_ident_text(&b, str::to_string), "r#type");
        assert_eq!(cx.with_ident_text(&a, str::to_string), "spawn");
    }

    #[test]
    fn lines_of_offsets_with_and_without_the_index() {
        let text = "a\nbc\n\nd";
        let without: Vec<usize> = (0..text.len()).map(|o| line_of(text, o)).collect();
        let _lines = SourceLines::install(text);
        let with: Vec<usize> = (0..text.len()).map(|o| line_of(text, o)).collect();
        assert_eq!(without, vec![1, 1, 2, 2, 2, 3, 4]);
        assert_eq!(with, without);
    }
}
