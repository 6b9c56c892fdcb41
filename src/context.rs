//! What rules may ask about the code around the node they look at.
//!
//! The walker keeps this up to date: the stack of async/sync frames, the lexical scopes with
//! their `use` imports, local items and local bindings. Rules only ask questions and report.

use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::{BlockKind, BlockRecord, Deferred, FnSummary, Need};
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
    /// `use a::b as c;` renames: (`c`, `b`), the few imports under a name of their own.
    pub renames: Vec<(String, String)>,
    pub globs: Vec<String>,
    /// Items declared in this scope (fns, types, modules, consts).
    pub items: Vec<String>,
    pub locals: Vec<Local>,
    /// A module: names from outer scopes are not visible (except through `use super::*`).
    pub module_barrier: bool,
    /// A fn body: outer locals are not visible (outer items and imports are).
    pub fn_barrier: bool,
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
    /// Depth of `#[cfg(test)]` modules around the walk.
    pub(crate) test_modules: usize,
    mentions_cache: std::cell::RefCell<Vec<(&'static str, bool)>>,
    /// The text of the identifier asked about last: several rules ask about the same call.
    ident_text: std::cell::RefCell<String>,
    /// The last answer of [`Context::crate_fn_name`], by the path's address; cleared before each
    /// node, so an address reused by a later macro-body parse never finds a stale answer.
    crate_fn_memo: std::cell::RefCell<Option<(usize, Option<String>)>>,
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
    pub(crate) fn new(source: &'src str, options: &'src Options, facts: FileFacts) -> Self {
        Context {
            source,
            options,
            facts,
            frames: Vec::new(),
            scopes: Vec::new(),
            rule: None,
            diagnostics: Vec::new(),
            fns: Vec::new(),
            summaries: Vec::new(),
            deferred: Vec::new(),
            impl_types: Vec::new(),
            test_modules: 0,
            mentions_cache: Default::default(),
            ident_text: Default::default(),
            crate_fn_memo: Default::default(),
        }
    }

    /// Called by the walker before the rules look at a new node.
    pub(crate) fn new_node(&self) {
        self.crate_fn_memo.borrow_mut().take();
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
            if scope.items.iter().any(|it| it == first) {
                return vec![join_path(&format!("self::{first}"), rest)];
            }
            if let Some((_, full)) = scope.aliases.iter().rev().find(|(a, _)| a == first) {
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

    /// Reports `diagnostic` once every file is walked, if every crate fn named `callee` has
    /// what `need` says.
    pub fn report_if(
        &mut self,
        callee: impl Into<String>,
        need: Need,
        range: Range<usize>,
        labels: Vec<Label>,
        describe: crate::knowledge::Describe,
    ) {
        let meta = self.rule.expect("rules report only while the walker runs them");
        self.deferred.push(Deferred {
            callee: callee.into(),
            need,
            rule: meta.name,
            severity: meta.default_severity,
            range,
            labels,
            describe: crate::knowledge::Words::Lazy(describe),
            fn_index: self.fns.last().map(|f| f.summary),
        });
    }

    /// The "async context starts here" label, if in async code.
    pub fn async_frame_label(&self) -> Vec<Label> {
        self.in_async()
            .map(|f| Label {
                range: span_range(f.start),
                message: "async context starts here".into(),
            })
            .into_iter()
            .collect()
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
        let line = line_of(self.source, range.start);
        let summary = &mut self.summaries[flags.summary];
        if summary.blocks.len() < 4 {
            summary.blocks.push(BlockRecord {
                kind,
                what: what.into(),
                range,
                line,
            });
        }
    }

    /// A cheap filter before [`Context::crate_fn_name`], allocating nothing: constructors
    /// (`Some`, `Foo(..)`) and paths through another crate (`tokio::spawn`, `Vec::new`) are out.
    fn may_be_crate_path(&self, path: &syn::Path) -> bool {
        let segs = &path.segments;
        let (Some(first), Some(last)) = (segs.first(), segs.last()) else {
            return false;
        };
        let fn_like = self.with_ident_text(&last.ident, |name| {
            name.trim_start_matches("r#")
                .starts_with(|c: char| c.is_lowercase() || c == '_')
        });
        if !fn_like {
            return false;
        }
        if segs.len() == 1 || ["crate", "super", "self", "Self"].iter().any(|k| first.ident == k) {
            return true;
        }
        // `store::load(..)`, `Config::load(..)`: the first name is an item of this file or an
        // import of one from the crate.
        self.scopes.iter().any(|s| {
            s.items.iter().any(|i| first.ident == i)
                || s.aliases.iter().any(|(a, full)| {
                    first.ident == a && ["crate::", "super::", "self::"].iter().any(|p| full.starts_with(p))
                })
        })
    }

    /// Whether a call path names a fn of this crate: declared in this file, reached through
    /// `crate::`/`super::`/`self::`, or a bare name no import explains. Returns its name.
    pub fn crate_fn_name(&self, path: &syn::Path) -> Option<String> {
        let key = std::ptr::from_ref(path) as usize;
        if let Some((k, name)) = &*self.crate_fn_memo.borrow()
            && *k == key
        {
            return name.clone();
        }
        let name = self.crate_fn_name_uncached(path);
        *self.crate_fn_memo.borrow_mut() = Some((key, name.clone()));
        name
    }

    fn crate_fn_name_uncached(&self, path: &syn::Path) -> Option<String> {
        if !self.may_be_crate_path(path) {
            return None;
        }
        let written = path.segments.last()?.ident.to_string();
        let resolved = self.resolve_path(path);
        let first = resolved.first()?;
        let crate_path = resolved.iter().find(|r| {
            ["self::", "crate::", "super::", "Self::"]
                .iter()
                .any(|p| r.starts_with(p))
        });
        match crate_path {
            // `use super::audit::record_event as audit_record;` calls `record_event`.
            Some(p) => p.rsplit("::").next().map(str::to_string),
            // A bare name no import explains; not one a glob of another crate may supply.
            None => (path.segments.len() == 1 && resolved.len() == 1 && *first == written).then_some(written),
        }
    }
}

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
        let cx = Context::new("", &options, FileFacts::default());
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
