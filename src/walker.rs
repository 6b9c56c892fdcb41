//! The one syntax walk: keeps async frames, scopes and imports in the [`Context`], looks inside
//! the bodies of well-known macros, and calls every rule's hooks.

use crate::context::{Context, FileFacts, FnFlags, Frame, FrameKind, ImplFrame, Local, Scope, line_of, span_range};
use crate::knowledge::FnSummary;
use crate::model::items::{self as model_items, ImplDecl, ModuleItems, TypeDecl, TypeKind, TypeRef, ValueDecl};
use crate::options::Options;
use crate::rule::{FnItem, Rule};
use crate::source::contains;
use crate::tokens::contains_ident;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use std::collections::HashSet;
use std::fmt::Write;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Item, Pat, Stmt, Token};

pub struct Walker<'r, 'src> {
    /// The rules that can fire in this file.
    rules: Vec<&'r dyn Rule>,
    pub cx: Context<'src>,
    signature_from_trait: bool,
    /// The closure visited next is an argument of a method call (`iter().map(|x| ..)`), which
    /// runs it inline; any other closure in sync code is stored and runs later, maybe elsewhere.
    inline_closure: bool,
}

impl<'r, 'src> Walker<'r, 'src> {
    pub fn new(
        rules: &'r [&'r dyn Rule],
        source: &'src str,
        options: &'src Options,
        run_crates: &'src [String],
        file: &syn::File,
        test_file: bool,
    ) -> Self {
        // A project's own blocking calls, spawners or types can make any rule fire.
        let extended = options.words().any(|w| contains(source, w));
        let rules = rules
            .iter()
            .copied()
            .filter(|r| {
                let needles = r.meta().needles;
                extended || needles.is_empty() || needles.iter().any(|n| contains(source, n))
            })
            .collect();
        Walker {
            rules,
            cx: Context::new(
                source,
                options,
                run_crates,
                FileFacts {
                    test_file,
                    ..file_facts(source, options, file)
                },
            ),
            signature_from_trait: false,
            inline_closure: false,
        }
    }

    pub fn run(mut self, file: &syn::File) -> Context<'src> {
        self.visit_file(file);
        self.cx.items.calls = std::mem::take(self.cx.calls.get_mut());
        self.cx
    }

    fn push_scope(&mut self, items: &[Item], module_barrier: bool, fn_barrier: bool) {
        let mut scope = Scope {
            module_barrier,
            fn_barrier,
            ..Scope::default()
        };
        declare_items(&mut scope, items);
        self.cx.scopes.push(scope);
    }

    fn with_frame(&mut self, kind: FrameKind, start: Span, f: impl FnOnce(&mut Self)) {
        self.cx.frames.push(Frame { kind, start });
        f(self);
        self.cx.frames.pop();
    }

    fn bind_pat(
        &mut self,
        pat: &Pat,
        origin: Option<String>,
        type_name: Option<String>,
        mutable_ty: bool,
        declared: Option<Span>,
    ) {
        self.bind_typed(pat, origin, type_name, None, mutable_ty, declared);
    }

    fn bind_typed(
        &mut self,
        pat: &Pat,
        origin: Option<String>,
        type_name: Option<String>,
        ty: Option<TypeRef>,
        mutable_ty: bool,
        declared: Option<Span>,
    ) {
        let mut names = Vec::new();
        pat_bindings(pat, &mut names);
        let single = names.len() == 1;
        if let Some(scope) = self.cx.scopes.last_mut() {
            for (name, mutable) in names {
                scope.locals.push(Local {
                    name,
                    mutable: mutable || mutable_ty,
                    // `let (tx, rx) = mpsc::channel();`: both ends come from the same call.
                    origin: origin.clone(),
                    type_name: if single { type_name.clone() } else { None },
                    ty: if single { ty.clone() } else { None },
                    declared,
                });
            }
        }
    }

    fn walk_fn(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature, block: &syn::Block) {
        let item = FnItem {
            sig,
            block,
            signature_from_trait: self.signature_from_trait,
        };
        self.cx.new_node();
        for rule in &self.rules {
            self.cx.rule = Some(rule.meta());
            rule.check_fn(&item, &mut self.cx);
        }
        let kind = if sig.asyncness.is_some() {
            FrameKind::Async
        } else {
            FrameKind::Sync
        };
        let start = match &sig.asyncness {
            Some(a) => a.span.join(sig.ident.span()).unwrap_or(a.span),
            None => sig.ident.span(),
        };
        let self_mut = sig.inputs.iter().any(|arg| match arg {
            syn::FnArg::Receiver(r) => r.mutability.is_some() || matches!(&r.reference, Some((_, Some(_)))),
            syn::FnArg::Typed(_) => false,
        });
        // Nested fns do not inherit the trait-impl flag of an enclosing method.
        let was_from_trait = std::mem::replace(&mut self.signature_from_trait, false);
        let test = attrs.iter().any(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "test" || s.ident == "rstest" || s.ident == "test_case")
        });
        let should_panic = attrs.iter().any(|a| a.path().is_ident("should_panic"));
        let name = sig.ident.to_string();
        let returns_future = matches!(&sig.output, syn::ReturnType::Type(_, ty) if returns_future(ty));
        let method_of = self.cx.impls.last().filter(|i| i.fns_outside == self.cx.fns.len());
        let summary = FnSummary {
            returns_result: self.cx.facts.result_fns.contains(&name) || self.cx.facts.result_methods.contains(&name),
            // `#[tokio::main] async fn` / `#[tokio::test] async fn` are sync fns once expanded.
            is_async: (sig.asyncness.is_some() || returns_future)
                && !attrs.iter().any(|a| {
                    let segs = &a.path().segments;
                    segs.len() >= 2 && segs.last().is_some_and(|s| s.ident == "main" || s.ident == "test")
                }),
            takes_token: sig.inputs.iter().any(
                |a| matches!(a, syn::FnArg::Typed(pt) if type_info(&pt.ty).0.is_some_and(|t| self.cx.options().is_token_type(&t))),
            ),
            name,
            module: self.cx.current_module(),
            blocks: Vec::new(),
            blocking_calls: 0,
            owner: self.cx.impl_type().map(str::to_string),
            self_ty: method_of.and_then(|i| {
                Some(TypeRef::Path {
                    module: self.cx.current_module(),
                    segs: i.self_segs.clone()?,
                })
            }),
            of_trait: method_of.and_then(|i| i.of_trait.clone()),
            nested: !self.cx.fns.is_empty(),
            ret: match &sig.output {
                syn::ReturnType::Type(_, ty) if !returns_future => self.cx.declared_type(ty),
                _ => None,
            },
            calls: Vec::new(),
        };
        self.cx.summaries.push(summary);
        let current_thread = attrs.iter().any(|a| {
            let segs = &a.path().segments;
            let tokio = segs.len() == 2 && segs[0].ident == "tokio";
            if !(tokio || segs.len() == 1) {
                return false;
            }
            let flavor = a.meta.require_list().map(|l| l.tokens.to_string()).unwrap_or_default();
            // `use tokio::test;` then `#[test] async fn`: std's `#[test]` cannot be async.
            let bare_async_test =
                segs.len() == 1 && segs[0].ident == "test" && sig.asyncness.is_some() && self.cx.file_mentions("tokio");
            (((tokio && segs[1].ident == "test") || bare_async_test) && !flavor.contains("multi_thread"))
                || (tokio && segs[1].ident == "main" && flavor.contains("current_thread"))
        });
        // `#[tokio::main] #[test] async fn`: tokio's main attribute decides, multi-thread by default.
        let multi_thread_main = attrs.iter().any(|a| {
            let segs = &a.path().segments;
            segs.len() == 2
                && segs[0].ident == "tokio"
                && segs[1].ident == "main"
                && !a
                    .meta
                    .require_list()
                    .is_ok_and(|l| l.tokens.to_string().contains("current_thread"))
        });
        let current_thread = current_thread && !multi_thread_main;
        let has_self = sig.receiver().is_some();
        self.cx.fns.push(FnFlags {
            summary: self.cx.summaries.len() - 1,
            self_mut,
            test,
            should_panic,
            current_thread,
            has_self,
        });
        self.push_scope(&[], false, true);
        for arg in &sig.inputs {
            if let syn::FnArg::Typed(pt) = arg {
                let (ty_name, mut_ref) = type_info(&pt.ty);
                let ty = self.cx.declared_type(&pt.ty);
                self.bind_typed(&pt.pat, None, ty_name, ty, mut_ref, None);
            }
        }
        self.with_frame(kind, start, |w| w.visit_block(block));
        self.cx.scopes.pop();
        self.cx.fns.pop();
        self.signature_from_trait = was_from_trait;
    }

    /// Records what a module's items declare, for the crate model.
    fn record_items(&mut self, items: &[Item]) {
        let module = self.cx.current_module();
        let local = |cx: &Context, ty: &syn::Type| cx.declared_type(ty);
        for item in items {
            let (name, kind, fields, alias_of) = match item {
                Item::Use(u) => {
                    let uses = &mut self.cx.items.modules[module as usize].uses;
                    model_items::use_decls(&u.tree, &mut Vec::new(), uses);
                    continue;
                }
                Item::Mod(m) if m.content.is_none() => {
                    let entry = (m.ident.to_string(), model_items::path_attr(&m.attrs));
                    let here = &mut self.cx.items.modules[module as usize];
                    if model_items::cfg_test(&m.attrs) {
                        here.test_mods.push(entry.0.clone());
                    }
                    here.file_mods.push(entry);
                    continue;
                }
                Item::Static(syn::ItemStatic { ident, ty, .. }) | Item::Const(syn::ItemConst { ident, ty, .. }) => {
                    let ty = local(&self.cx, ty);
                    self.cx.items.values.push(ValueDecl {
                        name: ident.to_string(),
                        module,
                        ty,
                    });
                    continue;
                }
                Item::Struct(st) => {
                    let fields = named_fields(&self.cx, &st.fields);
                    (&st.ident, TypeKind::Struct, fields, None)
                }
                Item::Union(u) => {
                    let fields = named_fields(&self.cx, &syn::Fields::Named(u.fields.clone()));
                    (&u.ident, TypeKind::Union, fields, None)
                }
                Item::Enum(e) => (&e.ident, TypeKind::Enum, Vec::new(), None),
                Item::Trait(t) => (&t.ident, TypeKind::Trait, Vec::new(), None),
                Item::Type(t) => (&t.ident, TypeKind::Alias, Vec::new(), local(&self.cx, &t.ty)),
                _ => continue,
            };
            self.cx.items.types.push(TypeDecl {
                name: name.to_string(),
                module,
                kind,
                fields,
                alias_of,
            });
        }
    }

    fn run_call_rules(&mut self, call: &Expr) {
        self.cx.new_node();
        // The call graph the crate model propagates blocking along.
        if self.cx.in_sync_fn_body()
            && let Some(callee) = self.cx.call_index(call)
            && let Some(flags) = self.cx.fns.last()
        {
            let line = line_of(self.cx.source, span_range(call.span()).start) as u32;
            self.cx.summaries[flags.summary].calls.push((callee, line));
        }
        for rule in &self.rules {
            self.cx.rule = Some(rule.meta());
            rule.check_call(call, &mut self.cx);
        }
    }

    /// Visits a call's arguments, treating sync closures handed to a thread or blocking-pool
    /// spawner as sync code.
    fn visit_args<'a>(&mut self, insulating: bool, method: bool, args: impl Iterator<Item = &'a Expr>) {
        for arg in args {
            match insulated_closure(arg) {
                Some(c) if insulating => {
                    let start = c.or1_token.span;
                    // `spawn_blocking({ let h = h.clone(); move || .. })`: the statements before
                    // the closure run here; only the closure runs elsewhere.
                    if let Expr::Block(b) = arg {
                        self.push_scope(&[], false, false);
                        for s in &b.block.stmts[..b.block.stmts.len() - 1] {
                            self.visit_stmt(s);
                        }
                        self.with_frame(FrameKind::Insulated, start, |w| w.visit_expr_closure(c));
                        self.cx.scopes.pop();
                    } else {
                        self.with_frame(FrameKind::Insulated, start, |w| w.visit_expr_closure(c));
                    }
                }
                _ => {
                    self.inline_closure = method && matches!(arg, Expr::Closure(_));
                    self.visit_expr(arg);
                }
            }
        }
    }

    fn is_insulating_call(&self, func: &Expr) -> bool {
        let Expr::Path(p) = func else { return false };
        let Some(last) = p.path.segments.last() else {
            return false;
        };
        if is_insulating_name(&self.cx, &last.ident) {
            return true;
        }
        if p.path.segments.len() == 1 {
            // `use tokio::task::spawn_blocking as offload;`
            let resolved = self.cx.resolve_path(&p.path);
            if resolved
                .iter()
                .any(|r| r.rsplit("::").next().is_some_and(|l| INSULATING.contains(&l)))
            {
                return true;
            }
        }
        if self
            .cx
            .configured_path(&p.path, &self.cx.options().insulating_wrappers)
            .is_some()
        {
            return true;
        }
        // actix-web's `web::block(|| ..)` runs the closure on its blocking pool.
        if last.ident == "block" {
            return self.cx.path_matches(&p.path, &["actix_web::web::block"]).is_some();
        }
        if last.ident == "scope" {
            // `std::thread::scope`'s own closure runs on the calling thread; only the threads it
            // spawns are insulated. rayon's scope body runs in the pool.
            return self
                .cx
                .path_matches(&p.path, &["rayon::scope", "rayon::in_place_scope"])
                .is_some();
        }
        false
    }

    fn visit_macro_body(&mut self, mac: &syn::Macro) {
        let Some(last) = mac.path.segments.last() else { return };
        let name = last.ident.to_string();
        let tokens = mac.tokens.clone();
        match name.as_str() {
            "select" | "select_biased" => {
                if let Ok(branches) = parse_select.parse2(tokens) {
                    for e in &branches {
                        self.visit_expr(e);
                    }
                }
            }
            "stream" | "try_stream" => {
                if let Ok(stmts) = syn::Block::parse_within.parse2(tokens) {
                    let start = mac.path.span();
                    self.with_frame(FrameKind::Async, start, |w| {
                        w.push_scope(&[], false, false);
                        for s in &stmts {
                            w.visit_stmt(s);
                        }
                        w.cx.scopes.pop();
                    });
                }
            }
            n if COMMA_MACROS.contains(&n) => {
                // Most of these (`info!("..", x)`, `format!(..)`) hold only literals and names:
                // a look at the text spares splitting and parsing them. In sync code, arguments
                // matter only if they start async code of their own.
                let inner = macro_text(self.cx.source, mac);
                if !(self.cx.in_async().is_some() || contains(inner, "async")) || !may_hold_code(inner) {
                    return;
                }
                for chunk in split_top_level(tokens) {
                    if let Ok(e) = syn::parse2::<Expr>(strip_field_sigils(chunk)) {
                        self.visit_expr(&e);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Closures handed to these run on another thread or a blocking pool, not on the executor.
const INSULATING: &[&str] = &[
    "spawn_blocking",
    "block_in_place",
    "unblock",
    "spawn",
    "spawn_fifo",
    "spawn_scoped",
    "install",
];

/// Macros whose arguments are comma-separated expressions (chunks that do not parse, such as
/// `target: "x"` or `?field` in tracing macros, are skipped).
const COMMA_MACROS: &[&str] = &[
    "join",
    "try_join",
    "join_all",
    "assert",
    "assert_eq",
    "assert_ne",
    "assert_matches",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "dbg",
    "vec",
    "matches",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "event",
    "span",
    "trace_span",
    "debug_span",
    "info_span",
    "warn_span",
    "error_span",
    "anyhow",
    "bail",
    "ensure",
    "ready",
    "pin",
    "pin_mut",
];

impl<'ast> Visit<'ast> for Walker<'_, '_> {
    fn visit_file(&mut self, file: &'ast syn::File) {
        self.push_scope(&file.items, true, false);
        self.record_items(&file.items);
        for item in &file.items {
            self.visit_item(item);
        }
        self.cx.scopes.pop();
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let Some((_, items)) = &m.content else { return };
        let cfg_test = model_items::cfg_test(&m.attrs);
        self.cx.test_modules += usize::from(cfg_test);
        let index = self.cx.items.modules.len() as u32;
        self.cx.items.modules.push(ModuleItems {
            name: m.ident.to_string(),
            parent: Some(self.cx.current_module()),
            path_attr: model_items::path_attr(&m.attrs),
            cfg_test,
            ..ModuleItems::default()
        });
        self.cx.modules.push(index);
        self.push_scope(items, true, false);
        self.record_items(items);
        let was_from_trait = std::mem::replace(&mut self.signature_from_trait, false);
        for item in items {
            self.visit_item(item);
        }
        self.signature_from_trait = was_from_trait;
        self.cx.scopes.pop();
        self.cx.modules.pop();
        self.cx.test_modules -= usize::from(cfg_test);
    }

    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    // Types, generic arguments and attributes hold no code a rule looks at: rules read
    // signatures directly, and attributes' own tokens are not code.
    fn visit_type(&mut self, _: &'ast syn::Type) {}

    fn visit_path_arguments(&mut self, _: &'ast syn::PathArguments) {}

    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    // Leaves and declarations without code: most of a syntax tree's nodes, and none of them a
    // call, a block or a fn. Patterns' bindings are read where they are bound.
    fn visit_path(&mut self, _: &'ast syn::Path) {}

    fn visit_expr_path(&mut self, _: &'ast syn::ExprPath) {}

    fn visit_lit(&mut self, _: &'ast syn::Lit) {}

    fn visit_pat(&mut self, _: &'ast syn::Pat) {}

    fn visit_generics(&mut self, _: &'ast syn::Generics) {}

    fn visit_item_struct(&mut self, _: &'ast syn::ItemStruct) {}

    fn visit_item_enum(&mut self, _: &'ast syn::ItemEnum) {}

    fn visit_item_union(&mut self, _: &'ast syn::ItemUnion) {}

    fn visit_item_type(&mut self, _: &'ast syn::ItemType) {}

    fn visit_item_foreign_mod(&mut self, _: &'ast syn::ItemForeignMod) {}

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.walk_fn(&f.attrs, &f.sig, &f.block);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let self_ty = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        self.cx.impl_types.push(self_ty);
        let self_segs = model_items::type_segments(&i.self_ty);
        let of_trait = i
            .trait_
            .as_ref()
            .map(|(_, path, _)| path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>());
        // Only at module level: an impl inside a fn body is for a type the model does not see.
        if self.cx.fns.is_empty()
            && let (Some(segs), Some(t)) = (&self_segs, &of_trait)
        {
            self.cx.items.impls.push(ImplDecl {
                module: self.cx.current_module(),
                self_ty: TypeRef::Path {
                    module: self.cx.current_module(),
                    segs: segs.clone(),
                },
                of_trait: t.clone(),
            });
        }
        self.cx.impls.push(ImplFrame {
            self_segs: self_segs.filter(|_| self.cx.fns.is_empty()),
            of_trait,
            fns_outside: self.cx.fns.len(),
        });
        let was = std::mem::replace(&mut self.signature_from_trait, i.trait_.is_some());
        for item in &i.items {
            self.visit_impl_item(item);
        }
        self.signature_from_trait = was;
        self.cx.impls.pop();
        self.cx.impl_types.pop();
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.cx.impls.push(ImplFrame {
            self_segs: self.cx.fns.is_empty().then(|| vec![t.ident.to_string()]),
            of_trait: None,
            fns_outside: self.cx.fns.len(),
        });
        for item in &t.items {
            self.visit_trait_item(item);
        }
        self.cx.impls.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.walk_fn(&f.attrs, &f.sig, &f.block);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            let was = std::mem::replace(&mut self.signature_from_trait, true);
            self.walk_fn(&f.attrs, &f.sig, block);
            self.signature_from_trait = was;
        }
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if m.ident.is_some() {
            return; // macro_rules! definitions are templates, not code
        }
        let name = m
            .mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if COMMA_MACROS.contains(&name.as_str()) || name == "select" {
            return self.visit_macro_body(&m.mac);
        }
        // `cfg_rt! { mod runtime; }`: the module tree goes on inside the macro.
        if contains(macro_text(self.cx.source, &m.mac), "mod ") {
            let module = self.cx.current_module() as usize;
            model_items::macro_file_mods(&m.mac.tokens, &mut self.cx.items.modules[module].file_mods);
        }
        // Item-position macros such as `cfg_rt! { ... }` usually wrap plain items. Parsing them
        // costs a second parse of their text, so only where async code or a spawn can be inside.
        const WORTH_PARSING: &[&str] = &["async", "spawn", "block_on", "drop_guard"];
        let text = macro_text(self.cx.source, &m.mac);
        if !WORTH_PARSING.iter().any(|w| contains(text, w)) || !contains_ident(&m.mac.tokens, WORTH_PARSING) {
            return;
        }
        if let Ok(file) = syn::parse2::<syn::File>(m.mac.tokens.clone()) {
            if let Some(scope) = self.cx.scopes.last_mut() {
                declare_items(scope, &file.items);
            }
            self.record_items(&file.items);
            for item in &file.items {
                self.visit_item(item);
            }
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_macro_body(mac);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let mut scope = Scope::default();
        for s in &b.stmts {
            if let Stmt::Item(item) = s {
                declare_items(&mut scope, std::slice::from_ref(item));
            }
        }
        self.cx.scopes.push(scope);
        for s in &b.stmts {
            self.visit_stmt(s);
        }
        // After the statements, so the block's own `let`s are known to the rules.
        self.cx.new_node();
        for rule in &self.rules {
            self.cx.rule = Some(rule.meta());
            rule.check_block(b, &mut self.cx);
        }
        self.cx.scopes.pop();
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        for attr in &l.attrs {
            self.visit_attribute(attr);
        }
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let origin = l.init.as_ref().and_then(|i| self.cx.origin(&i.expr));
        let (pat, ty_name, ty) = match &l.pat {
            Pat::Type(pt) => (&*pt.pat, type_info(&pt.ty).0, self.cx.declared_type(&pt.ty)),
            p => (p, None, l.init.as_ref().and_then(|i| self.cx.type_of(&i.expr))),
        };
        self.bind_typed(pat, origin, ty_name, ty, false, Some(l.semi_token.span));
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if matches!(e, Expr::Call(_) | Expr::MethodCall(_)) {
            self.run_call_rules(e);
        }
        match e {
            Expr::Async(a) => {
                let start = a.async_token.span;
                self.with_frame(FrameKind::Async, start, |w| visit::visit_expr_async(w, a));
            }
            Expr::Closure(c) if !std::mem::take(&mut self.inline_closure) && self.cx.in_sync_fn_body() => {
                // Stored to run later (`Box::new(move || rx.recv())`): not this fn's own blocking.
                let start = c.or1_token.span;
                self.inline_closure = true;
                self.with_frame(FrameKind::Insulated, start, |w| w.visit_expr(e));
            }
            Expr::Closure(c) => {
                self.push_scope(&[], false, false);
                for p in &c.inputs {
                    let (pat, ty_name) = match p {
                        Pat::Type(pt) => (&*pt.pat, type_info(&pt.ty).0),
                        p => (p, None),
                    };
                    self.bind_pat(pat, None, ty_name, false, None);
                }
                if let Some(a) = &c.asyncness {
                    let start = a.span;
                    self.with_frame(FrameKind::Async, start, |w| w.visit_expr(&c.body));
                } else {
                    self.visit_expr(&c.body);
                }
                self.cx.scopes.pop();
            }
            Expr::ForLoop(f) => {
                self.visit_expr(&f.expr);
                self.push_scope(&[], false, false);
                self.bind_pat(&f.pat, None, None, false, None);
                self.visit_block(&f.body);
                self.cx.scopes.pop();
            }
            Expr::Let(l) => {
                // `if let` / `while let`: the binding lives in the branch; binding it in the
                // enclosing scope from here on is close enough for shadowing.
                self.visit_expr(&l.expr);
                self.bind_pat(&l.pat, None, None, false, Some(l.let_token.span));
            }
            Expr::Call(call) => {
                self.visit_expr(&call.func);
                // Only calls that take a closure can hand it to another thread.
                let insulating =
                    call.args.iter().any(|a| insulated_closure(a).is_some()) && self.is_insulating_call(&call.func);
                self.visit_args(insulating, false, call.args.iter());
            }
            Expr::MethodCall(m) => {
                self.visit_expr(&m.receiver);
                let insulating = is_insulating_name(&self.cx, &m.method)
                    || Options::last_segments(&self.cx.options().insulating_wrappers).any(|w| m.method == w);
                self.visit_args(insulating, true, m.args.iter());
            }
            _ => visit::visit_expr(self, e),
        }
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.push_scope(&[], false, false);
        self.bind_pat(&arm.pat, None, None, false, None);
        if let Some((_, guard)) = &arm.guard {
            self.visit_expr(guard);
        }
        self.visit_expr(&arm.body);
        self.cx.scopes.pop();
    }

    // A `static` or `const` initialiser runs at most once, outside any async frame.
    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        let start = s.ident.span();
        self.with_frame(FrameKind::Insulated, start, |w| w.visit_expr(&s.expr));
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        let start = c.ident.span();
        self.with_frame(FrameKind::Insulated, start, |w| w.visit_expr(&c.expr));
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // Reached only from `visit_args` for insulated closures; share the scope handling.
        self.push_scope(&[], false, false);
        for p in &c.inputs {
            self.bind_pat(p, None, None, false, None);
        }
        self.visit_expr(&c.body);
        self.cx.scopes.pop();
    }
}

/// A struct's named fields with their declared types.
fn named_fields(cx: &Context, fields: &syn::Fields) -> Vec<(String, TypeRef)> {
    let syn::Fields::Named(named) = fields else {
        return Vec::new();
    };
    named
        .named
        .iter()
        .filter_map(|f| Some((f.ident.as_ref()?.to_string(), cx.declared_type(&f.ty)?)))
        .collect()
}

/// `spawn_blocking`, `block_in_place`, ... and a crate's own wrappers named like them
/// (`run_blocking`, tokio's `asyncify`).
fn is_insulating_name(cx: &Context, name: &proc_macro2::Ident) -> bool {
    cx.with_ident_text(name, |name| {
        // tokio's `asyncify`, deadpool's `interact`: closures run on a blocking pool.
        INSULATING.contains(&name) || name == "asyncify" || name == "interact" || name.contains("blocking")
    })
}

/// A sync closure argument, possibly in parentheses or as the tail of a block.
fn insulated_closure(arg: &Expr) -> Option<&syn::ExprClosure> {
    match arg {
        Expr::Closure(c) if c.asyncness.is_none() => Some(c),
        Expr::Paren(p) => insulated_closure(&p.expr),
        Expr::Block(b) if b.block.stmts.len() > 1 || matches!(b.block.stmts.last(), Some(Stmt::Expr(_, None))) => {
            match b.block.stmts.last() {
                Some(Stmt::Expr(Expr::Closure(c), None)) if c.asyncness.is_none() => Some(c),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Records the names an item list declares in `scope`: imports, globs and local items.
fn declare_items(scope: &mut Scope, items: &[Item]) {
    for item in items {
        let ident = match item {
            Item::Use(u) => {
                add_use(&u.tree, &mut String::new(), scope);
                continue;
            }
            Item::Fn(f) => &f.sig.ident,
            Item::Struct(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Mod(m) => &m.ident,
            Item::Const(c) => &c.ident,
            Item::Static(s) => &s.ident,
            Item::Type(t) => &t.ident,
            Item::Trait(t) => &t.ident,
            Item::Union(u) => &u.ident,
            _ => continue,
        };
        scope.items.insert(ident.to_string());
    }
}

/// `prefix` is the path so far (`a::b`, without a leading `::`), extended and cut back as the
/// tree is walked, so each imported name costs one string for its alias and one for its path.
fn add_use(tree: &syn::UseTree, prefix: &mut String, scope: &mut Scope) {
    let full = |prefix: &str, last: &str| match (prefix.is_empty(), last == "self") {
        (_, true) => prefix.to_string(),
        (true, false) => last.to_string(),
        (false, false) => format!("{prefix}::{last}"),
    };
    match tree {
        syn::UseTree::Path(p) => {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push_str("::");
            }
            let _ = write!(prefix, "{}", p.ident);
            add_use(&p.tree, prefix, scope);
            prefix.truncate(len);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let path = full(prefix, &name);
            let alias = if name == "self" {
                prefix.rsplit("::").next().unwrap_or_default().to_string()
            } else {
                name
            };
            scope.add_alias(alias, path);
        }
        syn::UseTree::Rename(r) => {
            let alias = r.rename.to_string();
            if alias != "_" {
                let original = r.ident.to_string();
                let path = full(prefix, &original);
                scope.renames.push((alias.clone(), original));
                scope.add_alias(alias, path);
            }
        }
        syn::UseTree::Glob(_) => scope.globs.push(full(prefix, "self")),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                add_use(t, prefix, scope);
            }
        }
    }
}

/// The names a pattern binds, with whether each is `mut`.
fn pat_bindings(pat: &Pat, out: &mut Vec<(String, bool)>) {
    match pat {
        Pat::Ident(i) => {
            out.push((i.ident.to_string(), i.mutability.is_some()));
            if let Some((_, sub)) = &i.subpat {
                pat_bindings(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_bindings(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_bindings(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pat_bindings(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| pat_bindings(p, out)),
        Pat::Or(o) => o.cases.iter().take(1).for_each(|p| pat_bindings(p, out)),
        Pat::Reference(r) => pat_bindings(&r.pat, out),
        Pat::Paren(p) => pat_bindings(&p.pat, out),
        Pat::Type(t) => pat_bindings(&t.pat, out),
        _ => {}
    }
}

/// The last path segment of a type behind references, and whether it is `&mut`.
fn type_info(ty: &syn::Type) -> (Option<String>, bool) {
    match ty {
        syn::Type::Reference(r) => (type_info(&r.elem).0, r.mutability.is_some()),
        syn::Type::Paren(p) => type_info(&p.elem),
        syn::Type::Path(p) => (p.path.segments.last().map(|s| s.ident.to_string()), false),
        _ => (None, false),
    }
}

/// `field = %value` and `field = ?value` in tracing macros: drop the formatting sigil so the
/// rest parses as an expression.
fn strip_field_sigils(chunk: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut prev_eq = true;
    for tt in chunk {
        if let TokenTree::Punct(p) = &tt {
            if prev_eq && (p.as_char() == '%' || p.as_char() == '?') {
                prev_eq = false;
                continue;
            }
            prev_eq = p.as_char() == '=';
        } else {
            prev_eq = false;
        }
        out.push(tt);
    }
    out.into_iter().collect()
}

/// The source text between a macro's delimiters: looking at it is far cheaper than walking the
/// tokens.
fn macro_text<'s>(source: &'s str, mac: &syn::Macro) -> &'s str {
    let whole = source.get(span_range(mac.delimiter.span().join())).unwrap_or("");
    whole.get(1..whole.len().saturating_sub(1)).unwrap_or("")
}

/// Splits a macro's tokens at top-level `,` and `;`.
/// The comma- or semicolon-separated chunks of `tokens` that can hold a call, a block or an
/// await (those with a bracketed group or an `await`); literals and plain names are left out.
fn split_top_level(tokens: TokenStream) -> Vec<TokenStream> {
    let mut chunks = Vec::new();
    let mut cur = Vec::new();
    let mut code = false;
    let mut flush = |cur: &mut Vec<TokenTree>, code: &mut bool| {
        if std::mem::take(code) {
            chunks.push(cur.drain(..).collect());
        } else {
            cur.clear();
        }
    };
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';' => flush(&mut cur, &mut code),
            TokenTree::Group(_) => {
                code = true;
                cur.push(tt);
            }
            TokenTree::Ident(i) => {
                code |= i == "await";
                cur.push(tt);
            }
            _ => cur.push(tt),
        }
    }
    flush(&mut cur, &mut code);
    chunks
}

/// Whether macro arguments written as `text` can hold code worth parsing: a bracket outside a
/// string literal, or an `.await`.
fn may_hold_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => return true,
            b'a' if bytes[i..].starts_with(b"await") => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Parses the branches of `tokio::select!` / `futures::select!` into their expressions:
/// each branch's future, its `if` precondition and its handler.
fn parse_select(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            input.parse::<syn::Ident>()?; // biased;
            input.parse::<Token![;]>()?;
            continue;
        }
        if input.peek(Token![else]) || (input.peek(syn::Ident) && input.peek2(Token![=>])) {
            // `else => ...`, futures' `complete => ...` / `default => ...`
            input.parse::<proc_macro2::TokenTree>()?;
        } else {
            Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            out.push(Expr::parse_without_eager_brace(input)?);
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                out.push(Expr::parse_without_eager_brace(input)?);
            }
        }
        input.parse::<Token![=>]>()?;
        let handler_is_block = input.cursor().group(Delimiter::Brace).is_some();
        out.push(input.parse::<Expr>()?);
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        } else if !handler_is_block && !input.is_empty() {
            return Err(input.error("expected `,` after a select! branch"));
        }
    }
    Ok(out)
}

/// Facts about the whole file that rules need before the walk reaches them.
fn file_facts(source: &str, options: &Options, file: &syn::File) -> FileFacts {
    struct Collect<'o> {
        /// Type aliases of `Result` declared in the file (`type AppResult<T> = ...`).
        result_aliases: Vec<String>,
        /// (name, is a method, the last segment of its return type or future output)
        returns: Vec<(String, bool, String)>,
        async_fns: HashSet<String>,
        token_fields: HashSet<(String, String)>,
        mentions_token: bool,
        in_impl: usize,
        options: &'o Options,
    }
    impl<'ast> Visit<'ast> for Collect<'_> {
        fn visit_signature(&mut self, sig: &'ast syn::Signature) {
            let name = sig.ident.to_string();
            if let syn::ReturnType::Type(_, ty) = &sig.output
                && let Some(ret) = output_name(ty)
            {
                self.returns.push((name.clone(), self.in_impl > 0, ret));
            }
            if sig.asyncness.is_some() {
                self.async_fns.insert(name);
            }
        }
        fn visit_item_struct(&mut self, st: &'ast syn::ItemStruct) {
            if !self.mentions_token {
                return;
            }
            for f in &st.fields {
                // `CancellationToken`, `Arc<CancellationToken>`, `Option<CancellationToken>`
                let holds = quote::ToTokens::to_token_stream(&f.ty).into_iter().any(|t| match &t {
                    proc_macro2::TokenTree::Ident(i) => self.options.is_token_type(&i.to_string()),
                    proc_macro2::TokenTree::Group(g) => self.options.mentions_token_type(&g.stream().to_string()),
                    _ => false,
                });
                if let Some(name) = &f.ident
                    && holds
                {
                    self.token_fields.insert((st.ident.to_string(), name.to_string()));
                }
            }
        }
        fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
            if output_name(&t.ty).is_some_and(|n| n == "Result") {
                self.result_aliases.push(t.ident.to_string());
            }
        }
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            self.in_impl += 1;
            syn::visit::visit_item_impl(self, i);
            self.in_impl -= 1;
        }
        fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
            self.in_impl += 1;
            syn::visit::visit_item_trait(self, t);
            self.in_impl -= 1;
        }
        // Only signatures matter; skip bodies' expressions for speed. Nested fns are free fns.
        fn visit_block(&mut self, b: &'ast syn::Block) {
            let outer = std::mem::take(&mut self.in_impl);
            for s in &b.stmts {
                if let Stmt::Item(i) = s {
                    self.visit_item(i);
                }
            }
            self.in_impl = outer;
        }
        fn visit_item_macro(&mut self, _: &'ast syn::ItemMacro) {}
        fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}
        fn visit_item_enum(&mut self, _: &'ast syn::ItemEnum) {}
        fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
        fn visit_generics(&mut self, _: &'ast syn::Generics) {}
        fn visit_type(&mut self, _: &'ast syn::Type) {}
    }
    let mut c = Collect {
        result_aliases: Vec::new(),
        returns: Vec::new(),
        async_fns: HashSet::new(),
        token_fields: HashSet::new(),
        mentions_token: options.mentions_token_type(source),
        in_impl: 0,
        options,
    };
    c.visit_file(file);
    let mut facts = FileFacts {
        uses_tokio: contains(source, "tokio"),
        mentions_token: c.mentions_token,
        async_fns: c.async_fns,
        token_fields: c.token_fields,
        ..FileFacts::default()
    };
    for (name, method, ret) in c.returns {
        if ret == "Result" || c.result_aliases.contains(&ret) {
            if method {
                facts.result_methods.insert(name)
            } else {
                facts.result_fns.insert(name)
            };
        }
    }
    facts
}

/// `impl Future<..>`, `BoxFuture<..>`, `Pin<Box<dyn Future<..>>>`.
fn returns_future(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::ImplTrait(it) => it.bounds.iter().any(|b| {
            matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Future"))
        }),
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            s.ident == "BoxFuture"
                || s.ident == "LocalBoxFuture"
                || (s.ident == "Pin" && quote::ToTokens::to_token_stream(&s.arguments).to_string().contains("Future"))
        }),
        _ => false,
    }
}

/// The last path segment of a type, or of the `Output` of an `impl Future<Output = ..>`.
fn output_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::ImplTrait(it) => it.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(t) = b else { return None };
            let syn::PathArguments::AngleBracketed(args) = &t.path.segments.last()?.arguments else {
                return None;
            };
            args.args.iter().find_map(|a| match a {
                syn::GenericArgument::AssocType(at) if at.ident == "Output" => output_name(&at.ty),
                _ => None,
            })
        }),
        _ => None,
    }
}
